package scsstore_test

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/hashcodec"
	"github.com/redis-session/redis-session-go/internal/redistest"
	"github.com/redis-session/redis-session-go/internal/scripts"
	"github.com/redis-session/redis-session-go/scsstore"
)

// Attacks on the commit engine through scs (from a red team of issue 12).
// Each test states the contract it checks.

// A session that does not slide (its expiry is its deadline: SetDeadline,
// or a session in the last IdleTimeout of its Lifetime, for which scs asks
// for expiry = deadline and the store records a window of 0) is loaded
// after other sessions committed with a 30-minute window: the load slides
// by the session's own window, so its key never outlives the deadline scs
// asked for.
func TestALoadNeverSlidesASessionPastItsDeadline(t *testing.T) {
	eachSetup(t, func(t *testing.T, f *fleet) {
		for _, in := range f.inst {
			in.sm.IdleTimeout = 30 * time.Minute
		}
		f.handle("/short", func(in *instance, w http.ResponseWriter, r *http.Request) {
			in.sm.SetDeadline(r.Context(), time.Now().Add(time.Minute))
		})
		short := &browser{}
		f.do(0, short, "/put?a=1")
		f.do(0, short, "/short") // expiry = deadline: window 0
		deadline, err := strconv.ParseInt(f.stored(short)["#deadline"], 10, 64)
		require.NoError(t, err)
		at, err := f.b.Client.Do(ctx, "pexpiretime", f.key(short.token())).Int64()
		require.NoError(t, err)
		require.LessOrEqual(t, at, deadline, "after the commit the key ends at its deadline")

		f.do(0, &browser{}, "/put?b=1") // any other session: the store learns a 30 min window

		body, code := f.do(0, cookieOnly(short), "/get?k=a") // a read-only request
		require.Equal(t, http.StatusOK, code)
		require.Equal(t, "1", body)
		at, err = f.b.Client.Do(ctx, "pexpiretime", f.key(short.token())).Int64()
		require.NoError(t, err)
		assert.LessOrEqual(t, at, deadline+2,
			"the key must not outlive the deadline scs asked for (it expires %s after it)",
			time.Duration(at-deadline)*time.Millisecond)
	})
}

// MergeSession (the OAuth callback) finds the other session, and before it
// deletes it the user logs out of that session in another tab, on the
// other instance: the merge's delete finds a tombstone, and the commit,
// which requires every merged session to have ended alive by this request,
// writes nothing of the logged-out session, into the current session or a
// new one.
func TestMergeSessionRacingLogoutDoesNotResurrect(t *testing.T) {
	for _, current := range []string{"current session", "no current session"} {
		t.Run(current, func(t *testing.T) {
			eachSetup(t, func(t *testing.T, f *fleet) {
				other := &browser{}
				f.do(1, other, "/put?user=alice")
				otherTok := other.token()
				br := &browser{}
				if current == "current session" {
					f.do(0, br, "/put?theme=dark")
				}
				// The merge's delete of the other session waits until the
				// logout has run.
				atDelete := redistest.PauseAt(f.inst[0].client, redistest.Script(scripts.Delete, f.key(otherTok)))
				f.handle("/callback", func(in *instance, w http.ResponseWriter, r *http.Request) {
					require.NoError(t, in.sm.MergeSession(r.Context(), otherTok))
				})
				done := make(chan struct{})
				go func() { defer close(done); f.do(0, br, "/callback") }()
				<-atDelete.Arrived         // the merge has read the other session
				f.do(1, other, "/destroy") // alice logs out in the other tab
				atDelete.Release()         // the merge's delete finds a tombstone
				<-done
				body, _ := f.do(1, cookieOnly(br), "/get?k=user")
				assert.Empty(t, body, "the logged-out session's login lives on in the merged session")
				for _, k := range f.sessions() {
					assert.NotEqual(t, "alice", f.b.Client.HGet(ctx, k, "user").Val(), "live session %s carries the logged-out user", k)
				}
			})
		})
	}
}

// After Destroy, scs says the rest of the request works on a new session;
// Destroy clears the values map in place, taking the reserved state with
// it, so a Put of a key the destroyed session had (a "switch account"
// handler) is committed as a new session, also when the destroyed one was
// ended by someone else meanwhile.
func TestDestroyThenPutIsANewSession(t *testing.T) {
	eachSetup(t, func(t *testing.T, f *fleet) {
		br := &browser{}
		f.do(0, br, "/put?user=alice")
		g := redistest.NewGate()
		f.handle("/switch", func(in *instance, w http.ResponseWriter, r *http.Request) {
			g.Wait()
			require.NoError(t, in.sm.Destroy(r.Context()))
			in.sm.Put(r.Context(), "user", "bob")
		})
		sw := cookieOnly(br)
		done := make(chan struct{})
		go func() { defer close(done); f.do(0, sw, "/switch") }()
		<-g.Arrived
		f.do(1, cookieOnly(br), "/destroy") // alice logs out in another tab meanwhile
		g.Release()
		<-done
		require.NotEmpty(t, sw.token(), "scs issued a cookie for the new session")
		body, _ := f.do(1, cookieOnly(sw), "/get?k=user")
		assert.Equal(t, "bob", body, "the new session (after Destroy) exists")
	})
}

// The same without any race: the session started after Destroy is a new
// session, not a continuation of the destroyed one (its creation time is
// its own).
func TestDestroyThenPutDoesNotInheritTheDestroyedSession(t *testing.T) {
	eachSetup(t, func(t *testing.T, f *fleet) {
		br := &browser{}
		f.do(0, br, "/put?user=alice")
		created := f.stored(br)["#created"]
		require.NotEmpty(t, created)
		// Make the destroyed session's creation time recognisable.
		require.NoError(t, f.b.Client.HSet(ctx, f.key(br.token()), "#created", "1000").Err())
		f.handle("/switch", func(in *instance, w http.ResponseWriter, r *http.Request) {
			require.NoError(t, in.sm.Destroy(r.Context()))
			in.sm.Put(r.Context(), "user", "bob")
		})
		f.do(0, br, "/switch")
		raw := f.stored(br)
		require.Equal(t, "bob", raw["user"])
		assert.NotEqual(t, "1000", raw["#created"], "the new session took the destroyed session's creation time")
	})
}

// Limits lowered in a new deployment while a session holds more values
// than the new limit: a save that does not grow the session (one that
// removes values, or a read-only one) is never refused, so the session is
// not locked out.
func TestLoweredLimitsLockNoSessionOut(t *testing.T) {
	eachSetup(t, func(t *testing.T, f *fleet) {
		br := &browser{}
		q := "/put?"
		for i := 0; i < 20; i++ {
			q += fmt.Sprintf("k%d=v&", i)
		}
		_, code := f.do(0, br, q)
		require.Equal(t, http.StatusOK, code)

		// Another deployment of the app runs with a limit of 10 values.
		opts := []scsstore.Option{scsstore.WithPrefix(f.pfx), scsstore.WithLimits(hashcodec.Limits{Fields: 10})}
		if _, fast := f.inst[0].store.Codec().(scsstore.Codec); fast {
			opts = append(opts, scsstore.WithCodec(scsstore.Codec{}))
		}
		lowered := newFleet(t, f.b, 1, f.setup, opts...)
		lowered.inst[0].sm.Codec = f.inst[0].sm.Codec
		var errs []error
		lowered.inst[0].sm.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
			errs = append(errs, err)
			http.Error(w, "error", http.StatusInternalServerError)
		}
		lowered.handle("/shrink", func(in *instance, w http.ResponseWriter, r *http.Request) {
			for i := 0; i < 5; i++ {
				in.sm.Remove(r.Context(), fmt.Sprintf("k%d", i))
			}
		})
		_, code = lowered.do(0, cookieOnly(br), "/shrink")
		assert.Equal(t, http.StatusOK, code, "a commit that shrinks the session is refused: %v", errs)
		lowered.inst[0].sm.IdleTimeout = time.Hour
		_, code = lowered.do(0, cookieOnly(br), "/get?k=k9")
		assert.Equal(t, http.StatusOK, code, "a read-only request under IdleTimeout is refused: %v", errs)
	})
}

// An IdleTimeout with a fraction of a second (90.6 s) is recorded to the
// millisecond below it, never rounded up, so the loads that slide by it
// never set an expiry later than scs asked for.
func TestAFractionalIdleTimeoutIsNeverExceeded(t *testing.T) {
	eachSetup(t, func(t *testing.T, f *fleet) {
		for _, in := range f.inst {
			in.sm.IdleTimeout = 90*time.Second + 600*time.Millisecond
			in.sm.Store = expiryRecorder{Store: in.store, t: t, c: f.b.Client}
		}
		br := &browser{}
		f.do(0, br, "/put?a=1")
		f.do(0, br, "/get?k=a") // the load slides, the commit has nothing to do
	})
}

// "Log out everywhere" while an OAuth callback merges one of the user's
// sessions into the current one: the merge's commit continues the merged
// binding, which the revocation ended, so nothing of the user lives.
func TestMergeSessionRacingLogOutEverywhere(t *testing.T) {
	eachSetup(t, func(t *testing.T, f *fleet) {
		other := &browser{}
		f.do(1, other, "/put?user=alice")
		br := &browser{}
		f.do(0, br, "/put?theme=dark")
		release := f.inFlight(0, cookieOnly(br), "/callback", func(in *instance, r *http.Request) {
			require.NoError(t, in.sm.MergeSession(r.Context(), other.token()))
		})
		n, err := f.inst[1].store.DeleteUserSessions(ctx, "alice", "")
		require.NoError(t, err)
		release()
		t.Logf("DeleteUserSessions ended %d", n)
		body, _ := f.do(1, cookieOnly(br), "/get?k=user")
		assert.Empty(t, body, "a session of alice lives after log out everywhere")
		list, err := f.inst[1].store.UserSessions(ctx, "alice")
		require.NoError(t, err)
		assert.Empty(t, list, "alice has live sessions after log out everywhere")
	}, scsstore.WithUserKey("user"))
}

// Go and the scripts read stored numbers alike (decimal integers only):
// a #uexp of "0x10" or " 16" is no cover for either, so a session that
// loads is also written by its commit, never silently deleted by it.
func TestGoAndLuaReadStoredNumbersAlike(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		for _, v := range []string{"0x10", " 16"} {
			t.Run(v, func(t *testing.T) {
				a := newApp(t, b)
				br := &browser{}
				a.do(br, "/put?user=ada")
				require.NoError(t, b.Client.HSet(ctx, a.key(br.token()), "#uexp", v).Err())
				body, code := a.do(br, "/get?k=user")
				require.Equal(t, http.StatusOK, code)
				require.Equal(t, "ada", body, "Go: the session is alive")
				_, code = a.do(br, "/put?cart=apple")
				loaded := code == http.StatusOK
				raw := b.Client.HGetAll(ctx, a.key(br.token())).Val()
				assert.False(t, loaded && raw["cart"] != "apple",
					"the commit reported success, but the session is %v", raw)
			})
		}
	})
}

// A session hash without a TTL (written by hand, by another program, or
// left by an older release) gets one when it is loaded: every key always
// has a TTL.
func TestALoadedKeyWithoutTTLGetsOne(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		codecs(t, func(t *testing.T, opts ...scsstore.Option) {
			a := newApp(t, b, opts...)
			br := &browser{}
			a.do(br, "/put?a=1")
			key := a.key(br.token())
			require.NoError(t, b.Client.Persist(ctx, key).Err()) // no TTL, as hand-made data has
			body, code := a.do(br, "/get?k=a")
			require.Equal(t, http.StatusOK, code)
			require.Equal(t, "1", body)
			assert.Greater(t, redistest.TTL(t, b.Client, key), time.Duration(0), "a loaded session key is left without a TTL")
		})
	})
}
