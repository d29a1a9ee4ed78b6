package ginstore_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/alicebob/miniredis/v2"
	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"

	"github.com/redis-session/redis-session-go/ginstore"
)

// newExampleStore returns a store on a fresh miniredis, which stands in
// for a real Redis in the examples.
func newExampleStore() (*ginstore.Store, func()) {
	mr := miniredis.NewMiniRedis()
	if err := mr.Start(); err != nil {
		panic(err)
	}
	store, err := ginstore.New(redis.NewClient(&redis.Options{Addr: mr.Addr()}), []byte("32-byte-long-authentication-key!"))
	if err != nil {
		panic(err)
	}
	return store, mr.Close
}

// call serves one request and returns the body and the session cookie it
// set (nil if none), as a browser would see them.
func call(r http.Handler, method, path string, cookie *http.Cookie) (string, *http.Cookie) {
	req := httptest.NewRequest(method, path, nil)
	if cookie != nil {
		req.AddCookie(cookie)
	}
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, req)
	var set *http.Cookie
	for _, c := range rec.Result().Cookies() {
		set = c // the last Set-Cookie wins
	}
	return rec.Body.String(), set
}

func Example() {
	store, stop := newExampleStore()
	defer stop()

	r := gin.New()
	r.Use(sessions.Sessions("session", store))
	r.GET("/", func(c *gin.Context) {
		session := sessions.Default(c)
		n, _ := session.Get("visits").(int) // the int that was Set, not a float64 or a string
		session.Set("visits", n+1)
		if err := session.Save(); err != nil { // writes only what changed
			c.String(http.StatusInternalServerError, "internal error")
			return
		}
		c.String(http.StatusOK, "visit %d", n+1)
	})

	var cookie *http.Cookie
	for range 2 {
		var body string
		body, cookie = call(r, http.MethodGet, "/", cookie)
		fmt.Println(body, cookie.Path, cookie.HttpOnly, cookie.Secure, cookie.SameSite == http.SameSiteLaxMode)
	}
	// Output:
	// visit 1 / true true true
	// visit 2 / true true true
}

// On login, give the session a new ID so that an ID planted before the
// login (session fixation) is worthless afterwards.
func ExampleStore_RegenerateID() {
	store, stop := newExampleStore()
	defer stop()

	r := gin.New()
	r.Use(sessions.Sessions("session", store))
	r.GET("/cart", func(c *gin.Context) {
		session := sessions.Default(c)
		session.Set("cart", "apple")
		_ = session.Save()
	})
	r.POST("/login", func(c *gin.Context) {
		sessions.Default(c).Set("user_id", 7)
		if err := store.RegenerateID(c, "session"); err != nil {
			c.String(http.StatusInternalServerError, "internal error")
		}
	})
	r.GET("/me", func(c *gin.Context) {
		session := sessions.Default(c)
		c.String(http.StatusOK, "user %v, cart %v", session.Get("user_id"), session.Get("cart"))
	})

	_, before := call(r, http.MethodGet, "/cart", nil)
	_, after := call(r, http.MethodPost, "/login", before)
	fmt.Println(before.Value != after.Value)
	me, _ := call(r, http.MethodGet, "/me", after)
	fmt.Println(me)
	me, _ = call(r, http.MethodGet, "/me", before)
	fmt.Println(me)
	// Output:
	// true
	// user 7, cart apple
	// user <nil>, cart <nil>
}

// Logging out deletes the session in Redis, so the cookie is worthless
// everywhere, even if a copy of it is replayed.
func ExampleStore_Destroy() {
	store, stop := newExampleStore()
	defer stop()

	r := gin.New()
	r.Use(sessions.Sessions("session", store))
	r.POST("/login", func(c *gin.Context) {
		sessions.Default(c).Set("user_id", 7)
		_ = store.RegenerateID(c, "session")
	})
	r.POST("/logout", func(c *gin.Context) {
		if err := store.Destroy(c, "session"); err != nil {
			c.String(http.StatusInternalServerError, "internal error")
		}
	})
	r.GET("/me", func(c *gin.Context) {
		c.String(http.StatusOK, "user %v", sessions.Default(c).Get("user_id"))
	})

	_, cookie := call(r, http.MethodPost, "/login", nil)
	_, expired := call(r, http.MethodPost, "/logout", cookie)
	fmt.Println(expired.MaxAge < 0)
	me, _ := call(r, http.MethodGet, "/me", cookie) // the copy kept from before
	fmt.Println(me)
	// Output:
	// true
	// user <nil>
}

// gin's Options struct cannot say "off", so its zero fields keep the
// store's secure defaults; turning an attribute off goes through the
// gorilla options.
func ExampleStore_Options() {
	store, stop := newExampleStore()
	defer stop()
	store.Options(sessions.Options{MaxAge: 3600, Domain: "example.com"})
	store.Store.Options.Secure = false // e.g. plain-http development; HttpOnly stays

	r := gin.New()
	r.Use(sessions.Sessions("session", store))
	r.GET("/", func(c *gin.Context) {
		session := sessions.Default(c)
		session.Set("seen", true)
		_ = session.Save()
	})
	_, cookie := call(r, http.MethodGet, "/", nil)
	fmt.Println(cookie.MaxAge, cookie.Domain, cookie.Path, cookie.HttpOnly, cookie.Secure, cookie.SameSite == http.SameSiteLaxMode)
	// Output: 3600 example.com / true false true
}

// One value straight from Redis: an atomic counter that two concurrent
// requests cannot lose an increment of.
func ExampleStore_Fields() {
	store, stop := newExampleStore()
	defer stop()

	r := gin.New()
	r.Use(sessions.Sessions("session", store))
	r.GET("/like", func(c *gin.Context) {
		session := sessions.Default(c)
		if session.ID() == "" { // a new session has no key yet: save it first
			session.Set("since", "today")
			if err := session.Save(); err != nil {
				c.String(http.StatusInternalServerError, "internal error")
				return
			}
		}
		likes, err := store.Fields(c, "session").Incr(c.Request.Context(), "likes", 1)
		if err != nil {
			c.String(http.StatusInternalServerError, "internal error")
			return
		}
		c.String(http.StatusOK, "%d likes", likes)
	})

	body, cookie := call(r, http.MethodGet, "/like", nil)
	fmt.Println(body)
	body, _ = call(r, http.MethodGet, "/like", cookie)
	fmt.Println(body)
	// Output:
	// 1 likes
	// 2 likes
}
