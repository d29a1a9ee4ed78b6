package scsstore_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/internal/redistest"
	"github.com/redis-session/redis-session-go/internal/scripts"
	"github.com/redis-session/redis-session-go/scsstore"
)

// Log out everywhere leaves nothing of the user alive but the excepted
// session, whatever races it: a renewal, a second device's request, on any
// instance, at every point a gate can hold them.

// userRoutes adds the routes of an app that binds sessions to "user_id".
func userRoutes(f *fleet) {
	f.handle("/login", func(in *instance, w http.ResponseWriter, r *http.Request) {
		require.NoError(f.t, in.sm.RenewToken(r.Context()))
		in.sm.Put(r.Context(), "user_id", r.URL.Query().Get("u"))
	})
	f.handle("/renew", func(in *instance, w http.ResponseWriter, r *http.Request) {
		require.NoError(f.t, in.sm.RenewToken(r.Context()))
		in.sm.Put(r.Context(), "renewed", "1")
	})
}

// aliveOf returns the tokens of the live sessions bound to user.
func (f *fleet) aliveOf(user string) []string {
	var out []string
	for _, k := range f.sessions() {
		if f.b.Client.HGet(ctx, k, "#user").Val() == user {
			out = append(out, k[len(f.pfx):])
		}
	}
	return out
}

// revokeAt are the points of a renewal (RenewToken, then the commit of the
// new token) where a revocation can strike.
func revokeAt(f *fleet, old string) map[string]func(redis.Cmder) bool {
	return map[string]func(redis.Cmder) bool{
		"before the renewal deletes the old session": redistest.Script(scripts.Delete, f.key(old)),
		"before its commit checks the old session":   redistest.Script(scripts.Handover, f.key(old)),
		"before its index step":                      redistest.Script(scripts.IndexAdd),
		"before it creates the new session":          redistest.Script(scripts.Create),
		"before it removes the old entry":            redistest.Command("zrem"),
	}
}

func TestRenewalRacingLogOutEverywhere(t *testing.T) {
	for _, point := range []string{"before the renewal deletes the old session", "before its commit checks the old session",
		"before its index step", "before it creates the new session", "before it removes the old entry"} {
		for _, split := range []bool{false, true} {
			name := point
			if split {
				name += ", revocation split around the rest"
			}
			t.Run(name, func(t *testing.T) {
				eachSetup(t, func(t *testing.T, f *fleet) {
					userRoutes(f)
					phone, laptop := &browser{}, &browser{}
					f.do(1, phone, "/login?u=ada")
					f.do(0, laptop, "/login?u=ada")
					gate := redistest.PauseAt(f.inst[0].client, revokeAt(f, laptop.token())[point])
					done := make(chan struct{})
					go func() { defer close(done); f.do(0, laptop, "/renew") }()
					<-gate.Arrived
					revoke := func() {
						n, err := f.inst[1].store.DeleteUserSessions(ctx, "ada", phone.token())
						require.NoError(t, err)
						assert.LessOrEqual(t, n, 1)
					}
					if split {
						// The revocation lists and drops the entries, then waits
						// to end the sessions while the renewal runs to its end.
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
					assert.Equal(t, []string{phone.token()}, f.aliveOf("ada"), "only the excepted session lives")
					body, _ := f.do(1, laptop, "/get?k=user_id")
					assert.Empty(t, body, "the laptop is logged out, under its old token or its new one")
					body, _ = f.do(0, phone, "/get?k=user_id")
					assert.Equal(t, "ada", body, "the excepted session keeps working")
				}, scsstore.WithUserKey("user_id"))
			})
		}
	}
}

// A second device's request in flight when the user logs out everywhere
// writes nothing and keeps nothing alive, whether the revocation strikes
// before its commit or before the index step its load needed.
func TestSecondDeviceRacingLogOutEverywhere(t *testing.T) {
	for _, point := range []string{"before its commit", "before its load extends the index cover"} {
		t.Run(point, func(t *testing.T) {
			eachSetup(t, func(t *testing.T, f *fleet) {
				userRoutes(f)
				phone, tablet := &browser{}, &browser{}
				f.do(1, phone, "/login?u=ada")
				f.do(0, tablet, "/login?u=ada")
				match := redistest.Script(scripts.Commit, f.key(tablet.token()))
				if point == "before its load extends the index cover" {
					// A cover that runs short: the next load extends it.
					require.NoError(t, f.b.Client.HSet(ctx, f.key(tablet.token()), "#uexp", time.Now().Add(time.Hour).UnixMilli()).Err())
					match = redistest.Script(scripts.IndexAdd)
				}
				gate := redistest.PauseAt(f.inst[0].client, match)
				done := make(chan struct{})
				go func() { defer close(done); f.do(0, tablet, "/put?note=hi") }()
				<-gate.Arrived
				_, err := f.inst[1].store.DeleteUserSessions(ctx, "ada", "")
				require.NoError(t, err)
				gate.Release()
				<-done
				assert.Empty(t, f.aliveOf("ada"))
				assert.NotContains(t, f.stored(tablet), "note")
			}, scsstore.WithUserKey("user_id"))
		})
	}
}

// Many logins, renewals, requests, logouts, revocations and expiries, at
// random, from many clients on two instances. No session may survive a
// revocation of its user whose login was complete before the revocation
// began, under any token it held since (the counts are logged), and every
// live bound session must have an index entry that covers it.
func TestRevocationUnderRandomInterleavings(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		f := newFleet(t, b, 2, deployments[0], scsstore.WithUserKey("user_id"))
		for _, in := range f.inst {
			in.sm.IdleTimeout = time.Hour
		}
		userRoutes(f)
		browsers := make([]*browser, 32)
		for i := range browsers {
			browsers[i] = &browser{}
		}
		redistest.RandomRevocations{
			Client: b.Client, Prefix: f.pfx, Seed: 42,
			Login:  func(inst, c int, u string) { f.do(inst, browsers[c], "/login?u="+u) },
			Renew:  func(inst, c int) { f.do(inst, browsers[c], "/renew") },
			Put:    func(inst, c, n int) { f.do(inst, browsers[c], fmt.Sprintf("/put?n=%d", n)) },
			Logout: func(inst, c int) { f.do(inst, browsers[c], "/destroy") },
			Revoke: func(inst int, u string) error {
				_, err := f.inst[inst].store.DeleteUserSessions(ctx, u, "")
				return err
			},
			Token: func(c int) string { return browsers[c].token() },
		}.Run(t)
	})
}
