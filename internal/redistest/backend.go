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
	"github.com/stretchr/testify/require"
)

// Backend is one Redis a behavioural case runs against.
type Backend struct {
	// Name is "miniredis" or "redis".
	Name string
	// Client talks to the backend; it is closed when the test ends.
	Client redis.UniversalClient
	// Mini is the miniredis instance, nil on a real server.
	Mini *miniredis.Miniredis
	// Cluster is the local Redis Cluster, nil unless Name is "cluster".
	Cluster *Cluster
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

// Main runs the package's tests and then stops the shared server and
// cluster. Use it as the body of TestMain:
//
//	func TestMain(m *testing.M) { redistest.Main(m) }
func Main(m *testing.M) {
	code := m.Run()
	if shared.used.Load() && shared.srv != nil {
		shared.srv.Close()
	}
	if sharedCluster.c != nil {
		sharedCluster.c.Close()
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

// Each runs fn against miniredis, the shared real server and the shared
// local Redis Cluster (3 masters, 3 replicas), as subtests named after the
// backend. Subtests may call t.Parallel.
func Each(t *testing.T, fn func(t *testing.T, b *Backend)) {
	t.Helper()
	t.Run("miniredis", func(t *testing.T) { fn(t, miniBackend(t)) })
	EachReal(t, fn)
}

// EachReal is Each without miniredis: for cases a timing or a real
// server's behaviour decides.
func EachReal(t *testing.T, fn func(t *testing.T, b *Backend)) {
	t.Helper()
	t.Run("redis", func(t *testing.T) {
		srv := SharedServer(t)
		c := srv.Client()
		t.Cleanup(func() { _ = c.Close() })
		fn(t, &Backend{Name: "redis", Client: c, Prefix: UniquePrefix()})
	})
	t.Run("cluster", func(t *testing.T) {
		cl := SharedCluster(t)
		c := cl.Client()
		t.Cleanup(func() { _ = c.Close() })
		fn(t, &Backend{Name: "cluster", Client: c, Cluster: cl, Prefix: UniquePrefix()})
	})
}

// OnMini runs fn against miniredis only: for cases that need what only
// miniredis allows, such as moving Redis's clock (Backend.Mini.SetTime).
func OnMini(t *testing.T, fn func(t *testing.T, b *Backend)) {
	t.Helper()
	fn(t, miniBackend(t))
}

func miniBackend(t *testing.T) *Backend {
	m := NewMini(t)
	c := redis.NewClient(&redis.Options{Addr: m.Addr()})
	t.Cleanup(func() { _ = c.Close() })
	return &Backend{Name: "miniredis", Client: c, Mini: m, Prefix: UniquePrefix()}
}

// Keys returns the keys matching pattern on every master (KEYS is fine in
// tests: the servers are ours and small).
func Keys(ctx context.Context, c redis.UniversalClient, pattern string) ([]string, error) {
	cc, ok := c.(*redis.ClusterClient)
	if !ok {
		return c.Keys(ctx, pattern).Result()
	}
	var mu sync.Mutex
	var keys []string
	err := cc.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
		ks, err := node.Keys(ctx, pattern).Result()
		mu.Lock()
		keys = append(keys, ks...)
		mu.Unlock()
		return err
	})
	return keys, err
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

// MiniClient returns a client on a fresh miniredis (see NewMini), both
// closed when t ends. It works for fuzz targets too.
func MiniClient(t testing.TB) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: NewMini(t).Addr()})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// NewClient returns another client of the backend, closed when t ends:
// what a second app instance, with its own connections, would use.
func (b *Backend) NewClient(t testing.TB) redis.UniversalClient {
	var c redis.UniversalClient
	switch {
	case b.Cluster != nil:
		c = b.Cluster.Client()
	default:
		opts := *b.Client.(*redis.Client).Options()
		c = redis.NewClient(&opts)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// FlushScripts empties the script cache of every master, as a restart or
// a failover to a fresh replica does.
func FlushScripts(t testing.TB, c redis.UniversalClient) {
	t.Helper()
	ctx := context.Background()
	if cc, ok := c.(*redis.ClusterClient); ok {
		require.NoError(t, cc.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
			return node.ScriptFlush(ctx).Err()
		}))
		return
	}
	require.NoError(t, c.ScriptFlush(ctx).Err())
}
