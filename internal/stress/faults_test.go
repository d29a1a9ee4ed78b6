//go:build stress

package stress

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/redis-session/redis-session-go/internal/loadtest"
	"github.com/redis-session/redis-session-go/internal/redistest"
)

var ctx = context.Background()

// noLeaks fails t if goroutines started during the test are still running.
// scs.New starts a cleanup goroutine for its default in-memory store that
// it never stops (an scs issue, #228/#231); the apps replace that store.
func noLeaks(t *testing.T) {
	goleak.VerifyNone(t, goleak.IgnoreCurrent(),
		goleak.IgnoreTopFunction("github.com/alexedwards/scs/v2/memstore.(*MemStore).startCleanup"))
}

// report logs the load's outcome and its failures by kind.
func report(t *testing.T, l *loadtest.Load) (first, last time.Time) {
	t.Helper()
	first, last, kinds := l.Failures()
	t.Logf("load: %s", l)
	for msg, n := range kinds {
		t.Logf("  %d× %s", n, msg)
	}
	return first, last
}

// recovered runs a fresh, small load and requires it to succeed entirely:
// the app works again without being restarted.
func recovered(t *testing.T, a *loadtest.App) {
	t.Helper()
	l := loadtest.Start(a, 4)
	time.Sleep(time.Second)
	l.Stop()
	assert.Positive(t, l.OK.Load())
	assert.Zero(t, l.Failed.Load(), "no failure once Redis is healthy: %s", l)
}

func client(addr string, opts func(*redis.Options)) *redis.Client {
	o := &redis.Options{Addr: addr, ReadTimeout: time.Second, WriteTimeout: time.Second,
		DialTimeout: 300 * time.Millisecond, DialerRetries: 1, MaxRetries: 1}
	if opts != nil {
		opts(o)
	}
	return redis.NewClient(o)
}

// Redis is killed (SIGKILL) under load and restarted on the same port from
// its append-only file.
func TestRedisKilledAndRestarted(t *testing.T) {
	defer noLeaks(t)
	bin := redistest.SkipOrFail(t)
	srv, err := redistest.Start(bin, "", "--appendonly", "yes", "--appendfsync", "always")
	require.NoError(t, err)
	defer srv.Close()
	c := client(srv.Addr, nil)
	defer c.Close()
	a := loadtest.NewApp(t, c, time.Second)

	l := loadtest.Start(a, 16)
	time.Sleep(time.Second)
	srv.Stop()
	down := time.Now()
	time.Sleep(2 * time.Second)
	failedWhileDown := l.Failed.Load()
	require.NoError(t, srv.Restart())
	up := time.Now()
	time.Sleep(3 * time.Second)
	l.Stop()

	first, last := report(t, l)
	assert.Positive(t, failedWhileDown, "requests fail while Redis is away")
	assert.True(t, first.After(down.Add(-100*time.Millisecond)), "no failure before the kill")
	assert.True(t, last.Before(up.Add(2*time.Second)), "failures end within 2s of the restart (last %v after)", last.Sub(up))
	_, _, kinds := l.Failures()
	for msg := range kinds {
		assert.True(t, clearError(msg), "a clear error: %s", msg)
	}
	recovered(t, a)
	loadtest.CheckSessions(t, a, c)
}

// clearError reports whether a failure names what went wrong.
func clearError(msg string) bool {
	for _, s := range []string{"connection refused", "EOF", "connection reset", "i/o timeout", "deadline exceeded",
		"broken pipe", "pool timeout", "LOADING"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// CLIENT PAUSE holds every command for longer than the stores' and the
// client's timeouts.
func TestRedisPausedPastTheTimeouts(t *testing.T) {
	defer noLeaks(t)
	bin := redistest.SkipOrFail(t)
	srv, err := redistest.Start(bin, "")
	require.NoError(t, err)
	defer srv.Close()
	c := client(srv.Addr, func(o *redis.Options) { o.ReadTimeout = 500 * time.Millisecond })
	defer c.Close()
	a := loadtest.NewApp(t, c, 500*time.Millisecond)

	l := loadtest.Start(a, 16)
	time.Sleep(time.Second)
	admin := srv.Client()
	defer admin.Close()
	require.NoError(t, admin.Do(ctx, "CLIENT", "PAUSE", "3000", "ALL").Err())
	paused := time.Now()
	time.Sleep(3500 * time.Millisecond)
	failedWhilePaused := l.Failed.Load()
	time.Sleep(2 * time.Second)
	l.Stop()

	first, last := report(t, l)
	assert.Positive(t, failedWhilePaused, "requests time out while Redis is paused")
	assert.True(t, first.After(paused.Add(-100*time.Millisecond)))
	assert.True(t, last.Before(paused.Add(4500*time.Millisecond)), "failures end soon after the pause (last %v after it began)", last.Sub(paused))
	_, _, kinds := l.Failures()
	for msg := range kinds {
		assert.True(t, clearError(msg), "a clear error: %s", msg)
	}
	recovered(t, a)
	loadtest.CheckSessions(t, a, c)
}

// A pool of 2 connections for 64 concurrent users: requests that cannot
// get a connection in time fail with the pool's error; none hangs, nothing
// leaks, and the app recovers when the load drops.
func TestConnectionPoolExhaustion(t *testing.T) {
	defer noLeaks(t)
	bin := redistest.SkipOrFail(t)
	srv, err := redistest.Start(bin, "")
	require.NoError(t, err)
	defer srv.Close()
	c := client(srv.Addr, func(o *redis.Options) {
		o.PoolSize, o.MinIdleConns, o.MaxActiveConns, o.PoolTimeout = 2, 0, 2, time.Millisecond
	})
	defer c.Close()
	a := loadtest.NewApp(t, c, time.Second)

	l := loadtest.Start(a, 64)
	time.Sleep(3 * time.Second)
	l.Stop()
	report(t, l)
	assert.Positive(t, l.OK.Load(), "requests keep getting through")
	assert.Positive(t, l.Failed.Load(), "and some find no connection in time")
	_, _, kinds := l.Failures()
	for msg := range kinds {
		assert.Contains(t, msg, "pool timeout", "the pool's own error")
	}
	recovered(t, a)
	loadtest.CheckSessions(t, a, c)
}
