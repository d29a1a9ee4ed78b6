package scsstore

import (
	"context"
	"reflect"
	"sync"

	"github.com/redis-session/redis-session-go/internal/sessionhash"
)

// createdInRequest remembers, for the rest of a request, what a commit
// wrote for a session the request did not load (a new session, a renewed
// token). scs may commit one session several times per request (a manual
// Commit, then the middleware's); the snapshot it carries in the values
// is the load's, so without this the later commits would write the whole
// session again and erase what was written in between (a Fields().Incr,
// a concurrent request).
//
// Entries are keyed by the request's context (scs passes the same one to
// every commit of a request) and dropped when it is done; net/http cancels
// request contexts when the request completes. Contexts that never end
// (context.Background in tests and scripts) are kept in a small FIFO.
type createdInRequest struct {
	mu      sync.Mutex
	m       map[context.Context]*sessionhash.Snapshot
	undying []context.Context
}

const maxUndyingContexts = 1024

func comparable(ctx context.Context) bool { return reflect.TypeOf(ctx).Comparable() }

// lookup returns what this request last wrote at key, or nil.
func (c *createdInRequest) lookup(ctx context.Context, key string) *sessionhash.Snapshot {
	if !comparable(ctx) {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if snap := c.m[ctx]; snap != nil && snap.Key == key {
		return snap
	}
	return nil
}

// remember records what this request now has stored at snap.Key.
func (c *createdInRequest) remember(ctx context.Context, snap *sessionhash.Snapshot) {
	if !comparable(ctx) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[context.Context]*sessionhash.Snapshot)
	}
	_, known := c.m[ctx]
	c.m[ctx] = snap
	if known {
		return
	}
	if ctx.Done() != nil {
		context.AfterFunc(ctx, func() {
			c.mu.Lock()
			delete(c.m, ctx)
			c.mu.Unlock()
		})
		return
	}
	c.undying = append(c.undying, ctx)
	if len(c.undying) > maxUndyingContexts {
		delete(c.m, c.undying[0])
		c.undying = c.undying[1:]
	}
}
