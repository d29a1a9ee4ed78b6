package ginstore_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
	"github.com/gorilla/securecookie"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/ginstore"
	"github.com/redis-session/redis-session-go/internal/redistest"
)

// refreshApp is a gin engine with RefreshCookies before gin-contrib's
// middleware, as its doc says.
func refreshApp(t *testing.T, b *redistest.Backend) (*gin.Engine, *ginstore.Store) {
	store, err := ginstore.New(b.Client, hashKey, blockKey)
	require.NoError(t, err)
	store.KeyPrefix = b.Prefix + redistest.UniquePrefix()
	store.MaxAge(3600)
	r := gin.New()
	r.Use(store.RefreshCookies(), sessions.Sessions(cookieName, store))
	r.GET("/put", func(c *gin.Context) {
		s := sessions.Default(c)
		s.Set("user", c.Query("u"))
		require.NoError(t, s.Save())
		c.String(http.StatusOK, "ok")
	})
	r.GET("/get", func(c *gin.Context) {
		v, _ := sessions.Default(c).Get("user").(string)
		c.String(http.StatusOK, v)
	})
	r.GET("/status", func(c *gin.Context) {
		_ = sessions.Default(c).Get("user")
		c.Status(http.StatusNoContent) // nothing written by the handler
	})
	return r, store
}

func serveGin(r http.Handler, path string, cookie *http.Cookie) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if cookie != nil {
		req.AddCookie(cookie)
	}
	r.ServeHTTP(rec, req)
	return rec
}

func sessionCookie(rec *httptest.ResponseRecorder) *http.Cookie {
	for _, c := range rec.Result().Cookies() {
		if c.Name == cookieName {
			return c
		}
	}
	return nil
}

// A session that gin only reads keeps its cookie: RefreshCookies issues it
// again once a tenth of its MaxAge has passed, with the same ID and nothing
// written to Redis, whether the handler writes a body or not.
func TestRefreshCookiesUnderGin(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		r, store := refreshApp(t, b)
		first := sessionCookie(serveGin(r, "/put?u=ada", nil))
		require.NotNil(t, first)
		id, err := store.CookieID(cookieName, first.Value)
		require.NoError(t, err)
		aged := func(age time.Duration) *http.Cookie {
			v, err := securecookie.EncodeMulti(cookieName, id+"."+strconv.FormatInt(time.Now().Add(-age).Unix(), 10), store.Codecs...)
			require.NoError(t, err)
			return &http.Cookie{Name: cookieName, Value: v}
		}
		rec := serveGin(r, "/get", aged(time.Minute))
		assert.Equal(t, "ada", rec.Body.String())
		assert.Nil(t, sessionCookie(rec), "a fresh cookie is left alone")
		for _, path := range []string{"/get", "/status"} {
			rec = serveGin(r, path, aged(10*time.Minute))
			got := sessionCookie(rec)
			require.NotNil(t, got, "%s: an old cookie is issued again", path)
			again, err := store.CookieID(cookieName, got.Value)
			require.NoError(t, err)
			assert.Equal(t, id, again)
			assert.Equal(t, 3600, got.MaxAge)
		}
	})
}

// A junk cookie is a fresh session, not an error gin-contrib would log at
// ERROR; a Redis failure still is one, and LoadErr tells it apart.
func TestInvalidCookiesAreNotLoggedButRedisFailuresAre(t *testing.T) {
	var mu sync.Mutex
	var logged []string
	prev := slog.Default()
	slog.SetDefault(slog.New(capture{&mu, &logged}))
	t.Cleanup(func() { slog.SetDefault(prev) })

	mr := redistest.NewMini(t)
	store, err := ginstore.New(newClient(t, &redistest.Backend{Mini: mr}), hashKey, blockKey)
	require.NoError(t, err)
	r := gin.New()
	r.Use(sessions.Sessions(cookieName, store))
	var loadErr error
	r.GET("/get", func(c *gin.Context) {
		_ = sessions.Default(c).Get("user")
		loadErr = store.LoadErr(c, cookieName)
		c.Status(http.StatusOK)
	})
	r.GET("/put", func(c *gin.Context) {
		s := sessions.Default(c)
		s.Set("user", "ada")
		require.NoError(t, s.Save())
	})
	serveGin(r, "/get", &http.Cookie{Name: cookieName, Value: "garbage"})
	assert.NoError(t, loadErr)
	mu.Lock()
	assert.Empty(t, logged, "a junk cookie is not logged")
	mu.Unlock()

	good := sessionCookie(serveGin(r, "/put", nil))
	require.NotNil(t, good)
	mr.Close() // Redis goes away
	serveGin(r, "/get", good)
	assert.Error(t, loadErr, "a Redis failure is reported")
	mu.Lock()
	assert.NotEmpty(t, logged, "and gin-contrib logs it")
	mu.Unlock()
}

type capture struct {
	mu  *sync.Mutex
	out *[]string
}

func (c capture) Enabled(context.Context, slog.Level) bool { return true }
func (c capture) Handle(_ context.Context, r slog.Record) error {
	c.mu.Lock()
	*c.out = append(*c.out, r.Message)
	c.mu.Unlock()
	return nil
}
func (c capture) WithAttrs([]slog.Attr) slog.Handler { return c }
func (c capture) WithGroup(string) slog.Handler      { return c }
