package scsstore_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/internal/redistest"
	"github.com/redis-session/redis-session-go/internal/scripts"
	"github.com/redis-session/redis-session-go/scsstore"
)

// Red team, round 3: the handover of a renewed (or merged) session's old
// key to its successor, and the deletes that follow it.

// A tombstone is followed to any key under the store's prefix, but the
// user index of user U lives under that prefix too (<prefix>user:U), and
// so can another program's data. write.go: "a tombstone naming another
// key, hand-made or hostile, reaches nothing but the store's own
// sessions". A hostile (or hand-edited) tombstone naming ada's index must
// not let a logout wipe the index that "log out everywhere" relies on.
func TestAFollowedTombstoneCannotOverwriteTheUserIndex(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := newApp(t, b, scsstore.WithUserKey("user_id"))
		ada := &browser{}
		a.do(ada, "/put?user_id=ada")
		index := a.pfx + "user:ada"
		require.Equal(t, "zset", b.Client.Type(ctx, index).Val(), "ada's index exists")
		other := &browser{}
		a.do(other, "/put?x=1")
		require.NoError(t, b.Client.Set(ctx, a.key(other.token()), "tombstone:alive:"+index, time.Minute).Err())

		require.NoError(t, a.store.Delete(other.token()))

		assert.Equal(t, "zset", b.Client.Type(ctx, index).Val(), "a logout followed a tombstone into ada's user index and overwrote it")
		n, err := a.store.DeleteUserSessions(ctx, "ada", "")
		require.NoError(t, err)
		assert.Equal(t, 1, n, "log out everywhere no longer finds ada's session")
		assert.NotContains(t, a.sessionKeys(), a.key(ada.token()), "ada's session outlived log out everywhere")
	})
}

// The same for a key under the prefix that is not a session at all
// (another program's hash, a list): following never turns it into a
// tombstone.
func TestAFollowedTombstoneLeavesKeysThatAreNotSessionsAlone(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := newApp(t, b)
		foreign := a.pfx + "config"
		require.NoError(t, b.Client.HSet(ctx, foreign, "theme", "dark").Err())
		br := &browser{}
		a.do(br, "/put?x=1")
		require.NoError(t, b.Client.Set(ctx, a.key(br.token()), "tombstone:alive:"+foreign, time.Minute).Err())
		require.NoError(t, a.store.Delete(br.token()))
		assert.Equal(t, "hash", b.Client.Type(ctx, foreign).Val(), "a followed tombstone overwrote a key that is not a session")
	})
}

// Outside the prefix, and loops: following stops, and ends nothing.
func TestAFollowedTombstoneStaysInScopeAndLoopsEnd(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := newApp(t, b)
		outsider := newApp(t, b) // another store (prefix) on the same Redis
		victim := &browser{}
		outsider.do(victim, "/put?user=bob")
		x, y := &browser{}, &browser{}
		a.do(x, "/put?x=1")
		a.do(y, "/put?y=1")
		require.NoError(t, b.Client.Set(ctx, a.key(x.token()), "tombstone:alive:"+outsider.key(victim.token()), time.Minute).Err())
		require.NoError(t, a.store.Delete(x.token()))
		assert.Equal(t, []string{outsider.key(victim.token())}, outsider.sessionKeys(), "a tombstone reached a session of another prefix")

		// A loop x -> y -> x: the delete ends, and leaves tombstones.
		require.NoError(t, b.Client.Set(ctx, a.key(x.token()), "tombstone:alive:"+a.key(y.token()), time.Minute).Err())
		require.NoError(t, b.Client.Set(ctx, a.key(y.token()), "tombstone:alive:"+a.key(x.token()), time.Minute).Err())
		require.NoError(t, a.store.Delete(x.token()))
		assert.Empty(t, a.sessionKeys())
	})
}

// A double-submitted login form (or two tabs renewing at once): both
// requests load T0 and call RenewToken. The first finishes (T0 -> T1,
// handed over). The second's RenewToken is a store Delete of T0, which a
// store cannot tell from a logout: it follows the handover and ends T1,
// and the second renewal is refused. Documented (Store, README): two
// renewals of one session at once end it, and the user signs in again;
// nothing of it lives on under any token.
func TestTwoRenewalsOfOneSessionAtOnceEndIt(t *testing.T) {
	eachSetup(t, func(t *testing.T, f *fleet) {
		br := &browser{}
		f.do(0, br, "/put?user=alice")
		gate := redistest.NewGate()
		f.handle("/login2", func(in *instance, w http.ResponseWriter, r *http.Request) {
			gate.Wait() // loaded T0
			require.NoError(t, in.sm.RenewToken(r.Context()))
			in.sm.Put(r.Context(), "role", "admin")
		})
		f.handle("/login", func(in *instance, w http.ResponseWriter, r *http.Request) {
			require.NoError(t, in.sm.RenewToken(r.Context()))
			in.sm.Put(r.Context(), "role", "admin")
		})
		second, first := cookieOnly(br), cookieOnly(br)
		done := make(chan struct{})
		go func() { defer close(done); f.do(1, second, "/login2") }()
		<-gate.Arrived
		f.do(0, first, "/login")
		require.NotEqual(t, br.token(), first.token())
		body, _ := f.do(0, cookieOnly(first), "/get?k=user")
		require.Equal(t, "alice", body, "the first renewal committed")
		gate.Release()
		<-done
		body, _ = f.do(0, cookieOnly(first), "/get?k=user")
		assert.Empty(t, body, "the first renewal's session")
		body, _ = f.do(0, cookieOnly(second), "/get?k=user")
		assert.Empty(t, body, "the second renewal's cookie")
		assert.Empty(t, f.sessions(), "no session of alice lives on")
	})
}

// The ways a request can renew: each leaves exactly one live session with
// the values, and (racing or not) a logout that loaded the session before
// the renewal deleted it ends it. Manual Commit after RenewToken then the
// middleware's commit; RenewToken twice; RenewToken, Commit, RenewToken;
// MergeSession then RenewToken; RenewToken then MergeSession.
var renewals = map[string]func(t *testing.T, in *instance, r *http.Request, other string){
	"renew, manual commit, middleware commit": func(t *testing.T, in *instance, r *http.Request, _ string) {
		require.NoError(t, in.sm.RenewToken(r.Context()))
		in.sm.Put(r.Context(), "role", "admin")
		_, _, err := in.sm.Commit(r.Context())
		require.NoError(t, err)
		in.sm.Put(r.Context(), "after", "1")
	},
	"renew twice": func(t *testing.T, in *instance, r *http.Request, _ string) {
		require.NoError(t, in.sm.RenewToken(r.Context()))
		require.NoError(t, in.sm.RenewToken(r.Context()))
		in.sm.Put(r.Context(), "role", "admin")
	},
	"renew, commit, renew": func(t *testing.T, in *instance, r *http.Request, _ string) {
		require.NoError(t, in.sm.RenewToken(r.Context()))
		_, _, err := in.sm.Commit(r.Context())
		require.NoError(t, err)
		require.NoError(t, in.sm.RenewToken(r.Context()))
		in.sm.Put(r.Context(), "role", "admin")
	},
	"merge, then renew": func(t *testing.T, in *instance, r *http.Request, other string) {
		require.NoError(t, in.sm.MergeSession(r.Context(), other))
		require.NoError(t, in.sm.RenewToken(r.Context()))
		in.sm.Put(r.Context(), "role", "admin")
	},
	"renew, then merge": func(t *testing.T, in *instance, r *http.Request, other string) {
		require.NoError(t, in.sm.RenewToken(r.Context()))
		require.NoError(t, in.sm.MergeSession(r.Context(), other))
		in.sm.Put(r.Context(), "role", "admin")
	},
}

func TestEveryWayToRenewCommitsOnce(t *testing.T) {
	for name, renew := range renewals {
		t.Run(name, func(t *testing.T) {
			eachSetup(t, func(t *testing.T, f *fleet) {
				o := &browser{}
				f.do(1, o, "/put?cart=apple")
				f.handle("/login", func(in *instance, w http.ResponseWriter, r *http.Request) {
					renew(t, in, r, o.token())
				})
				br := &browser{}
				f.do(0, br, "/put?user=alice")
				old := br.token()
				f.do(0, br, "/login")
				require.NotEqual(t, old, br.token())
				merged := name == "merge, then renew" || name == "renew, then merge"
				want := []string{f.key(br.token())}
				if !merged {
					want = append(want, f.key(o.token())) // untouched
				}
				assert.ElementsMatch(t, want, f.sessions(), "exactly the renewed session lives (and the other, unless merged)")
				got := f.stored(br)
				assert.Equal(t, "alice", got["user"])
				assert.Equal(t, "admin", got["role"])
				if name == "renew, manual commit, middleware commit" {
					assert.Equal(t, "1", got["after"])
				}
				if merged {
					assert.Equal(t, "apple", got["cart"])
				}
			})
		})
	}
}

// A logout that loaded the session before the renewal (any of the ways)
// deleted it, held until the renewal's request is done, ends what the
// session became. For the merges, the same for a logout of the merged
// session.
func TestALogoutRacingEveryWayToRenewEndsTheResult(t *testing.T) {
	for name, renew := range renewals {
		for _, whose := range []string{"current", "merged"} {
			if whose == "merged" && name != "merge, then renew" && name != "renew, then merge" {
				continue
			}
			t.Run(name+", logout of the "+whose+" session", func(t *testing.T) {
				eachSetup(t, func(t *testing.T, f *fleet) {
					o := &browser{}
					f.do(1, o, "/put?cart=apple")
					f.handle("/login", func(in *instance, w http.ResponseWriter, r *http.Request) {
						renew(t, in, r, o.token())
					})
					logoutAt := f.gatedLogout()
					br := &browser{}
					f.do(0, br, "/put?user=alice")
					done := make(chan struct{})
					go func() { defer close(done); f.do(1, cookieOnly(loggedOut(whose, br, o)), "/logout") }()
					<-logoutAt.Arrived
					f.do(0, br, "/login")
					logoutAt.Release()
					<-done
					f.assertNothingLivesOf(t, whose)
				})
			})
		}
	}
}

// loggedOut returns the browser whose cookie a logout sends: the current
// session's, or the merged session's.
func loggedOut(whose string, current, merged *browser) *browser {
	if whose == "merged" {
		return merged
	}
	return current
}

// assertNothingLivesOf checks that no live session holds what the
// logged-out session held: alice's login (the current session) or the
// apple in the cart (the merged one).
func (f *fleet) assertNothingLivesOf(t *testing.T, whose string) {
	for _, k := range f.sessions() {
		v := f.b.Client.HGetAll(ctx, k).Val()
		if whose == "current" {
			assert.NotEqual(t, "alice", v["user"], "%s: the logged-out session lives on", k)
		} else {
			assert.NotEqual(t, "apple", v["cart"], "%s: the logged-out merged session's values live on", k)
		}
	}
}

// A logout racing "merge, then renew" at each of its Redis steps, on the
// other instance, with the cookie of either session: nothing of the
// logged-out session lives.
func TestALogoutAtEachStepOfMergeThenRenew(t *testing.T) {
	points := []string{"merge's delete", "renewal's delete", "handover", "index step", "create"}
	for _, point := range points {
		for _, whose := range []string{"current", "merged"} {
			t.Run(point+", logout of the "+whose+" session", func(t *testing.T) {
				eachSetup(t, func(t *testing.T, f *fleet) {
					o := &browser{}
					f.do(1, o, "/put?cart=apple")
					br := &browser{}
					f.do(0, br, "/put?user=alice")
					f.handle("/login", func(in *instance, w http.ResponseWriter, r *http.Request) {
						renewals["merge, then renew"](t, in, r, o.token())
					})
					logoutAt := f.gatedLogout()
					at := map[string]func() *redistest.Gate{
						"merge's delete": func() *redistest.Gate {
							return redistest.PauseAt(f.inst[0].client, redistest.Script(scripts.Delete, f.key(o.token())))
						},
						"renewal's delete": func() *redistest.Gate {
							return redistest.PauseAt(f.inst[0].client, redistest.Script(scripts.Delete, f.key(br.token())))
						},
						"handover":   func() *redistest.Gate { return redistest.PauseAt(f.inst[0].client, redistest.Script(scripts.Handover)) },
						"index step": func() *redistest.Gate { return redistest.PauseAt(f.inst[0].client, redistest.Script(scripts.IndexAdd)) },
						"create":     func() *redistest.Gate { return redistest.PauseAt(f.inst[0].client, redistest.Script(scripts.Create)) },
					}
					logoutDone := make(chan struct{})
					go func() { defer close(logoutDone); f.do(1, cookieOnly(loggedOut(whose, br, o)), "/logout") }()
					<-logoutAt.Arrived
					gate := at[point]()
					loginDone := make(chan struct{})
					go func() { defer close(loginDone); f.do(0, br, "/login") }()
					select {
					case <-gate.Arrived:
						logoutAt.Release()
						<-logoutDone
						gate.Release()
					case <-loginDone: // no such step (no index without a user key)
						gate.Release()
						logoutAt.Release()
						<-logoutDone
					}
					<-loginDone
					f.assertNothingLivesOf(t, whose)
				}, scsstore.WithUserKey("user"))
			})
		}
	}
}

// Log out others after the current request renewed in any of the ways
// above (including a manual commit of the new token before the revocation
// and a second renewal after it): the current session lives, the other
// device does not.
func TestLogOutOthersKeepsTheCurrentSessionWhateverItsRenewals(t *testing.T) {
	flows := map[string]func(t *testing.T, in *instance, r *http.Request){
		"renew, commit, revoke": func(t *testing.T, in *instance, r *http.Request) {
			c := r.Context()
			require.NoError(t, in.sm.RenewToken(c))
			_, _, err := in.sm.Commit(c)
			require.NoError(t, err)
			_, err = in.store.DeleteUserSessions(c, "ada", in.sm.Token(c))
			require.NoError(t, err)
		},
		"renew twice, revoke": func(t *testing.T, in *instance, r *http.Request) {
			c := r.Context()
			require.NoError(t, in.sm.RenewToken(c))
			require.NoError(t, in.sm.RenewToken(c))
			_, err := in.store.DeleteUserSessions(c, "ada", in.sm.Token(c))
			require.NoError(t, err)
		},
		"renew, revoke, commit, put": func(t *testing.T, in *instance, r *http.Request) {
			c := r.Context()
			require.NoError(t, in.sm.RenewToken(c))
			_, err := in.store.DeleteUserSessions(c, "ada", in.sm.Token(c))
			require.NoError(t, err)
			_, _, err = in.sm.Commit(c)
			require.NoError(t, err)
			in.sm.Put(c, "after", "1")
		},
	}
	logOutOthers(t, flows)
}

func logOutOthers(t *testing.T, flows map[string]func(t *testing.T, in *instance, r *http.Request)) {
	for name, flow := range flows {
		t.Run(name, func(t *testing.T) {
			eachSetup(t, func(t *testing.T, f *fleet) {
				userRoutes(f)
				f.handle("/change-password", func(in *instance, w http.ResponseWriter, r *http.Request) { flow(t, in, r) })
				phone, laptop := &browser{}, &browser{}
				f.do(1, phone, "/login?u=ada")
				f.do(0, laptop, "/login?u=ada")
				f.do(0, laptop, "/change-password")
				assert.Equal(t, []string{laptop.token()}, f.aliveOf("ada"), "exactly the current session lives")
				body, _ := f.do(1, laptop, "/get?k=user_id")
				assert.Equal(t, "ada", body, "the current session stays logged in")
				body, _ = f.do(1, phone, "/get?k=user_id")
				assert.Empty(t, body, "the other device is logged out")
			}, scsstore.WithUserKey("user_id"))
		})
	}
}

// HashTokenInStore: the handover names the stored (hashed) key, and a
// logout racing the renewal with the old cookie ends the renewed session.
func TestHashTokenInStoreLogoutRacingARenewal(t *testing.T) {
	eachSetup(t, func(t *testing.T, f *fleet) {
		for _, in := range f.inst {
			in.sm.HashTokenInStore = true
		}
		f.handle("/login", func(in *instance, w http.ResponseWriter, r *http.Request) {
			require.NoError(t, in.sm.RenewToken(r.Context()))
			in.sm.Put(r.Context(), "role", "admin")
		})
		logoutAt := f.gatedLogout()
		br := &browser{}
		f.do(0, br, "/put?user=alice")
		require.Len(t, f.sessions(), 1)
		done := make(chan struct{})
		go func() { defer close(done); f.do(1, cookieOnly(br), "/logout") }()
		<-logoutAt.Arrived
		f.do(0, br, "/login")
		require.Len(t, f.sessions(), 1, "renewed")
		logoutAt.Release()
		<-done
		assert.Empty(t, f.sessions(), "the renewed session outlived the logout that loaded it first")
	}, scsstore.WithHashedTokens())
}
