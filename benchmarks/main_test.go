// Package benchmarks measures redis-session-go side by side with the stores
// users would pick instead (scs goredisstore and redisstore, boj/redistore),
// on one real redis-server that the benchmark starts itself, with the same
// session shapes, in one run. See BENCHMARKS.md for the figures.
package benchmarks

import (
	"context"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gomodule/redigo/redis"
	goredis "github.com/redis/go-redis/v9"

	"github.com/redis-session/redis-session-go/internal/redistest"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// shape is a session size used by every store under test.
type shape struct {
	name   string
	fields int
	size   int // bytes per value
}

var (
	small = shape{"small", 5, 30}    // ~200 B of data
	large = shape{"large", 200, 250} // ~50 KB of data
)

func (s shape) key(i int) string { return "f" + strconv.Itoa(i) }
func (s shape) value() string    { return strings.Repeat("x", s.size) }

// server returns the benchmark's real redis-server.
func server(b *testing.B) *redistest.Server { return redistest.SharedServer(b) }

// goRedisClient returns a go-redis client for the server with a hook that
// counts round trips.
func goRedisClient(b *testing.B) (*goredis.Client, *redistest.Counter) {
	c := server(b).Client()
	b.Cleanup(func() { _ = c.Close() })
	return c, redistest.CountRoundTrips(c)
}

// redigoPool returns a redigo pool for the server whose connections count
// their flushes: redigo writes once per Do (a pipeline of Sends included),
// so flushes are round trips.
func redigoPool(b *testing.B) (*redis.Pool, *atomic.Int64) {
	var writes atomic.Int64
	addr := server(b).Addr
	pool := &redis.Pool{
		MaxIdle: 64,
		Dial: func() (redis.Conn, error) {
			nc, err := net.Dial("tcp", addr)
			if err != nil {
				return nil, err
			}
			return redis.NewConn(&countingConn{Conn: nc, writes: &writes}, 0, 0), nil
		},
	}
	b.Cleanup(func() { _ = pool.Close() })
	return pool, &writes
}

type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// commandCalls returns the total number of commands the server has run,
// from INFO commandstats, minus the INFO calls themselves.
func commandCalls(b *testing.B) int64 {
	c := server(b).Client()
	defer c.Close()
	info, err := c.Info(context.Background(), "commandstats").Result()
	if err != nil {
		b.Fatal(err)
	}
	var total int64
	for _, line := range strings.Split(info, "\n") {
		if !strings.HasPrefix(line, "cmdstat_") || strings.HasPrefix(line, "cmdstat_info:") {
			continue
		}
		_, rest, _ := strings.Cut(line, "calls=")
		n, _ := strconv.ParseInt(strings.SplitN(rest, ",", 2)[0], 10, 64)
		total += n
	}
	return total
}

// measure runs op b.N times and reports round trips and server-side
// commands per op next to ns/op and allocs/op. trips reads the store's
// round-trip counter.
func measure(b *testing.B, trips func() int64, op func()) {
	b.ReportAllocs()
	b.ResetTimer()
	startTrips, startCmds := trips(), commandCalls(b)
	b.StartTimer()
	for i := 0; i < b.N; i++ {
		op()
	}
	b.StopTimer()
	b.ReportMetric(float64(trips()-startTrips)/float64(b.N), "round-trips/op")
	b.ReportMetric(float64(commandCalls(b)-startCmds)/float64(b.N), "redis-cmds/op")
}

func counterTrips(c *redistest.Counter) func() int64 {
	return func() int64 { return int64(c.RoundTrips()) }
}
