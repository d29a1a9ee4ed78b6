package gorillastore_test

import (
	"fmt"
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

// Log out everywhere leaves nothing of the user alive but the excepted
// session, whatever races it: an ID regeneration or a second device's
// save, on either instance, at every point a gate can hold them.

func userRoutes(f *fleet) {
	f.handle("/login", func(in *gorillaInstance, s *sessions.Session, w http.ResponseWriter, r *http.Request) {
		s.Values["user_id"] = r.URL.Query().Get("u")
		regenerate(f.t, in.store, w, r, s)
	})
	f.handle("/regenerate", func(in *gorillaInstance, s *sessions.Session, w http.ResponseWriter, r *http.Request) {
		s.Values["regenerated"] = "1"
		regenerate(f.t, in.store, w, r, s)
	})
}

// regenerate gives the session a new ID; one that ended meanwhile (a race
// these tests force) is not an error of the test.
func regenerate(t *testing.T, store *gorillastore.Store, w http.ResponseWriter, r *http.Request, s *sessions.Session) {
	if err := store.RegenerateID(r, w, s); err != nil {
		assert.ErrorIs(t, err, gorillastore.ErrSessionEnded)
	}
}

func bindByUserID(s *gorillastore.Store) { s.UserKey = "user_id" }

// aliveOf returns the IDs of the live sessions bound to user.
func (f *fleet) aliveOf(user string) []string {
	var out []string
	prefix := f.inst[0].store.KeyPrefix
	for _, k := range f.sessions() {
		if f.b.Client.HGet(ctx, k, "#user").Val() == user {
			out = append(out, k[len(prefix):])
		}
	}
	return out
}

func TestRegenerationRacingLogOutEverywhere(t *testing.T) {
	points := map[string]func(f *fleet, old string) func(redis.Cmder) bool{
		"before its index step":             func(*fleet, string) func(redis.Cmder) bool { return redistest.Script(scripts.IndexAdd) },
		"before it creates the new session": func(*fleet, string) func(redis.Cmder) bool { return redistest.Script(scripts.Create) },
		"before it deletes the old session": func(f *fleet, old string) func(redis.Cmder) bool {
			return redistest.Script(scripts.Delete, f.inst[0].store.KeyPrefix+old)
		},
		"before it removes the old entry": func(*fleet, string) func(redis.Cmder) bool { return redistest.Command("zrem") },
	}
	for name, at := range points {
		for _, split := range []bool{false, true} {
			if split {
				name += ", revocation split around the rest"
			}
			t.Run(name, func(t *testing.T) {
				eachSetup(t, func(t *testing.T, f *fleet) {
					userRoutes(f)
					phone, laptop := &browser{}, &browser{}
					f.do(1, phone, "/put?user_id=ada")
					f.do(0, laptop, "/put?user_id=ada")
					gate := redistest.PauseAt(f.inst[0].client, at(f, f.id(laptop)))
					done := make(chan struct{})
					go func() { defer close(done); f.do(0, laptop, "/regenerate") }()
					<-gate.Arrived
					revoke := func() {
						_, err := f.inst[1].store.DeleteUserSessions(ctx, "ada", f.id(phone))
						require.NoError(t, err)
					}
					if split {
						held := redistest.PauseAt(f.inst[1].client, redistest.Script(scripts.Delete))
						revoked := make(chan struct{})
						go func() { defer close(revoked); revoke() }()
						<-held.Arrived
						gate.Release()
						<-done
						held.Release()
						<-revoked
					} else {
						revoke()
						gate.Release()
						<-done
					}
					assert.Equal(t, []string{f.id(phone)}, f.aliveOf("ada"), "only the excepted session lives")
					if laptop.cookie() != nil {
						body, _ := f.do(1, laptop, "/get?k=user_id")
						assert.Empty(t, body, "the laptop is logged out")
					}
				}, bindByUserID)
			})
		}
	}
}

func TestSecondDeviceSaveRacingLogOutEverywhere(t *testing.T) {
	eachSetup(t, func(t *testing.T, f *fleet) {
		userRoutes(f)
		phone, tablet := &browser{}, &browser{}
		f.do(1, phone, "/put?user_id=ada")
		f.do(0, tablet, "/put?user_id=ada")
		gate := redistest.PauseAt(f.inst[0].client, redistest.Script(scripts.Commit, f.inst[0].store.KeyPrefix+f.id(tablet)))
		done := make(chan struct{})
		go func() { defer close(done); f.do(0, tablet, "/put?note=hi") }()
		<-gate.Arrived
		_, err := f.inst[1].store.DeleteUserSessions(ctx, "ada", "")
		require.NoError(t, err)
		gate.Release()
		<-done
		assert.Empty(t, f.aliveOf("ada"))
	}, bindByUserID)
}

// Many logins (with ID regeneration), regenerations, saves, logouts,
// revocations and expiries at random on two instances: no session whose
// login was complete before a revocation of its user began survives it,
// under any ID it had since, and every live bound session has an index
// entry covering it (the counts are logged).
func TestRevocationUnderRandomInterleavings(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		for _, d := range deployments[:1] {
			f := &fleet{t: t, b: b, setup: d}
			prefix := b.Prefix + redistest.UniquePrefix()
			for i := 0; i < 2; i++ {
				client := b.NewClient(t)
				store, err := gorillastore.New(client, hashKey, blockKey)
				require.NoError(t, err)
				store.KeyPrefix, store.UserKey, store.IdleTimeout = prefix, "user_id", time.Hour
				f.inst = append(f.inst, &gorillaInstance{store: store, client: client, mux: http.NewServeMux()})
			}
			f.handle("/put", func(in *gorillaInstance, s *sessions.Session, w http.ResponseWriter, r *http.Request) {
				s.Values["n"] = r.URL.Query().Get("n")
				require.NoError(t, s.Save(r, w))
			})
			f.handle("/logout", func(in *gorillaInstance, s *sessions.Session, w http.ResponseWriter, r *http.Request) {
				require.NoError(t, in.store.Destroy(r, w, s))
			})
			userRoutes(f)
			browsers := make([]*browser, 32)
			for i := range browsers {
				browsers[i] = &browser{}
			}
			redistest.RandomRevocations{
				Client: b.Client, Prefix: prefix, Seed: 7,
				Login:  func(inst, c int, u string) { f.do(inst, browsers[c], "/login?u="+u) },
				Renew:  func(inst, c int) { f.do(inst, browsers[c], "/regenerate") },
				Put:    func(inst, c, n int) { f.do(inst, browsers[c], fmt.Sprintf("/put?n=%d", n)) },
				Logout: func(inst, c int) { f.do(inst, browsers[c], "/logout") },
				Revoke: func(inst int, u string) error {
					_, err := f.inst[inst].store.DeleteUserSessions(ctx, u, "")
					return err
				},
				Token: func(c int) string {
					if browsers[c].cookie() == nil {
						return ""
					}
					return f.id(browsers[c])
				},
			}.Run(t)
		}
	})
}
