// Command echo is a small echo v4 app whose sessions live in Redis, one
// hash per session, through echo-contrib/session and redis-session-go's
// gorilla store: a visit counter, login with a fresh session ID, logout
// that holds on every instance, and a cart that two tabs can add to at
// once without losing items.
//
//	go run .                                    # embedded miniredis, http://localhost:3000
//	REDIS_URL=redis://127.0.0.1:6379/0 go run . # a real Redis
//	PORT=8080 SESSION_KEY=... go run .          # listen address, cookie signing key
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	addr := ":" + envOr("PORT", "3000")
	if err := run(ctx, addr, os.Getenv("REDIS_URL"), []byte(os.Getenv("SESSION_KEY")), os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// run serves the app on addr until ctx is done, then shuts down cleanly.
// redisURL "" means an embedded miniredis. It prints the URL to out once
// it is listening.
func run(ctx context.Context, addr, redisURL string, hashKey []byte, out io.Writer) error {
	rdb, where, closeRedis, err := connect(redisURL)
	if err != nil {
		return err
	}
	defer closeRedis()
	store, err := newStore(rdb, hashKey)
	if err != nil {
		return err
	}
	e := newServer(store)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: e, ReadHeaderTimeout: 5 * time.Second}
	fmt.Fprintf(out, "echo example, sessions on %s\nlistening on http://%s\n", where, displayAddr(ln.Addr()))

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// connect returns a client for redisURL, or for an embedded miniredis.
func connect(redisURL string) (redis.UniversalClient, string, func(), error) {
	if redisURL != "" {
		opts, err := redis.ParseURL(redisURL)
		if err != nil {
			return nil, "", nil, fmt.Errorf("REDIS_URL: %w", err)
		}
		rdb := redis.NewClient(opts)
		if err := rdb.Ping(context.Background()).Err(); err != nil {
			_ = rdb.Close()
			return nil, "", nil, fmt.Errorf("REDIS_URL %s: %w", opts.Addr, err)
		}
		return rdb, "Redis at " + opts.Addr, func() { _ = rdb.Close() }, nil
	}
	mr := miniredis.NewMiniRedis()
	if err := mr.Start(); err != nil {
		return nil, "", nil, err
	}
	mr.ClockTTL(true) // TTLs run on the wall clock, as on a real server
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	return rdb, "an embedded miniredis (set REDIS_URL for a real server)", func() { _ = rdb.Close(); mr.Close() }, nil
}

// displayAddr turns ":3000" into "localhost:3000".
func displayAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}
