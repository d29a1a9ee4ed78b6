package scsstore_test

// Attacks on "log out everywhere" (from a red team of issue 13). Each test
// states the interleaving it forces and what must hold. Interleavings are
// forced with go-redis hooks (gates, injected failures, a command held
// until its context ends), never with sleeps.

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/hashcodec"
	"github.com/redis-session/redis-session-go/internal/redistest"
	"github.com/redis-session/redis-session-go/internal/scripts"
	"github.com/redis-session/redis-session-go/scsstore"
)

// DeleteUserSessions marks the index entries revoked before it ends the
// sessions, and drops a mark only once its session is ended. A Redis slow
// past the store's timeout (or a network that drops, or the process
// dying) after the index step loses nothing: a second revocation, while
// the first is stuck or after it failed, ends the sessions it left.
func TestARevocationThatTimesOutIsFinishedByTheNext(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		f := newFleet(t, b, 2, deployments[0], scsstore.WithUserKey("user_id"), scsstore.WithTimeout(500*time.Millisecond))
		userRoutes(f)
		phone, laptop := &browser{}, &browser{}
		f.do(0, phone, "/login?u=ada")
		f.do(0, laptop, "/login?u=ada") // the stolen device
		require.Len(t, f.aliveOf("ada"), 2)

		// Instance 1's Redis is slow: its deletes do not finish in time.
		stalled := redistest.StallOnce(f.inst[1].client, redistest.Script(scripts.Delete))
		first := make(chan error, 1)
		go func() {
			_, err := f.inst[1].store.DeleteUserSessions(ctx, "ada", "")
			first <- err
		}()
		<-stalled

		// Meanwhile the user presses "log out everywhere" again, on the
		// other instance: the entries the stuck revocation marked are still
		// there, and this one ends their sessions.
		n, err := f.inst[0].store.DeleteUserSessions(ctx, "ada", "")
		require.NoError(t, err)
		assert.Equal(t, 2, n)
		body, _ := f.do(0, laptop, "/get?k=user_id")
		assert.Empty(t, body, "the stolen session is over while the first revocation is stuck")

		err = <-first
		require.Error(t, err, "the first revocation reports its failure and asks to be retried")
		t.Logf("first revocation: %v", err)
		// The retry, on a healthy instance, as the error message asks.
		n, err = f.inst[0].store.DeleteUserSessions(ctx, "ada", "")
		require.NoError(t, err)
		t.Logf("retry ended %d sessions; alive after the retry: %d", n, len(f.aliveOf("ada")))

		assert.Empty(t, f.aliveOf("ada"), "no session of ada may be alive after a revocation that returned success")
		body, _ = f.do(0, laptop, "/get?k=user_id")
		assert.Empty(t, body, "the stolen device must be logged out")
		list, err := f.inst[0].store.UserSessions(ctx, "ada")
		require.NoError(t, err)
		t.Logf("UserSessions(ada) lists %d sessions while %d are alive", len(list), len(f.aliveOf("ada")))
	})
}

// The password-change flow: RenewToken (as scs advises on a privilege
// change), then DeleteUserSessions(user, sessionManager.Token(ctx)) to log
// out every other device. Token(ctx) is the new token, not committed yet:
// the revocation spares it, so its renewal still commits, and the current
// session is kept.
func TestLogOutOthersAfterRenewTokenKeepsTheCurrentSession(t *testing.T) {
	logOutOthers(t, map[string]func(t *testing.T, in *instance, r *http.Request){
		"renew, revoke": func(t *testing.T, in *instance, r *http.Request) {
			c := r.Context()
			require.NoError(t, in.sm.RenewToken(c))
			_, err := in.store.DeleteUserSessions(c, in.sm.GetString(c, "user_id"), in.sm.Token(c))
			require.NoError(t, err)
		},
	})
}

// MergeSession (scs's OAuth-redirect helper) copies another session's
// values, user ID included, and deletes it. If the merged session is
// revoked while the merging request is in flight, that request's commit
// carries the merged binding on (a 'continue', refused once revoked), so
// the revoked identity does not live on under another token.
func TestMergeSessionCannotCarryARevokedIdentity(t *testing.T) {
	for _, fresh := range []bool{false, true} {
		name := "into an anonymous session"
		if fresh {
			name = "into a new session"
		}
		t.Run(name, func(t *testing.T) {
			eachSetup(t, func(t *testing.T, f *fleet) {
				userRoutes(f)
				phone, stolen, attacker := &browser{}, &browser{}, &browser{}
				f.do(1, phone, "/login?u=ada")
				f.do(0, stolen, "/login?u=ada")
				if !fresh {
					f.do(0, attacker, "/put?theme=dark")
				}
				stolenToken := stolen.token()
				release := f.inFlight(0, attacker, "/merge", func(in *instance, r *http.Request) {
					require.NoError(t, in.sm.MergeSession(r.Context(), stolenToken))
				})
				// The victim logs out everywhere else while the merge is in flight.
				_, err := f.inst[1].store.DeleteUserSessions(ctx, "ada", phone.token())
				require.NoError(t, err)
				release()
				assert.Equal(t, []string{phone.token()}, f.aliveOf("ada"), "only the excepted session lives")
				body, _ := f.do(1, attacker, "/get?k=user_id")
				assert.Empty(t, body, "the revoked identity must not live on under the attacker's token")
			}, scsstore.WithUserKey("user_id"))
		})
	}
}

// A login's index step adds its entry; a listing on another instance sees
// the entry before the session is written. Listings prune nothing (only a
// passed cover does), so the live, bound session keeps its entry and the
// next revocation ends it.
func TestAListingRacingALoginKeepsItsEntry(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		f := newFleet(t, b, 2, deployments[0], scsstore.WithUserKey("user_id"))
		userRoutes(f)
		laptop := &browser{}
		gate := redistest.PauseAt(f.inst[0].client, redistest.Script(scripts.Create))
		done := make(chan struct{})
		go func() { defer close(done); f.do(0, laptop, "/login?u=ada") }()
		<-gate.Arrived // the entry is added, the session not written yet
		_, err := f.inst[1].store.UserSessions(ctx, "ada")
		require.NoError(t, err)
		gate.Release()
		<-done
		require.Len(t, f.aliveOf("ada"), 1, "the login succeeded")

		n, err := f.inst[1].store.DeleteUserSessions(ctx, "ada", "")
		require.NoError(t, err)
		t.Logf("revocation ended %d sessions", n)
		assert.Empty(t, f.aliveOf("ada"), "the login completed before the revocation began: it must be ended")
		body, _ := f.do(1, laptop, "/get?k=user_id")
		assert.Empty(t, body, "the device must be logged out")
	})
}

// Entries are pruned only by their cover, by Redis's clock less a minute's
// margin; a listing prunes nothing. With Redis's clock 30 s behind the app
// servers (within the margin), a session whose expiry passed on the app
// servers' clock but not on Redis's is still alive: a listing keeps its
// entry, and "log out everywhere" ends it.
//
// Only miniredis lets a test move Redis's clock; there the skew is real
// (TIME, TTLs and PEXPIRETIME all follow it).
func TestListingsUnderClockSkewKeepTheEntriesOfLiveSessions(t *testing.T) {
	redistest.OnMini(t, func(t *testing.T, b *redistest.Backend) {
		skew := 30 * time.Second
		b.Mini.SetTime(time.Now().Add(-skew)) // Redis runs 30 s behind every app server
		f := newFleet(t, b, 2, deployments[0], scsstore.WithUserKey("user_id"))
		for _, in := range f.inst {
			in.sm.IdleTimeout = 10 * time.Minute
		}
		userRoutes(f)
		phone, laptop := &browser{}, &browser{}
		f.do(1, phone, "/login?u=ada")
		f.do(0, laptop, "/login?u=ada")
		// The laptop was last used 10 min 10 s ago by the app servers'
		// clocks: its expiry (last use + 10 min) is 10 s in their past, and
		// 20 s in Redis's future. (What the login wrote, but earlier.)
		require.NoError(t, b.Client.PExpireAt(ctx, f.key(laptop.token()), time.Now().Add(-10*time.Second)).Err())
		require.True(t, redistest.Live(t, b.Client, f.key(laptop.token())), "alive in Redis")

		_, err := f.inst[1].store.UserSessions(ctx, "ada") // an account page on instance 1
		require.NoError(t, err)
		body, _ := f.do(0, laptop, "/get?k=user_id") // the laptop comes back
		require.Equal(t, "ada", body, "the session was alive, and its load slid it")

		_, err = f.inst[1].store.DeleteUserSessions(ctx, "ada", phone.token())
		require.NoError(t, err)
		assert.Equal(t, []string{phone.token()}, f.aliveOf("ada"), "only the excepted session lives")
		body, _ = f.do(0, laptop, "/get?k=user_id")
		assert.Empty(t, body, "the laptop must be logged out")
	})
}

// A single-value write through store.Fields of the user key would change
// whose session it is to the app without rebinding it (the new user's
// revocation would miss it): Fields refuses it with ErrReadOnly; a commit
// rebinds, and the revocation then ends the session.
func TestFieldsCannotRebindTheUserKey(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		f := newFleet(t, b, 2, deployments[0], scsstore.WithUserKey("user_id"))
		userRoutes(f)
		laptop := &browser{}
		f.do(0, laptop, "/put?theme=dark") // an anonymous session
		// A single-value login (or account switch) through Fields is refused:
		// the user key is changed by a commit or BindUser, which rebind.
		err := f.inst[0].store.Fields(laptop.token()).Set(ctx, "user_id", "bob")
		require.ErrorIs(t, err, hashcodec.ErrReadOnly)
		require.NoError(t, f.inst[0].store.Fields(laptop.token()).Set(ctx, "theme", "light"), "other keys stay writable")
		body, _ := f.do(1, laptop, "/get?k=user_id")
		require.Empty(t, body)
		f.do(1, laptop, "/put?user_id=bob")

		_, err = f.inst[1].store.DeleteUserSessions(ctx, "bob", "")
		require.NoError(t, err)
		body, _ = f.do(1, laptop, "/get?k=user_id")
		assert.Empty(t, body, "bob is logged out everywhere: no session of bob may be alive")
	})
}

// A session in the last idle period before its deadline records a window
// of 0. Its load slides by its own window (none), so its key never
// outlives its #deadline or its index cover (capped at the deadline).
func TestAWindowZeroLoadStaysWithinDeadlineAndCover(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		f := newFleet(t, b, 1, deployments[0], scsstore.WithUserKey("user_id"))
		in := f.inst[0]
		in.sm.IdleTimeout, in.sm.Lifetime = 30*time.Minute, time.Hour
		userRoutes(f)
		other, br := &browser{}, &browser{}
		f.do(0, br, "/login?u=ada")
		// br's session is 55 minutes old: 5 minutes to its deadline, so its
		// last commit recorded no window and set the expiry to the deadline.
		deadline := time.Now().Add(5 * time.Minute).UnixMilli()
		key := f.key(br.token())
		require.NoError(t, b.Client.HSet(ctx, key, "#deadline", deadline, "#idle", 0, "#uexp", deadline).Err())
		require.NoError(t, b.Client.PExpireAt(ctx, key, time.UnixMilli(deadline)).Err())
		f.do(0, other, "/login?u=bob") // any commit: the store's hint is 30 min again
		f.do(0, br, "/get?k=user_id")
		at, err := b.Client.Do(ctx, "pexpiretime", key).Int64()
		require.NoError(t, err)
		assert.LessOrEqual(t, at, deadline, "the key must not outlive its deadline (and cover)")
		t.Logf("key expires %s after its deadline and cover", time.Duration(at-deadline)*time.Millisecond)
	})
}

// One tab of the laptop renews its token (a step-up login) while another
// tab of the same browser, still on the old token, presses "log out other
// devices" (except = its token, the old one). The renewal's index step
// recorded its lineage, so the revocation spares the new token too: the
// browser that asked to stay logged in stays logged in.
func TestLogOutOthersWhileTheCurrentSessionRenewsKeepsIt(t *testing.T) {
	eachSetup(t, func(t *testing.T, f *fleet) {
		userRoutes(f)
		phone, laptop := &browser{}, &browser{}
		f.do(1, phone, "/login?u=ada")
		f.do(0, laptop, "/login?u=ada")
		current := laptop.token()
		gate := redistest.PauseAt(f.inst[0].client, redistest.Script(scripts.Create))
		done := make(chan struct{})
		go func() { defer close(done); f.do(0, laptop, "/renew") }()
		<-gate.Arrived // RenewToken done, new entry added, new key not written
		_, err := f.inst[1].store.DeleteUserSessions(ctx, "ada", current)
		require.NoError(t, err)
		gate.Release()
		<-done
		body, _ := f.do(1, laptop, "/get?k=user_id")
		assert.Equal(t, "ada", body, "the excepted session (now under its renewed token) stays logged in")
		body, _ = f.do(1, phone, "/get?k=user_id")
		assert.Empty(t, body, "the other device is logged out")
	}, scsstore.WithUserKey("user_id"))
}
