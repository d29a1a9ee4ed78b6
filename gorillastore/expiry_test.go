package gorillastore_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/internal/redistest"
)

func TestMaxAgeSetsTheTTL(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		t.Parallel()
		a := newApp(t, b)
		a.store.MaxAge(3600)
		br := &browser{}
		a.do(br, "/put?a=1")
		assert.Equal(t, 3600, br.last.MaxAge)
		key := a.key(a.id(br))
		requireTTL(t, a, key, time.Hour)

		require.NoError(t, b.Client.PExpire(ctx, key, time.Minute).Err())
		a.do(br, "/get?k=a")
		requireTTL(t, a, key, time.Hour) // a load counts as use
	})
}

func TestMaxAgeZeroIsABrowserSessionCookie(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		t.Parallel()
		a := newApp(t, b)
		a.store.MaxAge(0)
		a.store.SessionTTL = 2 * time.Hour
		br := &browser{}
		a.do(br, "/put?a=1")
		assert.Zero(t, br.last.MaxAge, "no Max-Age attribute")
		assert.True(t, br.last.Expires.IsZero(), "no Expires attribute")
		requireTTL(t, a, a.key(a.id(br)), 2*time.Hour)
		body, _ := a.do(br, "/get?k=a")
		assert.Equal(t, "1", body, "MaxAge 0 does not delete the session")
	})
}

func TestNegativeMaxAgeDeletes(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		t.Parallel()
		a := newApp(t, b)
		a.handle("/expire", func(w http.ResponseWriter, r *http.Request) {
			s := a.session(w, r)
			s.Options.MaxAge = -1
			a.save(w, r, s)
		})
		br := &browser{}
		a.do(br, "/put?a=1")
		old := br.cookie()
		a.do(br, "/expire")
		assert.Empty(t, a.sessionKeys())
		assert.Negative(t, br.last.MaxAge, "the cookie is expired")
		assert.Nil(t, br.cookie())
		body, _ := a.do(&browser{jar: old}, "/get?k=a")
		assert.Empty(t, body)
	})
}

func TestIdleTimeoutSlidesUnderAnAbsoluteCap(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		t.Parallel()
		a := newApp(t, b)
		a.store.IdleTimeout = 10 * time.Minute
		a.store.MaxAge(3600)
		br := &browser{}
		a.do(br, "/put?a=1")
		key := a.key(a.id(br))
		requireTTL(t, a, key, 10*time.Minute)

		a.do(br, "/get?k=a") // scripts loaded
		require.NoError(t, b.Client.PExpire(ctx, key, time.Minute).Err())
		trips := redistest.CountRoundTrips(b.Client)
		body, _ := a.do(br, "/get?k=a")
		assert.Equal(t, "1", body)
		assert.Equal(t, 1, trips.RoundTrips(), "a load is one round trip: %v", trips.Commands())
		requireTTL(t, a, key, 10*time.Minute)

		// Near the absolute cap, the TTL is what is left until it.
		created := b.Client.HGet(ctx, key, "#created").Val()
		require.NotEmpty(t, created)
		require.NoError(t, b.Client.HSet(ctx, key, "#deadline", time.Now().Add(90*time.Second).UnixMilli()).Err())
		a.do(br, "/get?k=a")
		requireTTL(t, a, key, 90*time.Second)
		a.do(br, "/put?b=2")
		assert.Equal(t, created, b.Client.HGet(ctx, key, "#created").Val())
	})
}

func TestIdleSessionEndsAfterTheIdleTimeout(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		t.Parallel()
		a := newApp(t, b)
		a.store.IdleTimeout = 2 * time.Second
		br := &browser{}
		a.do(br, "/put?user=7")
		for i := 0; i < 3; i++ {
			time.Sleep(time.Second)
			body, _ := a.do(br, "/get?k=user")
			require.Equal(t, "7", body, "alive after %ds of reads", i+1)
		}
		time.Sleep(2500 * time.Millisecond)
		body, _ := a.do(br, "/get?k=user")
		assert.Empty(t, body, "gone 2.5s after the last read")
		assert.Empty(t, a.sessionKeys())
	})
}

func TestRememberMeSurvivesLaterRequests(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		t.Parallel()
		a := newApp(t, b)
		a.store.MaxAge(0) // browser-session cookies unless remembered
		ninety := 90 * 24 * 3600
		a.handle("/login", func(w http.ResponseWriter, r *http.Request) {
			s := a.session(w, r)
			s.Values["user"] = "7"
			s.Options.MaxAge = ninety
			a.save(w, r, s)
		})
		a.handle("/check", func(w http.ResponseWriter, r *http.Request) {
			s := a.session(w, r)
			assert.Equal(t, ninety, s.Options.MaxAge, "restored from the session")
			s.Values["seen"] = "1"
			a.save(w, r, s)
		})
		br := &browser{}
		a.do(br, "/login")
		a.do(br, "/check")
		assert.Equal(t, ninety, br.last.MaxAge, "the re-issued cookie keeps the long life")
		requireTTL(t, a, a.key(a.id(br)), 90*24*time.Hour)
	})
}

func TestSaveReissuesTheCookie(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := newApp(t, b)
		br := &browser{}
		a.do(br, "/put?a=1")
		first := br.last
		time.Sleep(1100 * time.Millisecond) // securecookie timestamps have 1s resolution
		a.do(br, "/put?a=1")
		require.NotNil(t, br.last)
		assert.NotEqual(t, first.Value, br.last.Value, "a fresh timestamp on every save")
		assert.Equal(t, a.id(&browser{jar: first}), a.id(br), "for the same ID")
	})
}
