package scsstore_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/internal/redistest"
	"github.com/redis-session/redis-session-go/scsstore"
)

var ctx = context.Background()

func TestMain(m *testing.M) { redistest.Main(m) }

// app is an scs.SessionManager on a Store, serving handlers registered per
// test through LoadAndSave, the way a real app does.
type app struct {
	t     *testing.T
	b     *redistest.Backend
	pfx   string // unique per app, so apps of one backend never see each other's keys
	sm    *scs.SessionManager
	store *scsstore.Store
	mux   *http.ServeMux

	mu   sync.Mutex
	errs []error
}

func newApp(t *testing.T, b *redistest.Backend, opts ...scsstore.Option) *app {
	pfx := b.Prefix + redistest.UniquePrefix()
	opts = append([]scsstore.Option{scsstore.WithPrefix(pfx)}, opts...)
	a := &app{t: t, b: b, pfx: pfx, sm: scs.New(), store: scsstore.New(b.Client, opts...), mux: http.NewServeMux()}
	a.sm.Store = a.store
	a.sm.Codec = a.store.Codec()
	a.sm.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		a.mu.Lock()
		a.errs = append(a.errs, err)
		a.mu.Unlock()
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
	a.mux.HandleFunc("/put", func(w http.ResponseWriter, r *http.Request) {
		for k, v := range r.URL.Query() {
			a.sm.Put(r.Context(), k, v[0])
		}
	})
	a.mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(a.sm.GetString(r.Context(), r.URL.Query().Get("k"))))
	})
	a.mux.HandleFunc("/destroy", func(w http.ResponseWriter, r *http.Request) {
		require.NoError(t, a.sm.Destroy(r.Context()))
	})
	a.mux.HandleFunc("/renew", func(w http.ResponseWriter, r *http.Request) {
		require.NoError(t, a.sm.RenewToken(r.Context()))
	})
	return a
}

// handle registers a handler for one test.
func (a *app) handle(path string, fn func(w http.ResponseWriter, r *http.Request)) {
	a.mux.HandleFunc(path, fn)
}

// errors returns what ErrorFunc received.
func (a *app) errors() []error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]error(nil), a.errs...)
}

// key returns the Redis key of a token.
func (a *app) key(token string) string { return a.pfx + token }

// browser keeps the session cookie between requests, like a browser does.
type browser struct {
	mu     sync.Mutex
	cookie string
}

// do serves one request for br and returns the body and status.
func (a *app) do(br *browser, path string) (string, int) {
	return a.doCtx(context.Background(), br, path)
}

// doCtx serves one request whose context derives from ctx and ends with
// the request, as net/http's do.
func (a *app) doCtx(ctx context.Context, br *browser, path string) (string, int) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, path, nil)
	br.mu.Lock()
	if br.cookie != "" {
		req.AddCookie(&http.Cookie{Name: a.sm.Cookie.Name, Value: br.cookie})
	}
	br.mu.Unlock()
	rec := httptest.NewRecorder()
	a.sm.LoadAndSave(a.mux).ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.Name == a.sm.Cookie.Name {
			br.mu.Lock()
			br.cookie = c.Value
			if c.MaxAge < 0 {
				br.cookie = ""
			}
			br.mu.Unlock()
		}
	}
	return rec.Body.String(), rec.Code
}

func (br *browser) token() string {
	br.mu.Lock()
	defer br.mu.Unlock()
	return br.cookie
}

// sessionKeys lists the keys under the test's prefix that hold a live
// session (not tombstones, not user indexes).
func (a *app) sessionKeys() []string {
	return redistest.Sessions(a.t, a.b.Client, a.pfx)
}

// allKeys lists every key under the test's prefix.
func (a *app) allKeys() []string {
	keys, err := redistest.Keys(ctx, a.b.Client, a.pfx+"*")
	require.NoError(a.t, err)
	return keys
}

// requireTTL checks that key exists with a TTL just below want.
func requireTTL(t *testing.T, a *app, key string, want time.Duration) {
	t.Helper()
	redistest.RequireTTL(t, a.b.Client, key, want)
}

// requireAllHaveTTL checks that no key under the prefix lives for ever.
func requireAllHaveTTL(t *testing.T, a *app) {
	t.Helper()
	for _, k := range a.allKeys() {
		require.Greater(t, redistest.TTL(t, a.b.Client, k), time.Duration(0), "key %s has no TTL", k)
	}
}

// codecs runs a case with scs's default GobCodec and with the fast Codec.
func codecs(t *testing.T, fn func(t *testing.T, opts ...scsstore.Option)) {
	t.Run("gob", func(t *testing.T) { fn(t) })
	t.Run("fast", func(t *testing.T) { fn(t, scsstore.WithCodec(scsstore.Codec{})) })
}
