package gorillastore_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/redis-session/redis-session-go/gorillastore"
)

func Example() {
	mr := miniredis.NewMiniRedis() // stands in for a real Redis here
	if err := mr.Start(); err != nil {
		panic(err)
	}
	defer mr.Close()
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})

	store, err := gorillastore.New(rdb, []byte("32-byte-long-authentication-key!"))
	if err != nil {
		panic(err)
	}

	visit := func(w http.ResponseWriter, r *http.Request) {
		session, err := store.Get(r, "session")
		if err != nil && !gorillastore.IsInvalidCookie(err) {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		n, _ := session.Values["visits"].(int)
		session.Values["visits"] = n + 1
		session.Values[42] = 43 // non-string keys work, as with CookieStore
		if err := session.Save(r, w); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "visit %d", n+1)
	}

	var cookie *http.Cookie
	for i := 0; i < 2; i++ {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		if cookie != nil {
			req.AddCookie(cookie)
		}
		rec := httptest.NewRecorder()
		visit(rec, req)
		cookie = rec.Result().Cookies()[0]
		fmt.Println(rec.Body.String(), cookie.HttpOnly, cookie.Secure, cookie.SameSite == http.SameSiteLaxMode)
	}
	// Output:
	// visit 1 true true true
	// visit 2 true true true
}

// On login, give the session a new ID so an ID planted before login
// (session fixation) is worthless afterwards.
func ExampleStore_RegenerateID() {
	mr := miniredis.NewMiniRedis()
	if err := mr.Start(); err != nil {
		panic(err)
	}
	defer mr.Close()
	store, err := gorillastore.New(redis.NewClient(&redis.Options{Addr: mr.Addr()}), []byte("32-byte-long-authentication-key!"))
	if err != nil {
		panic(err)
	}

	login := func(w http.ResponseWriter, r *http.Request) {
		session, _ := store.Get(r, "session")
		session.Values["user_id"] = 7
		before := session.ID
		if err := store.RegenerateID(r, w, session); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		sessions := 0 // the old key now holds a tombstone, no session
		for _, k := range mr.Keys() {
			if mr.Type(k) == "hash" {
				sessions++
			}
		}
		fmt.Println(before != session.ID, sessions)
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	session, _ := store.Get(req, "session")
	session.Values["cart"] = "apple"
	_ = session.Save(req, rec)

	req = httptest.NewRequest(http.MethodGet, "/login", nil)
	req.AddCookie(rec.Result().Cookies()[0])
	login(httptest.NewRecorder(), req)
	// Output: true 1
}
