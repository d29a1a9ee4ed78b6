// Package loadtest is test support for the failover and fault tests: a
// small app on both stores and hashcodec, a load generator that records
// when and how requests failed, and a check that every session left in
// Redis is whole.
package loadtest

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/gorillastore"
	"github.com/redis-session/redis-session-go/hashcodec"
	"github.com/redis-session/redis-session-go/internal/redistest"
	"github.com/redis-session/redis-session-go/scsstore"
)

// App is a small app on both stores: each request bumps a counter through
// the framework (a delta commit) and another with hashcodec.Incr. Failures
// answer 503 with the error text.
type App struct {
	scs     *scs.SessionManager
	scsSt   *scsstore.Store
	gorilla *gorillastore.Store
	handler http.Handler
	// Prefix is the key prefix of every key the app writes.
	Prefix string
}

// NewApp returns an app on c whose stores time out after timeout.
func NewApp(t testing.TB, c redis.UniversalClient, timeout time.Duration) *App {
	prefix := redistest.UniquePrefix()
	a := &App{scs: scs.New(), Prefix: prefix}
	a.scsSt = scsstore.New(c, scsstore.WithPrefix(prefix+"scs:"), scsstore.WithCodec(scsstore.Codec{}), scsstore.WithTimeout(timeout))
	a.scs.Store, a.scs.Codec = a.scsSt, a.scsSt.Codec()
	a.scs.IdleTimeout = time.Hour
	a.scs.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
	}
	var err error
	a.gorilla, err = gorillastore.New(c, []byte("0123456789abcdef0123456789abcdef"))
	require.NoError(t, err)
	a.gorilla.KeyPrefix = prefix + "gorilla:"
	a.gorilla.IdleTimeout = time.Hour
	a.gorilla.Timeout = timeout

	mux := http.NewServeMux()
	mux.Handle("/scs", a.scs.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := r.Context()
		a.scs.Put(c, "n", a.scs.GetInt(c, "n")+1)
		if tok := a.scs.Token(c); tok != "" {
			if _, err := a.scsSt.Fields(tok).Incr(c, "hits", 1); err != nil {
				http.Error(w, err.Error(), http.StatusServiceUnavailable)
			}
		}
	})))
	mux.HandleFunc("/gorilla", func(w http.ResponseWriter, r *http.Request) {
		s, err := a.gorilla.Get(r, "sid")
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		n, _ := s.Values["n"].(int)
		s.Values["n"] = n + 1
		if err := s.Save(r, w); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		if _, err := a.gorilla.Fields(s).Incr(r.Context(), "hits", 1); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
		}
	})
	a.handler = mux
	return a
}

// client is one user: a cookie per library.
type client struct {
	cookies map[string]*http.Cookie
}

// do sends one request and returns "" on success, else the error the app
// answered with.
func (a *App) do(cl *client, path string) string {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if c := cl.cookies[path]; c != nil {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	a.handler.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		cl.cookies[path] = c
	}
	if rec.Code == http.StatusOK {
		return ""
	}
	return fmt.Sprintf("%d %s", rec.Code, strings.TrimSpace(rec.Body.String()))
}

// Load runs users' requests, alternating between the two stores, until
// Stop, recording when and how requests failed.
type Load struct {
	OK, Failed atomic.Int64
	mu         sync.Mutex
	lastFail   time.Time
	firstFail  time.Time
	errors     map[string]int // error text (addresses blanked) -> count
	stop       chan struct{}
	wg         sync.WaitGroup
}

// Start starts users concurrent users against a.
func Start(a *App, users int) *Load {
	l := &Load{stop: make(chan struct{})}
	l.run(a, users)
	return l
}

// Stop stops the load and waits for the users to finish.
func (l *Load) Stop() {
	close(l.stop)
	l.wg.Wait()
}

// Failures returns when the first and the last failure happened (zero if
// none) and a count per error text, with addresses and keys blanked.
func (l *Load) Failures() (first, last time.Time, kinds map[string]int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.firstFail, l.lastFail, maps.Clone(l.errors)
}

func (l *Load) run(a *App, users int) {
	wg := &l.wg
	stop := l.stop
	for u := 0; u < users; u++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl := &client{cookies: map[string]*http.Cookie{}}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				path := "/scs"
				if i%2 == 1 {
					path = "/gorilla"
				}
				failure := a.do(cl, path)
				if failure == "" {
					l.OK.Add(1)
					continue
				}
				l.Failed.Add(1)
				l.mu.Lock()
				if l.firstFail.IsZero() {
					l.firstFail = time.Now()
				}
				l.lastFail = time.Now()
				if l.errors == nil {
					l.errors = map[string]int{}
				}
				l.errors[addrs.ReplaceAllString(failure, "ADDR")]++
				l.mu.Unlock()
				time.Sleep(20 * time.Millisecond)
			}
		}()
	}
}

// CheckSessions verifies that every session the app left in Redis has a
// TTL, its metadata, a value for every type field and values that decode
// as their types, and that every scs session still loads.
func CheckSessions(t testing.TB, a *App, c redis.UniversalClient) {
	t.Helper()
	ctx := context.Background()
	keys, err := redistest.Keys(ctx, c, a.Prefix+"*")
	require.NoError(t, err)
	for _, k := range keys {
		ttl, err := c.PTTL(ctx, k).Result()
		require.NoError(t, err)
		assert.Positive(t, ttl, "%s has a TTL", k)
		all, err := c.HGetAll(ctx, k).Result()
		require.NoError(t, err)
		for _, meta := range []string{"#created", "#idle", "#deadline"} {
			_, err := strconv.ParseInt(all[meta], 10, 64)
			assert.NoError(t, err, "%s has %s", k, meta)
		}
		for f, v := range all {
			field, typed := strings.CutPrefix(f, "#t:")
			if !typed {
				continue
			}
			raw, ok := all[field]
			if assert.True(t, ok, "%s: type field %s without its value", k, f) {
				_, err := hashcodec.Decode(raw, hashcodec.Type(v))
				assert.NoError(t, err, "%s %s", k, field)
			}
		}
	}
	_, err = a.scsSt.AllCtx(ctx)
	require.NoError(t, err, "every scs session still decodes")
}

var addrs = regexp.MustCompile(`127\.0\.0\.1:\d+|t:[0-9a-f]+:\S+`)

func (l *Load) String() string {
	return fmt.Sprintf("%d ok, %d failed", l.OK.Load(), l.Failed.Load())
}
