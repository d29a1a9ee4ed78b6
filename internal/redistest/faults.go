package redistest

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
)

// ErrInjected is the error the fault hooks make commands return.
var ErrInjected = errors.New("redistest: injected failure")

// FailCommands makes every command c sends with one of these names (as
// Redis spells them, any case) fail with ErrInjected without reaching the
// server, alone or in a pipeline. It stands in for a node, or a network,
// that fails only part of an operation.
func FailCommands(c redis.UniversalClient, names ...string) {
	c.AddHook(beforeHook(func(_ context.Context, cmds []redis.Cmder) error {
		for _, cmd := range cmds {
			for _, name := range names {
				if strings.EqualFold(cmd.Name(), name) {
					return ErrInjected
				}
			}
		}
		return nil
	}))
}

// FailOnce makes the first command of c that matches (alone or in a
// pipeline, which then fails whole) fail with ErrInjected without reaching
// Redis: one lost packet, one node timing out.
func FailOnce(c redis.UniversalClient, match func(redis.Cmder) bool) {
	var once sync.Once
	c.AddHook(beforeHook(func(_ context.Context, cmds []redis.Cmder) error {
		var err error
		if anyMatch(match, cmds) {
			once.Do(func() { err = ErrInjected })
		}
		return err
	}))
}

// StallOnce holds the first command of c that matches until its context
// ends (a Redis or network slow past the caller's timeout), then fails it
// with the context's error. The channel is closed when it starts waiting.
func StallOnce(c redis.UniversalClient, match func(redis.Cmder) bool) <-chan struct{} {
	arrived := make(chan struct{})
	var once sync.Once
	c.AddHook(beforeHook(func(ctx context.Context, cmds []redis.Cmder) error {
		var err error
		if anyMatch(match, cmds) {
			once.Do(func() {
				close(arrived)
				<-ctx.Done()
				err = ctx.Err()
			})
		}
		return err
	}))
	return arrived
}

func anyMatch(match func(redis.Cmder) bool, cmds []redis.Cmder) bool {
	for _, c := range cmds {
		if match(c) {
			return true
		}
	}
	return false
}

// beforeHook runs on every command and pipeline its client sends; an error
// it returns fails them without reaching Redis.
type beforeHook func(ctx context.Context, cmds []redis.Cmder) error

func (h beforeHook) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) { return next(ctx, network, addr) }
}

func (h beforeHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if err := h(ctx, []redis.Cmder{cmd}); err != nil {
			cmd.SetErr(err)
			return err
		}
		return next(ctx, cmd)
	}
}

func (h beforeHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if err := h(ctx, cmds); err != nil {
			for _, c := range cmds {
				c.SetErr(err)
			}
			return err
		}
		return next(ctx, cmds)
	}
}
