// Command demo is a small web app showing what redis-session-go is for: a
// visit counter (atomic field-level Incr), login with session ID renewal,
// logout, "log out everywhere else", a cart two tabs can change at once
// without losing items (delta commits), and a single-field read straight
// from Redis.
//
//	go run ./examples/demo                 # scs, embedded miniredis, http://localhost:3000
//	go run ./examples/demo -store gorilla  # the same app on gorilla/sessions
//	REDIS_URL=redis://127.0.0.1:6379/0 PORT=8080 go run ./examples/demo
//	go run ./examples/demo -addr 127.0.0.1:0  # any free port, loopback only
//
// At start it prints how to look at the sessions with redis-cli; the
// embedded miniredis speaks the Redis protocol, so redis-cli works on it
// too.
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
	"strconv"
	"strings"
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
	cfg := config{redisURL: os.Getenv("REDIS_URL")}
	flag.StringVar(&cfg.store, "store", "scs", "session library: scs or gorilla")
	flag.StringVar(&cfg.addr, "addr", ":"+envOr("PORT", "3000"), "listen address (PORT=8080 makes it :8080)")
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
// prints to out how to reach Redis with redis-cli, then the URL once it is
// listening (the last line of the banner).
func run(ctx context.Context, cfg config, out io.Writer) error {
	logger := log.New(out, "demo: ", log.LstdFlags)
	conn, err := connect(cfg.redisURL)
	if err != nil {
		return err
	}
	defer conn.close()

	a := &app{name: cfg.store, log: logger}
	switch cfg.store {
	case "scs":
		a.f = newSCS(conn.client, a.storeFailed)
	case "gorilla":
		if a.f, err = newGorilla(conn.client); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown -store %q: use scs or gorilla", cfg.store)
	}
	a.redis = redisInfo{cli: conn.cli, pattern: sessionPattern(a.f.prefix())}

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           a.handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ErrorLog:          logger,
	}
	fmt.Fprintf(out, "redis-session-go demo (%s sessions on %s)\n", cfg.store, conn.where)
	fmt.Fprintf(out, "see the sessions with redis-cli:\n  %s --scan --pattern '%s'\n  %s HGETALL '<one of the keys it lists>'\n"+
		"  (a key that holds a string starting with tombstone is a session that was deleted: it stays deleted)\n",
		a.redis.cli, a.redis.pattern, a.redis.cli)
	fmt.Fprintf(out, "listening on http://%s\n", displayAddr(ln.Addr()))

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	fmt.Fprintln(out, "shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		if !errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		// Shutdown waits for connections that have not sent a request yet
		// (browsers open spare ones ahead of time) until they are 5
		// seconds old. Requests to this demo take milliseconds, so what is
		// left after the grace period is such a connection: close it.
		if err := srv.Close(); err != nil {
			return err
		}
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// shutdownGrace is how long Ctrl-C waits for requests in flight.
const shutdownGrace = 2 * time.Second

// redisInfo says how to look at the sessions with redis-cli.
type redisInfo struct {
	cli     string // "redis-cli -p 41234": how to reach the demo's Redis
	pattern string // a SCAN pattern that matches session keys only
}

// tokenLen is the length of a session key's token: scs tokens and
// gorillastore IDs are both 32 random bytes in unpadded base64url.
const tokenLen = 43

// sessionPattern is a SCAN pattern for the session keys under prefix.
// The per-user index keys (<prefix>user:<id>) share the prefix, so the
// pattern asks for exactly tokenLen more characters.
func sessionPattern(prefix string) string {
	var b strings.Builder
	for _, c := range prefix {
		if strings.ContainsRune(`*?[]\`, c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String() + strings.Repeat("?", tokenLen)
}

// redisConn is the demo's Redis: a client, what to call it in the banner,
// and the redis-cli command that reaches it.
type redisConn struct {
	client redis.UniversalClient
	where  string
	cli    string
	close  func()
}

// connect returns a client for REDIS_URL, or for an embedded miniredis.
func connect(url string) (redisConn, error) {
	if url != "" {
		opts, err := redis.ParseURL(url)
		if err != nil {
			return redisConn{}, fmt.Errorf("REDIS_URL: %w", err)
		}
		rdb := redis.NewClient(opts)
		if err := rdb.Ping(context.Background()).Err(); err != nil {
			_ = rdb.Close()
			return redisConn{}, fmt.Errorf("REDIS_URL %s: %w", opts.Addr, err)
		}
		return redisConn{client: rdb, where: "Redis at " + opts.Addr, cli: cliFor(opts), close: func() { _ = rdb.Close() }}, nil
	}
	mr := miniredis.NewMiniRedis()
	if err := mr.Start(); err != nil {
		return redisConn{}, err
	}
	mr.ClockTTL(true) // let TTLs run on the wall clock, as on a real server
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	return redisConn{
		client: rdb,
		where:  "an embedded miniredis at " + mr.Addr() + "; set REDIS_URL for a real server",
		cli:    "redis-cli -p " + mr.Port(), // miniredis listens on 127.0.0.1, redis-cli's default host
		close:  func() { _ = rdb.Close(); mr.Close() },
	}, nil
}

// cliFor is the redis-cli command for a REDIS_URL, without its password
// (--askpass asks for it).
func cliFor(opts *redis.Options) string {
	args := []string{"redis-cli"}
	if opts.Network == "unix" {
		args = append(args, "-s", opts.Addr)
	} else if host, port, err := net.SplitHostPort(opts.Addr); err == nil {
		args = append(args, "-h", host, "-p", port)
	}
	if opts.DB != 0 {
		args = append(args, "-n", strconv.Itoa(opts.DB))
	}
	if opts.TLSConfig != nil {
		args = append(args, "--tls")
	}
	if opts.Username != "" {
		args = append(args, "--user", opts.Username)
	}
	if opts.Password != "" {
		args = append(args, "--askpass")
	}
	return strings.Join(args, " ")
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
