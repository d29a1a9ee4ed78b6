package redistest

import (
	"context"
	"net"
	"sync"

	"github.com/redis/go-redis/v9"
)

// PauseAt makes the first command c sends that match accepts (alone or in
// a pipeline) wait at a gate before it is sent: the test waits on the
// gate's Arrived, does what must happen at that point, and Releases it.
// Later matching commands pass. It forces an interleaving inside an
// operation of the store without touching the store's code.
func PauseAt(c redis.UniversalClient, match func(cmd redis.Cmder) bool) *Gate {
	p := &pause{gate: NewGate(), match: match}
	c.AddHook(p)
	return p.gate
}

type pause struct {
	gate  *Gate
	match func(redis.Cmder) bool
	once  sync.Once
}

func (p *pause) wait(cmds ...redis.Cmder) {
	for _, cmd := range cmds {
		if p.match(cmd) {
			p.once.Do(p.gate.Wait)
			return
		}
	}
}

// DialHook implements redis.Hook.
func (p *pause) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		return next(ctx, network, addr)
	}
}

// ProcessHook implements redis.Hook.
func (p *pause) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		p.wait(cmd)
		return next(ctx, cmd)
	}
}

// ProcessPipelineHook implements redis.Hook.
func (p *pause) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		p.wait(cmds...)
		return next(ctx, cmds)
	}
}

// Script matches a command that runs script (EVALSHA, which every run of
// a script starts with), on any key when keys is empty, else on one of
// keys.
func Script(script *redis.Script, keys ...string) func(redis.Cmder) bool {
	return func(cmd redis.Cmder) bool {
		args := cmd.Args()
		if len(args) < 4 || cmd.Name() != "evalsha" {
			return false
		}
		sha, _ := args[1].(string)
		return sha == script.Hash() && (len(keys) == 0 || names(args[3:], keys))
	}
}

// Command matches a command by name (lower case) and, when keys are given,
// by one of its arguments.
func Command(name string, keys ...string) func(redis.Cmder) bool {
	return func(cmd redis.Cmder) bool {
		return cmd.Name() == name && (len(keys) == 0 || names(cmd.Args()[1:], keys))
	}
}

func names(args []any, keys []string) bool {
	for _, a := range args {
		for _, k := range keys {
			if s, ok := a.(string); ok && s == k {
				return true
			}
		}
	}
	return false
}
