package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/internal/redistest"
)

// The promises the page makes, checked through the API the way the page
// uses it. The browser test (module browsertest) clicks the same buttons
// in Chromium.

var stores = []string{"scs", "gorilla"}

var eightFruits = []string{"apple", "pear", "plum", "fig", "kiwi", "lime", "mango", "peach"}

// TestDemoFirstVisitEightAtOnce: a first-time visitor (no cookie) who
// sends 8 cart writes at once gets all 8, in one session, with no orphan
// session left in Redis, when the page first makes sure it has a session
// (POST /api/session), as index.html does.
func TestDemoFirstVisitEightAtOnce(t *testing.T) {
	for _, store := range stores {
		t.Run(store, func(t *testing.T) {
			t.Parallel()
			d := launch(t, config{store: store})
			rdb := redisOf(t, d)
			br := newBrowser(t, d.base)

			s := br.state()
			require.False(t, s.Session, "a first visit has no session")
			assert.Nil(t, br.cookie(), "reading the state sets no cookie")

			var started state
			br.call(http.MethodPost, "/api/session", nil, &started)
			assert.True(t, started.Session)
			require.NotNil(t, br.cookie(), "POST /api/session sets the cookie")
			again := br.cookie().Value
			br.call(http.MethodPost, "/api/session", nil, &started)
			assert.Equal(t, again, br.cookie().Value, "POST /api/session keeps a live session")

			var wg sync.WaitGroup
			for _, item := range eightFruits {
				wg.Add(1)
				go func() {
					defer wg.Done()
					br.call(http.MethodPost, "/api/cart", url.Values{"item": {item}}, nil)
				}()
			}
			wg.Wait()
			want := map[string]int{}
			for _, item := range eightFruits {
				want[item] = 1
			}
			assert.Equal(t, want, br.state().Cart)
			assert.Len(t, sessionKeys(t, rdb, d.pattern), 1, "one session, no orphans")
		})
	}
}

// TestDemoRedisDownIsAnError: with Redis down, the API answers 503 with a
// message the page shows, never "logged out" or an empty cart; once Redis
// is back, the session is there again.
func TestDemoRedisDownIsAnError(t *testing.T) {
	for _, store := range stores {
		t.Run(store, func(t *testing.T) {
			t.Parallel()
			mr := miniredis.NewMiniRedis()
			require.NoError(t, mr.Start())
			t.Cleanup(mr.Close)
			// No command retries, so that each request gives up after one
			// dial (go-redis's default would retry each command 3 times).
			base := startDemo(t, config{store: store, redisURL: "redis://" + mr.Addr() + "/0?max_retries=-1"})
			br := newBrowser(t, base)
			br.call(http.MethodPost, "/api/login", url.Values{"user": {"ada"}}, nil)
			br.call(http.MethodPost, "/api/cart", url.Values{"item": {"apple"}}, nil)
			newcomer := newBrowser(t, base)

			mr.Close()
			for _, req := range []struct {
				c            *client
				method, path string
				form         url.Values
			}{
				{br, http.MethodGet, "/api/session", nil},
				{br, http.MethodPost, "/api/session", nil},
				{br, http.MethodGet, "/api/devices", nil},
				{br, http.MethodGet, "/api/user", nil},
				{br, http.MethodPost, "/api/visit", nil},
				{br, http.MethodPost, "/api/cart", url.Values{"item": {"pear"}}},
				{br, http.MethodPost, "/api/logout-others", nil},
				{br, http.MethodPost, "/api/logout", nil},
				// No cookie yet: nothing to load, but the first write fails
				// (for scs at the commit after the handler ran).
				{newcomer, http.MethodPost, "/api/cart", url.Values{"item": {"pear"}}},
				{newcomer, http.MethodPost, "/api/visit", nil},
			} {
				res, body := req.c.do(req.method, req.path, req.form)
				assert.Equal(t, http.StatusServiceUnavailable, res.StatusCode, "%s %s: %s", req.method, req.path, body)
				var answer struct{ Error string }
				if assert.NoError(t, json.Unmarshal(body, &answer), "%s %s: one JSON error, nothing after it: %s", req.method, req.path, body) {
					assert.Contains(t, answer.Error, "Redis", "%s %s", req.method, req.path)
				}
			}

			// go-redis redials in the background once dials keep failing,
			// so the demo recovers within about a second.
			require.NoError(t, mr.Restart())
			assert.EventuallyWithT(t, func(c *assert.CollectT) {
				res, body := br.do(http.MethodGet, "/api/session", nil)
				var s state
				if assert.Equal(c, http.StatusOK, res.StatusCode, "%s", body) && assert.NoError(c, json.Unmarshal(body, &s)) {
					assert.Equal(c, "ada", s.User, "Redis is back and so is the session")
					assert.Equal(c, map[string]int{"apple": 1}, s.Cart)
				}
			}, 10*time.Second, 20*time.Millisecond)
		})
	}
}

// TestDemoInvalidCookieIsNoSession: only a cookie the store cannot use
// means "no session"; it is not an error.
func TestDemoInvalidCookieIsNoSession(t *testing.T) {
	for _, store := range stores {
		t.Run(store, func(t *testing.T) {
			t.Parallel()
			base := startDemo(t, config{store: store})
			br := withCookie(t, base, &http.Cookie{Name: sessionCookie, Value: "junk"})
			s := br.state()
			assert.False(t, s.Session)
			assert.Equal(t, "", s.User)
			var visit struct{ Visits int }
			br.call(http.MethodPost, "/api/visit", nil, &visit)
			assert.Equal(t, 1, visit.Visits, "a fresh session replaces the junk")
		})
	}
}

// TestDemoRedisCLI: the demo prints how to reach its Redis with redis-cli
// (for the embedded miniredis too), and the SCAN pattern it prints and the
// page shows lists the session keys only, not the per-user index keys
// that share the prefix.
func TestDemoRedisCLI(t *testing.T) {
	for _, store := range stores {
		t.Run(store, func(t *testing.T) {
			t.Parallel()
			d := launch(t, config{store: store})
			require.NotEmpty(t, d.cli, "a redis-cli line in the banner:\n%s", d.banner)
			assert.Equal(t, "redis-cli -p "+d.port, d.cli)
			assert.Contains(t, d.banner, d.cli+" HGETALL ")
			prefix, _ := strings.CutSuffix(d.pattern, strings.Repeat("?", tokenLen))
			assert.Equal(t, store+":hash:", prefix, "the store's prefix, then one ? per token character")

			var info struct{ Store, RedisCli, SessionPattern string }
			newBrowser(t, d.base).call(http.MethodGet, "/api/info", nil, &info)
			assert.Equal(t, store, info.Store)
			assert.Equal(t, d.cli, info.RedisCli, "the page shows what the banner says")
			assert.Equal(t, d.pattern, info.SessionPattern)

			rdb := redisOf(t, d)
			require.NoError(t, rdb.Ping(t.Context()).Err(), "the printed port is the demo's Redis")
			ada, bob := newBrowser(t, d.base), newBrowser(t, d.base)
			ada.call(http.MethodPost, "/api/login", url.Values{"user": {"ada"}}, nil)
			bob.call(http.MethodPost, "/api/login", url.Values{"user": {"bob"}}, nil)
			n, err := rdb.Exists(t.Context(), prefix+"user:ada", prefix+"user:bob").Result()
			require.NoError(t, err)
			require.EqualValues(t, 2, n, "the user index keys exist under the same prefix")

			keys := sessionKeys(t, rdb, d.pattern)
			require.Len(t, keys, 2, "two sessions, and no index key: %v", keys)
			for _, k := range keys {
				assert.Equal(t, "hash", rdb.Type(t.Context(), k).Val(), k)
			}

			// The printed command itself, run with redis-cli.
			bin := redisCLI(t)
			out, err := exec.CommandContext(t.Context(), bin, "-p", d.port, "--scan", "--pattern", d.pattern).Output()
			require.NoError(t, err)
			got := strings.Fields(string(out))
			sort.Strings(got)
			sort.Strings(keys)
			assert.Equal(t, keys, got)
		})
	}
}

// redisCLI finds redis-cli (beside redis-server, or on PATH); without one
// the test skips, unless REDIS_REQUIRED=1.
func redisCLI(t *testing.T) string {
	t.Helper()
	if server, err := redistest.Binary(); err == nil {
		if bin, err := exec.LookPath(filepath.Join(filepath.Dir(server), "redis-cli")); err == nil {
			return bin
		}
	}
	bin, err := exec.LookPath("redis-cli")
	if err != nil {
		if redistest.Required() {
			t.Fatalf("REDIS_REQUIRED=1 but no redis-cli: %v", err)
		}
		t.Skipf("no redis-cli (%v)", err)
	}
	return bin
}

func TestDemoRedisCLIForURL(t *testing.T) {
	for url, want := range map[string]string{
		"redis://127.0.0.1:6379/0":             "redis-cli -h 127.0.0.1 -p 6379",
		"redis://:secret@db.example:6380/2":    "redis-cli -h db.example -p 6380 -n 2 --askpass",
		"rediss://app:secret@db.example:6380/": "redis-cli -h db.example -p 6380 --tls --user app --askpass",
		"unix:///run/redis.sock?db=1":          "redis-cli -s /run/redis.sock -n 1",
	} {
		opts, err := redis.ParseURL(url)
		require.NoError(t, err, url)
		got := cliFor(opts)
		assert.Equal(t, want, got, url)
		assert.NotContains(t, got, "secret", "no password on the screen")
	}
}

// TestDemoSessionEnded: a request whose cookie names a session that is
// gone (here: logged out from another browser) is told so with the
// Session-Ended header, which the page turns into a message; and "log
// out everywhere else" says how many sessions it ended.
func TestDemoSessionEnded(t *testing.T) {
	for _, store := range stores {
		t.Run(store, func(t *testing.T) {
			t.Parallel()
			base := startDemo(t, config{store: store})
			here, elsewhere := newBrowser(t, base), newBrowser(t, base)
			ended := func(res *http.Response) bool { return res.Header.Get(endedHeader) == "true" }

			assert.False(t, ended(here.call(http.MethodGet, "/api/session", nil, nil)), "no cookie yet: nothing ended")
			for _, br := range []*client{here, elsewhere} {
				assert.False(t, ended(br.call(http.MethodPost, "/api/login", url.Values{"user": {"ada"}}, nil)))
			}
			var out struct{ Ended int }
			here.call(http.MethodPost, "/api/logout-others", nil, &out)
			assert.Equal(t, 1, out.Ended)
			assert.False(t, ended(here.call(http.MethodGet, "/api/session", nil, nil)), "this browser is still logged in")

			var s state
			res := elsewhere.call(http.MethodGet, "/api/session", nil, &s)
			assert.True(t, ended(res), "the other browser hears its session ended")
			assert.False(t, s.Session)
			assert.Equal(t, "", s.User)
			var visit struct{ Visits int }
			assert.True(t, ended(elsewhere.call(http.MethodPost, "/api/visit", nil, &visit)), "also on a write, which starts a new session")
			assert.Equal(t, 1, visit.Visits)
			assert.False(t, ended(elsewhere.call(http.MethodGet, "/api/session", nil, nil)), "the new session is live")

			here.call(http.MethodPost, "/api/logout", nil, nil)
			assert.Nil(t, here.cookie(), "logout expires the cookie")
			assert.False(t, ended(here.call(http.MethodGet, "/api/session", nil, nil)), "an own logout needs no message")
		})
	}
}
