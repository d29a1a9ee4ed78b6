// Command demo is a small web app showing what redis-session-go is for: a
// visit counter (atomic field-level Incr), login with session ID renewal,
// logout, a cart two tabs can change at once without losing items (delta
// commits), and a single-field read straight from Redis.
//
//	go run ./examples/demo                 # scs, embedded miniredis, http://localhost:3000
//	go run ./examples/demo -store gorilla  # the same app on gorilla/sessions
//	REDIS_URL=redis://127.0.0.1:6379/0 PORT=8080 go run ./examples/demo
package main

import (
	"context"
	"errors"
	"flag"
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

type config struct {
	store    string // "scs" or "gorilla"
	addr     string // listen address
	redisURL string // "" for an embedded miniredis
}

func main() {
	cfg := config{addr: ":" + envOr("PORT", "3000"), redisURL: os.Getenv("REDIS_URL")}
	flag.StringVar(&cfg.store, "store", "scs", "session library: scs or gorilla")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// run serves the demo until ctx is done, then shuts down cleanly. It
// prints the URL to out once it is listening.
func run(ctx context.Context, cfg config, out io.Writer) error {
	logger := log.New(out, "demo: ", log.LstdFlags)
	rdb, where, closeRedis, err := connect(cfg.redisURL)
	if err != nil {
		return err
	}
	defer closeRedis()

	var f flavor
	switch cfg.store {
	case "scs":
		f = newSCS(rdb)
	case "gorilla":
		if f, err = newGorilla(rdb); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown -store %q: use scs or gorilla", cfg.store)
	}

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           (&app{name: cfg.store, f: f, log: logger}).handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ErrorLog:          logger,
	}
	fmt.Fprintf(out, "redis-session-go demo (%s sessions on %s)\nlistening on http://%s\n", cfg.store, where, displayAddr(ln.Addr()))

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	fmt.Fprintln(out, "shutting down")
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

// connect returns a client for REDIS_URL, or for an embedded miniredis.
func connect(url string) (redis.UniversalClient, string, func(), error) {
	if url != "" {
		opts, err := redis.ParseURL(url)
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
	mr.ClockTTL(true) // let TTLs run on the wall clock, as on a real server
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
