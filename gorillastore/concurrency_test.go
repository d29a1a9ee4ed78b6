package gorillastore_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/gorilla/sessions"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/gorillastore"
	"github.com/redis-session/redis-session-go/internal/redistest"
)

func TestConcurrentSavesOfDifferentKeysBothSurvive(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := newApp(t, b)
		br := &browser{}
		a.do(br, "/put?user=7")
		release := a.inFlight(tab(br), "/slow-apple", func(s *sessions.Session) { s.Values["apple"] = 1 })
		a.do(tab(br), "/put?pear=1")
		release()
		raw := b.Client.HGetAll(ctx, a.key(a.id(br))).Val()
		assert.Equal(t, "1", raw["apple"])
		assert.Equal(t, "1", raw["pear"], "the concurrent save survives")
		assert.Equal(t, "7", raw["user"])
	})
}

func TestAReadOnlySaveWritesNoValues(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := newApp(t, b)
		br := &browser{}
		a.do(br, "/put?cart=empty")
		release := a.inFlight(tab(br), "/slow-read", func(s *sessions.Session) { _ = s.Values["cart"] })
		a.do(tab(br), "/put?cart=apple")
		release()
		assert.Equal(t, "apple", b.Client.HGet(ctx, a.key(a.id(br)), "cart").Val())
	})
}

func TestASaveNeverRecreatesADeletedSession(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := newApp(t, b)
		br := &browser{}
		a.do(br, "/put?user=7")
		old := br.cookie()
		inflight := tab(br)
		release := a.inFlight(inflight, "/slow", func(s *sessions.Session) { s.Values["last"] = "page" })
		a.do(br, "/logout")
		release()
		assert.Empty(t, a.sessionKeys(), "the logged-out session stays gone")
		assert.Nil(t, inflight.cookie(), "and the in-flight response expires its cookie")
		body, _ := a.do(&browser{jar: old}, "/get?k=user")
		assert.Empty(t, body)
	})
}

func TestRegenerateID(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := newApp(t, b)
		a.handle("/login", func(w http.ResponseWriter, r *http.Request) {
			s := a.session(w, r)
			s.Values["user"] = "7"
			require.NoError(t, a.store.RegenerateID(r, w, s))
		})
		br := &browser{}
		a.do(br, "/put?cart=apple")
		oldID := a.id(br)
		old := br.cookie()
		created := b.Client.HGet(ctx, a.key(oldID), "#created").Val()

		trips := redistest.CountRoundTrips(b.Client)
		a.do(br, "/login")
		assert.NotContains(t, trips.Commands(), "rename")
		newID := a.id(br)
		require.NotEqual(t, oldID, newID)
		assert.Equal(t, []string{a.key(newID)}, a.sessionKeys(), "old key deleted, new key written")
		raw := b.Client.HGetAll(ctx, a.key(newID)).Val()
		assert.Equal(t, "apple", raw["cart"])
		assert.Equal(t, "7", raw["user"])
		assert.Equal(t, created, raw["#created"])
		body, _ := a.do(&browser{jar: old}, "/get?k=cart")
		assert.Empty(t, body, "the old cookie no longer works")
		body, _ = a.do(br, "/get?k=user")
		assert.Equal(t, "7", body)
	})
}

func TestRegenerateIDOfALoggedOutSessionDoesNotRevive(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := newApp(t, b)
		br := &browser{}
		a.do(br, "/put?user=7")
		g := redistest.NewGate()
		a.handle("/slow-login", func(w http.ResponseWriter, r *http.Request) {
			s := a.session(w, r)
			g.Wait()
			assert.ErrorIs(t, a.store.RegenerateID(r, w, s), gorillastore.ErrSessionEnded, "the login did not take: the user logs in again")
		})
		inflight := tab(br)
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { defer wg.Done(); a.do(inflight, "/slow-login") }()
		<-g.Arrived
		a.do(br, "/logout")
		g.Release()
		wg.Wait()
		assert.Empty(t, a.sessionKeys())
		assert.Nil(t, inflight.cookie())
	})
}

func TestDestroyAndDeleteByID(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := newApp(t, b)
		phone, laptop := &browser{}, &browser{}
		a.do(phone, "/put?user=7")
		a.do(laptop, "/put?user=7")
		require.NoError(t, a.store.DeleteByID(ctx, a.id(phone)))
		body, _ := a.do(phone, "/get?k=user")
		assert.Empty(t, body, "the phone is logged out")
		body, _ = a.do(laptop, "/get?k=user")
		assert.Equal(t, "7", body)
		require.NoError(t, a.store.DeleteByID(ctx, "junk"), "a malformed ID is a no-op")

		a.do(laptop, "/logout")
		assert.Nil(t, laptop.cookie())
		assert.Empty(t, a.sessionKeys())
	})
}

func TestFields(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := newApp(t, b)
		a.handle("/like", func(w http.ResponseWriter, r *http.Request) {
			s := a.session(w, r)
			if s.IsNew {
				assert.ErrorIs(t, a.store.Fields(s).Set(r.Context(), "x", 1), gorillastore.ErrNotSaved)
				a.save(w, r, s)
			}
			n, err := a.store.Fields(s).Incr(r.Context(), "likes", 1)
			require.NoError(t, err)
			_, _ = w.Write([]byte{byte('0' + n)})
		})
		br := &browser{}
		a.do(br, "/like")
		body, _ := a.do(br, "/like")
		assert.Equal(t, "2", body)
	})
}

func TestFieldsOfReadsWithoutLoading(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := newApp(t, b)
		br := &browser{}
		a.do(br, "/put?user=ada&cart=apple")
		a.handle("/user", func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(a.store.FieldsOf(r, cookieName).Get(r.Context(), "user").String()))
		})
		a.do(br, "/user") // script loaded
		trips := redistest.CountRoundTrips(b.Client)
		body, _ := a.do(br, "/user")
		assert.Equal(t, "ada", body)
		assert.Equal(t, []string{"evalsha"}, trips.Commands(), "one field, one round trip")

		req := httptest.NewRequest(http.MethodGet, "/", nil)
		assert.ErrorIs(t, a.store.FieldsOf(req, cookieName).Get(ctx, "user").Err(), gorillastore.ErrNotSaved)
		req.AddCookie(&http.Cookie{Name: cookieName, Value: "forged"})
		assert.ErrorIs(t, a.store.FieldsOf(req, cookieName).Get(ctx, "user").Err(), gorillastore.ErrInvalidCookie)
	})
}

// On a Cluster the old and the new key of a regenerated session live in
// different slots, usually on different masters; no multi-key command is
// involved, so nothing fails with CROSSSLOT.
func TestRegenerateIDAcrossSlots(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := newApp(t, b)
		a.handle("/regen", func(w http.ResponseWriter, r *http.Request) {
			require.NoError(t, a.store.RegenerateID(r, w, a.session(w, r)))
		})
		br := &browser{}
		a.do(br, "/put?user=7")
		crossed := 0
		for i := 0; i < 10; i++ {
			before := a.key(a.id(br))
			a.do(br, "/regen")
			after := a.key(a.id(br))
			require.NotEqual(t, before, after)
			require.Equal(t, []string{after}, a.sessionKeys())
			if b.Cluster != nil && b.Client.ClusterKeySlot(ctx, before).Val() != b.Client.ClusterKeySlot(ctx, after).Val() {
				crossed++
			}
		}
		body, _ := a.do(br, "/get?k=user")
		assert.Equal(t, "7", body)
		if b.Cluster != nil {
			assert.Positive(t, crossed, "IDs moved across slots")
		}
	})
}

// Save, RegenerateID and Destroy run detached from the request's context:
// a client that disconnects cannot abort them.
func TestWritesSurviveAClientDisconnect(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := newApp(t, b)
		br := &browser{}
		a.do(br, "/put?user=7")
		gone, cancel := context.WithCancel(context.Background())
		cancel() // the client went away before the handler saved
		for _, step := range []string{"save", "regenerate", "destroy"} {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.AddCookie(br.cookie())
			s, err := a.store.New(req, cookieName) // loaded while the client was there
			require.NoError(t, err)
			req = req.WithContext(gone)
			rec := httptest.NewRecorder()
			switch step {
			case "save":
				s.Values["paid"] = "true"
				require.NoError(t, s.Save(req, rec))
				assert.Equal(t, "true", b.Client.HGet(ctx, a.key(a.id(br)), "paid").Val())
			case "regenerate":
				old := a.id(br)
				require.NoError(t, a.store.RegenerateID(req, rec, s))
				assert.False(t, redistest.Live(t, b.Client, a.key(old)))
			case "destroy":
				require.NoError(t, a.store.Destroy(req, rec, s))
				assert.Empty(t, a.sessionKeys())
			}
			for _, c := range rec.Result().Cookies() {
				br.jar = c
			}
		}
	})
}
