package redistest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// TTLSlack is how far below the expected value a TTL may be when checked:
// time passes between the write and the PTTL.
const TTLSlack = 1500 * time.Millisecond

// RequireTTL fails t unless key exists with a TTL in (want-TTLSlack, want].
func RequireTTL(t testing.TB, c redis.UniversalClient, key string, want time.Duration) {
	t.Helper()
	got := TTL(t, c, key)
	require.Greater(t, got, want-TTLSlack, "TTL of %s", key)
	require.LessOrEqual(t, got, want, "TTL of %s", key)
}

// Gate holds a handler mid-request so a test can interleave requests
// exactly: the handler calls Wait, the test waits on Arrived, does what
// must happen meanwhile, then calls Release.
type Gate struct {
	Arrived  chan struct{}
	released chan struct{}
}

// NewGate returns a gate that holds until Release.
func NewGate() *Gate { return &Gate{Arrived: make(chan struct{}), released: make(chan struct{})} }

// Wait signals Arrived and blocks until Release.
func (g *Gate) Wait() { close(g.Arrived); <-g.released }

// Release lets the waiting handler go on.
func (g *Gate) Release() { close(g.released) }

// Sessions returns the keys under prefix that hold a live session: a hash
// with #created, not a tombstone, not a user index.
func Sessions(t testing.TB, c redis.UniversalClient, prefix string) []string {
	t.Helper()
	keys, err := Keys(context.Background(), c, prefix+"*")
	if err != nil {
		t.Fatalf("keys %s*: %v", prefix, err)
	}
	var out []string
	for _, k := range keys {
		ok, err := c.HExists(context.Background(), k, "#created").Result()
		if err == nil && ok {
			out = append(out, k)
		}
	}
	return out
}

// Tombstoned reports whether key holds a deleted session's tombstone.
func Tombstoned(t testing.TB, c redis.UniversalClient, key string) bool {
	t.Helper()
	v, err := c.Get(context.Background(), key).Result()
	return err == nil && strings.HasPrefix(v, "tombstone")
}

// Live reports whether key holds a live session (a hash with #created).
func Live(t testing.TB, c redis.UniversalClient, key string) bool {
	t.Helper()
	ok, err := c.HExists(context.Background(), key, "#created").Result()
	return err == nil && ok
}
