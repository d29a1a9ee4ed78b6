package ginstore_test

import (
	"context"
	"encoding/gob"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-contrib/sessions"
	"github.com/gin-contrib/sessions/cookie"
	"github.com/gin-gonic/gin"
	"github.com/gorilla/securecookie"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/ginstore"
	"github.com/redis-session/redis-session-go/hashcodec"
	"github.com/redis-session/redis-session-go/internal/redistest"
)

type point struct{ X, Y int }

func init() {
	gob.Register(point{})
	gob.Register(map[string]any{})
}

// typed are values of the types gin apps keep in sessions, under their keys.
var typed = []struct {
	key any
	val any
}{
	{"int", 42},
	{"int64", int64(1) << 40},
	{"uint8", uint8(7)},
	{"float", 1.5},
	{"bool", true},
	{"str", "ada"},
	{"bytes", []byte("raw")},
	{"time", time.Date(2026, 12, 1, 8, 30, 0, 0, time.UTC)},
	{"point", point{1, 2}},
	{"claims", map[string]any{"sub": "7"}},
	{42, 43}, // a non-string key, as in gorilla's README
}

func TestValuesRoundTripWithTheirGoTypes(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		e := newEnv(t, b, nil)
		set := e.route("set", func(c *gin.Context, _ *ginstore.Store) {
			session := sessions.Default(c)
			for _, v := range typed {
				session.Set(v.key, v.val)
			}
			session.AddFlash("welcome")
			if err := session.Save(); err != nil {
				fail(c, err)
			}
		})
		show := e.route("show", func(c *gin.Context, _ *ginstore.Store) {
			session := sessions.Default(c)
			var out []string
			for _, v := range typed {
				out = append(out, describe(session.Get(v.key)))
			}
			out = append(out, describe(session.Flashes()))
			if err := session.Save(); err != nil { // Flashes consumed the flash
				fail(c, err)
				return
			}
			c.String(http.StatusOK, strings.Join(out, "\n"))
		})
		br := &browser{}
		e.ok(0, br, set)

		var want []string
		for _, v := range typed {
			want = append(want, describe(v.val))
		}
		assert.Equal(t, append(want, describe([]any{"welcome"})), strings.Split(e.ok(1, br, show), "\n"),
			"the other instance reads every value with its Go type")
		assert.Equal(t, describe([]any(nil)), strings.Split(e.ok(0, br, show), "\n")[len(typed)],
			"a flash is read once")

		raw := e.raw(br.value())
		assert.Equal(t, "42", raw["int"], "integers are decimal text in Redis")
		assert.Equal(t, "ada", raw["str"])
	})
}

func TestConcurrentRequestsOfOneCookieWritingDifferentKeysBothSurvive(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		e := newEnv(t, b, nil)
		br := &browser{}
		e.ok(0, br, "/put?user=7")
		slow, g, saved := e.hold("slow-apple", "apple", "1")
		done := make(chan int, 1)
		go func() { status, _ := e.do(0, br.tab(), slow); done <- status }()
		<-g.Arrived // loaded on instance 0, not saved yet
		e.ok(1, br.tab(), "/put?pear=1")
		assert.Empty(t, e.get(1, br.tab(), "apple"), "the apple request has not saved yet")
		g.Release()
		require.NoError(t, wait(t, saved))
		require.Equal(t, http.StatusOK, wait(t, done))

		for i := range e.inst {
			assert.Equal(t, "1", e.get(i, br, "apple"))
			assert.Equal(t, "1", e.get(i, br, "pear"), "the concurrent save survives")
			assert.Equal(t, "7", e.get(i, br, "user"))
		}
	})
}

func TestLogoutWhileARequestIsInFlight(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		for _, logout := range []string{"/logout", "/logout-idiom"} {
			t.Run(strings.TrimPrefix(logout, "/"), func(t *testing.T) {
				e := newEnv(t, b, nil)
				br := &browser{}
				e.ok(0, br, "/put?user=7")
				old := br.value()
				inflight := br.tab()
				slow, g, saved := e.hold("slow", "last", "page")
				done := make(chan int, 1)
				go func() { status, _ := e.do(0, inflight, slow); done <- status }()
				<-g.Arrived

				e.ok(1, br, logout)
				assert.True(t, expired(br.lastSet()), "the logout expires the cookie")
				assert.Empty(t, br.value())
				g.Release()
				require.NoError(t, wait(t, saved))
				require.Equal(t, http.StatusOK, wait(t, done))

				assert.Empty(t, e.sessionKeys(), "the in-flight save does not bring the session back")
				assert.True(t, expired(inflight.lastSet()), "the in-flight response expires its cookie too")
				assert.Empty(t, inflight.value())

				stale := &browser{cookie: old}
				for i := range e.inst {
					assert.Empty(t, e.get(i, stale, "user"), "the old cookie stays logged out")
					assert.Empty(t, e.get(i, stale, "last"))
				}
				e.ok(0, stale, "/put?x=1")
				assert.NotEqual(t, e.id(old), e.id(stale.value()), "a save with the old cookie starts a new session")
				assert.Equal(t, []string{e.key(e.id(stale.value()))}, e.sessionKeys())
			})
		}
	})
}

// After Destroy, gin-contrib's session still counts as written; a later
// session.Save() in the same request must not start a new session.
func TestDestroyThenSaveInOneRequest(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		e := newEnv(t, b, nil)
		path := e.route("destroy-then-save", func(c *gin.Context, store *ginstore.Store) {
			session := sessions.Default(c)
			session.Set("bye", "now") // marks the session written
			if err := store.Destroy(c, cookieName); err != nil {
				fail(c, err)
				return
			}
			assert.Nil(t, session.Get("user"), "Destroy cleared the values")
			if err := session.Save(); err != nil {
				fail(c, err)
			}
		})
		br := &browser{}
		e.ok(0, br, "/put?user=7")
		e.ok(1, br, path)
		assert.Empty(t, e.sessionKeys())
		set := br.lastSet()
		require.NotEmpty(t, set)
		assert.Less(t, set[len(set)-1].MaxAge, 0, "the last Set-Cookie still expires the cookie")
		assert.Empty(t, br.value())
	})
}

func TestBadCookiesGiveAFreshSession(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		e := newEnv(t, b, nil)
		owner := &browser{}
		e.ok(0, owner, "/put?user=7")
		valid := owner.value()
		other, err := ginstore.New(b.Client, []byte("another-32-byte-long-hash-key!!!"))
		require.NoError(t, err)
		foreign, err := securecookie.EncodeMulti(cookieName, strings.Repeat("A", 43), other.Codecs...)
		require.NoError(t, err)
		notAnID, err := securecookie.EncodeMulti(cookieName, "../../etc/passwd", e.inst[0].store.Codecs...)
		require.NoError(t, err)
		mid := len(valid) / 2
		flipped := valid[:mid] + string(valid[mid]^1) + valid[mid+1:]

		for name, cookie := range map[string]string{
			"garbage":           "garbage",
			"tampered":          flipped,
			"truncated":         valid[:len(valid)-4],
			"other key":         foreign,
			"signed, no ID":     notAnID,
			"too long":          strings.Repeat("a", 5000),
			"not base64 at all": "%%%!!",
		} {
			t.Run(name, func(t *testing.T) {
				br := &browser{cookie: cookie}
				for i := range e.inst {
					status, body := e.do(i, br, "/get?k=user")
					assert.Equal(t, http.StatusOK, status, "no error page")
					assert.Empty(t, body, "a fresh session")
				}
				br.cookie = cookie
				e.ok(1, br, "/put?cart=apple")
				id := e.id(br.value())
				assert.NotEqual(t, e.id(valid), id, "a fresh ID, never one the client chose")
				assert.Equal(t, "apple", e.get(0, br, "cart"))
				assert.Equal(t, "7", e.get(0, owner, "user"), "the real session is untouched")
			})
		}
	})
}

func TestRegenerateIDGivesANewCookieAndTheOldIsDead(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		e := newEnv(t, b, nil)
		br := &browser{}
		e.ok(0, br, "/put?cart=apple")
		old := br.value()
		slow, g, saved := e.hold("slow", "last", "page") // a request of the old cookie in flight
		done := make(chan int, 1)
		go func() { status, _ := e.do(0, &browser{cookie: old}, slow); done <- status }()
		<-g.Arrived

		e.ok(1, br, "/login?user=7") // Set, RegenerateID, then session.Save()
		g.Release()
		require.NoError(t, wait(t, saved))
		require.Equal(t, http.StatusOK, wait(t, done))
		require.NotEmpty(t, br.value())
		newID := e.id(br.value())
		require.NotEqual(t, e.id(old), newID)
		for _, c := range br.lastSet() {
			assert.Equal(t, newID, e.id(c.Value), "every Set-Cookie carries the new ID")
		}
		assert.Equal(t, []string{e.key(newID)}, e.sessionKeys(), "old key deleted, new key written")

		stale := &browser{cookie: old}
		for i := range e.inst {
			assert.Empty(t, e.get(i, stale, "cart"), "the old cookie no longer works")
			assert.Empty(t, e.get(i, br, "last"), "the in-flight save wrote nothing")
			assert.Equal(t, "apple", e.get(i, br, "cart"))
			assert.Equal(t, "7", e.get(i, br, "user"))
		}
	})
}

// The helpers act on the session gin-contrib's middleware holds, also when a
// middleware after it replaced c.Request (as tracing and timeout middleware
// do); a second load from c.Request would be another session, and
// gin-contrib's later Save of the stale one would log the user out.
func TestHelpersUseGinContribsSessionAfterTheRequestWasReplaced(t *testing.T) {
	type ctxKey struct{}
	replace := func(c *gin.Context) {
		c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), ctxKey{}, "traced"))
		c.Next()
	}
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		e := newEnv(t, b, nil, replace)
		br := &browser{}
		e.ok(0, br, "/put?cart=apple")
		old := br.value()
		e.ok(1, br, "/login?user=7")
		assert.NotEqual(t, e.id(old), e.id(br.value()))
		assert.Equal(t, "7", e.get(0, br, "user"), "logged in")
		assert.Equal(t, "apple", e.get(0, br, "cart"))
		assert.Len(t, e.sessionKeys(), 1)

		e.ok(0, br, "/logout")
		assert.Empty(t, e.sessionKeys())
	})
}

func TestFieldsFromAGinHandler(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		e := newEnv(t, b, nil)
		like := e.route("like", func(c *gin.Context, store *ginstore.Store) {
			session := sessions.Default(c)
			if session.ID() == "" { // no session yet: Fields has no key to write
				assert.ErrorIs(t, store.Fields(c, cookieName).Set(c.Request.Context(), "x", 1), hashcodec.ErrNotFound)
				session.Set("since", "now")
				if err := session.Save(); err != nil {
					fail(c, err)
					return
				}
			}
			n, err := store.Fields(c, cookieName).Incr(c.Request.Context(), "likes", 1)
			if err != nil {
				fail(c, err)
				return
			}
			// The loaded Values still hold the old count; saving another
			// key must not write it back over the new one.
			session.Set("liked", "yes")
			if err := session.Save(); err != nil {
				fail(c, err)
				return
			}
			c.String(http.StatusOK, "%d", n)
		})
		br := &browser{}
		assert.Equal(t, "1", e.ok(0, br, like))
		assert.Equal(t, "2", e.ok(1, br, like))
		assert.Equal(t, "3", e.ok(0, br, like))
		e.ok(0, br, "/put?other=x") // a save of another key leaves likes alone
		assert.Equal(t, "int=3", e.ok(1, br, "/type?k=likes"), "an int for the session too")
	})
}

func TestUserIndexFromAGinHandler(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		e := newEnv(t, b, func(s *ginstore.Store) { s.UserKey = "user" })
		devices := e.route("devices", func(c *gin.Context, store *ginstore.Store) {
			user, _ := sessions.Default(c).Get("user").(string)
			list, err := store.UserSessions(c.Request.Context(), user)
			if err != nil {
				fail(c, err)
				return
			}
			c.String(http.StatusOK, "%d", len(list))
		})
		others := e.route("logout-others", func(c *gin.Context, store *ginstore.Store) {
			session := sessions.Default(c)
			user, _ := session.Get("user").(string)
			n, err := store.DeleteUserSessions(c.Request.Context(), user, session.ID())
			if err != nil {
				fail(c, err)
				return
			}
			c.String(http.StatusOK, "%d", n)
		})
		bind := e.route("bind", func(c *gin.Context, store *ginstore.Store) {
			if err := store.BindUser(c, cookieName, c.Query("user")); err != nil {
				fail(c, err)
			}
		})
		phone, laptop := &browser{}, &browser{}
		e.ok(0, phone, "/login?user=7")
		e.ok(1, laptop, "/login?user=7")
		assert.Equal(t, "2", e.ok(0, phone, devices))
		assert.Equal(t, "1", e.ok(1, phone, others))
		assert.Empty(t, e.get(0, laptop, "user"), "the laptop is logged out")
		assert.Equal(t, "7", e.get(1, phone, "user"), "the phone is not")
		assert.Equal(t, "1", e.ok(0, phone, devices))

		tablet := &browser{}
		e.ok(1, tablet, "/put?kind=tablet")
		e.ok(0, tablet, bind+"?user=9")
		list, err := e.inst[1].store.UserSessions(ctx, "9")
		require.NoError(t, err)
		require.Len(t, list, 1)
		assert.Equal(t, e.id(tablet.value()), list[0].Token)
	})
}

func TestOptionsKeepTheSecureDefaults(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		cases := []struct {
			name   string
			adjust func(*ginstore.Store)
			check  func(t *testing.T, c *http.Cookie)
		}{
			{"defaults", func(*ginstore.Store) {}, func(t *testing.T, c *http.Cookie) {
				assert.Equal(t, "/", c.Path)
				assert.True(t, c.HttpOnly)
				assert.True(t, c.Secure)
				assert.Equal(t, http.SameSiteLaxMode, c.SameSite)
				assert.Equal(t, 30*86400, c.MaxAge)
			}},
			{"gin options set only what they name", func(s *ginstore.Store) {
				var gs sessions.Store = s // through gin-contrib's interface
				gs.Options(sessions.Options{MaxAge: 3600, Domain: "example.com"})
			}, func(t *testing.T, c *http.Cookie) {
				assert.Equal(t, 3600, c.MaxAge)
				assert.Equal(t, "example.com", c.Domain)
				assert.Equal(t, "/", c.Path)
				assert.True(t, c.HttpOnly)
				assert.True(t, c.Secure)
				assert.Equal(t, http.SameSiteLaxMode, c.SameSite)
			}},
			{"zero gin options change nothing", func(s *ginstore.Store) {
				s.Options(sessions.Options{})
			}, func(t *testing.T, c *http.Cookie) {
				assert.True(t, c.HttpOnly)
				assert.True(t, c.Secure)
				assert.Equal(t, "/", c.Path)
				assert.Equal(t, 30*86400, c.MaxAge)
			}},
			{"path and same-site replace", func(s *ginstore.Store) {
				s.Options(sessions.Options{Path: "/app", SameSite: http.SameSiteStrictMode})
			}, func(t *testing.T, c *http.Cookie) {
				assert.Equal(t, "/app", c.Path)
				assert.Equal(t, http.SameSiteStrictMode, c.SameSite)
				assert.True(t, c.Secure)
			}},
			{"off goes through the gorilla options", func(s *ginstore.Store) {
				s.Store.Options.Secure = false
				s.Store.Options.HttpOnly = false
				s.Options(sessions.Options{MaxAge: 60}) // does not turn them back on
			}, func(t *testing.T, c *http.Cookie) {
				assert.False(t, c.Secure)
				assert.False(t, c.HttpOnly)
				assert.Equal(t, 60, c.MaxAge)
			}},
			{"browser-session cookie", func(s *ginstore.Store) {
				s.Store.Options.MaxAge = 0
			}, func(t *testing.T, c *http.Cookie) {
				assert.Zero(t, c.MaxAge, "no Max-Age attribute")
				assert.True(t, c.Expires.IsZero())
				assert.True(t, c.Secure)
			}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				e := newEnv(t, b, tc.adjust)
				br := &browser{}
				e.ok(0, br, "/put?x=1")
				set := br.lastSet()
				require.Len(t, set, 1)
				tc.check(t, set[0])
				assert.Equal(t, "1", e.get(1, br, "x"))
			})
		}
		t.Run("browser-session TTL", func(t *testing.T) {
			e := newEnv(t, b, func(s *ginstore.Store) { s.Store.Options.MaxAge = 0 })
			br := &browser{}
			e.ok(0, br, "/put?x=1")
			redistest.RequireTTL(t, b.Client, e.key(e.id(br.value())), e.inst[0].store.SessionTTL)
		})
	})
}

// Without gin-contrib's middleware the helpers use the request's gorilla
// registry; with it, a name that belongs to another store is refused.
func TestHelpersWithoutOrWithAnotherMiddleware(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		store, err := ginstore.New(b.Client, hashKey)
		require.NoError(t, err)
		store.KeyPrefix = b.Prefix
		other := cookie.NewStore(hashKey)

		r := gin.New()
		r.GET("/plain", func(c *gin.Context) {
			session, _ := store.Get(c.Request, cookieName)
			session.Values["user"] = "7"
			if err := store.RegenerateID(c, cookieName); err != nil {
				fail(c, err)
			}
		})
		many := r.Group("/many", sessions.SessionsManyStores([]sessions.SessionStore{
			{Name: "theirs", Store: other},
			{Name: cookieName, Store: store},
		}))
		many.GET("/theirs", func(c *gin.Context) {
			assert.ErrorIs(t, store.RegenerateID(c, "theirs"), ginstore.ErrOtherStore)
			assert.ErrorIs(t, store.Destroy(c, "theirs"), ginstore.ErrOtherStore)
			_, err := store.Fields(c, "theirs").Touch(c.Request.Context())
			assert.ErrorIs(t, err, ginstore.ErrOtherStore)
			assert.ErrorIs(t, store.BindUser(c, "theirs", "7"), ginstore.ErrOtherStore)
		})
		many.GET("/ours", func(c *gin.Context) {
			sessions.DefaultMany(c, cookieName).Set("cart", "apple")
			if err := store.RegenerateID(c, cookieName); err != nil {
				fail(c, err)
			}
		})

		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/plain", nil))
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		assert.Len(t, redistest.Sessions(t, b.Client, b.Prefix), 1)

		for _, path := range []string{"/many/theirs", "/many/ours"} {
			rec = httptest.NewRecorder()
			r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		}
		assert.Len(t, redistest.Sessions(t, b.Client, b.Prefix), 2)
	})
}
