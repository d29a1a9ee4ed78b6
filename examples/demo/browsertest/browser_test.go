package browsertest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"iter"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/hashcodec"
)

const (
	// stepTimeout bounds one browser step: an action, or a wait for the
	// page to show something. Steps take milliseconds; the bound is only
	// there to fail instead of hanging.
	stepTimeout = 20 * time.Second
	// startTimeout bounds building and starting the demo and Chromium.
	startTimeout = 2 * time.Minute

	sessionCookie = "demo_session"
)

// The cart after "8 different fruits at once", as the page lists it.
const eightFruits = "1 × apple, 1 × fig, 1 × kiwi, 1 × lime, 1 × mango, 1 × peach, 1 × pear, 1 × plum"

// TestBrowserDemo clicks through the demo in headless Chromium, for both
// stores: a first visit (8 fruits at once), the "In Redis" box, login,
// a single-field read, "log out everywhere else" from a second browser,
// logout, and Redis going down.
func TestBrowserDemo(t *testing.T) {
	browser := startBrowser(t)
	for _, store := range []string{"scs", "gorilla"} {
		t.Run(store, func(t *testing.T) {
			t.Run("embedded", func(t *testing.T) { scenario(t, browser, store) })
			t.Run("redis-down", func(t *testing.T) { redisDown(t, browser, store) })
		})
	}
}

// scenario is one user's visit, with a second browser logged in as the
// same user. Each step is a subtest named after what it checks; a step
// that fails ends the scenario.
func scenario(t *testing.T, browser context.Context, store string) {
	d := startDemo(t, store)
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + d.port})
	t.Cleanup(func() { _ = rdb.Close() })
	a := openPage(t, browser, d.base)
	b := newTab(t, browser, d.base) // another browser, used from a later step
	var firstCookie string

	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"page loads logged out", func(t *testing.T) {
			a.waitText(t, "#store", "("+store+")")
			a.waitText(t, "#user", "nobody")
			assert.Empty(t, a.cookie(t), "looking creates no session")
		}},
		{"in Redis box reaches the embedded Redis", func(t *testing.T) {
			require.NotEmpty(t, d.port, "the banner says how to reach the embedded Redis with redis-cli:\n%s", d.banner)
			want := d.cli + " --scan --pattern '" + d.pattern + "'\n" + d.cli + " HGETALL '<one of the keys it lists>'"
			a.waitText(t, "#redisCommands", want)
			assert.Equal(t, "redis-cli -p "+d.port, d.cli)
			require.NoError(t, rdb.Ping(t.Context()).Err(), "the port printed is the demo's Redis")
			assert.Empty(t, sessionKeys(t, rdb, d.pattern))
		}},
		{"no empty code box beside Read user", func(t *testing.T) {
			assert.False(t, a.shown(t, "#fieldResult"), "nothing to show before the first read")
		}},
		{"first visit 8 fruits at once", func(t *testing.T) {
			a.click(t, "#rush")
			a.waitText(t, "#cart", eightFruits)
			keys := sessionKeys(t, rdb, d.pattern)
			require.Len(t, keys, 1, "one session, no orphans: %v", keys)
			fields, err := hashcodec.NewHash(rdb, keys[0]).GetAll(t.Context())
			require.NoError(t, err)
			for _, item := range []string{"apple", "pear", "plum", "fig", "kiwi", "lime", "mango", "peach"} {
				assert.Equal(t, 1, fields["cart:"+item].Int(), "cart:%s in the session's hash", item)
			}
			firstCookie = a.cookie(t)
			require.NotEmpty(t, firstCookie)
		}},
		{"login clears the box and renews the ID", func(t *testing.T) {
			a.login(t, "ada")
			assert.Equal(t, "", a.value(t, "#login input[name=user]"), "the login box is cleared")
			assert.NotEqual(t, firstCookie, a.cookie(t), "a new session ID on login")
			assert.Equal(t, eightFruits, a.text(t, "#cart"), "the cart comes along")
			n, err := rdb.Exists(t.Context(), strings.TrimRight(d.pattern, "?")+"user:ada").Result()
			require.NoError(t, err)
			assert.EqualValues(t, 1, n, "the user index key shares the prefix")
			assert.Len(t, sessionKeys(t, rdb, d.pattern), 1, "the SCAN pattern lists sessions only; the old ID is gone")
		}},
		{"read user shows the field", func(t *testing.T) {
			a.click(t, "#field")
			a.waitText(t, "#fieldResult", `{"present":true,"user":"ada"}`)
			assert.True(t, a.shown(t, "#fieldResult"))
		}},
		{"visit counts", func(t *testing.T) {
			a.click(t, "#visit")
			a.waitText(t, "#visits", "1")
		}},
		{"second browser logs in", func(t *testing.T) {
			b.open(t)
			b.waitText(t, "#user", "nobody")
			b.login(t, "ada")
			b.waitText(t, "#devices", "2")
			a.click(t, "#visit") // the first browser looks again
			a.waitText(t, "#visits", "2")
			a.waitText(t, "#devices", "2")
		}},
		{"log out everywhere else shows the count", func(t *testing.T) {
			a.click(t, "#others")
			a.waitText(t, "#othersResult", "Ended 1 other session.")
			a.waitText(t, "#devices", "1")
			a.waitText(t, "#user", "ada")
		}},
		{"logged out elsewhere is told", func(t *testing.T) {
			assert.False(t, b.shown(t, "#notice"))
			b.click(t, "#visit")
			b.waitText(t, "#notice", "This browser's session had ended (logged out from another browser, or expired): you are no longer logged in here.")
			b.waitText(t, "#user", "nobody")
			b.waitText(t, "#visits", "1")
			assert.False(t, b.shown(t, "#error"))
		}},
		{"logout ends the session for good", func(t *testing.T) {
			old := a.cookie(t)
			require.NotEmpty(t, old)
			a.click(t, "#logout")
			a.waitText(t, "#user", "nobody")
			a.waitText(t, "#cart", "empty")
			assert.Empty(t, a.cookie(t), "the cookie is expired")
			a.setCookie(t, old)
			a.reload(t)
			a.waitText(t, "#notice", "This browser's session had ended (logged out from another browser, or expired): you are no longer logged in here.")
			a.waitText(t, "#user", "nobody")
			assert.Equal(t, "0", a.text(t, "#visits"), "the logged-out cookie does not come back")
			assert.Len(t, sessionKeys(t, rdb, d.pattern), 1, "only the second browser's new session is left")
		}},
	}
	for _, s := range steps {
		if !t.Run(s.name, s.run) {
			return
		}
	}
}

// redisDown runs the demo on a miniredis that this test starts, then
// stops it: the page must show the error, and not pretend the user is
// logged out.
func redisDown(t *testing.T, browser context.Context, store string) {
	mr := miniredis.NewMiniRedis()
	require.NoError(t, mr.Start())
	t.Cleanup(mr.Close)
	// No command retries: each request gives up after one dial.
	d := startDemo(t, store, "REDIS_URL=redis://"+mr.Addr()+"/0?max_retries=-1")
	a := openPage(t, browser, d.base)
	a.waitText(t, "#user", "nobody")
	a.login(t, "ada")
	a.click(t, `button[data-item="apple"]`)
	a.waitText(t, "#cart", "1 × apple")
	assert.False(t, a.shown(t, "#error"))

	mr.Close()
	const down = "The session store (Redis) is unavailable, so your session could not be read or saved. Try again in a moment."
	a.click(t, "#rush")
	a.waitText(t, "#error", down)
	assert.True(t, a.shown(t, "#error"))
	assert.Equal(t, "ada", a.text(t, "#user"), "an error, not a logout")
	assert.Equal(t, "1 × apple", a.text(t, "#cart"), "an error, not an empty cart")

	a.reload(t)
	a.waitText(t, "#error", down)
	assert.NotEqual(t, "nobody", a.text(t, "#user"), "a page loaded while Redis is down does not claim a logout")
}

// Chromium

// chromium returns the browser to drive. Without one the test skips,
// unless BROWSER_REQUIRED=1.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("BROWSER_REQUIRED") == "1" {
		t.Fatal("BROWSER_REQUIRED=1 but no Chromium on PATH (Debian: apt-get install chromium)")
	}
	t.Skip("no Chromium on PATH (Debian: apt-get install chromium); set BROWSER_REQUIRED=1 to make this a failure")
	return ""
}

// startBrowser starts headless Chromium with a fresh profile, closed when
// the test ends. The machine has no network: every feature that would
// call out is off.
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	path := chromium(t)
	profile := t.TempDir() // removed after the browser has exited (cleanups run last-in first-out)
	var logs syncBuffer
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profile),
		chromedp.CombinedOutput(&logs),
	)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// The first run starts the browser, which lives as long as the context
	// of that run: so no timeout on it, but a bound on the wait.
	first(t, "start Chromium", func() error { return chromedp.Do(ctx, chromedp.Navigate("about:blank")) }, &logs)
	return ctx
}

// first runs the first action of a chromedp context (which must not have
// a deadline), failing the test if it does not end in startTimeout.
func first(t *testing.T, what string, run func() error, logs fmt.Stringer) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- run() }()
	select {
	case err := <-done:
		require.NoError(t, err, "%s\n%s", what, logs)
	case <-time.After(startTimeout):
		t.Fatalf("%s: no answer in %v\n%s", what, startTimeout, logs)
	}
}

// tab is the demo's page in a browser of its own (its own cookies).
type tab struct {
	ctx  context.Context
	base string

	mu         sync.Mutex
	exceptions []string // uncaught JavaScript errors
}

// openPage opens the page in a new browser context: a browser with no
// cookies yet, closed when the test ends.
func openPage(t *testing.T, browser context.Context, base string) *tab {
	t.Helper()
	p := newTab(t, browser, base)
	p.open(t)
	return p
}

// open loads the page.
func (p *tab) open(t *testing.T) {
	t.Helper()
	p.step(t, "open "+p.base, chromedp.Navigate(p.base))
}

// newTab opens a blank tab in a new browser context, closed when the test
// ends. The test fails if the page's JavaScript throws an uncaught error.
func newTab(t *testing.T, browser context.Context, base string) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	p := &tab{ctx: ctx, base: base}
	var events iter.Seq2[runtime.EventExceptionThrown, error]
	first(t, "open a tab", func() error {
		events = chromedp.Events(ctx, runtime.ExceptionThrown) // creates the tab
		return nil
	}, &syncBuffer{})
	listened := make(chan struct{})
	go func() {
		defer close(listened)
		for ev, err := range events {
			if err != nil {
				return
			}
			p.mu.Lock()
			p.exceptions = append(p.exceptions, exceptionText(ev.ExceptionDetails))
			p.mu.Unlock()
		}
	}()
	t.Cleanup(func() { // before the one above: cleanups run last-in first-out
		cancel()
		<-listened
		p.mu.Lock()
		defer p.mu.Unlock()
		assert.Empty(t, p.exceptions, "uncaught JavaScript errors")
	})
	return p
}

func exceptionText(d *runtime.ExceptionDetails) string {
	if d == nil {
		return "?"
	}
	if d.Exception != nil && d.Exception.Description != "" {
		return d.Exception.Description
	}
	return d.Text
}

// step runs one action, bounded by stepTimeout.
func (p *tab) step(t *testing.T, what string, a chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	require.NoError(t, chromedp.Do(ctx, a), what)
}

func (p *tab) click(t *testing.T, sel string) {
	t.Helper()
	p.step(t, "click "+sel, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// login types the name and presses "Log in", then waits until the page
// shows the user logged in.
func (p *tab) login(t *testing.T, user string) {
	t.Helper()
	p.step(t, "type "+user, chromedp.SendKeys(chromedp.CSS("#login input[name=user]"), user, chromedp.NodeVisible))
	p.click(t, "#login button")
	p.waitText(t, "#user", user)
}

func (p *tab) reload(t *testing.T) {
	t.Helper()
	p.step(t, "reload", chromedp.Reload())
}

// waitText waits until the element's text is want: the page has taken in
// the answers of the requests it sent. It polls on DOM changes, with a
// deadline, and reports what the page shows if the text never comes.
func (p *tab) waitText(t *testing.T, sel, want string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.PollFunction[bool](
		`(sel, want) => { const e = document.querySelector(sel); return !!e && e.textContent === want; }`,
		chromedp.WithPollingArgs(sel, want),
		chromedp.WithPollingMutation(),
		chromedp.WithPollingTimeout(stepTimeout-time.Second),
	))
	if err != nil {
		t.Fatalf("waiting for %s to read %q: %v\nit reads %q; error box %q; notice %q",
			sel, want, err, p.text(t, sel), p.text(t, "#error"), p.text(t, "#notice"))
	}
}

// eval evaluates a JavaScript expression.
func eval[T any](t *testing.T, p *tab, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	require.NoError(t, err, expr)
	return v
}

// text is the element's textContent ("" if there is no such element).
func (p *tab) text(t *testing.T, sel string) string {
	t.Helper()
	return eval[string](t, p, fmt.Sprintf(`document.querySelector(%s)?.textContent ?? ""`, strconv.Quote(sel)))
}

// value is the value of an input.
func (p *tab) value(t *testing.T, sel string) string {
	t.Helper()
	return eval[string](t, p, fmt.Sprintf(`document.querySelector(%s).value`, strconv.Quote(sel)))
}

// shown reports whether the element takes up room on the page (a hidden
// or an empty inline element does not; an empty code box with padding
// does).
func (p *tab) shown(t *testing.T, sel string) bool {
	t.Helper()
	return eval[bool](t, p, fmt.Sprintf(`(() => { const e = document.querySelector(%s); if (!e) return false;
		const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; })()`, strconv.Quote(sel)))
}

// cookie is the value of the session cookie, "" if there is none. The
// cookie is HttpOnly: the page cannot see it, the browser's protocol can.
func (p *tab) cookie(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{p.base}})
	require.NoError(t, err)
	for _, c := range res.Cookies {
		if c.Name == sessionCookie {
			return c.Value
		}
	}
	return ""
}

// setCookie puts a session cookie back, as a user replaying an old one.
func (p *tab) setCookie(t *testing.T, value string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	httpOnly := true
	_, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{
		Name: sessionCookie, Value: value, URL: p.base, Path: "/", HTTPOnly: &httpOnly,
	})
	require.NoError(t, err)
}

// The demo

// demo is a running demo process.
type demo struct {
	base    string // http://127.0.0.1:port
	banner  string // what it printed up to "listening on"
	cli     string // "redis-cli -p 41234", from the banner
	port    string // its Redis's port
	pattern string // the SCAN pattern for session keys, from the banner
}

// scanLine is the banner's redis-cli line that lists the sessions.
var scanLine = regexp.MustCompile(`(redis-cli(?: -h \S+)? -p (\d+)(?: -n \d+)?) --scan --pattern '([^']+)'`)

// startDemo runs the demo binary with the store on a free loopback port,
// with env added to an environment that names no Redis (so that without
// a REDIS_URL in env it uses its embedded miniredis, never a server the
// test did not start). When the test ends it gets Ctrl-C (SIGINT) and
// must exit cleanly.
func startDemo(t *testing.T, store string, env ...string) *demo {
	t.Helper()
	cmd := exec.Command(demoBinary(t), "-store", store, "-addr", "127.0.0.1:0")
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); name != "REDIS_URL" && name != "PORT" && name != "SESSION_KEY" {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	var out syncBuffer
	cmd.Stderr = &out
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())

	listening := make(chan string, 1)
	exited := make(chan error, 1)
	go func() {
		lines := bufio.NewScanner(stdout)
		for lines.Scan() {
			_, _ = out.Write([]byte(lines.Text() + "\n"))
			if u, ok := strings.CutPrefix(lines.Text(), "listening on "); ok {
				listening <- u
			}
		}
		exited <- cmd.Wait() // after the last read, as exec requires
	}()
	d := &demo{}
	select {
	case d.base = <-listening:
	case err := <-exited:
		t.Fatalf("the demo exited before it listened: %v\n%s", err, &out)
	case <-time.After(startTimeout):
		_ = cmd.Process.Kill()
		t.Fatalf("the demo did not say where it listens\n%s", &out)
	}
	t.Cleanup(func() {
		require.NoError(t, cmd.Process.Signal(os.Interrupt))
		select {
		case err := <-exited:
			assert.NoError(t, err, "a clean exit on Ctrl-C\n%s", &out)
			assert.Contains(t, out.String(), "shutting down")
		case <-time.After(startTimeout):
			_ = cmd.Process.Kill()
			t.Errorf("the demo did not stop on Ctrl-C\n%s", &out)
		}
	})
	d.banner = out.String()
	if m := scanLine.FindStringSubmatch(d.banner); m != nil {
		d.cli, d.port, d.pattern = m[1], m[2], m[3]
	}
	return d
}

var build struct {
	once     sync.Once
	dir, bin string
	err      error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if build.dir != "" {
		_ = os.RemoveAll(build.dir)
	}
	os.Exit(code)
}

// demoBinary builds ./examples/demo of the enclosing module once, with
// the module's own go.mod, as `make demo` does.
func demoBinary(t *testing.T) string {
	t.Helper()
	build.once.Do(func() {
		root, err := filepath.Abs(filepath.Join("..", "..", ".."))
		if err != nil {
			build.err = err
			return
		}
		if build.dir, build.err = os.MkdirTemp("", "demo-browsertest-"); build.err != nil {
			return
		}
		build.bin = filepath.Join(build.dir, "demo")
		cmd := exec.Command("go", "build", "-o", build.bin, "./examples/demo")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			build.err = fmt.Errorf("go build ./examples/demo in %s: %w\n%s", root, err, out)
		}
	})
	require.NoError(t, build.err)
	return build.bin
}

// sessionKeys lists the keys that the demo's SCAN pattern matches.
func sessionKeys(t *testing.T, rdb *redis.Client, pattern string) []string {
	t.Helper()
	require.NotEmpty(t, pattern, "the demo printed no SCAN pattern")
	var keys []string
	iter := rdb.Scan(t.Context(), 0, pattern, 100).Iterator()
	for iter.Next(t.Context()) {
		if rdb.Type(t.Context(), iter.Val()).Val() == "hash" { // a deleted session's key holds a tombstone
			keys = append(keys, iter.Val())
		}
	}
	require.NoError(t, iter.Err())
	return keys
}

// syncBuffer is a bytes.Buffer safe for concurrent writes and reads.
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
