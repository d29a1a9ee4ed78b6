package scsstore_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/alexedwards/scs/v2"
	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/redis-session/redis-session-go/scsstore"
)

// The whole set-up: a store on any go-redis client, and the manager's codec
// taken from the store.
func Example() {
	mr := miniredis.NewMiniRedis() // stands in for a real Redis here
	if err := mr.Start(); err != nil {
		panic(err)
	}
	defer mr.Close()
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})

	store := scsstore.New(rdb, scsstore.WithCodec(scsstore.Codec{}))
	sessionManager := scs.New()
	sessionManager.Store = store
	sessionManager.Codec = store.Codec()

	mux := http.NewServeMux()
	mux.HandleFunc("/visit", func(w http.ResponseWriter, r *http.Request) {
		n := sessionManager.GetInt(r.Context(), "visits") + 1
		sessionManager.Put(r.Context(), "visits", n)
		fmt.Fprintf(w, "visit %d", n)
	})
	handler := sessionManager.LoadAndSave(mux)

	var cookie *http.Cookie
	for i := 0; i < 2; i++ {
		req := httptest.NewRequest(http.MethodGet, "/visit", nil)
		if cookie != nil {
			req.AddCookie(cookie)
		}
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		cookie = rec.Result().Cookies()[0]
		fmt.Println(rec.Body.String())
	}
	fmt.Println(rdb.HGet(context.Background(), "scs:hash:"+cookie.Value, "visits").Val())
	// Output:
	// visit 1
	// visit 2
	// 2
}

// Fields reads and writes one value of a session without loading the rest:
// here an atomic counter that concurrent requests cannot lose.
func ExampleStore_Fields() {
	mr := miniredis.NewMiniRedis()
	if err := mr.Start(); err != nil {
		panic(err)
	}
	defer mr.Close()
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	store := scsstore.New(rdb)
	sessionManager := scs.New()
	sessionManager.Store = store

	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		sessionManager.Put(r.Context(), "user", "ada")
	})
	mux.HandleFunc("/like", func(w http.ResponseWriter, r *http.Request) {
		likes, err := store.Fields(sessionManager.Token(r.Context())).Incr(r.Context(), "likes", 1)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "%d likes", likes)
	})
	handler := sessionManager.LoadAndSave(mux)

	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/login", nil))
	cookie := rec.Result().Cookies()[0]
	for i := 0; i < 3; i++ {
		req := httptest.NewRequest(http.MethodGet, "/like", nil)
		req.AddCookie(cookie)
		rec = httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
	}
	fmt.Println(rec.Body.String())
	// Output: 3 likes
}
