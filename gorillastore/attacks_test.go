package gorillastore_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/sessions"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/gorillastore"
	"github.com/redis-session/redis-session-go/hashcodec"
	"github.com/redis-session/redis-session-go/internal/redistest"
	"github.com/redis-session/redis-session-go/internal/scripts"
)

// Attacks on the commit engine through gorilla (from a red team of issue
// 12). Each test states the contract it checks.

// The common "don't remember me" login: the store keeps its default
// Options.MaxAge (30 days) and the login sets session.Options.MaxAge = 0
// (a browser-session cookie, whose server side lives SessionTTL = 24h and
// slides by 24h). A load slides by the session's own window in one
// script, so a load the client abandons (or whose command fails) cannot
// leave the session with the store-wide 30-day TTL.
func TestAnAbandonedLoadLeavesNoStoreWideTTL(t *testing.T) {
	eachSetup(t, func(t *testing.T, f *fleet) {
		f.handle("/login", func(in *gorillaInstance, s *sessions.Session, w http.ResponseWriter, r *http.Request) {
			s.Options.MaxAge = 0 // not remembered: browser-session cookie
			s.Values["user"] = "ada"
			require.NoError(t, s.Save(r, w))
		})
		br := &browser{}
		f.do(0, br, "/login")
		key := f.inst[0].store.KeyPrefix + f.id(br)
		require.LessOrEqual(t, redistest.TTL(t, f.b.Client, key), 24*time.Hour)

		in := f.inst[0]
		atLoad := redistest.PauseAt(in.client, redistest.Script(scripts.Touch, key))
		reqCtx, cancel := context.WithCancel(context.Background())
		req := httptest.NewRequestWithContext(reqCtx, http.MethodGet, "/", nil)
		req.AddCookie(br.cookie())
		var loadErr error
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, loadErr = in.store.New(req, cookieName)
		}()
		<-atLoad.Arrived // the load is about to run
		cancel()         // the client goes away
		atLoad.Release()
		<-done
		t.Logf("load: %v", loadErr)
		assert.LessOrEqual(t, redistest.TTL(t, f.b.Client, key), 24*time.Hour,
			"a 24h session must not be left with the store-wide 30-day TTL")
		_, err := in.store.New(httptest.NewRequest(http.MethodGet, "/", nil), cookieName)
		require.NoError(t, err)
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.AddCookie(br.cookie())
		s, err := in.store.New(r, cookieName)
		require.NoError(t, err)
		assert.Equal(t, "ada", s.Values["user"])
		ttl := redistest.TTL(t, f.b.Client, key)
		assert.Greater(t, ttl, 23*time.Hour)
		assert.LessOrEqual(t, ttl, 24*time.Hour, "a load slides by the session's own 24h window")
	})
}

// A MaxAge past ~292 years would overflow time.Duration: the store
// computes in milliseconds, stores what fits and fails with
// hashcodec.ErrTimeRange what does not, never silently deleting the
// session.
func TestAHugeMaxAgeFailsClearly(t *testing.T) {
	for _, idle := range []time.Duration{0, time.Hour} {
		t.Run(fmt.Sprint("idle ", idle), func(t *testing.T) {
			eachSetup(t, func(t *testing.T, f *fleet) {
				var saveErr error
				f.handle("/login", func(in *gorillaInstance, s *sessions.Session, w http.ResponseWriter, r *http.Request) {
					s.Values["user"] = "ada"
					saveErr = s.Save(r, w)
				})
				br := &browser{}
				f.do(0, br, "/login")
				if saveErr != nil {
					assert.ErrorIs(t, saveErr, hashcodec.ErrTimeRange, "a clear error")
					return
				}
				assert.NotEmpty(t, f.sessions(), "Save returned nil, so the session must be stored")
				assert.NotNil(t, br.cookie(), "Save returned nil, so the cookie must be live")
			}, func(s *gorillastore.Store) {
				s.MaxAge(400 * 365 * 24 * 3600) // 400 years: no deadline past 9999
				s.IdleTimeout = idle
			})
		})
	}
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
		f.inst[1].store.Limits = hashcodec.Limits{Fields: 10}
		var saveErr error
		f.handle("/shrink", func(in *gorillaInstance, s *sessions.Session, w http.ResponseWriter, r *http.Request) {
			for i := 0; i < 5; i++ {
				delete(s.Values, fmt.Sprintf("k%d", i))
			}
			saveErr = s.Save(r, w)
		})
		f.do(1, tab(br), "/shrink")
		assert.NoError(t, saveErr, "a save that shrinks the session is refused")
	})
}

// failNth makes the nth command matching match fail (once), alone or in a
// pipeline: a node or network that fails one step of an operation.
type failNth struct {
	mu    sync.Mutex
	n     int
	match func(redis.Cmder) bool
}

func (f *failNth) fail(cmds ...redis.Cmder) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, cmd := range cmds {
		if f.match(cmd) {
			f.n--
			if f.n == 0 {
				cmd.SetErr(redistest.ErrInjected)
				return true
			}
		}
	}
	return false
}

func (f *failNth) DialHook(next redis.DialHook) redis.DialHook { return next }

func (f *failNth) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if f.fail(cmd) {
			return redistest.ErrInjected
		}
		return next(ctx, cmd)
	}
}

func (f *failNth) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if f.fail(cmds...) {
			return redistest.ErrInjected
		}
		return next(ctx, cmds)
	}
}

// RegenerateID racing a logout on the other instance, with one Redis call
// failing: RegenerateID deletes the old key first and writes the new key
// only if that ended a live session, so no failure leaves a live copy of
// the logged-out session under a new ID.
func TestRegenerateIDRacingLogoutLeavesNoCopyWhenItFails(t *testing.T) {
	eachSetup(t, func(t *testing.T, f *fleet) {
		br := &browser{}
		f.do(0, br, "/put?user_id=ada")
		g := redistest.NewGate()
		var regenErr error
		f.handle("/login", func(in *gorillaInstance, s *sessions.Session, w http.ResponseWriter, r *http.Request) {
			g.Wait()
			s.Values["role"] = "admin"
			regenErr = in.store.RegenerateID(r, w, s)
		})
		login := tab(br)
		done := make(chan struct{})
		go func() { defer close(done); f.do(0, login, "/login") }()
		<-g.Arrived
		f.do(1, br, "/logout")
		// The second delete RegenerateID sends (the undo of the new key) fails.
		f.inst[0].client.AddHook(&failNth{n: 2, match: redistest.Script(scripts.Delete)})
		g.Release()
		<-done
		t.Logf("RegenerateID: %v", regenErr)
		assert.Empty(t, f.sessions(), "a live copy of the logged-out session is left")
		list, err := f.inst[1].store.UserSessions(ctx, "ada")
		require.NoError(t, err)
		assert.Empty(t, list, "UserSessions lists a session of ada after her logout")
	}, func(s *gorillastore.Store) { s.UserKey = "user_id" })
}
