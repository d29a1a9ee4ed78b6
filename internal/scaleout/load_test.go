package scaleout

import (
	"context"
	"fmt"
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

var ctx = context.Background()

func TestMain(m *testing.M) { redistest.Main(m) }

// app is a small app on both stores: each request bumps a counter through
// the framework (a delta commit) and another with hashcodec.Incr.
type app struct {
	scs     *scs.SessionManager
	scsSt   *scsstore.Store
	gorilla *gorillastore.Store
	handler http.Handler
	prefix  string
}

func newApp(t *testing.T, c redis.UniversalClient) *app {
	prefix := redistest.UniquePrefix()
	a := &app{scs: scs.New(), prefix: prefix}
	a.scsSt = scsstore.New(c, scsstore.WithPrefix(prefix+"scs:"), scsstore.WithCodec(scsstore.Codec{}), scsstore.WithTimeout(2*time.Second))
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
	a.gorilla.Timeout = 2 * time.Second

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
func (a *app) do(cl *client, path string) string {
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

// load runs users sessions' requests until stop, recording when requests
// failed.
type load struct {
	ok, failed atomic.Int64
	mu         sync.Mutex
	lastFail   time.Time
	firstFail  time.Time
	errors     map[string]int // error text (addresses blanked) -> count
}

func (l *load) run(a *app, users int, stop <-chan struct{}, wg *sync.WaitGroup) {
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
					l.ok.Add(1)
					continue
				}
				l.failed.Add(1)
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

// checkSessions verifies that after the failover every session key has a
// TTL and loads without error, with its counters readable.
func checkSessions(t *testing.T, a *app, c redis.UniversalClient) {
	t.Helper()
	keys, err := redistest.Keys(ctx, c, a.prefix+"*")
	require.NoError(t, err)
	require.NotEmpty(t, keys)
	for _, k := range keys {
		ttl, err := c.PTTL(ctx, k).Result()
		require.NoError(t, err)
		assert.Positive(t, ttl, "%s has a TTL", k)
		h := hashcodec.NewHash(c, k, hashcodec.WithIdleTimeout(0))
		all, err := h.GetAll(ctx)
		require.NoError(t, err)
		for _, name := range []string{"n", "hits"} {
			if f, ok := all[name]; ok {
				_, err := f.Value()
				assert.NoError(t, err, "%s %s", k, name)
			}
		}
		created := c.HGet(ctx, k, "#created").Val()
		_, err = strconv.ParseInt(created, 10, 64)
		assert.NoError(t, err, "%s keeps its metadata", k)
	}
	all, err := a.scsSt.AllCtx(ctx)
	require.NoError(t, err, "every scs session still decodes")
	assert.NotEmpty(t, all)
}

var addrs = regexp.MustCompile(`127\.0\.0\.1:\d+|t:[0-9a-f]+:\S+`)

func (l *load) String() string {
	return fmt.Sprintf("%d ok, %d failed", l.ok.Load(), l.failed.Load())
}
