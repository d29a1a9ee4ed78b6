package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/internal/redistest"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// demo is a running demo: its URL and the redis-cli commands it printed.
type demo struct {
	base    string // http://127.0.0.1:port
	banner  string // what it printed before it listened
	cli     string // "redis-cli -p 41234"
	port    string // of its Redis, from cli
	pattern string // the SCAN pattern for session keys
}

// scanLine is the banner's redis-cli line for listing the sessions.
var scanLine = regexp.MustCompile(`(redis-cli(?: -h \S+)? -p (\d+)(?: -n \d+)?) --scan --pattern '([^']+)'`)

// startDemo runs the demo in-process on a free port, as `make demo` does,
// and returns its base URL. The server stops when the test ends, and must
// stop cleanly.
func startDemo(t *testing.T, cfg config) string { return launch(t, cfg).base }

// launch is startDemo, with what the demo printed.
func launch(t *testing.T, cfg config) demo {
	t.Helper()
	cfg.addr = "127.0.0.1:0"
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, cfg, pw)
		_ = pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	var d demo
	var banner strings.Builder
	for d.base == "" && lines.Scan() {
		banner.WriteString(lines.Text() + "\n")
		if u, ok := strings.CutPrefix(lines.Text(), "listening on "); ok {
			d.base = u
		}
	}
	require.NotEmpty(t, d.base, "the demo prints its URL")
	var log syncBuffer // the demo's log, shown if the test fails
	copied := make(chan struct{})
	go func() { _, _ = io.Copy(&log, pr); close(copied) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			assert.NoError(t, err, "clean shutdown")
		case <-time.After(10 * time.Second):
			t.Error("the demo did not shut down")
		}
		if t.Failed() {
			<-copied
			t.Logf("the demo's log:\n%s", log.String())
		}
	})
	d.banner = banner.String()
	if m := scanLine.FindStringSubmatch(d.banner); m != nil {
		d.cli, d.port, d.pattern = m[1], m[2], m[3]
	}
	return d
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// redisOf connects to the demo's Redis at the port its banner printed.
func redisOf(t *testing.T, d demo) *redis.Client {
	t.Helper()
	require.NotEmpty(t, d.port, "the banner says how to reach Redis with redis-cli:\n%s", d.banner)
	rdb := redis.NewClient(&redis.Options{Addr: net.JoinHostPort("127.0.0.1", d.port)})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// sessionKeys lists the live sessions among the keys the demo's SCAN
// pattern matches (a deleted session's key holds a tombstone string).
func sessionKeys(t *testing.T, rdb *redis.Client, pattern string) []string {
	t.Helper()
	var keys []string
	iter := rdb.Scan(context.Background(), 0, pattern, 100).Iterator()
	for iter.Next(context.Background()) {
		if rdb.Type(context.Background(), iter.Val()).Val() == "hash" {
			keys = append(keys, iter.Val())
		}
	}
	require.NoError(t, iter.Err())
	return keys
}

// client is a browser tab: a cookie jar shared by tabs of one browser.
type client struct {
	t    *testing.T
	base string
	http *http.Client
}

func newBrowser(t *testing.T, base string) *client {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &client{t: t, base: base, http: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
}

// tab opens another tab of the same browser: same cookies.
func (c *client) tab() *client {
	return &client{t: c.t, base: c.base, http: &http.Client{Jar: c.http.Jar, Timeout: 10 * time.Second}}
}

// call sends a request that must succeed, and decodes its JSON into out.
// It returns the response (its body read).
func (c *client) call(method, path string, form url.Values, out any) *http.Response {
	c.t.Helper()
	res, body := c.do(method, path, form)
	require.Equal(c.t, http.StatusOK, res.StatusCode, "%s %s: %s", method, path, body)
	if out != nil {
		require.NoError(c.t, json.Unmarshal(body, out), "%s", body)
	}
	return res
}

// do sends a request and returns the response and its body.
func (c *client) do(method, path string, form url.Values) (*http.Response, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(form.Encode()))
	require.NoError(c.t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := c.http.Do(req)
	require.NoError(c.t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(c.t, err)
	return res, body
}

func (c *client) state() state {
	var s state
	c.call(http.MethodGet, "/api/session", nil, &s)
	return s
}

func (c *client) cookie() *http.Cookie {
	u, _ := url.Parse(c.base)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == sessionCookie {
			return ck
		}
	}
	return nil
}

// withCookie is a fresh browser that presents a given (old) cookie.
func withCookie(t *testing.T, base string, ck *http.Cookie) *client {
	c := newBrowser(t, base)
	u, _ := url.Parse(base)
	c.http.Jar.SetCookies(u, []*http.Cookie{{Name: ck.Name, Value: ck.Value, Path: "/"}})
	return c
}

func TestDemoEndToEnd(t *testing.T) {
	for _, store := range []string{"scs", "gorilla"} {
		t.Run(store+"/miniredis", func(t *testing.T) {
			t.Parallel()
			demoScenario(t, startDemo(t, config{store: store}))
		})
		t.Run(store+"/redis", func(t *testing.T) {
			srv := redistest.SharedServer(t)
			t.Parallel()
			demoScenario(t, startDemo(t, config{store: store, redisURL: "redis://" + srv.Addr + "/0"}))
		})
	}
}

func demoScenario(t *testing.T, base string) {
	br := newBrowser(t, base)
	first := br.state()
	assert.Equal(t, "", first.User)
	assert.False(t, first.Session, "reading the state creates no session")

	// A visit before login creates the session.
	var visit struct{ Visits int }
	br.call(http.MethodPost, "/api/visit", nil, &visit)
	assert.Equal(t, 1, visit.Visits)
	anonymous := br.cookie()
	require.NotNil(t, anonymous)

	// Login renews the session ID; the visit count comes along.
	br.call(http.MethodPost, "/api/login", url.Values{"user": {"ada"}}, nil)
	loggedIn := br.cookie()
	require.NotNil(t, loggedIn)
	assert.NotEqual(t, anonymous.Value, loggedIn.Value, "a new session ID on login")
	s := br.state()
	assert.Equal(t, "ada", s.User)
	assert.Equal(t, 1, s.Visits)
	var field struct {
		User    string
		Present bool
	}
	withCookie(t, base, anonymous).call(http.MethodGet, "/api/user", nil, &field)
	assert.False(t, field.Present, "the pre-login ID is dead")

	// Two tabs count visits at once: none is lost.
	tab := br.tab()
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		for _, c := range []*client{br, tab} {
			wg.Add(1)
			go func() { defer wg.Done(); c.call(http.MethodPost, "/api/visit", nil, nil) }()
		}
	}
	wg.Wait()
	assert.Equal(t, 21, br.state().Visits)

	// Two tabs fill the cart at once: every item stays.
	for item, c := range map[string]*client{"apple": br, "pear": tab} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				c.call(http.MethodPost, "/api/cart", url.Values{"item": {item}}, nil)
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, map[string]int{"apple": 10, "pear": 10}, br.state().Cart)

	// One field straight from Redis.
	br.call(http.MethodGet, "/api/user", nil, &field)
	assert.Equal(t, "ada", field.User)
	assert.True(t, field.Present)

	// Log out everywhere else: a second browser logged in as the same user
	// is logged out, this one is not.
	elsewhere := newBrowser(t, base)
	elsewhere.call(http.MethodPost, "/api/login", url.Values{"user": {"ada"}}, nil)
	var devices struct{ Devices []map[string]any }
	br.call(http.MethodGet, "/api/devices", nil, &devices)
	assert.Len(t, devices.Devices, 2)
	var ended struct{ Ended int }
	br.call(http.MethodPost, "/api/logout-others", nil, &ended)
	assert.Equal(t, 1, ended.Ended)
	assert.Equal(t, "", elsewhere.state().User)
	assert.Equal(t, "ada", br.state().User)
	br.call(http.MethodGet, "/api/devices", nil, &devices)
	assert.Len(t, devices.Devices, 1)

	// Logout: the old cookie is no longer logged in.
	old := br.cookie()
	br.call(http.MethodPost, "/api/logout", nil, nil)
	assert.Equal(t, "", br.state().User)
	replay := withCookie(t, base, old)
	assert.Equal(t, "", replay.state().User, "the logged-out cookie does not work again")
	assert.Empty(t, replay.state().Cart)
}

func TestDemoRejectsBadInput(t *testing.T) {
	base := startDemo(t, config{store: "scs"})
	c := newBrowser(t, base)
	for path, form := range map[string]url.Values{
		"/api/login": {"user": {strings.Repeat("x", 100)}},
		"/api/cart":  {"item": {"../../etc"}},
	} {
		res, err := c.http.PostForm(base+path, form)
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, http.StatusBadRequest, res.StatusCode, path)
	}
}

func TestDemoConfigErrors(t *testing.T) {
	assert.ErrorContains(t, run(context.Background(), config{store: "beego", addr: "127.0.0.1:0"}, io.Discard), "unknown -store")
	assert.ErrorContains(t, run(context.Background(), config{store: "scs", addr: "127.0.0.1:0", redisURL: "redis://127.0.0.1:1/0"}, io.Discard), "REDIS_URL")
	assert.ErrorContains(t, run(context.Background(), config{store: "scs", addr: "127.0.0.1:0", redisURL: "mysql://x"}, io.Discard), "REDIS_URL")
}

// TestDemoCtrlCWithSpareConnection: a connection that sent no request yet
// (a browser's preconnect) does not make Ctrl-C fail or hang.
func TestDemoCtrlCWithSpareConnection(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, config{store: "scs", addr: "127.0.0.1:0"}, pw)
		_ = pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	var base string
	for base == "" && lines.Scan() {
		if u, ok := strings.CutPrefix(lines.Text(), "listening on http://"); ok {
			base = u
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	require.NotEmpty(t, base)
	spare, err := net.Dial("tcp", base)
	require.NoError(t, err)
	defer spare.Close()
	// The server has taken the connection once it answers a request on
	// another one (connections are accepted in order).
	res, err := http.Get("http://" + base + "/api/info")
	require.NoError(t, err)
	res.Body.Close()

	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err, "a clean stop")
	case <-time.After(10 * time.Second):
		t.Fatal("the demo did not stop")
	}
}
