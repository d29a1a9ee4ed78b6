package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/internal/redistest"
)

func TestValuesKeepTheirGoTypesAcrossInstances(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		e := newEnv(t, b)
		br := &browser{}
		assert.Equal(t, "visit 1", e.ok(0, br, get("/")))
		assert.Equal(t, "visit 2", e.ok(1, br, get("/")), "the int came back as an int on the other instance")
		first := e.me(0, br)
		assert.Equal(t, 2, first.Visits)
		assert.False(t, first.Since.IsZero(), "the time.Time came back as a time.Time")
		assert.Equal(t, "visit 3", e.ok(0, br, get("/")))
		assert.True(t, first.Since.Equal(e.me(1, br).Since), "and is not rewritten")

		raw, err := b.Client.HGetAll(ctx, e.key(e.id(br.value()))).Result()
		require.NoError(t, err)
		assert.Equal(t, "3", raw["visits"], "readable in Redis")
	})
}

func TestConcurrentDifferentKeyWritesBothSurvive(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		e := newEnv(t, b)
		br := &browser{}
		e.ok(0, br, get("/"))
		g := e.hold("apple")
		done := make(chan int, 1)
		go func() {
			status, _ := send(e.srvs[0], br.tab(), request{method: http.MethodPost, path: "/cart/apple", hold: "apple"})
			done <- status
		}()
		<-g.Arrived // loaded and changed on instance 0, not saved
		e.ok(1, br.tab(), post("/cart/pear"))
		assert.JSONEq(t, `{"pear":1}`, e.ok(1, br.tab(), get("/cart")), "the apple request has not saved yet")
		g.Release()
		require.Equal(t, http.StatusOK, wait(t, done))

		for i := range e.srvs {
			assert.JSONEq(t, `{"apple":1,"pear":1}`, e.ok(i, br, get("/cart")), "instance %d", i)
		}
	})
}

func TestLogoutHoldsWhileARequestIsInFlight(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		e := newEnv(t, b)
		br := &browser{}
		e.login(0, br, "ada")
		old := br.value()
		inflight := br.tab()
		g := e.hold("slow")
		done := make(chan int, 1)
		go func() {
			status, _ := send(e.srvs[0], inflight, request{method: http.MethodPost, path: "/cart/apple", hold: "slow"})
			done <- status
		}()
		<-g.Arrived

		e.ok(1, br, post("/logout"), http.StatusNoContent)
		assert.True(t, expired(br.lastSet()), "the logout expires the cookie")
		g.Release()
		require.Equal(t, http.StatusOK, wait(t, done))

		assert.Empty(t, e.sessionKeys(), "the in-flight save does not bring the session back")
		assert.True(t, expired(inflight.lastSet()), "the in-flight response expires its cookie")
		stale := &browser{cookie: old}
		for i := range e.srvs {
			assert.Empty(t, e.me(i, stale).User, "the old cookie stays logged out")
			assert.JSONEq(t, `{}`, e.ok(i, stale, get("/cart")))
		}
	})
}

func TestLoginGivesANewIDAndKillsTheOld(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		e := newEnv(t, b)
		br := &browser{}
		e.ok(0, br, post("/cart/apple"))
		old := br.value()
		e.login(1, br, "ada")
		require.NotEqual(t, e.id(old), e.id(br.value()))
		assert.Equal(t, []string{e.key(e.id(br.value()))}, e.sessionKeys())
		for i := range e.srvs {
			assert.Equal(t, "ada", e.me(i, br).User)
			assert.JSONEq(t, `{"apple":1}`, e.ok(i, br, get("/cart")), "the cart moved with the session")
			assert.JSONEq(t, `{}`, e.ok(i, &browser{cookie: old}, get("/cart")), "the old cookie is dead")
		}
	})
}

func TestBadCookiesGiveAFreshSession(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		e := newEnv(t, b)
		owner := &browser{}
		e.ok(0, owner, get("/"))
		valid := owner.value()
		foreign, err := securecookie.EncodeMulti(sessionName, strings.Repeat("A", 43),
			securecookie.CodecsFromPairs([]byte("another-32-byte-long-hash-key!!!"))...)
		require.NoError(t, err)
		mid := len(valid) / 2
		for name, cookie := range map[string]string{
			"garbage":   "garbage",
			"tampered":  valid[:mid] + string(valid[mid]^1) + valid[mid+1:],
			"truncated": valid[:len(valid)-4],
			"other key": foreign,
			"too long":  strings.Repeat("a", 5000),
		} {
			t.Run(name, func(t *testing.T) {
				for i := range e.srvs {
					br := &browser{cookie: cookie}
					assert.Equal(t, "visit 1", e.ok(i, br, get("/")), "a fresh session, no error page")
					assert.NotEqual(t, e.id(valid), e.id(br.value()), "with a fresh ID")
				}
				assert.Equal(t, 1, e.me(1, owner).Visits, "the real session is untouched")
			})
		}
	})
}

// The runnable main: embedded miniredis by default, REDIS_URL for a real
// server; it serves, keeps sessions, and shuts down cleanly.
func TestRun(t *testing.T) {
	t.Run("miniredis", func(t *testing.T) { checkRun(t, "") })
	t.Run("redis", func(t *testing.T) { checkRun(t, "redis://"+redistest.SharedServer(t).Addr+"/0") })
}

func checkRun(t *testing.T, redisURL string) {
	runCtx, cancel := context.WithCancel(ctx)
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(runCtx, "127.0.0.1:0", redisURL, hashKey, pw)
		_ = pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	var base string
	for base == "" && lines.Scan() {
		if u, ok := strings.CutPrefix(lines.Text(), "listening on "); ok {
			base = u
		}
	}
	require.NotEmpty(t, base, "run prints its URL")
	go func() { _, _ = io.Copy(io.Discard, pr) }()

	var cookie *http.Cookie
	for _, want := range []string{"visit 1", "visit 2"} {
		req, err := http.NewRequest(http.MethodGet, base+"/", nil)
		require.NoError(t, err)
		if cookie != nil {
			req.AddCookie(cookie)
		}
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		body, err := io.ReadAll(res.Body)
		_ = res.Body.Close()
		require.NoError(t, err)
		assert.Equal(t, want, string(body))
		if c := res.Cookies(); len(c) > 0 {
			cookie = c[0]
		}
	}
	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err, "clean shutdown")
	case <-time.After(10 * time.Second):
		t.Fatal("run did not shut down")
	}
}

// A session that is only read keeps its cookie: RefreshCookies, before
// echo-contrib's middleware, issues it again (same ID, on either instance)
// once a tenth of MaxAge has passed since it was issued, and not before.
func TestReadOnlyUseKeepsTheCookie(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		e := newEnv(t, b)
		br := &browser{}
		e.ok(0, br, get("/"))
		id := e.id(br.value())

		e.me(1, br)
		assert.Empty(t, br.lastSet(), "a fresh cookie is not sent again")

		maxAge := time.Duration(e.stores[0].Options.MaxAge) * time.Second
		issued := strconv.FormatInt(time.Now().Add(-maxAge/10-time.Hour).Unix(), 10)
		aged, err := securecookie.EncodeMulti(sessionName, id+"."+issued, e.stores[0].Codecs...)
		require.NoError(t, err)
		old := &browser{cookie: aged}
		assert.Equal(t, 1, e.me(1, old).Visits)
		set := old.lastSet()
		require.Len(t, set, 1, "the aged cookie is issued again")
		assert.Equal(t, id, e.id(set[0].Value), "with the same ID")
		assert.Equal(t, e.stores[0].Options.MaxAge, set[0].MaxAge)
		assert.NotEqual(t, aged, set[0].Value)
		e.me(0, old)
		assert.Empty(t, old.lastSet(), "and is fresh now")
	})
}
