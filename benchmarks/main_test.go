// Package benchmarks measures redis-session-go side by side with the stores
// users would pick instead (scs goredisstore and redisstore; boj/redistore
// v1 and v2 and rbcervilla/redisstore for gorilla), on one real
// redis-server that the benchmark starts itself, with the same session
// shapes, in one run. See BENCHMARKS.md for the figures.
package benchmarks

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

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

// sentBytes counts the bytes every client of the benchmark writes to
// Redis, through countingConn.
var sentBytes atomic.Int64

// goRedisClient returns a go-redis client for the server with a hook that
// counts round trips.
func goRedisClient(b *testing.B) (*goredis.Client, *redistest.Counter) {
	var d net.Dialer
	c := goredis.NewClient(&goredis.Options{
		Addr: server(b).Addr,
		Dialer: func(ctx context.Context, network, addr string) (net.Conn, error) {
			nc, err := d.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &countingConn{Conn: nc}, nil
		},
	})
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

// countingConn counts the bytes written to Redis and, when writes is set,
// the writes themselves.
type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c *countingConn) Write(p []byte) (int, error) {
	if c.writes != nil {
		c.writes.Add(1)
	}
	sentBytes.Add(int64(len(p)))
	return c.Conn.Write(p)
}

// commandStats returns the total number of commands the server has run
// and the microseconds it spent executing them (I/O not included), from
// INFO commandstats, leaving out the INFO calls themselves.
func commandStats(b *testing.B) (calls, usec int64) {
	c := server(b).Client()
	defer c.Close()
	info, err := c.Info(context.Background(), "commandstats").Result()
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(info, "\n") {
		if !strings.HasPrefix(line, "cmdstat_") || strings.HasPrefix(line, "cmdstat_info:") {
			continue
		}
		calls += statField(line, "calls=")
		usec += statField(line, "usec=")
	}
	return calls, usec
}

func statField(line, name string) int64 {
	_, rest, _ := strings.Cut(line, ","+name)
	if rest == "" {
		_, rest, _ = strings.Cut(line, ":"+name)
	}
	n, _ := strconv.ParseInt(strings.SplitN(rest, ",", 2)[0], 10, 64)
	return n
}

// costs samples what an operation costs besides wall time: round trips
// (the store's counter), commands the server ran and the time it spent
// executing them (INFO commandstats), CPU of this process (the client
// side: store, codec, framework) and CPU of the redis-server process
// (execution plus socket I/O), and the bytes sent to Redis. Wall time on a shared VM is noisy; the CPU
// figures are what the store makes the two sides do.
type costs struct {
	trips, cmds, execUsec, sent int64
	clientCPU, redisCPU         time.Duration
}

func sample(b *testing.B, trips func() int64) costs {
	cmds, usec := commandStats(b)
	return costs{trips: trips(), cmds: cmds, execUsec: usec, sent: sentBytes.Load(),
		clientCPU: redistest.ProcessCPU(), redisCPU: server(b).CPU()}
}

func (start costs) report(b *testing.B, end costs) {
	n := float64(b.N)
	b.ReportMetric(float64(end.trips-start.trips)/n, "round-trips/op")
	b.ReportMetric(float64(end.cmds-start.cmds)/n, "redis-cmds/op")
	b.ReportMetric(float64(end.execUsec-start.execUsec)/n, "redis-exec-us/op")
	b.ReportMetric(float64(end.sent-start.sent)/n, "sent-B/op")
	b.ReportMetric(float64((end.clientCPU-start.clientCPU).Microseconds())/n, "client-cpu-us/op")
	b.ReportMetric(float64((end.redisCPU-start.redisCPU).Microseconds())/n, "redis-cpu-us/op")
}

// measure runs op b.N times and reports its costs next to ns/op and
// allocs/op.
func measure(b *testing.B, trips func() int64, op func()) {
	b.ReportAllocs()
	b.ResetTimer()
	b.StopTimer()
	start := sample(b, trips)
	b.StartTimer()
	for i := 0; i < b.N; i++ {
		op()
	}
	b.StopTimer()
	start.report(b, sample(b, trips))
}

func counterTrips(c *redistest.Counter) func() int64 {
	return func() int64 { return int64(c.RoundTrips()) }
}

// serve runs one request through h with cookie (nil for none) and returns
// the cookie the response set, or the one it was given.
func serve(b *testing.B, h http.Handler, cookie *http.Cookie) *http.Cookie {
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	if cookie != nil {
		req.AddCookie(cookie)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	for _, c := range rec.Result().Cookies() {
		return c
	}
	return cookie
}

// throughput runs the request cycle from 64 concurrent clients, each with
// its own session, and reports requests per second.
func throughput(b *testing.B, h http.Handler, trips func() int64) {
	const clients = 64
	b.SetParallelism(max(1, clients/runtime.GOMAXPROCS(0)))
	b.ReportAllocs()
	b.ResetTimer()
	b.StopTimer()
	startCosts := sample(b, trips)
	b.StartTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		var cookie *http.Cookie
		for pb.Next() {
			cookie = serve(b, h, cookie)
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
	startCosts.report(b, sample(b, trips))
}
