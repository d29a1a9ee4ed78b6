package scsstore

import (
	"context"
	"reflect"
	"sync"

	"github.com/redis-session/redis-session-go/internal/sessionhash"
)

// requestState remembers, for the rest of a request, what this store
// loaded and wrote for each session key in that request. A commit normally
// finds what its request loaded in the values (the LoadedStateKey
// snapshot), but not always:
//   - sessionManager.Clear removes that value with the others, and
//     MergeSession replaces it with the other session's;
//   - scs may commit one session several times per request (a manual
//     Commit, then the middleware's); a session the request created has no
//     loaded state in its values at all.
//
// Without this, such a commit would write the whole session: erasing what
// was written in between, or bringing back a session deleted meanwhile.
//
// Entries are keyed by the request: the Done channel of its context, which
// every context derived from it with WithValue shares (scs's own, and a
// router's or middleware's). net/http cancels it when the request ends,
// which drops the entry. A context that never ends (context.Background, as
// httptest.NewRequest uses) cannot tell concurrent requests apart: only
// what the store wrote is remembered for it, in a small FIFO, since a
// write's token is unique to its session.
type requestState struct {
	mu      sync.Mutex
	m       map[any]map[string]*sessionhash.Snapshot // request -> key -> state
	undying []any
}

const maxUndyingContexts = 1024

// request returns the identity of ctx's request, and whether it has one
// that is safe to remember loads under.
func request(ctx context.Context) (id any, ends bool) {
	if done := ctx.Done(); done != nil {
		return done, true
	}
	if reflect.TypeOf(ctx).Comparable() {
		return ctx, false
	}
	return nil, false
}

// get returns what this request last loaded or wrote at key, or nil.
func (r *requestState) get(ctx context.Context, key string) *sessionhash.Snapshot {
	id, _ := request(ctx)
	if id == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.m[id][key]
}

// loaded remembers what a Find of this request loaded.
func (r *requestState) loaded(ctx context.Context, snap *sessionhash.Snapshot) {
	if _, ends := request(ctx); ends {
		r.put(ctx, snap)
	}
}

// wrote remembers what a commit of this request left at snap.Key.
func (r *requestState) wrote(ctx context.Context, snap *sessionhash.Snapshot) { r.put(ctx, snap) }

func (r *requestState) put(ctx context.Context, snap *sessionhash.Snapshot) {
	id, ends := request(ctx)
	if id == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = make(map[any]map[string]*sessionhash.Snapshot)
	}
	byKey, known := r.m[id]
	if !known {
		byKey = make(map[string]*sessionhash.Snapshot, 1)
		r.m[id] = byKey
		r.forgetLater(ctx, id, ends)
	}
	byKey[snap.Key] = snap
}

// forgetLater drops the request's entries when it ends, or, for contexts
// that never end, once more than maxUndyingContexts came after it.
func (r *requestState) forgetLater(ctx context.Context, id any, ends bool) {
	if ends {
		context.AfterFunc(ctx, func() {
			r.mu.Lock()
			delete(r.m, id)
			r.mu.Unlock()
		})
		return
	}
	r.undying = append(r.undying, id)
	if len(r.undying) > maxUndyingContexts {
		delete(r.m, r.undying[0])
		r.undying = r.undying[1:]
	}
}
