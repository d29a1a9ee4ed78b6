package gorillastore_test

import (
	"errors"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redis-session/redis-session-go/gorillastore"
)

// The README's quick start (compiled, not run: it needs a Redis).
func Example_quickStart() {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"}) // or NewClusterClient, NewFailoverClient
	// 32 or 64 random bytes to sign; optionally 16, 24 or 32 to encrypt ("" for none).
	store, err := gorillastore.New(rdb, []byte(os.Getenv("SESSION_HASH_KEY")), []byte(os.Getenv("SESSION_BLOCK_KEY")))
	if err != nil { // no hash key, or a block key of another length
		log.Fatal(err)
	}
	store.IdleTimeout = 30 * time.Minute // optional: sliding expiry, MaxAge becomes the absolute cap

	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		session, err := store.Get(r, "session") // never nil
		if err != nil && !gorillastore.IsInvalidCookie(err) {
			http.Error(w, "internal error", http.StatusInternalServerError) // Redis failed
			return
		}
		session.Values["user_id"] = 42
		session.Values[42] = 43 // non-string keys work
		if err := session.Save(r, w); err != nil {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
	})
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		session, _ := store.Get(r, "session")
		session.Values["user_id"] = 42
		err := store.RegenerateID(r, w, session) // a fresh ID on login
		if errors.Is(err, gorillastore.ErrSessionEnded) {
			http.Error(w, "logged out meanwhile: log in again", http.StatusConflict)
			return
		}
		if err != nil {
			http.Error(w, "internal error", http.StatusInternalServerError)
		}
	})
	// RefreshCookies keeps the cookie alive while reads keep the session alive.
	log.Fatal(http.ListenAndServe(":3000", store.RefreshCookies(mux)))
}
