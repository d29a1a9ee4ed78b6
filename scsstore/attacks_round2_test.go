package scsstore_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/hashcodec"
	"github.com/redis-session/redis-session-go/internal/redistest"
	"github.com/redis-session/redis-session-go/internal/scripts"
	"github.com/redis-session/redis-session-go/scsstore"
)

// Red team, round 2. Each test states the guarantee it attacks.

// TestRenewTokenRacingLogoutElsewhere (guarantees_test.go) holds a logout
// between the renewal's delete and its commit; this holds it *inside* the
// commit, after the handover of the old key to the new one and before the
// create of the new key (two round trips): the logout's delete of the old
// key follows the handover and leaves a tombstone at the new key, which
// the create refuses.
func TestLogoutDuringTheRenewalsCreateEndsTheRenewedSession(t *testing.T) {
	eachSetup(t, func(t *testing.T, f *fleet) {
		br := &browser{}
		f.do(0, br, "/put?user=alice")
		f.handle("/login", func(in *instance, w http.ResponseWriter, r *http.Request) {
			require.NoError(t, in.sm.RenewToken(r.Context()))
			in.sm.Put(r.Context(), "role", "admin")
		})
		logoutAt := f.gatedLogout()
		// The login's create of the new key waits (the handover has passed).
		atCreate := redistest.PauseAt(f.inst[0].client, redistest.Script(scripts.Create))
		login, logout := cookieOnly(br), cookieOnly(br)
		logoutDone, loginDone := make(chan struct{}), make(chan struct{})
		go func() { defer close(logoutDone); f.do(1, logout, "/logout") }()
		<-logoutAt.Arrived // the logout has loaded the session
		go func() { defer close(loginDone); f.do(0, login, "/login") }()
		<-atCreate.Arrived // renewed, old key handed over, create pending
		logoutAt.Release() // the logout deletes the old session (TombstoneAlive -> tombstone)
		<-logoutDone
		atCreate.Release()
		<-loginDone
		assert.Empty(t, f.sessions(), "a session of the logged-out user lives on under the renewed token")
		body, _ := f.do(1, login, "/get?k=user")
		assert.Empty(t, body, "the renewed cookie is still logged in as the logged-out user")
	})
}

// The same window for MergeSession: the merge's delete of the other
// session ended it alive and handed it over, and before the commit's
// write the user logs out of the other session in another tab. The
// logged-out session's values must not live on in the merged session.
func TestLogoutOfTheMergedSessionDuringTheMergeEndsTheMergeTarget(t *testing.T) {
	eachSetup(t, func(t *testing.T, f *fleet) {
		other := &browser{}
		f.do(1, other, "/put?user=alice")
		otherTok := other.token()
		br := &browser{}
		f.do(0, br, "/put?theme=dark")
		logoutAt := f.gatedLogout()
		f.handle("/callback", func(in *instance, w http.ResponseWriter, r *http.Request) {
			require.NoError(t, in.sm.MergeSession(r.Context(), otherTok))
		})
		atWrite := redistest.PauseAt(f.inst[0].client, redistest.Script(scripts.Commit, f.key(br.token())))
		logoutDone, mergeDone := make(chan struct{}), make(chan struct{})
		go func() { defer close(logoutDone); f.do(1, cookieOnly(other), "/logout") }()
		<-logoutAt.Arrived
		go func() { defer close(mergeDone); f.do(0, br, "/callback") }()
		<-atWrite.Arrived // merged, deleted alive, checked; the write waits
		logoutAt.Release()
		<-logoutDone
		atWrite.Release()
		<-mergeDone
		for _, k := range f.sessions() {
			assert.NotEqual(t, "alice", f.b.Client.HGet(ctx, k, "user").Val(),
				"live session %s carries the values of a session logged out before the merge wrote", k)
		}
	})
}

// Limits are kept by the counters #n/#b, which every write maintains.
// Fields(token).Delete takes a variadic list of keys and passes duplicates
// through: a key named twice must count as removed once, or the counters
// would fall below what is stored and later writes pass the limits.
func TestFieldsDeleteNamingAKeyTwiceCountsItOnce(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := newApp(t, b, scsstore.WithLimits(hashcodec.Limits{Fields: 4}))
		br := &browser{}
		a.do(br, "/put?a=1&b=1&c=1&d=1") // at the limit: 4 values
		h := a.store.Fields(br.token())
		values := func() int {
			n := 0
			for f := range b.Client.HGetAll(ctx, a.key(br.token())).Val() {
				if !strings.HasPrefix(f, "#") {
					n++
				}
			}
			return n
		}
		// A handler removes the items a form named (twice, say), then the
		// user adds items; each add past 4 values must be refused.
		for i := 0; i < 3; i++ {
			_, err := h.Delete(ctx, "a", "a")
			require.NoError(t, err)
			require.NoError(t, h.Set(ctx, "a", "1")) // back to 4 values
			_ = h.Set(ctx, "x"+strconv.Itoa(i), "1")
		}
		stored := b.Client.HGetAll(ctx, a.key(br.token())).Val()
		assert.Equal(t, strconv.Itoa(values()), stored["#n"], "the stored count of values (#n) drifted from what is stored")
		assert.LessOrEqual(t, values(), 4, "the session holds %d values, past its limit of 4", values())
	})
}

// A hostile (or hand-edited) stored #idle of 18 digits passes the scripts'
// int() and Go's ParseInt; the touch script then asks PEXPIREAT for now +
// #idle, which Redis refuses. SECURITY.md: corrupt stored data gives an
// error naming the field, or no session.
func TestHostileIdleKeepsATTLAndFailsNamingTheField(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := newApp(t, b)
		br := &browser{}
		a.do(br, "/put?name=ada")
		key := a.key(br.token())
		require.NoError(t, b.Client.HSet(ctx, key, "#idle", "999999999999999999").Err())
		_, _, err := a.store.FindCtx(ctx, br.token())
		if err != nil {
			assert.Contains(t, err.Error(), "#idle", "a load fails with an error that does not name the field: %v", err)
		}
		at, err := b.Client.Do(ctx, "pexpiretime", key).Int64()
		require.NoError(t, err)
		if at != -2 {
			assert.Greater(t, at, int64(0), "the key has no TTL")
		}
	})
}

// A handler that writes under the reserved name (a key taken from user
// input, or a careless Put) must not make the commit write another
// session, lose the delta, or reach Redis with the reserved name's state.
func TestPutUnderTheReservedNameWritesNoOtherSession(t *testing.T) {
	eachSetup(t, func(t *testing.T, f *fleet) {
		victim := &browser{}
		f.do(0, victim, "/put?user=bob")
		br := &browser{}
		f.do(0, br, "/put?user=alice&cart=apple")
		// Another tab adds a value while /evil is in flight: a delta commit
		// keeps it.
		release := f.inFlight(0, cookieOnly(br), "/evil2", func(in *instance, r *http.Request) {
			for _, k := range in.sm.Keys(r.Context()) {
				if strings.HasPrefix(k, scsstore.LoadedStatePrefix) {
					in.sm.Put(r.Context(), k, "forged")
				}
			}
			in.sm.Put(r.Context(), scsstore.LoadedStatePrefix+"AAAAAAAAAAA", "x")
			in.sm.Put(r.Context(), "theme", "dark")
		})
		f.do(1, cookieOnly(br), "/put?lang=fr")
		release()
		stored := f.stored(br)
		assert.Equal(t, "bob", f.stored(victim)["user"], "the other session is untouched")
		assert.Equal(t, "alice", stored["user"])
		assert.Equal(t, "dark", stored["theme"])
		assert.Equal(t, "apple", stored["cart"])
		for k := range stored {
			assert.False(t, strings.HasPrefix(k, scsstore.LoadedStatePrefix), "a reserved name reached Redis: %s", k)
		}
		if _, plain := f.inst[0].sm.Codec.(scs.GobCodec); plain {
			// Documented (Store, README): with scs's own GobCodec the reserved
			// value is the store's only link to what the request loaded, so a
			// handler that overwrites it commits the session whole, like Clear.
			return
		}
		assert.Equal(t, "fr", stored["lang"], "a concurrent change was lost: the forged state made the commit write the session whole")
	})
}

// Far-future times: scs Lifetime of 100 years with an IdleTimeout, and a
// SetDeadline in the year 2300: after every commit and every load the
// key's expiry is never later than what scs asked for (deadline, or now +
// IdleTimeout).
func TestFarFutureLifetimeAndDeadlineNeverExpireLaterThanAsked(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := newApp(t, b)
		a.sm.Lifetime = 100 * 365 * 24 * time.Hour
		a.sm.IdleTimeout = 10 * time.Minute
		a.handle("/far", func(w http.ResponseWriter, r *http.Request) {
			a.sm.SetDeadline(r.Context(), time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC))
		})
		br := &browser{}
		a.do(br, "/put?x=1")
		key := a.key(br.token())
		check := func(what string) {
			at, err := b.Client.Do(ctx, "pexpiretime", key).Int64()
			require.NoError(t, err)
			limit := time.Now().Add(10 * time.Minute).UnixMilli()
			assert.LessOrEqual(t, at, limit+5, "%s: the key expires %s after now+IdleTimeout", what, time.Duration(at-limit)*time.Millisecond)
			assert.Greater(t, at, time.Now().UnixMilli(), "%s: key has no TTL", what)
		}
		check("commit")
		a.do(cookieOnly(br), "/get?k=x")
		check("read-only request")
		a.do(br, "/far")
		check("SetDeadline(2300)")
		d, _ := strconv.ParseInt(b.Client.HGet(ctx, key, "#deadline").Val(), 10, 64)
		assert.Equal(t, time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli(), d)
		_, _, err := a.store.FindCtx(ctx, br.token())
		require.NoError(t, err)
		check("load")
	})
}

// Fields().Incr on a value scs stored as a string ("5") is refused and
// leaves it a string: scs's GetString still reads it.
func TestARefusedIncrLeavesAStringAString(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := newApp(t, b)
		br := &browser{}
		a.do(br, "/put?count=5")
		_, err := a.store.Fields(br.token()).Incr(ctx, "count", 1)
		require.ErrorIs(t, err, hashcodec.ErrNotInteger)
		body, _ := a.do(br, "/get?k=count")
		assert.Equal(t, "5", body, "GetString after the refused Incr")
	})
}
