package gorillastore_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/gorillastore"
	"github.com/redis-session/redis-session-go/internal/redistest"
)

func userApp(t *testing.T, b *redistest.Backend) *app {
	a := newApp(t, b)
	a.store.UserKey = "user_id"
	a.handle("/login", func(w http.ResponseWriter, r *http.Request) {
		s := a.session(w, r)
		s.Values["user_id"] = r.URL.Query().Get("u")
		require.NoError(t, a.store.RegenerateID(r, w, s))
	})
	a.handle("/logout-others", func(w http.ResponseWriter, r *http.Request) {
		s := a.session(w, r)
		n, err := a.store.DeleteUserSessions(r.Context(), s.Values["user_id"].(string), s.ID)
		require.NoError(t, err)
		_, _ = w.Write([]byte(strconv.Itoa(n)))
	})
	return a
}

func ids(list []gorillastore.UserSession) []string {
	var out []string
	for _, s := range list {
		out = append(out, s.Token)
	}
	return out
}

func TestGorillaLogOutEverywhereElse(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := userApp(t, b)
		phone, laptop := &browser{}, &browser{}
		a.do(phone, "/put?cart=apple")
		a.do(phone, "/login?u=ada")
		a.do(laptop, "/login?u=ada")
		list, err := a.store.UserSessions(ctx, "ada")
		require.NoError(t, err)
		assert.ElementsMatch(t, []string{a.id(phone), a.id(laptop)}, ids(list), "regeneration moved the entry to the new ID")

		body, _ := a.do(laptop, "/logout-others")
		assert.Equal(t, "1", body)
		body, _ = a.do(phone, "/get?k=user_id")
		assert.Empty(t, body, "the phone is logged out")
		body, _ = a.do(laptop, "/get?k=user_id")
		assert.Equal(t, "ada", body)
	})
}

// Without an absolute deadline, a session's index entry is extended as
// the session slides; it never expires before the session.
func TestIndexCoverFollowsASlidingSession(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		t.Parallel()
		a := userApp(t, b)
		a.store.MaxAge(1) // a 1s window, no deadline: covers last 2 windows past the expiry
		br := &browser{}
		a.do(br, "/login?u=ada")
		key := a.key(a.id(br))
		index := a.store.KeyPrefix + "user:ada"
		for i := 0; i < 8; i++ { // 4s of use: four times the first cover
			time.Sleep(500 * time.Millisecond)
			body, _ := a.do(br, "/get?k=user_id")
			require.Equal(t, "ada", body, "alive after %d loads", i+1)
			score := b.Client.ZScore(ctx, index, a.id(br)).Val()
			expiry := time.Now().Add(redistest.TTL(t, b.Client, key))
			require.GreaterOrEqual(t, score, float64(expiry.UnixMilli()), "the entry covers the session")
		}
		list, err := a.store.UserSessions(ctx, "ada")
		require.NoError(t, err)
		assert.Len(t, list, 1)
	})
}

// A session's TTL never passes its cover: if its index entry could not be
// extended, the session ends rather than outlive it.
func TestASessionDoesNotOutliveItsIndexEntry(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := userApp(t, b)
		br := &browser{}
		a.do(br, "/login?u=ada")
		key := a.key(a.id(br))
		require.NoError(t, b.Client.HSet(ctx, key, "#uexp", time.Now().Add(-time.Second).UnixMilli()).Err())
		body, _ := a.do(br, "/get?k=user_id")
		assert.Empty(t, body)
		assert.Zero(t, b.Client.Exists(ctx, key).Val())
	})
}

func TestGorillaBindUser(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := newApp(t, b)
		a.handle("/bind", func(w http.ResponseWriter, r *http.Request) {
			s := a.session(w, r)
			assert.ErrorIs(t, a.store.BindUser(r.Context(), s, "ada"), gorillastore.ErrNotSaved)
			s.Values["name"] = "ada"
			a.save(w, r, s)
			require.NoError(t, a.store.BindUser(r.Context(), s, "ada"))
		})
		br := &browser{}
		a.do(br, "/bind")
		a.do(br, "/put?theme=dark")
		list, err := a.store.UserSessions(ctx, "ada")
		require.NoError(t, err)
		assert.Equal(t, []string{a.id(br)}, ids(list))
		n, err := a.store.DeleteUserSessions(ctx, "ada", "")
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		body, _ := a.do(br, "/get?k=name")
		assert.Empty(t, body)
	})
}

// The user index and the session live on different keys, on a Cluster
// usually on different slots, and are not written atomically. The
// ordering keeps the invariant that matters for "log out everywhere":
// every bound session has an entry covering it.
func TestIndexAndSessionsOnDifferentSlots(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := userApp(t, b)
		var browsers []*browser
		for i := 0; i < 12; i++ {
			br := &browser{}
			a.do(br, "/login?u=ada")
			browsers = append(browsers, br)
		}
		index := a.store.KeyPrefix + "user:ada"
		slots := map[int64]bool{}
		for _, br := range browsers {
			key := a.key(a.id(br))
			score, err := b.Client.ZScore(ctx, index, a.id(br)).Result()
			require.NoError(t, err, "every bound session is in the index")
			assert.GreaterOrEqual(t, score, float64(time.Now().Add(redistest.TTL(t, b.Client, key)).UnixMilli()))
			if b.Cluster != nil {
				slots[b.Client.ClusterKeySlot(ctx, key).Val()] = true
			}
		}
		if b.Cluster != nil {
			assert.Greater(t, len(slots), 1, "the sessions of one user live on several slots")
		}
		n, err := a.store.DeleteUserSessions(ctx, "ada", "")
		require.NoError(t, err)
		assert.Equal(t, len(browsers), n)
		for _, br := range browsers {
			assert.False(t, redistest.Live(t, b.Client, a.key(a.id(br))))
		}
	})
}

// Once the session is written under its new ID, failing to tidy the user
// index must not fail RegenerateID: the old ID is already gone, and an
// error would leave the browser without its session.
func TestGorillaIndexCleanupFailureKeepsTheLogin(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := userApp(t, b)
		br := &browser{}
		a.do(br, "/put?cart=apple")
		a.do(br, "/login?u=ada")
		old := a.id(br)
		redistest.FailCommands(b.Client, "zrem")
		_, resp := a.do(br, "/login?u=bob")
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.NotEqual(t, old, a.id(br), "the browser has the new ID")
		body, _ := a.do(br, "/get?k=cart")
		assert.Equal(t, "apple", body, "and its session")
		list, err := a.store.UserSessions(ctx, "bob")
		require.NoError(t, err)
		assert.Equal(t, []string{a.id(br)}, ids(list))
		list, err = a.store.UserSessions(ctx, "ada")
		require.NoError(t, err)
		assert.Empty(t, list, "the stale entry is pruned by the listing")
	})
}
