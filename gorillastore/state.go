package gorillastore

import (
	"runtime"
	"sync"
	"weak"

	"github.com/gorilla/sessions"

	"github.com/redis-session/redis-session-go/internal/sessionhash"
)

// loadState is what the store remembers about a session between New and
// Save: the snapshot of what was loaded (or last saved), or that the load
// failed. gorilla's Session has no field for it, and a reserved Values key
// would show in every range over Values, so the store keeps it beside the
// session, keyed by a weak pointer, and forgets it when the session is
// garbage collected.
type loadState struct {
	snap       *sessionhash.Snapshot // nil: nothing loaded or saved yet
	loadFailed bool
}

type stateTable struct {
	mu sync.Mutex
	m  map[weak.Pointer[sessions.Session]]loadState
}

func (t *stateTable) get(s *sessions.Session) loadState {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.m[weak.Make(s)]
}

func (t *stateTable) set(s *sessions.Session, st loadState) {
	wp := weak.Make(s)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = make(map[weak.Pointer[sessions.Session]]loadState)
	}
	if _, known := t.m[wp]; !known {
		runtime.AddCleanup(s, t.forget, wp)
	}
	t.m[wp] = st
}

func (t *stateTable) forget(wp weak.Pointer[sessions.Session]) {
	t.mu.Lock()
	delete(t.m, wp)
	t.mu.Unlock()
}
