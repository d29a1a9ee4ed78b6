package ginstore_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/ginstore"
	"github.com/redis-session/redis-session-go/internal/redistest"
)

var ctx = context.Background()

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	// gin-contrib logs every error of the store's Get at ERROR level, also
	// for the bad cookies tests send on purpose.
	slog.SetDefault(slog.New(slog.DiscardHandler))
	redistest.Main(m)
}

var (
	hashKey  = []byte("0123456789abcdef0123456789abcdef")
	blockKey = []byte("fedcba9876543210")
)

const cookieName = "sid"

// handler is a test's own route: run on whichever instance served the
// request, with that instance's store.
type handler func(c *gin.Context, store *ginstore.Store)

// instance is one process of the app: its own Redis client and Store on
// the shared Redis, its own gin engine behind a real HTTP server.
type instance struct {
	store  *ginstore.Store
	engine *gin.Engine
	srv    *httptest.Server
}

// env is two instances of one app on one Redis, and the routes tests add.
type env struct {
	t      *testing.T
	b      *redistest.Backend
	prefix string
	inst   [2]*instance

	mu     sync.Mutex
	routes map[string]handler
}

// newEnv starts two instances on b. configure, if given, runs on each
// store before it serves; more, if given, runs on each engine before the
// routes are added (middleware).
func newEnv(t *testing.T, b *redistest.Backend, configure func(*ginstore.Store), more ...gin.HandlerFunc) *env {
	e := &env{t: t, b: b, prefix: b.Prefix + redistest.UniquePrefix(), routes: map[string]handler{}}
	for i := range e.inst {
		store, err := ginstore.New(newClient(t, b), hashKey, blockKey)
		require.NoError(t, err)
		store.KeyPrefix = e.prefix
		if configure != nil {
			configure(store)
		}
		engine := gin.New()
		engine.Use(sessions.Sessions(cookieName, store))
		engine.Use(more...)
		e.addRoutes(engine, store)
		in := &instance{store: store, engine: engine, srv: httptest.NewServer(engine)}
		t.Cleanup(in.srv.Close)
		e.inst[i] = in
	}
	return e
}

// newClient returns a client of its own on b's Redis, as a second process
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

// fail answers 500 with the error, which the test then sees.
func fail(c *gin.Context, err error) {
	c.String(http.StatusInternalServerError, "%v", err)
}

func (e *env) addRoutes(r *gin.Engine, store *ginstore.Store) {
	// /put?k=v&...: set each pair, save.
	r.GET("/put", func(c *gin.Context) {
		session := sessions.Default(c)
		for k, v := range c.Request.URL.Query() {
			session.Set(k, v[0])
		}
		if err := session.Save(); err != nil {
			fail(c, err)
			return
		}
		c.String(http.StatusOK, "ok")
	})
	// /get?k=key: the value under key, "" if none.
	r.GET("/get", func(c *gin.Context) {
		v := sessions.Default(c).Get(c.Query("k"))
		if v == nil {
			c.String(http.StatusOK, "")
			return
		}
		c.String(http.StatusOK, "%v", v)
	})
	// /type?k=key: the value under key with its Go type.
	r.GET("/type", func(c *gin.Context) {
		c.String(http.StatusOK, "%s", describe(sessions.Default(c).Get(c.Query("k"))))
	})
	// /logout: the store's Destroy.
	r.GET("/logout", func(c *gin.Context) {
		if err := store.Destroy(c, cookieName); err != nil {
			fail(c, err)
		}
	})
	// /logout-idiom: gin-contrib's own way to log out.
	r.GET("/logout-idiom", func(c *gin.Context) {
		session := sessions.Default(c)
		session.Clear()
		session.Options(sessions.Options{MaxAge: -1})
		if err := session.Save(); err != nil {
			fail(c, err)
		}
	})
	// /login?user=u: set the user, regenerate the ID, then save as gin
	// users habitually do.
	r.GET("/login", func(c *gin.Context) {
		session := sessions.Default(c)
		session.Set("user", c.Query("user"))
		if err := store.RegenerateID(c, cookieName); err != nil {
			fail(c, err)
			return
		}
		if err := session.Save(); err != nil {
			fail(c, err)
		}
	})
	// /x/name: the handler a test registered under name.
	r.GET("/x/:name", func(c *gin.Context) {
		e.mu.Lock()
		h := e.routes[c.Param("name")]
		e.mu.Unlock()
		if h == nil {
			c.String(http.StatusNotFound, "no route")
			return
		}
		h(c, store)
	})
}

// route registers h under name, served at /x/name by both instances.
func (e *env) route(name string, h handler) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.routes[name] = h
	return "/x/" + name
}

// hold registers a route that loads the session, waits at the returned
// gate, then sets k=v and saves, reporting Save's error on saved.
func (e *env) hold(name, k, v string) (path string, g *redistest.Gate, saved chan error) {
	g, saved = redistest.NewGate(), make(chan error, 1)
	path = e.route(name, func(c *gin.Context, _ *ginstore.Store) {
		session := sessions.Default(c)
		_ = session.Get(k) // loads the session now, before the gate
		g.Wait()
		session.Set(k, v)
		saved <- session.Save()
	})
	return path, g, saved
}

// browser keeps the session cookie between requests, as a browser does:
// every request sends the cookie it holds.
type browser struct {
	mu     sync.Mutex
	cookie string         // value sent; "" for none
	set    []*http.Cookie // the session's Set-Cookie headers of the last response
}

func (br *browser) value() string {
	br.mu.Lock()
	defer br.mu.Unlock()
	return br.cookie
}

// tab returns another browser holding the same cookie now.
func (br *browser) tab() *browser { return &browser{cookie: br.value()} }

// do sends a GET for path to instance i and returns status and body.
func (e *env) do(i int, br *browser, path string) (int, string) {
	return e.doCtx(context.Background(), i, br, path)
}

func (e *env) doCtx(ctx context.Context, i int, br *browser, path string) (int, string) {
	return e.send(ctx, e.inst[i].srv, br, path)
}

// serve starts another server for h (instance 0 behind a middleware, say).
func (e *env) serve(h http.Handler) *httptest.Server {
	srv := httptest.NewServer(h)
	e.t.Cleanup(srv.Close)
	return srv
}

// send sends a GET for path to srv and returns status and body; status 0
// and the error's text when the client got no response. It is safe to call
// from any goroutine.
func (e *env) send(ctx context.Context, srv *httptest.Server, br *browser, path string) (int, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+path, nil)
	if err != nil {
		return 0, err.Error()
	}
	if v := br.value(); v != "" {
		req.AddCookie(&http.Cookie{Name: cookieName, Value: v})
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, err.Error()
	}
	br.took(res)
	return res.StatusCode, string(body)
}

// took applies the response's Set-Cookie headers for the session, last one
// winning, as a browser does.
func (br *browser) took(res *http.Response) {
	br.mu.Lock()
	defer br.mu.Unlock()
	br.set = nil
	for _, c := range res.Cookies() {
		if c.Name != cookieName {
			continue
		}
		br.set = append(br.set, c)
		br.cookie = c.Value
		if c.MaxAge < 0 {
			br.cookie = ""
		}
	}
}

// lastSet returns the session's Set-Cookie headers of the last response.
func (br *browser) lastSet() []*http.Cookie {
	br.mu.Lock()
	defer br.mu.Unlock()
	return append([]*http.Cookie(nil), br.set...)
}

// ok sends the request and fails the test unless it gives 200.
func (e *env) ok(i int, br *browser, path string) string {
	e.t.Helper()
	status, body := e.do(i, br, path)
	require.Equal(e.t, http.StatusOK, status, "GET %s: %s", path, body)
	return body
}

// get reads one value with a fresh request on instance i.
func (e *env) get(i int, br *browser, key string) string {
	e.t.Helper()
	return e.ok(i, br, "/get?k="+url.QueryEscape(key))
}

// id decodes the session ID of a cookie value.
func (e *env) id(cookie string) string {
	e.t.Helper()
	require.NotEmpty(e.t, cookie, "no cookie")
	id, err := e.inst[0].store.CookieID(cookieName, cookie)
	require.NoError(e.t, err)
	return id
}

func (e *env) key(id string) string { return e.prefix + id }

func (e *env) sessionKeys() []string {
	e.t.Helper()
	return redistest.Sessions(e.t, e.b.Client, e.prefix)
}

// raw returns the stored hash of the session the cookie names.
func (e *env) raw(cookie string) map[string]string {
	e.t.Helper()
	m, err := e.b.Client.HGetAll(ctx, e.key(e.id(cookie))).Result()
	require.NoError(e.t, err)
	return m
}

// wait returns what ch delivers, failing the test if nothing comes for a
// long time (a hung handler, not a timing assumption).
func wait[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(30 * time.Second):
		t.Fatal("timed out waiting for the handler")
		var zero T
		return zero
	}
}

// expired reports whether the cookies include one that deletes the session
// cookie.
func expired(cookies []*http.Cookie) bool {
	for _, c := range cookies {
		if c.MaxAge < 0 {
			return true
		}
	}
	return false
}

func describe(v any) string { return fmt.Sprintf("%T=%v", v, v) }
