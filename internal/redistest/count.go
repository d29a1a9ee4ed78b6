package redistest

import (
	"context"
	"net"
	"sync"

	"github.com/redis/go-redis/v9"
)

// Counter is a go-redis hook that records every command and pipeline the
// client sends. A pipeline counts as one round trip. Connection set-up
// (HELLO, CLIENT SETINFO, AUTH, SELECT on a new pooled connection) is not
// counted: it is not part of any operation.
type Counter struct {
	mu    sync.Mutex
	trips int
	names []string
}

// CountRoundTrips installs a Counter on c and returns it.
func CountRoundTrips(c redis.UniversalClient) *Counter {
	ctr := &Counter{}
	c.AddHook(ctr)
	return ctr
}

// DialHook implements redis.Hook.
func (c *Counter) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		return next(ctx, network, addr)
	}
}

// ProcessHook implements redis.Hook.
func (c *Counter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if !setup(cmd) {
			c.record(cmd.Name())
		}
		return next(ctx, cmd)
	}
}

// ProcessPipelineHook implements redis.Hook.
func (c *Counter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, cmd := range cmds {
			if !setup(cmd) {
				c.record("pipeline")
				break
			}
		}
		return next(ctx, cmds)
	}
}

func setup(cmd redis.Cmder) bool {
	switch cmd.Name() {
	case "hello", "client", "auth", "select", "readonly":
		return true
	}
	return false
}

func (c *Counter) record(name string) {
	c.mu.Lock()
	c.trips++
	c.names = append(c.names, name)
	c.mu.Unlock()
}

// Reset forgets what was counted so far.
func (c *Counter) Reset() {
	c.mu.Lock()
	c.trips, c.names = 0, nil
	c.mu.Unlock()
}

// RoundTrips returns the number of round trips since the last Reset.
func (c *Counter) RoundTrips() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.trips
}

// Commands returns the names of the commands sent since the last Reset.
func (c *Counter) Commands() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.names...)
}
