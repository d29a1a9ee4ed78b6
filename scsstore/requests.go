package scsstore

import (
	"context"
	"sync"
	"time"

	"github.com/redis-session/redis-session-go/internal/sessionhash"
)

// requestState remembers what the store last loaded or wrote at a session
// key, so that a commit diffs against what is really stored rather than
// against what its values carry (the LoadedStateKey snapshot of the load),
// which is not always right:
//   - scs may commit one session several times per request (a manual
//     Commit, then the middleware's): the load is then older than what the
//     first commit wrote, and a diff against it would write back values
//     another request changed in between, and miss values removed since;
//   - sessionManager.Clear removes that value with the others, and
//     MergeSession replaces it with the other session's;
//   - a session the request created has no loaded state in its values.
//
// Without this, such a commit would erase what was written in between, or
// write the whole session and bring back one deleted meanwhile.
//
// Two tables, both bounded so that nothing outlives its use for long:
//   - per request, keyed by the Done channel of its context, which every
//     context derived from it with WithValue shares (scs's own, a
//     router's): what the request loaded and wrote, for its last
//     maxKeysPerRequest keys, dropped when the request ends. A context
//     that never ends (context.Background) cannot tell requests apart, so
//     nothing is remembered under it.
//   - per created session, keyed by its key: what the store last wrote at
//     a session it created in the last createdFor, for commits that come
//     under another context (context.Background, or a timeout middleware's
//     context with its own Done channel). A created key is unguessable and
//     new, so only the request that created it can commit it without
//     loading it first.
//
// Nothing is keyed by a context itself, so no context is kept alive.
type requestState struct {
	mu       sync.Mutex
	requests map[<-chan struct{}]*requestEntry
	order    []<-chan struct{} // requests in the order they came, for maxRequests
	created  map[string]createdEntry
	newest   []string // created keys in the order they came, for maxCreated
}

type requestEntry struct {
	byKey map[string]*sessionhash.Snapshot
	keys  []string    // in the order they came, for maxKeysPerRequest
	stop  func() bool // unregisters the AfterFunc that drops the entry
}

type createdEntry struct {
	snap *sessionhash.Snapshot
	at   time.Time
}

const (
	maxRequests       = 8192
	maxKeysPerRequest = 16
	maxCreated        = 4096
	createdFor        = 10 * time.Second
)

// get returns what the store last loaded or wrote at key for ctx's
// request, else what it last wrote at a session it created there, or nil.
// fromValues is the snapshot the commit's values carry for key (nil if
// none): it is older than the request's own record, but newer than the
// creation record, which only serves sessions that carry none.
func (r *requestState) get(ctx context.Context, key string, fromValues *sessionhash.Snapshot) *sessionhash.Snapshot {
	r.mu.Lock()
	defer r.mu.Unlock()
	if done := ctx.Done(); done != nil {
		if e := r.requests[done]; e != nil && e.byKey[key] != nil {
			return e.byKey[key]
		}
	}
	if fromValues != nil {
		return fromValues
	}
	if c, ok := r.created[key]; ok && time.Since(c.at) < createdFor {
		return c.snap
	}
	return nil
}

// loaded remembers what a Find of ctx's request loaded.
func (r *requestState) loaded(ctx context.Context, snap *sessionhash.Snapshot) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.putRequest(ctx, snap)
}

// wrote remembers what a commit of ctx's request left at snap.Key; create
// tells that the commit created the session.
func (r *requestState) wrote(ctx context.Context, snap *sessionhash.Snapshot, create bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.putRequest(ctx, snap)
	if c, known := r.created[snap.Key]; create {
		r.putCreated(snap, time.Now())
	} else if known && time.Since(c.at) < createdFor {
		r.putCreated(snap, c.at) // still counted from the creation
	}
}

func (r *requestState) putRequest(ctx context.Context, snap *sessionhash.Snapshot) {
	done := ctx.Done()
	if done == nil {
		return
	}
	e := r.requests[done]
	if e == nil {
		if r.requests == nil {
			r.requests = make(map[<-chan struct{}]*requestEntry)
		}
		e = &requestEntry{byKey: make(map[string]*sessionhash.Snapshot, 1)}
		r.requests[done] = e
		e.stop = context.AfterFunc(ctx, func() {
			r.mu.Lock()
			defer r.mu.Unlock()
			if r.requests[done] == e {
				delete(r.requests, done)
			}
		})
		r.order = append(r.order, done)
		if len(r.order) > maxRequests {
			// Many requests that did not end yet: forget the oldest, whose
			// commits fall back on what their values carry.
			oldest := r.order[0]
			r.order = r.order[1:]
			if old := r.requests[oldest]; old != nil {
				old.stop()
				delete(r.requests, oldest)
			}
		}
	}
	if _, known := e.byKey[snap.Key]; !known {
		e.keys = append(e.keys, snap.Key)
		if len(e.keys) > maxKeysPerRequest {
			// A long-lived context (a job's) that loads many sessions.
			delete(e.byKey, e.keys[0])
			e.keys = e.keys[1:]
		}
	}
	e.byKey[snap.Key] = snap
}

func (r *requestState) putCreated(snap *sessionhash.Snapshot, at time.Time) {
	if r.created == nil {
		r.created = make(map[string]createdEntry)
	}
	if _, known := r.created[snap.Key]; !known {
		r.newest = append(r.newest, snap.Key)
		if len(r.newest) > maxCreated {
			delete(r.created, r.newest[0])
			r.newest = r.newest[1:]
		}
	}
	r.created[snap.Key] = createdEntry{snap: snap, at: at}
}
