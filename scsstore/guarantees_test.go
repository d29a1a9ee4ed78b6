package scsstore_test

import (
	"bytes"
	"context"
	"encoding/gob"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/hashcodec"
	"github.com/redis-session/redis-session-go/internal/redistest"
	"github.com/redis-session/redis-session-go/scsstore"
)

// These tests drive scs with the store in the deployments people run (see
// eachSetup): two app instances on one Redis, a timeout middleware between
// the session middleware and the handler, clients that disconnect, with
// every codec. None of the guarantees may rest on memory of one process.

// A request clears the session (and puts a flash) while the user logs out
// in another tab served by the other instance: the logged-out session is
// not written back, and its cookie stays logged out.
func TestClearWhileLoggedOutElsewhereDoesNotResurrect(t *testing.T) {
	eachSetup(t, func(t *testing.T, f *fleet) {
		br := &browser{}
		f.do(0, br, "/put?user=alice&cart=apple")
		old := br.token()
		release := f.inFlight(0, cookieOnly(br), "/slow-clear", func(in *instance, r *http.Request) {
			require.NoError(t, in.sm.Clear(r.Context()))
			in.sm.Put(r.Context(), "flash", "bye")
		})
		f.do(1, br, "/destroy")
		release()
		assert.Empty(t, f.sessions(), "the logged-out session stays gone")
		body, _ := f.do(1, &browser{cookie: old}, "/get?k=flash")
		assert.Empty(t, body)
		assert.True(t, redistest.Tombstoned(t, f.b.Client, f.key(old)))
	})
}

// The same with a manual Commit after Clear in the handler.
func TestManualCommitAfterClearWhileLoggedOutElsewhere(t *testing.T) {
	eachSetup(t, func(t *testing.T, f *fleet) {
		br := &browser{}
		f.do(0, br, "/put?user=alice")
		g := redistest.NewGate()
		f.handle("/clear-commit", func(in *instance, w http.ResponseWriter, r *http.Request) {
			g.Wait()
			require.NoError(t, in.sm.Clear(r.Context()))
			in.sm.Put(r.Context(), "flash", "bye")
			_, _, err := in.sm.Commit(r.Context())
			require.NoError(t, err)
		})
		done := make(chan struct{})
		go func() { defer close(done); f.do(0, cookieOnly(br), "/clear-commit") }()
		<-g.Arrived
		f.do(1, br, "/destroy")
		g.Release()
		<-done
		assert.Empty(t, f.sessions())
	})
}

// A request's view of its session does not fade however many other
// requests run meanwhile: its commit is still a delta.
func TestManyOtherRequestsDoNotMakeACommitForget(t *testing.T) {
	eachSetup(t, func(t *testing.T, f *fleet) {
		br := &browser{}
		f.do(0, br, "/put?user=7")
		release := f.inFlight(0, cookieOnly(br), "/slow-apple", func(in *instance, r *http.Request) { in.sm.Put(r.Context(), "apple", "1") })
		n := 300
		if f.b.Name == "redis" && f.setup.name == "direct" {
			n = 9000 // more than any table in a process could sensibly hold
		}
		var wg sync.WaitGroup
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := w; i < n; i += 8 {
					f.do(i%2, &browser{}, fmt.Sprintf("/put?n=%d", i))
				}
			}(w)
		}
		wg.Wait()
		f.do(1, cookieOnly(br), "/put?pear=1")
		release()
		raw := f.stored(br)
		assert.Equal(t, "1", raw["apple"])
		assert.Equal(t, "1", raw["pear"], "the other tab's change survives")
		assert.Equal(t, "7", raw["user"])
	})
}

// A login (RenewToken) in flight while the user logs out on the other
// instance: no session of the user lives afterwards, under the old token or
// the new one, whether the logout ended the session before the renewal
// deleted it or just after (its request had loaded the session before).
func TestRenewTokenRacingLogoutElsewhere(t *testing.T) {
	for _, order := range []string{"logout before the renewal", "logout between renewal and commit"} {
		t.Run(order, func(t *testing.T) {
			eachSetup(t, func(t *testing.T, f *fleet) {
				br := &browser{}
				f.do(0, br, "/put?user=alice")
				loginAt := redistest.NewGate()
				f.handle("/login", func(in *instance, w http.ResponseWriter, r *http.Request) {
					if order == "logout before the renewal" {
						loginAt.Wait()
						require.NoError(t, in.sm.RenewToken(r.Context()))
					} else {
						require.NoError(t, in.sm.RenewToken(r.Context()))
						loginAt.Wait()
					}
					in.sm.Put(r.Context(), "role", "admin")
				})
				logoutAt := f.gatedLogout()
				login, logout := cookieOnly(br), cookieOnly(br)
				logoutDone, loginDone := make(chan struct{}), make(chan struct{})
				go func() { defer close(logoutDone); f.do(1, logout, "/logout") }()
				<-logoutAt.Arrived // the logout has loaded the session
				go func() { defer close(loginDone); f.do(0, login, "/login") }()
				<-loginAt.Arrived // the login has loaded it too (and, second order, renewed)
				logoutAt.Release()
				<-logoutDone
				loginAt.Release()
				<-loginDone
				assert.Empty(t, f.sessions(), "no session of alice lives, under any token")
				body, _ := f.do(1, login, "/get?k=user")
				assert.Empty(t, body, "the renewed cookie is not logged in")
			})
		})
	}
}

// Behind any middleware, a handler that commits manually and then changes
// the session again gets exactly its changes, and the final commit does not
// write back a value another request changed after the manual commit.
func TestChangesAfterAManualCommit(t *testing.T) {
	eachSetup(t, func(t *testing.T, f *fleet) {
		br := &browser{}
		f.do(0, br, "/put?cart=apple&n=1")
		release := f.inFlight(0, cookieOnly(br), "/checkout", func(in *instance, r *http.Request) {
			c := r.Context()
			in.sm.Put(c, "tmp", "1")
			in.sm.Put(c, "n", "2")
			_, _, err := in.sm.Commit(c)
			require.NoError(t, err)
			in.sm.Remove(c, "tmp")
		})
		f.do(1, cookieOnly(br), "/put?n=5") // after the manual commit
		release()
		raw := f.stored(br)
		assert.NotContains(t, raw, "tmp", "removed after the manual commit")
		assert.Equal(t, "5", raw["n"], "the later change is kept")
		assert.Equal(t, "apple", raw["cart"])
	})
}

// MergeSession with the request's own token (an OAuth callback whose
// cookie survived the redirect) neither deletes nor reverts what other tabs
// changed meanwhile.
func TestMergeSessionWithItsOwnToken(t *testing.T) {
	eachSetup(t, func(t *testing.T, f *fleet) {
		br := &browser{}
		f.do(0, br, "/put?user=7&theme=light")
		tab := cookieOnly(br)
		g := redistest.NewGate()
		f.handle("/callback", func(in *instance, w http.ResponseWriter, r *http.Request) {
			g.Wait()
			require.NoError(t, in.sm.MergeSession(r.Context(), in.sm.Token(r.Context())))
			in.sm.Put(r.Context(), "oauth", "done")
		})
		done := make(chan struct{})
		go func() { defer close(done); f.do(0, tab, "/callback") }()
		<-g.Arrived
		f.do(1, cookieOnly(br), "/put?theme=dark&cart=pear")
		g.Release()
		<-done
		raw := f.stored(br)
		assert.Equal(t, "dark", raw["theme"], "not reverted")
		assert.Equal(t, "pear", raw["cart"], "not deleted")
		assert.Equal(t, "done", raw["oauth"])
		assert.Equal(t, "7", raw["user"])
	})
}

// MergeSession with another session copies its values over and deletes it
// for good, keeping what other tabs changed in the current one.
func TestMergeSessionWithAnotherKeepsConcurrentChanges(t *testing.T) {
	eachSetup(t, func(t *testing.T, f *fleet) {
		other := &browser{}
		f.do(1, other, "/put?cart=apple")
		br := &browser{}
		f.do(0, br, "/put?user=7")
		release := f.inFlight(0, cookieOnly(br), "/slow-merge", func(in *instance, r *http.Request) {
			require.NoError(t, in.sm.MergeSession(r.Context(), other.token()))
		})
		f.do(1, cookieOnly(br), "/put?theme=dark")
		release()
		raw := f.stored(br)
		assert.Equal(t, "apple", raw["cart"])
		assert.Equal(t, "7", raw["user"])
		assert.Equal(t, "dark", raw["theme"], "the concurrent change survives the merge")
		assert.True(t, redistest.Tombstoned(t, f.b.Client, f.key(other.token())), "the merged session is gone for good")
	})
}

// Iterate inside a request that flags every session: the request's own
// commit keeps the flag on its own session.
func TestIterateInsideARequest(t *testing.T) {
	eachSetup(t, func(t *testing.T, f *fleet) {
		users := []*browser{{}, {}, {}}
		for i, br := range users {
			f.do(i%2, br, fmt.Sprintf("/put?user=%d", i))
		}
		f.handle("/flag-all", func(in *instance, w http.ResponseWriter, r *http.Request) {
			in.sm.Put(r.Context(), "admin", "yes")
			err := in.sm.Iterate(r.Context(), func(c contextT) error {
				in.sm.Put(c, "flagged", "1")
				_, _, err := in.sm.Commit(c)
				return err
			})
			require.NoError(t, err)
		})
		f.do(0, users[0], "/flag-all")
		for i, br := range users {
			raw := f.stored(br)
			assert.Equal(t, "1", raw["flagged"], "session %d", i)
			assert.Equal(t, fmt.Sprint(i), raw["user"], "session %d", i)
		}
		assert.Equal(t, "yes", f.stored(users[0])["admin"])
	})
}

// A periodic job iterating every session under one long-lived context, and
// two workers sharing one job context: none reverts what users changed
// since the listing, none erases what the other wrote.
func TestIterateInJobs(t *testing.T) {
	eachSetup(t, func(t *testing.T, f *fleet) {
		br := &browser{}
		f.do(0, br, "/put?user=7&plan=free")
		job := jobContext(t)
		listed := redistest.NewGate()
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { // worker A marks, slowly
			defer wg.Done()
			err := f.inst[0].sm.Iterate(job, func(c contextT) error {
				listed.Wait()
				f.inst[0].sm.Put(c, "seenA", "1")
				_, _, err := f.inst[0].sm.Commit(c)
				return err
			})
			require.NoError(t, err)
		}()
		<-listed.Arrived
		go func() { // worker B, same job context, other instance
			defer wg.Done()
			err := f.inst[1].sm.Iterate(job, func(c contextT) error {
				f.inst[1].sm.Put(c, "seenB", "1")
				_, _, err := f.inst[1].sm.Commit(c)
				return err
			})
			require.NoError(t, err)
		}()
		f.do(1, cookieOnly(br), "/put?plan=pro") // the user upgrades meanwhile
		listed.Release()
		wg.Wait()
		raw := f.stored(br)
		assert.Equal(t, "pro", raw["plan"], "the job does not revert the user's change")
		assert.Equal(t, "1", raw["seenA"])
		assert.Equal(t, "1", raw["seenB"], "workers sharing a context keep each other's values")
	})
}

// Parallel requests of one cookie cannot take a session past its limits:
// four requests each adding 8 values under a limit of 10.
func TestLimitsHoldUnderParallelRequests(t *testing.T) {
	eachSetup(t, func(t *testing.T, f *fleet) {
		br := &browser{}
		f.do(0, br, "/put?a=1")
		gates := make([]*redistest.Gate, 4)
		for i := range gates {
			gates[i] = redistest.NewGate()
		}
		for _, in := range f.inst {
			in.sm.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
				assert.ErrorIs(t, err, hashcodecErrLimit)
				http.Error(w, "limit", http.StatusInternalServerError)
			}
		}
		var wg sync.WaitGroup
		for i, g := range gates {
			path := fmt.Sprintf("/add%d", i)
			f.handle(path, func(in *instance, w http.ResponseWriter, r *http.Request) {
				for j := 0; j < 8; j++ {
					in.sm.Put(r.Context(), fmt.Sprintf("k%d-%d", i, j), "v")
				}
				g.Wait()
			})
			wg.Add(1)
			go func() { defer wg.Done(); f.do(i%2, cookieOnly(br), path) }()
			<-g.Arrived // all four loaded the session before any commits
		}
		for _, g := range gates {
			g.Release()
		}
		wg.Wait()
		n := 0
		for k := range f.stored(br) {
			if k[0] != '#' {
				n++
			}
		}
		assert.LessOrEqual(t, n, 10, "the limit holds against what is stored")
		_, code := f.do(0, br, "/put?a=2")
		assert.Equal(t, http.StatusOK, code, "a commit that does not grow the session still works")
	}, scsstore.WithLimits(limits10))
}

type contextT = context.Context

// jobContext is a background job's context: it lives as long as the test.
func jobContext(t *testing.T) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return ctx
}

var (
	hashcodecErrLimit = hashcodec.ErrLimit
	limits10          = hashcodec.Limits{Fields: 10}
)

// expiryRecorder is a store in front of the real one that checks, after
// every commit, that the key's expiry is not later than the one scs asked
// for.
type expiryRecorder struct {
	*scsstore.Store
	t *testing.T
	c redis.UniversalClient
}

func (e expiryRecorder) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	err := e.Store.CommitCtx(ctx, token, b, expiry)
	if got, _ := e.c.PExpireTime(ctx, e.Prefix()+token).Result(); got > 0 {
		assert.LessOrEqual(e.t, got.Milliseconds(), expiry.UnixMilli(), "the expiry is never later than the one scs asked for")
	}
	return err
}

// Expiries are absolute times, never later than the one scs asked for at
// the last commit, whether the commit wrote them or the load slid them.
func TestExpiryIsNeverLaterThanAsked(t *testing.T) {
	eachSetup(t, func(t *testing.T, f *fleet) {
		for _, in := range f.inst {
			in.sm.IdleTimeout = 90 * time.Second
			in.sm.Store = expiryRecorder{Store: in.store, t: t, c: f.b.Client}
		}
		br := &browser{}
		f.do(0, br, "/put?a=1")
		for i := 0; i < 6; i++ {
			if i%2 == 0 {
				f.do(i%2, br, "/get?k=a") // the load slides, the commit has nothing to do
			} else {
				f.do(i%2, br, fmt.Sprintf("/put?a=%d", i))
			}
		}
	})
}

// Lifetimes of a century and deadlines to the year 9999 work, all the way
// to logging out; later ones fail with a clear error at the commit.
func TestFarFutureTimes(t *testing.T) {
	eachSetup(t, func(t *testing.T, f *fleet) {
		for _, in := range f.inst {
			in.sm.Lifetime = 100 * 365 * 24 * time.Hour
		}
		f.handle("/deadline", func(in *instance, w http.ResponseWriter, r *http.Request) {
			y, _ := strconv.Atoi(r.URL.Query().Get("year"))
			in.sm.SetDeadline(r.Context(), time.Date(y, 6, 1, 0, 0, 0, 0, time.UTC))
		})
		br := &browser{}
		_, code := f.do(0, br, "/put?a=1")
		require.Equal(t, http.StatusOK, code)
		for _, year := range []int{2300, 9999} {
			_, code = f.do(1, br, fmt.Sprintf("/deadline?year=%d", year))
			require.Equal(t, http.StatusOK, code, "year %d", year)
			body, code := f.do(0, br, "/get?k=a")
			require.Equal(t, http.StatusOK, code)
			assert.Equal(t, "1", body, "year %d", year)
			deadline := f.stored(br)["#deadline"]
			assert.Equal(t, strconv.FormatInt(time.Date(year, 6, 1, 0, 0, 0, 0, time.UTC).UnixMilli(), 10), deadline)
			at, err := f.b.Client.Do(ctx, "pexpiretime", f.key(br.token())).Int64()
			require.NoError(t, err)
			if f.b.Real() {
				assert.Equal(t, deadline, strconv.FormatInt(at, 10), "the key expires at the deadline")
			} else { // miniredis keeps a TTL as a time.Duration: at most 292 years, to a millisecond or two
				assert.Greater(t, at, time.Now().Add(250*365*24*time.Hour).UnixMilli())
			}
		}
		var commitErr error
		for _, in := range f.inst {
			in.sm.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
				commitErr = err
				http.Error(w, "bad deadline", http.StatusInternalServerError)
			}
		}
		_, code = f.do(0, br, "/deadline?year=10000")
		assert.Equal(t, http.StatusInternalServerError, code)
		assert.ErrorIs(t, commitErr, hashcodec.ErrTimeRange)
		assert.Equal(t, "1", f.stored(br)["a"], "nothing lost")
		f.do(1, br, "/destroy")
		assert.Empty(t, f.sessions(), "a session with a far deadline logs out like any other")
	})
}

// What the store carries in the session data (one reserved value, with
// every codec) reveals no token: it prints, marshals and gob-encodes
// without it, and holds the token only sealed, so that nothing that walks
// the values with reflection (a debug page, a pretty-printer, a test diff)
// can reach it either.
func TestTheCarriedStateRevealsNoToken(t *testing.T) {
	eachSetup(t, func(t *testing.T, f *fleet) {
		var keys []string
		var dump []string
		f.handle("/show", func(in *instance, w http.ResponseWriter, r *http.Request) {
			c := r.Context()
			keys = in.sm.Keys(c)
			for _, k := range keys {
				v := in.sm.Get(c, k)
				js, _ := json.Marshal(v)
				var buf bytes.Buffer
				require.NoError(t, gob.NewEncoder(&buf).Encode(&v))
				dump = append(dump, fmt.Sprintf("%v %+v %#v %s", v, v, v, js), buf.String())
				dumpStrings(reflect.ValueOf(v), map[uintptr]bool{}, &dump)
			}
		})
		br := &browser{}
		f.do(0, br, "/put?user=ada")
		f.do(1, br, "/show")
		tok := br.token()
		for _, d := range dump {
			assert.NotContains(t, d, tok)
			assert.NotContains(t, d, tok[:16])
		}
		var reserved []string
		for _, k := range keys {
			if strings.HasPrefix(k, scsstore.LoadedStatePrefix) {
				reserved = append(reserved, k)
			}
		}
		assert.Len(t, reserved, 1, "the values hold the app's and one reserved value")
	})
}

// dumpStrings walks v with reflection, the way debug dumpers do (go-spew
// with DisableMethods, as testify uses it for diffs; kr/pretty; hand-written
// admin pages), and returns every string it can reach.
func dumpStrings(v reflect.Value, seen map[uintptr]bool, out *[]string) {
	switch v.Kind() {
	case reflect.String:
		*out = append(*out, v.String())
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return
		}
		if v.Kind() == reflect.Pointer {
			if seen[v.Pointer()] {
				return
			}
			seen[v.Pointer()] = true
		}
		dumpStrings(v.Elem(), seen, out)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			dumpStrings(v.Field(i), seen, out)
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			dumpStrings(it.Key(), seen, out)
			dumpStrings(it.Value(), seen, out)
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			dumpStrings(v.Index(i), seen, out)
		}
	}
}

// A session whose stored data does not decode is left out of a listing:
// Iterate still visits every other session.
func TestOneCorruptSessionDoesNotBreakIterate(t *testing.T) {
	eachSetup(t, func(t *testing.T, f *fleet) {
		good := []*browser{{}, {}}
		for _, br := range good {
			f.do(0, br, "/put?n=1")
		}
		bad := &browser{}
		f.do(0, bad, "/put?n=1")
		require.NoError(t, f.b.Client.HSet(ctx, f.key(bad.token()), "cart", "\x07junk", "#t:cart", "gob").Err())
		visited := 0
		err := f.inst[1].sm.Iterate(jobContext(t), func(c context.Context) error {
			visited++
			assert.Equal(t, "1", f.inst[1].sm.GetString(c, "n"))
			return nil
		})
		require.NoError(t, err)
		assert.Equal(t, len(good), visited)
	})
}
