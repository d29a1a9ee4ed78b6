package ginstore_test

import (
	"log"
	"net/http"
	"os"
	"time"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"

	"github.com/redis-session/redis-session-go/ginstore"
)

// The README's quick start (compiled, not run: it needs a Redis).
func Example_quickStart() {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"}) // or NewClusterClient, NewFailoverClient
	// 32 or 64 random bytes to sign; a second key of 16, 24 or 32 bytes would encrypt too.
	store, err := ginstore.New(rdb, []byte(os.Getenv("SESSION_HASH_KEY")))
	if err != nil { // no hash key
		log.Fatal(err)
	}
	store.IdleTimeout = 30 * time.Minute // optional: sliding expiry; MaxAge (30 days) caps a session's life

	r := gin.Default()
	r.Use(store.RefreshCookies(), sessions.Sessions("session", store)) // RefreshCookies first: cookies live as long as sessions
	r.GET("/", func(c *gin.Context) {
		session := sessions.Default(c)
		visits, _ := session.Get("visits").(int) // values keep their Go types
		session.Set("visits", visits+1)
		if err := session.Save(); err != nil { // writes only what changed
			c.String(http.StatusInternalServerError, "internal error")
			return
		}
		c.String(http.StatusOK, "visit %d", visits+1)
	})
	r.POST("/login", func(c *gin.Context) {
		sessions.Default(c).Set("user_id", 42)
		if err := store.RegenerateID(c, "session"); err != nil { // a fresh ID on login
			c.String(http.StatusInternalServerError, "internal error")
		}
	})
	r.POST("/logout", func(c *gin.Context) {
		if err := store.Destroy(c, "session"); err != nil { // final, on every instance
			c.String(http.StatusInternalServerError, "internal error")
		}
	})
	log.Fatal(r.Run(":3000"))
}
