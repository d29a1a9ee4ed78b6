package gorillastore_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/sessions"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/gorillastore"
	"github.com/redis-session/redis-session-go/internal/redistest"
	"github.com/redis-session/redis-session-go/internal/scripts"
)

// Red team, round 3: RegenerateID's handover (the old key's tombstone
// names the new one) and the deletes that follow it.

// Sixteen regenerations: within the bound (this holds).
func TestALogoutWithACookieSixteenRegenerationsOldEndsTheSession(t *testing.T) {
	logoutAfter(t, 16)
}

func logoutAfter(t *testing.T, n int) {
	eachSetup(t, func(t *testing.T, f *fleet) {
		f.handle("/regen", func(in *gorillaInstance, s *sessions.Session, w http.ResponseWriter, r *http.Request) {
			require.NoError(t, in.store.RegenerateID(r, w, s))
		})
		br := &browser{}
		f.do(0, br, "/put?user=ada")
		first := tab(br)
		for i := 0; i < n; i++ {
			f.do(i%2, br, "/regen")
		}
		require.Len(t, f.sessions(), 1)
		f.do(1, first, "/logout")
		assert.Empty(t, f.sessions(), "a logout with the session's first cookie left the session alive")
	})
}

// Two requests of one cookie regenerate at once (a double-submitted login
// form): the first wins (K0 -> K1), the second, which loaded K0 before,
// gets ErrSessionEnded. The first's session must live, and the handover
// of K0 to K1 must stay: a logout with K0 afterwards still ends K1
// (RegenerateID's doc: "a logout with the old cookie while the new key is
// written, or after, ends the new session too"). The second's DeleteInto
// found K0's "tombstone:alive:K1" and overwrote it with a plain tombstone.
func TestAStaleRegenerationKeepsTheHandover(t *testing.T) {
	eachSetup(t, func(t *testing.T, f *fleet) {
		br := &browser{}
		f.do(0, br, "/put?user=ada")
		g := redistest.NewGate()
		f.handle("/login2", func(in *gorillaInstance, s *sessions.Session, w http.ResponseWriter, r *http.Request) {
			g.Wait()
			assert.ErrorIs(t, in.store.RegenerateID(r, w, s), gorillastore.ErrSessionEnded)
		})
		f.handle("/login", func(in *gorillaInstance, s *sessions.Session, w http.ResponseWriter, r *http.Request) {
			require.NoError(t, in.store.RegenerateID(r, w, s))
		})
		stale, second, first := tab(br), tab(br), tab(br)
		done := make(chan struct{})
		go func() { defer close(done); f.do(1, second, "/login2") }()
		<-g.Arrived
		f.do(0, first, "/login")
		g.Release()
		<-done
		body, _ := f.do(0, tab(first), "/get?k=user")
		require.Equal(t, "ada", body, "the first regeneration's session lives")
		f.do(1, stale, "/logout")
		assert.Empty(t, f.sessions(), "a logout with the old cookie no longer ends the regenerated session")
	})
}

// A logout with the old cookie on the other instance, at each Redis step
// of RegenerateID (its delete-into, its index step, its create, its
// removal of the old entry): nothing of the session lives.
func TestALogoutAtEachStepOfRegenerateID(t *testing.T) {
	points := map[string]func(f *fleet, old string) func(redis.Cmder) bool{
		"before the delete-into": func(f *fleet, old string) func(redis.Cmder) bool {
			return redistest.Script(scripts.Delete, f.inst[0].store.KeyPrefix+old)
		},
		"before the index step": func(*fleet, string) func(redis.Cmder) bool { return redistest.Script(scripts.IndexAdd) },
		"before the create":     func(*fleet, string) func(redis.Cmder) bool { return redistest.Script(scripts.Create) },
		"before the zrem":       func(*fleet, string) func(redis.Cmder) bool { return redistest.Command("zrem") },
	}
	for name, point := range points {
		t.Run(name, func(t *testing.T) {
			eachSetup(t, func(t *testing.T, f *fleet) {
				br := &browser{}
				f.do(0, br, "/put?user_id=ada")
				f.handle("/login", func(in *gorillaInstance, s *sessions.Session, w http.ResponseWriter, r *http.Request) {
					s.Values["role"] = "admin"
					regenerate(t, in.store, w, r, s)
				})
				gate := redistest.PauseAt(f.inst[0].client, point(f, f.id(br)))
				login, logout := tab(br), tab(br)
				done := make(chan struct{})
				go func() { defer close(done); f.do(0, login, "/login") }()
				select {
				case <-gate.Arrived:
				case <-time.After(5 * time.Second):
					t.Fatal("the step was never reached")
				}
				f.do(1, logout, "/logout")
				gate.Release()
				<-done
				assert.Empty(t, f.sessions(), "a session lives on after the logout")
				body, _ := f.do(1, login, "/get?k=user_id")
				assert.Empty(t, body, "the login's cookie is still logged in")
			}, bindByUserID)
		})
	}
}

// A logout with the cookie RegenerateID replaced, after it, ends the new
// session; a Get with the stale cookie reads no session and its Save
// writes a new, empty one, not the regenerated session's values.
func TestAStaleCookieAfterRegenerateIDReadsNothing(t *testing.T) {
	eachSetup(t, func(t *testing.T, f *fleet) {
		br := &browser{}
		f.do(0, br, "/put?user=ada")
		f.handle("/login", func(in *gorillaInstance, s *sessions.Session, w http.ResponseWriter, r *http.Request) {
			require.NoError(t, in.store.RegenerateID(r, w, s))
		})
		stale := tab(br)
		f.do(0, br, "/login")
		body, _ := f.do(1, tab(stale), "/get?k=user")
		assert.Empty(t, body, "the stale cookie reads the regenerated session")
		other := tab(stale)
		f.do(1, other, "/put?x=1")
		assert.Len(t, f.sessions(), 2, "the stale cookie's save is a new session")
		body, _ = f.do(1, other, "/get?k=user")
		assert.Empty(t, body)
		body, _ = f.do(0, tab(br), "/get?k=user")
		assert.Equal(t, "ada", body, "the regenerated session is untouched")
	})
}
