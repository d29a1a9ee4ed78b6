package scaleout

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/internal/loadtest"
	"github.com/redis-session/redis-session-go/internal/redistest"
)

var ctx = context.Background()

func TestMain(m *testing.M) { redistest.Main(m) }

// switchWindow bounds how long after a failover requests may still fail.
const switchWindow = 5 * time.Second

// underLoad runs the app's load, calls failover in the middle, keeps the
// load going for a while and checks that requests failed at most around
// the switch, then recovered on their own.
func underLoad(t *testing.T, a *loadtest.App, failover func() (switched time.Time)) {
	l := loadtest.Start(a, 16)
	time.Sleep(time.Second)
	require.Positive(t, l.OK.Load(), "the load runs before the failover: %s", l)

	started := time.Now()
	switched := failover()
	t.Logf("failover took %v", switched.Sub(started))
	time.Sleep(switchWindow) // requests must recover within this
	okAtRecovery := l.OK.Load()
	time.Sleep(2 * time.Second)
	l.Stop()

	t.Logf("load: %s", l)
	first, last, kinds := l.Failures()
	for msg, n := range kinds {
		t.Logf("  %d× %s", n, msg)
	}
	assert.Greater(t, l.OK.Load(), okAtRecovery, "requests succeed after the switch, without restarting anything")
	if !last.IsZero() {
		assert.True(t, first.After(started.Add(-time.Second)), "no failure before the failover (first at %v)", first.Sub(started))
		assert.True(t, last.Before(switched.Add(switchWindow)), "failures end within %v of the switch (last %v after)", switchWindow, last.Sub(switched))
	}
}

func TestClusterFailover(t *testing.T) {
	bin := redistest.SkipOrFail(t)
	cl, err := redistest.StartCluster(bin, "")
	require.NoError(t, err)
	defer cl.Close()
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: cl.Addrs(), ReadTimeout: time.Second, WriteTimeout: time.Second})
	defer c.Close()
	a := loadtest.NewApp(t, c, 2*time.Second)

	underLoad(t, a, func() time.Time {
		keys, err := redistest.Keys(ctx, c, a.Prefix+"*")
		require.NoError(t, err)
		require.NotEmpty(t, keys)
		old, promoted, err := cl.Failover(ctx, keys[0])
		require.NoError(t, err)
		t.Logf("CLUSTER FAILOVER: %s replaced %s", promoted, old)
		return time.Now()
	})
	loadtest.CheckSessions(t, a, c)
}

func TestSentinelFailover(t *testing.T) {
	bin := redistest.SkipOrFail(t)
	s, err := redistest.StartSentinel(bin, "")
	require.NoError(t, err)
	defer s.Close()
	c := redis.NewFailoverClient(&redis.FailoverOptions{
		MasterName: redistest.SentinelMaster, SentinelAddrs: s.Addrs(),
		ReadTimeout: time.Second, WriteTimeout: time.Second, DialTimeout: 500 * time.Millisecond,
	})
	defer c.Close()
	a := loadtest.NewApp(t, c, 2*time.Second)

	underLoad(t, a, func() time.Time {
		old := s.Master.Addr
		s.Master.Stop() // a crash: the sentinels must promote the replica
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			if addr, err := s.MasterAddr(ctx); err == nil && addr != old {
				t.Logf("sentinels promoted %s after %s stopped", addr, old)
				return time.Now()
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatal("no failover within 30s")
		return time.Time{}
	})
	loadtest.CheckSessions(t, a, c)
}
