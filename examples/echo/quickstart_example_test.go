package main

import (
	"log"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/labstack/echo-contrib/session"
	"github.com/labstack/echo/v4"
	"github.com/redis/go-redis/v9"

	"github.com/redis-session/redis-session-go/gorillastore"
)

// The README's echo quick start (compiled, not run: it needs a Redis).
func Example_quickStart() {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"}) // or NewClusterClient, NewFailoverClient
	// 32 or 64 random bytes to sign; a second key of 16, 24 or 32 bytes would encrypt too.
	store, err := gorillastore.New(rdb, []byte(os.Getenv("SESSION_HASH_KEY")))
	if err != nil { // no hash key
		log.Fatal(err)
	}
	store.IdleTimeout = 30 * time.Minute // optional: sliding expiry; MaxAge (30 days) caps a session's life

	e := echo.New()
	e.Use(echo.WrapMiddleware(store.RefreshCookies)) // cookies live as long as sessions
	e.Use(session.Middleware(store))                 // echo-contrib takes the gorilla store as it is
	e.GET("/", func(c echo.Context) error {
		// Never nil with this store; a cookie that does not verify just means a new session.
		sess, err := session.Get("session", c)
		if err != nil && !gorillastore.IsInvalidCookie(err) {
			return err // Redis failed: 500
		}
		visits, _ := sess.Values["visits"].(int) // values keep their Go types
		sess.Values["visits"] = visits + 1
		if err := sess.Save(c.Request(), c.Response()); err != nil { // writes only what changed
			return err
		}
		return c.String(http.StatusOK, "visits: "+strconv.Itoa(visits+1))
	})
	e.POST("/login", func(c echo.Context) error {
		sess, _ := session.Get("session", c)
		sess.Values["user_id"] = 42
		return store.RegenerateID(c.Request(), c.Response(), sess) // a fresh ID on login
	})
	e.POST("/logout", func(c echo.Context) error {
		sess, _ := session.Get("session", c)
		return store.Destroy(c.Request(), c.Response(), sess) // final, on every instance
	})
	log.Fatal(e.Start(":3000"))
}
