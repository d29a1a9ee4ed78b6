package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/sessions"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/gorillastore"
	"github.com/redis-session/redis-session-go/internal/redistest"
)

var ctx = context.Background()

func TestMain(m *testing.M) { redistest.Main(m) }

var hashKey = []byte("0123456789abcdef0123456789abcdef")

// env is two instances of the app (each its own client, store and echo
// server) on one Redis.
type env struct {
	t      *testing.T
	b      *redistest.Backend
	prefix string
	stores [2]*gorillastore.Store
	srvs   [2]*httptest.Server

	mu    sync.Mutex
	gates map[string]*redistest.Gate
}

func newEnv(t *testing.T, b *redistest.Backend) *env {
	e := &env{t: t, b: b, prefix: b.Prefix + redistest.UniquePrefix(), gates: map[string]*redistest.Gate{}}
	for i := range e.srvs {
		store, err := newStore(newClient(t, b), hashKey)
		require.NoError(t, err)
		store.KeyPrefix = e.prefix
		e.stores[i] = store
		e.srvs[i] = httptest.NewServer(newServer(&holdingStore{Store: store, env: e}))
		t.Cleanup(e.srvs[i].Close)
	}
	return e
}

// newClient returns a client of its own on b's Redis, as another process
// would have.
func newClient(t *testing.T, b *redistest.Backend) redis.UniversalClient {
	var c redis.UniversalClient
	switch {
	case b.Mini != nil:
		c = redis.NewClient(&redis.Options{Addr: b.Mini.Addr()})
	case b.Cluster != nil:
		c = b.Cluster.Client()
	default:
		c = redis.NewClient(&redis.Options{Addr: b.Client.(*redis.Client).Options().Addr})
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// holdingStore is the app's store, except that a request with a Hold
// header waits at that gate when it saves: after its load and its changes,
// before its write.
type holdingStore struct {
	*gorillastore.Store
	env *env
}

// Get caches the session in the request's registry under this store, so
// that session.Save comes back here.
func (h *holdingStore) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(h, name)
}

func (h *holdingStore) Save(r *http.Request, w http.ResponseWriter, s *sessions.Session) error {
	if name := r.Header.Get("Hold"); name != "" {
		h.env.gate(name).Wait()
	}
	return h.Store.Save(r, w, s)
}

// hold returns a new gate for requests sent with hold(name).
func (e *env) hold(name string) *redistest.Gate {
	g := redistest.NewGate()
	e.mu.Lock()
	e.gates[name] = g
	e.mu.Unlock()
	return g
}

func (e *env) gate(name string) *redistest.Gate {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.gates[name]
}

// browser keeps the session cookie between requests.
type browser struct {
	mu     sync.Mutex
	cookie string
	set    []*http.Cookie // the session's Set-Cookie headers of the last response
}

func (br *browser) value() string {
	br.mu.Lock()
	defer br.mu.Unlock()
	return br.cookie
}

func (br *browser) tab() *browser { return &browser{cookie: br.value()} }

func (br *browser) lastSet() []*http.Cookie {
	br.mu.Lock()
	defer br.mu.Unlock()
	return append([]*http.Cookie(nil), br.set...)
}

func (br *browser) took(res *http.Response) {
	br.mu.Lock()
	defer br.mu.Unlock()
	br.set = nil
	for _, c := range res.Cookies() {
		if c.Name == sessionName {
			br.set = append(br.set, c)
			br.cookie = c.Value
			if c.MaxAge < 0 {
				br.cookie = ""
			}
		}
	}
}

// request is one call of the app's API.
type request struct {
	method, path string
	form         url.Values
	hold         string // gate name, or ""
}

func get(path string) request  { return request{method: http.MethodGet, path: path} }
func post(path string) request { return request{method: http.MethodPost, path: path} }

// send sends rq to srv with br's cookie; status 0 and the error's text when
// no response came. Safe from any goroutine.
func send(srv *httptest.Server, br *browser, rq request) (int, string) {
	var body io.Reader
	if rq.form != nil {
		body = strings.NewReader(rq.form.Encode())
	}
	req, err := http.NewRequest(rq.method, srv.URL+rq.path, body)
	if err != nil {
		return 0, err.Error()
	}
	if rq.form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if rq.hold != "" {
		req.Header.Set("Hold", rq.hold)
	}
	if v := br.value(); v != "" {
		req.AddCookie(&http.Cookie{Name: sessionName, Value: v})
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, err.Error()
	}
	br.took(res)
	return res.StatusCode, strings.TrimSpace(string(b))
}

// ok sends rq to instance i and fails the test unless the status is want
// (200 if not given).
func (e *env) ok(i int, br *browser, rq request, want ...int) string {
	e.t.Helper()
	status, body := send(e.srvs[i], br, rq)
	w := http.StatusOK
	if len(want) > 0 {
		w = want[0]
	}
	require.Equal(e.t, w, status, "%s %s: %s", rq.method, rq.path, body)
	return body
}

// me returns GET /me from instance i.
func (e *env) me(i int, br *browser) me {
	e.t.Helper()
	var m me
	require.NoError(e.t, json.Unmarshal([]byte(e.ok(i, br, get("/me"))), &m))
	return m
}

func (e *env) login(i int, br *browser, user string) {
	e.t.Helper()
	e.ok(i, br, request{method: http.MethodPost, path: "/login", form: url.Values{"user": {user}}})
}

func (e *env) id(cookie string) string {
	e.t.Helper()
	require.NotEmpty(e.t, cookie, "no cookie")
	id, err := e.stores[0].CookieID(sessionName, cookie)
	require.NoError(e.t, err)
	return id
}

func (e *env) key(id string) string { return e.prefix + id }

func (e *env) sessionKeys() []string {
	e.t.Helper()
	return redistest.Sessions(e.t, e.b.Client, e.prefix)
}

func wait[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(30 * time.Second):
		t.Fatal("timed out waiting for the request")
		var zero T
		return zero
	}
}

func expired(cookies []*http.Cookie) bool {
	for _, c := range cookies {
		if c.MaxAge < 0 {
			return true
		}
	}
	return false
}
