package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// Backend is one Redis a behavioural case runs against.
type Backend struct {
	// Name is "miniredis" or "redis".
	Name string
	// Client talks to the backend; it is closed when the test ends.
	Client redis.UniversalClient
	// Mini is the miniredis instance, nil on a real server.
	Mini *miniredis.Miniredis
	// Prefix is a key prefix unique to this test. The real server is shared
	// by the whole package, so tests keep to their own keys instead of
	// flushing anything.
	Prefix string
}

// Real reports whether the backend is a real redis-server.
func (b *Backend) Real() bool { return b.Mini == nil }

var shared struct {
	once sync.Once
	srv  *Server
	err  error
	used atomic.Bool
}

// SharedServer returns the package's real redis-server, starting it on
// first use. It skips or fails t (see SkipOrFail) when none can run.
func SharedServer(t testing.TB) *Server {
	t.Helper()
	bin := SkipOrFail(t)
	shared.once.Do(func() {
		shared.srv, shared.err = Start(bin, "")
		shared.used.Store(true)
	})
	if shared.err != nil {
		t.Fatalf("start redis-server: %v", shared.err)
	}
	return shared.srv
}

// Main runs the package's tests and then stops the shared server. Use it as
// the body of TestMain: func TestMain(m *testing.M) { redistest.Main(m) }.
func Main(m *testing.M) {
	code := m.Run()
	if shared.used.Load() && shared.srv != nil {
		shared.srv.Close()
	}
	os.Exit(code)
}

// NewMini returns a miniredis whose TTLs run on the wall clock, like a real
// server's, closed when t ends.
func NewMini(t testing.TB) *miniredis.Miniredis {
	m := miniredis.RunT(t)
	m.ClockTTL(true)
	return m
}

// Each runs fn once against miniredis and once against the shared real
// server, as subtests named after the backend. Subtests may call t.Parallel.
func Each(t *testing.T, fn func(t *testing.T, b *Backend)) {
	t.Helper()
	t.Run("miniredis", func(t *testing.T) {
		m := NewMini(t)
		c := redis.NewClient(&redis.Options{Addr: m.Addr()})
		t.Cleanup(func() { _ = c.Close() })
		fn(t, &Backend{Name: "miniredis", Client: c, Mini: m, Prefix: UniquePrefix()})
	})
	t.Run("redis", func(t *testing.T) {
		srv := SharedServer(t)
		c := srv.Client()
		t.Cleanup(func() { _ = c.Close() })
		fn(t, &Backend{Name: "redis", Client: c, Prefix: UniquePrefix()})
	})
}

// UniquePrefix returns a fresh key prefix such as "t:1a2b3c4d5e6f:".
func UniquePrefix() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "t:" + hex.EncodeToString(b[:]) + ":"
}

// TTL returns the key's remaining time to live: -2ns when the key is
// missing, -1ns when it has no TTL, as PTTL reports them.
func TTL(t testing.TB, c redis.UniversalClient, key string) time.Duration {
	t.Helper()
	d, err := c.PTTL(context.Background(), key).Result()
	if err != nil {
		t.Fatalf("PTTL %s: %v", key, err)
	}
	return d
}
