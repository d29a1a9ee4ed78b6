package gorillastore_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/sessions"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/gorillastore"
	"github.com/redis-session/redis-session-go/internal/redistest"
)

var ctx = context.Background()

func TestMain(m *testing.M) { redistest.Main(m) }

var (
	hashKey  = []byte("0123456789abcdef0123456789abcdef")
	blockKey = []byte("fedcba9876543210")
)

const cookieName = "sid"

// app serves handlers that use the store through gorilla's registry.
type app struct {
	t     *testing.T
	b     *redistest.Backend
	store *gorillastore.Store
	mux   *http.ServeMux
}

func newApp(t *testing.T, b *redistest.Backend) *app {
	store, err := gorillastore.New(b.Client, hashKey, blockKey)
	require.NoError(t, err)
	store.KeyPrefix = b.Prefix + redistest.UniquePrefix()
	a := &app{t: t, b: b, store: store, mux: http.NewServeMux()}
	a.mux.HandleFunc("/put", func(w http.ResponseWriter, r *http.Request) {
		s := a.session(w, r)
		for k, v := range r.URL.Query() {
			s.Values[k] = v[0]
		}
		a.save(w, r, s)
	})
	a.mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		s := a.session(w, r)
		v, _ := s.Values[r.URL.Query().Get("k")].(string)
		_, _ = w.Write([]byte(v))
	})
	a.mux.HandleFunc("/logout", func(w http.ResponseWriter, r *http.Request) {
		require.NoError(t, a.store.Destroy(r, w, a.session(w, r)))
	})
	return a
}

// session gets the request's session; a load error fails the request.
func (a *app) session(w http.ResponseWriter, r *http.Request) *sessions.Session {
	s, err := a.store.Get(r, cookieName)
	require.NotNil(a.t, s)
	if err != nil && !gorillastore.IsInvalidCookie(err) {
		a.t.Errorf("load: %v", err)
	}
	return s
}

func (a *app) save(w http.ResponseWriter, r *http.Request, s *sessions.Session) {
	require.NoError(a.t, s.Save(r, w))
}

func (a *app) handle(path string, fn http.HandlerFunc) { a.mux.HandleFunc(path, fn) }

func (a *app) key(id string) string { return a.store.KeyPrefix + id }

func (a *app) sessionKeys() []string {
	return redistest.Sessions(a.t, a.b.Client, a.store.KeyPrefix)
}

// browser keeps the cookie between requests.
type browser struct {
	mu   sync.Mutex
	jar  *http.Cookie
	last *http.Cookie // the last Set-Cookie for the session
}

func (br *browser) cookie() *http.Cookie {
	br.mu.Lock()
	defer br.mu.Unlock()
	return br.jar
}

func (a *app) do(br *browser, path string) (string, *http.Response) {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if c := br.cookie(); c != nil {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	rec := httptest.NewRecorder()
	a.mux.ServeHTTP(rec, req)
	res := rec.Result()
	for _, c := range res.Cookies() {
		if c.Name == cookieName {
			br.mu.Lock()
			br.last = c
			br.jar = c
			if c.MaxAge < 0 {
				br.jar = nil
			}
			br.mu.Unlock()
		}
	}
	return rec.Body.String(), res
}

// id decodes the session ID the browser's cookie carries.
func (a *app) id(br *browser) string {
	c := br.cookie()
	require.NotNil(a.t, c, "no cookie")
	id, err := a.store.CookieID(cookieName, c.Value)
	require.NoError(a.t, err)
	return id
}

func requireTTL(t *testing.T, a *app, key string, want time.Duration) {
	t.Helper()
	redistest.RequireTTL(t, a.b.Client, key, want)
}

// inFlight starts a request to path whose handler loads the session, runs
// body, waits for release, then saves. It returns once the handler waits.
func (a *app) inFlight(br *browser, path string, body func(s *sessions.Session)) (release func()) {
	g := redistest.NewGate()
	a.handle(path, func(w http.ResponseWriter, r *http.Request) {
		s := a.session(w, r)
		body(s)
		g.Wait()
		a.save(w, r, s)
	})
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.do(br, path)
	}()
	<-g.Arrived
	return func() {
		g.Release()
		<-done
	}
}

func tab(br *browser) *browser { return &browser{jar: br.cookie()} }
