package gorillastore

import (
	"runtime"
	"sync"
	"time"
	"weak"

	"github.com/gorilla/sessions"

	"github.com/redis-session/redis-session-go/internal/sessionhash"
)

// loadState is what the store remembers about a session between New and
// Save: the snapshot of what was loaded (or last saved), or that the load
// failed, and what the request's cookie said. gorilla's Session has no
// field for it, and a reserved Values key would show in every range over
// Values, so the store keeps it beside the session, keyed by a weak
// pointer (the request's own session object, not a context or a time),
// and forgets it when the session is garbage collected.
type loadState struct {
	snap *sessionhash.Snapshot // nil: nothing loaded or saved yet
	// loadErr is the error the load failed with: Save refuses to write.
	loadErr error
	// cookieID is the ID the request's cookie carried (verified), even when
	// the load failed or found no session; issued is when that cookie was
	// issued (zero if it did not say).
	cookieID string
	issued   time.Time
	// saved is set once this request set the session's cookie.
	saved bool
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
