package redistest

import (
	"context"
	"testing"

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

func TestEachRunsBothBackends(t *testing.T) {
	var names []string
	Each(t, func(t *testing.T, b *Backend) {
		names = append(names, b.Name)
		require.NoError(t, b.Client.Ping(context.Background()).Err())
		assert.Equal(t, b.Name == "redis", b.Real())
	})
	if len(names) == 1 {
		assert.False(t, Required(), "the real backend may only be skipped without REDIS_REQUIRED")
	}
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
