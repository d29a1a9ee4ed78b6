package scsstore_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/hashcodec"
	"github.com/redis-session/redis-session-go/internal/redistest"
	"github.com/redis-session/redis-session-go/scsstore"
)

// userApp is an app whose sessions are bound to the "user_id" value.
func userApp(t *testing.T, b *redistest.Backend, opts ...scsstore.Option) *app {
	a := newApp(t, b, append([]scsstore.Option{scsstore.WithUserKey("user_id")}, opts...)...)
	a.handle("/login", func(w http.ResponseWriter, r *http.Request) {
		require.NoError(t, a.sm.RenewToken(r.Context()))
		a.sm.Put(r.Context(), "user_id", r.URL.Query().Get("u"))
	})
	a.handle("/logout-others", func(w http.ResponseWriter, r *http.Request) {
		c := r.Context()
		_, err := a.store.DeleteUserSessions(c, a.sm.GetString(c, "user_id"), a.sm.Token(c))
		require.NoError(t, err)
	})
	return a
}

func tokensOf(list []scsstore.UserSession) []string {
	var out []string
	for _, s := range list {
		out = append(out, s.Token)
	}
	return out
}

func TestLogOutEverywhereElse(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := userApp(t, b)
		a.sm.IdleTimeout = 30 * time.Minute
		phone, laptop, tablet, other := &browser{}, &browser{}, &browser{}, &browser{}
		for _, br := range []*browser{phone, laptop, tablet} {
			a.do(br, "/login?u=7")
		}
		a.do(other, "/login?u=8")

		list, err := a.store.UserSessions(ctx, "7")
		require.NoError(t, err)
		assert.ElementsMatch(t, []string{phone.token(), laptop.token(), tablet.token()}, tokensOf(list))
		for _, s := range list {
			assert.WithinDuration(t, time.Now(), s.Created, 5*time.Second)
			assert.WithinDuration(t, time.Now().Add(30*time.Minute), s.Expires, 5*time.Second)
			assert.WithinDuration(t, time.Now(), s.LastSeen, 5*time.Second)
		}

		a.do(laptop, "/logout-others")
		for _, br := range []*browser{phone, tablet} {
			body, _ := a.do(br, "/get?k=user_id")
			assert.Empty(t, body, "logged out")
		}
		body, _ := a.do(laptop, "/get?k=user_id")
		assert.Equal(t, "7", body, "the current session stays")
		body, _ = a.do(other, "/get?k=user_id")
		assert.Equal(t, "8", body, "another user is untouched")
		list, err = a.store.UserSessions(ctx, "7")
		require.NoError(t, err)
		assert.Equal(t, []string{laptop.token()}, tokensOf(list))
		assert.Empty(t, a.errors())
	})
}

func TestBindingFollowsTheUserValue(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := userApp(t, b)
		a.handle("/as", func(w http.ResponseWriter, r *http.Request) {
			a.sm.Put(r.Context(), "user_id", 42) // not a string: bound as "42"
		})
		a.handle("/unbind", func(w http.ResponseWriter, r *http.Request) { a.sm.Remove(r.Context(), "user_id") })
		br := &browser{}
		a.do(br, "/login?u=7")
		old := br.token()
		users := func(u string) []string {
			list, err := a.store.UserSessions(ctx, u)
			require.NoError(t, err)
			return tokensOf(list)
		}
		assert.Equal(t, []string{old}, users("7"))

		a.do(br, "/login?u=8") // renewed token, another user
		assert.NotEqual(t, old, br.token())
		assert.Empty(t, users("7"))
		assert.Equal(t, []string{br.token()}, users("8"), "the index follows the new token")

		a.do(br, "/as")
		assert.Empty(t, users("8"))
		assert.Equal(t, []string{br.token()}, users("42"))

		a.do(br, "/unbind")
		assert.Empty(t, users("42"))
		assert.False(t, b.Client.HExists(ctx, a.key(br.token()), "#user").Val())
		keys, err := redistest.Keys(ctx, b.Client, a.pfx+"user:*")
		require.NoError(t, err)
		for _, k := range keys {
			assert.Zero(t, b.Client.ZCard(ctx, k).Val(), "%s keeps no stale entry", k)
		}
	})
}

func TestUserIndexWithHashTokenInStore(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := userApp(t, b, scsstore.WithHashedTokens())
		a.sm.HashTokenInStore = true
		one, two := &browser{}, &browser{}
		a.do(one, "/login?u=7")
		a.do(two, "/login?u=7")
		list, err := a.store.UserSessions(ctx, "7")
		require.NoError(t, err)
		require.Len(t, list, 2)
		assert.NotContains(t, tokensOf(list), one.token(), "the index holds what Redis holds: hashes")
		a.do(one, "/logout-others")
		body, _ := a.do(two, "/get?k=user_id")
		assert.Empty(t, body)
		body, _ = a.do(one, "/get?k=user_id")
		assert.Equal(t, "7", body)
	})
}

func TestTheIndexIsPrunedAndOutlivesItsSessions(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		t.Parallel()
		a := userApp(t, b)
		a.sm.Lifetime = time.Hour
		long, brief, deleted := &browser{}, &browser{}, &browser{}
		a.do(long, "/login?u=7")
		a.do(deleted, "/login?u=7")
		a.sm.Lifetime = 1500 * time.Millisecond
		a.do(brief, "/login?u=7")

		index := a.pfx + "user:7"
		assert.Equal(t, int64(3), b.Client.ZCard(ctx, index).Val())
		for _, br := range []*browser{long, brief, deleted} {
			assert.GreaterOrEqual(t, redistest.TTL(t, b.Client, index), redistest.TTL(t, b.Client, a.key(br.token())),
				"the index lives at least as long as each session")
		}
		require.NoError(t, a.store.DeleteCtx(ctx, deleted.token())) // scs Destroy elsewhere
		time.Sleep(2 * time.Second)                                 // brief expires

		list, err := a.store.UserSessions(ctx, "7")
		require.NoError(t, err)
		assert.Equal(t, []string{long.token()}, tokensOf(list), "only live sessions are listed")
		assert.Equal(t, int64(3), b.Client.ZCard(ctx, index).Val(),
			"a listing prunes nothing: entries go once their cover has passed, by Redis's clock less the margin")
	})
}

func TestDeletedSessionsStayDeleted(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := userApp(t, b)
		a.sm.IdleTimeout = time.Hour
		phone, laptop := &browser{}, &browser{}
		a.do(phone, "/login?u=7")
		a.do(laptop, "/login?u=7")
		release := inFlight(a, cookieOnly(phone), "/slow", func(r *http.Request) { a.sm.Put(r.Context(), "x", "1") })
		n, err := a.store.DeleteUserSessions(ctx, "7", "")
		require.NoError(t, err)
		assert.Equal(t, 2, n)
		release()
		assert.Zero(t, countSessions(a.sessionKeys()), "no session came back")
		body, _ := a.do(phone, "/get?k=user_id")
		assert.Empty(t, body)
	})
}

// countSessions counts the keys that are sessions (not user indexes).
func countSessions(keys []string) int {
	n := 0
	for _, k := range keys {
		if !containsUser(k) {
			n++
		}
	}
	return n
}

func containsUser(k string) bool { return strings.Contains(k, "user:") }

func TestBindUserExplicitly(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := newApp(t, b) // no WithUserKey
		a.handle("/bind", func(w http.ResponseWriter, r *http.Request) {
			c := r.Context()
			a.sm.Put(c, "name", "ada")
			token, _, err := a.sm.Commit(c)
			require.NoError(t, err)
			require.NoError(t, a.store.BindUser(c, token, "ada-id"))
		})
		br := &browser{}
		a.do(br, "/bind")
		a.do(br, "/put?theme=dark") // later commits keep the binding
		list, err := a.store.UserSessions(ctx, "ada-id")
		require.NoError(t, err)
		assert.Equal(t, []string{br.token()}, tokensOf(list))

		require.NoError(t, a.store.BindUser(ctx, br.token(), ""))
		list, err = a.store.UserSessions(ctx, "ada-id")
		require.NoError(t, err)
		assert.Empty(t, list)

		assert.ErrorIs(t, a.store.BindUser(ctx, "Q2hhbmdlIHRoaXMgdG9rZW4gZm9yIGEgcmVhbCBvbmUxMjM0NQ"[:43], "x"), hashcodec.ErrNotFound)
		assert.ErrorIs(t, a.store.BindUser(ctx, "junk", "x"), scsstore.ErrInvalidToken)
		_, err = a.store.UserSessions(ctx, "")
		assert.Error(t, err)
	})
}

// Once the session is written, failing to tidy the user index must not
// fail the request: the login below has already moved the session to a
// new token, and an error would leave the browser with the old, deleted
// one.
func TestIndexCleanupFailureKeepsTheLogin(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := userApp(t, b)
		br := &browser{}
		a.do(br, "/login?u=7&cart=apple")
		a.do(br, "/put?cart=apple")
		old := br.token()
		redistest.FailCommands(b.Client, "zrem")
		_, code := a.do(br, "/login?u=8")
		assert.Equal(t, http.StatusOK, code, "errors: %v", a.errors())
		assert.NotEqual(t, old, br.token(), "the browser has the new token")
		body, _ := a.do(br, "/get?k=cart")
		assert.Equal(t, "apple", body, "and its session")
		list, err := a.store.UserSessions(ctx, "8")
		require.NoError(t, err)
		assert.Equal(t, []string{br.token()}, tokensOf(list))
		list, err = a.store.UserSessions(ctx, "7")
		require.NoError(t, err)
		assert.Empty(t, list, "the stale entry is pruned by the listing")
	})
}

// Binding costs loads nothing and a commit at most one command: the index
// step, only when the cover runs short (about once per sliding window).
func TestBoundSessionRoundTrips(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := userApp(t, b)
		a.sm.IdleTimeout = time.Hour
		br := &browser{}
		a.do(br, "/login?u=ada")
		a.do(br, "/put?a=1") // scripts loaded
		trips := redistest.CountRoundTrips(b.Client)
		a.do(br, "/get?k=a")
		assert.Equal(t, 1, trips.RoundTrips(), "a read-only request of a bound session: %v", trips.Commands())
		trips.Reset()
		a.do(br, "/put?a=2")
		assert.Equal(t, 2, trips.RoundTrips(), "a request that writes: its load and its commit: %v", trips.Commands())
		// A cover that runs short is extended by the next load: the index
		// step and the session's new cover, once.
		require.NoError(t, b.Client.HSet(ctx, a.key(br.token()), "#uexp", time.Now().Add(90*time.Minute).UnixMilli()).Err())
		trips.Reset()
		a.do(br, "/get?k=a")
		assert.Equal(t, 3, trips.RoundTrips(), "load, index step, cover: %v", trips.Commands())
		trips.Reset()
		a.do(br, "/get?k=a")
		assert.Equal(t, 1, trips.RoundTrips(), "then covered again: %v", trips.Commands())
	})
}
