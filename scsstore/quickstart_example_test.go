package scsstore_test

import (
	"errors"
	"fmt"
	"log"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/redis/go-redis/v9"

	"github.com/redis-session/redis-session-go/hashcodec"
	"github.com/redis-session/redis-session-go/scsstore"
)

// The README's quick start (compiled, not run: it needs a Redis).
func Example_quickStart() {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})   // or NewClusterClient, NewFailoverClient
	store := scsstore.New(rdb, scsstore.WithCodec(scsstore.Codec{})) // WithCodec is optional
	sessionManager := scs.New()
	sessionManager.IdleTimeout = 30 * time.Minute
	sessionManager.Store = store
	sessionManager.Codec = store.Codec() // the store's GobCodec unless WithCodec

	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		if err := sessionManager.RenewToken(r.Context()); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		sessionManager.Put(r.Context(), "user_id", 42)
	})
	mux.HandleFunc("/like", func(w http.ResponseWriter, r *http.Request) {
		// One value straight from Redis, without loading the session:
		likes, err := store.Fields(sessionManager.Token(r.Context())).Incr(r.Context(), "likes", 1)
		if errors.Is(err, hashcodec.ErrNotFound) { // no session (yet)
			http.Error(w, "log in first", http.StatusUnauthorized)
			return
		}
		if err != nil {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "%d likes", likes)
	})
	log.Fatal(http.ListenAndServe(":3000", sessionManager.LoadAndSave(mux)))
}
