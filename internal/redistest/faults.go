package redistest

import (
	"context"
	"errors"
	"net"
	"strings"

	"github.com/redis/go-redis/v9"
)

// ErrInjected is the error FailCommands makes commands return.
var ErrInjected = errors.New("redistest: injected failure")

// FailCommands makes every command c sends with one of these names (as
// Redis spells them, any case) fail with ErrInjected without reaching the
// server, alone or in a pipeline. It stands in for a node, or a network,
// that fails only part of an operation.
func FailCommands(c redis.UniversalClient, names ...string) {
	c.AddHook(failing(names))
}

type failing []string

func (f failing) fails(cmd redis.Cmder) bool {
	for _, name := range f {
		if strings.EqualFold(cmd.Name(), name) {
			cmd.SetErr(ErrInjected)
			return true
		}
	}
	return false
}

// DialHook implements redis.Hook.
func (f failing) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		return next(ctx, network, addr)
	}
}

// ProcessHook implements redis.Hook.
func (f failing) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if f.fails(cmd) {
			return ErrInjected
		}
		return next(ctx, cmd)
	}
}

// ProcessPipelineHook implements redis.Hook.
func (f failing) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, cmd := range cmds {
			if f.fails(cmd) {
				return ErrInjected
			}
		}
		return next(ctx, cmds)
	}
}
