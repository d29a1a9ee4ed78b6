package redistest

import (
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
