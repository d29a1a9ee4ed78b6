package redistest

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) { Main(m) }

func TestStartStopRestart(t *testing.T) {
	bin := SkipOrFail(t)
	s, err := Start(bin, t.TempDir())
	require.NoError(t, err)
	defer s.Close()
	c := s.Client()
	defer c.Close()
	ctx := context.Background()
	require.NoError(t, c.Set(ctx, "k", "v", 0).Err())

	s.Stop()
	assert.Error(t, c.Ping(ctx).Err(), "stopped")
	require.NoError(t, s.Restart())
	require.NoError(t, c.Ping(ctx).Err(), "the same client reconnects")
	assert.Zero(t, c.Exists(ctx, "k").Val(), "a restarted server persists nothing")
}

func TestEachRunsEveryBackend(t *testing.T) {
	var names []string
	Each(t, func(t *testing.T, b *Backend) {
		names = append(names, b.Name)
		require.NoError(t, b.Client.Ping(context.Background()).Err())
		assert.Equal(t, b.Name != "miniredis", b.Real())
		assert.Equal(t, b.Name == "cluster", b.Cluster != nil)
	})
	if len(names) < 3 {
		assert.False(t, Required(), "real backends may only be skipped without REDIS_REQUIRED")
	}
}

func TestClusterSpreadsKeysOverEveryMaster(t *testing.T) {
	cl := SharedCluster(t)
	c := cl.Client()
	defer c.Close()
	ctx := context.Background()
	prefix := UniquePrefix()
	for i := 0; i < 60; i++ {
		require.NoError(t, c.Set(ctx, prefix+strconv.Itoa(i), "x", time.Minute).Err())
	}
	var masters atomic.Int32
	require.NoError(t, c.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
		keys, err := node.Keys(ctx, prefix+"*").Result()
		if len(keys) > 0 {
			masters.Add(1)
		}
		return err
	}))
	assert.Equal(t, int32(3), masters.Load())
	keys, err := Keys(ctx, c, prefix+"*")
	require.NoError(t, err)
	assert.Len(t, keys, 60)
}

func TestSentinelSetUp(t *testing.T) {
	bin := SkipOrFail(t)
	s, err := StartSentinel(bin, t.TempDir())
	require.NoError(t, err)
	defer s.Close()
	c := s.Client()
	defer c.Close()
	ctx := context.Background()
	require.NoError(t, c.Set(ctx, "k", "v", time.Minute).Err())
	addr, err := s.MasterAddr(ctx)
	require.NoError(t, err)
	assert.Equal(t, s.Master.Addr, addr)
}

func TestCounterCountsRoundTrips(t *testing.T) {
	m := NewMini(t)
	c := (&Server{Addr: m.Addr()}).Client()
	defer c.Close()
	ctx := context.Background()
	ctr := CountRoundTrips(c)
	c.Set(ctx, "a", 1, 0)
	pipe := c.Pipeline()
	pipe.Get(ctx, "a")
	pipe.Get(ctx, "b")
	_, _ = pipe.Exec(ctx)
	assert.Equal(t, 2, ctr.RoundTrips())
	assert.Equal(t, []string{"set", "pipeline"}, ctr.Commands())
	ctr.Reset()
	assert.Zero(t, ctr.RoundTrips())
}
