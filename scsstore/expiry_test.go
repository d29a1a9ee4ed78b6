package scsstore_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/internal/redistest"
	"github.com/redis-session/redis-session-go/scsstore"
)

func TestFindSlidesTheTTLInTheSameRoundTrip(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		t.Parallel()
		a := newApp(t, b)
		a.sm.Lifetime = 24 * time.Hour
		a.sm.IdleTimeout = 10 * time.Minute
		br := &browser{}
		a.do(br, "/put?a=1")
		key := a.key(br.token())
		requireTTL(t, a, key, 10*time.Minute)

		_, _, err := a.store.FindCtx(ctx, br.token()) // script loaded
		require.NoError(t, err)
		require.NoError(t, b.Client.PExpire(ctx, key, time.Minute).Err())
		trips := redistest.CountRoundTrips(b.Client)
		_, found, err := a.store.FindCtx(ctx, br.token())
		require.NoError(t, err)
		require.True(t, found)
		assert.Equal(t, 1, trips.RoundTrips(), "%v", trips.Commands())
		requireTTL(t, a, key, 10*time.Minute)
	})
}

func TestTheDeadlineCapsTheTTL(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		t.Parallel()
		a := newApp(t, b)
		a.sm.Lifetime = 30 * time.Second
		a.sm.IdleTimeout = time.Hour
		br := &browser{}
		a.do(br, "/put?a=1")
		key := a.key(br.token())
		requireTTL(t, a, key, 30*time.Second)
		a.do(br, "/get?k=a")
		requireTTL(t, a, key, 30*time.Second)
		_, _, err := a.store.FindCtx(ctx, br.token())
		require.NoError(t, err)
		requireTTL(t, a, key, 30*time.Second)
	})
}

func TestCommitHonoursItsExpiryArgument(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		t.Parallel()
		s := scsstore.New(b.Client, scsstore.WithPrefix(b.Prefix))
		tok := "Q2hhbmdlIHRoaXMgdG9rZW4gZm9yIGEgcmVhbCBvbmUxMjM0NQ"[:43]
		blob, err := scs.GobCodec{}.Encode(time.Now().Add(time.Hour), map[string]any{"a": "b"})
		require.NoError(t, err)
		require.NoError(t, s.CommitCtx(ctx, tok, blob, time.Now().Add(42*time.Second)))
		got := redistest.TTL(t, b.Client, b.Prefix+tok)
		assert.InDelta(t, float64(42*time.Second), float64(got), float64(1500*time.Millisecond))

		require.NoError(t, s.CommitCtx(ctx, tok, blob, time.Now().Add(-time.Second)))
		assert.Empty(t, redistest.Sessions(t, b.Client, b.Prefix), "an expiry in the past ends the session")
		assert.True(t, redistest.Tombstoned(t, b.Client, b.Prefix+tok), "for good")
	})
}

func TestSetDeadlineInThePastEndsTheSession(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		t.Parallel()
		codecs(t, func(t *testing.T, opts ...scsstore.Option) {
			a := newApp(t, b, opts...)
			a.handle("/expire", func(w http.ResponseWriter, r *http.Request) {
				a.sm.SetDeadline(r.Context(), time.Now().Add(-time.Minute))
			})
			br := &browser{}
			a.do(br, "/put?user=7")
			old := br.token()
			a.do(br, "/expire")
			assert.Empty(t, a.sessionKeys(), "no key left behind, with or without TTL")
			body, _ := a.do(&browser{cookie: old}, "/get?k=user")
			assert.Empty(t, body, "the session does not load again")
			assert.Empty(t, a.errors())
		})
	})
}

// TestIdleTimeoutUnderReadOnlyRequests is the case from the issue: with
// IdleTimeout 2s, a session read every second stays alive, and is gone 2s
// after the last read.
func TestIdleTimeoutUnderReadOnlyRequests(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		t.Parallel()
		a := newApp(t, b)
		a.sm.IdleTimeout = 2 * time.Second
		br := &browser{}
		a.do(br, "/put?user=7")
		for i := 0; i < 4; i++ {
			time.Sleep(time.Second)
			body, _ := a.do(br, "/get?k=user")
			require.Equal(t, "7", body, "alive after %ds", i+1)
			requireAllHaveTTL(t, a)
		}
		time.Sleep(1500 * time.Millisecond)
		require.Len(t, a.sessionKeys(), 1, "still there 1.5s after the last read")
		time.Sleep(1000 * time.Millisecond)
		assert.Empty(t, a.sessionKeys(), "gone 2.5s after the last read")
		body, _ := a.do(br, "/get?k=user")
		assert.Empty(t, body)
	})
}

func TestWithIdleTimeoutOverridesTheWindow(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		t.Parallel()
		a := newApp(t, b, scsstore.WithIdleTimeout(5*time.Minute))
		br := &browser{}
		a.do(br, "/put?a=1") // scs asks for the 24h Lifetime, no idle timeout
		key := a.key(br.token())
		requireTTL(t, a, key, 24*time.Hour)
		require.NoError(t, b.Client.PExpire(ctx, key, time.Minute).Err())
		a.do(br, "/get?k=a")
		requireTTL(t, a, key, 5*time.Minute)
		f := a.store.Fields(br.token())
		require.NoError(t, b.Client.PExpire(ctx, key, time.Minute).Err())
		assert.Equal(t, 1, f.Get(ctx, "a").Int())
		requireTTL(t, a, key, 5*time.Minute)
	})
}

func TestEveryKeyAlwaysHasATTL(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		t.Parallel()
		a := newApp(t, b)
		a.sm.IdleTimeout = time.Minute
		a.handle("/remember", func(w http.ResponseWriter, r *http.Request) { a.sm.RememberMe(r.Context(), true) })
		a.handle("/clear", func(w http.ResponseWriter, r *http.Request) { require.NoError(t, a.sm.Clear(r.Context())) })
		a.handle("/pop", func(w http.ResponseWriter, r *http.Request) { a.sm.PopString(r.Context(), "a") })
		br := &browser{}
		for _, path := range []string{"/put?a=1", "/get?k=a", "/remember", "/pop", "/put?b=2", "/clear", "/renew", "/put?c=3", "/destroy", "/put?d=4"} {
			a.do(br, path)
			requireAllHaveTTL(t, a)
		}
		assert.Empty(t, a.errors())
	})
}
