package ginstore

import (
	"errors"
	"fmt"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
	gsessions "github.com/gorilla/sessions"

	"github.com/redis-session/redis-session-go/hashcodec"
)

// ErrOtherStore is returned by the helpers of Store (RegenerateID,
// Destroy, BindUser, and the operations of Fields) when the session that
// gin-contrib's middleware holds under that name in this request belongs
// to another store.
var ErrOtherStore = errors.New("ginstore: the session of that name belongs to another store")

// gorillaBacked is what gin-contrib's session value offers beyond its
// Session interface: the gorilla session it wraps, loaded on first use.
type gorillaBacked interface {
	Session() *gsessions.Session
}

// session returns the gorilla session named name of this request: the one
// gin-contrib's middleware wraps (so sessions.Default(c) and the helpers
// act on one session, even when a later middleware replaced c.Request),
// or else the one in the request's gorilla registry.
func (s *Store) session(c *gin.Context, name string) (*gsessions.Session, error) {
	gs := middlewareSession(c, name)
	if gs == nil {
		var err error
		if gs, err = s.Store.Get(c.Request, name); gs == nil {
			return nil, err // an invalid cookie name
		}
		// A load error stays with the session: the store refuses to save
		// a session whose load failed (gorillastore.ErrNotLoaded).
	}
	if gs.Store() != gsessions.Store(s.Store) {
		return nil, fmt.Errorf("%w: %q", ErrOtherStore, name)
	}
	return gs, nil
}

// middlewareSession returns the gorilla session gin-contrib's middleware
// (Sessions, SessionsMany or SessionsManyStores) holds for name, loading it
// if the handler has not touched it yet; nil without one.
func middlewareSession(c *gin.Context, name string) *gsessions.Session {
	v, ok := c.Get(sessions.DefaultKey)
	if !ok {
		return nil
	}
	var ws sessions.Session
	switch v := v.(type) {
	case map[string]sessions.Session:
		ws = v[name]
	case sessions.Session:
		ws = v
	}
	b, ok := ws.(gorillaBacked)
	if !ok {
		return nil
	}
	if gs := b.Session(); gs != nil && gs.Name() == name {
		return gs
	}
	return nil
}

// RegenerateID gives the request's session named name a fresh ID, the
// defence against session fixation to use on login and on privilege
// changes (gorillastore.Store.RegenerateID): its values, including those
// set through sessions.Default(c) in this request, are written under a new
// key, the old key is deleted, and the new cookie is set on c.Writer, so
// call it before the response body is written. The old cookie is dead
// from then on, also for requests still in flight. A later session.Save()
// in the same request saves what changed since; it never brings the old ID
// back. If the session was deleted meanwhile (logged out elsewhere),
// nothing is written, the cookie is expired and the error is
// gorillastore.ErrSessionEnded: tell the user to log in again. A new
// session is simply saved.
func (s *Store) RegenerateID(c *gin.Context, name string) error {
	gs, err := s.session(c, name)
	if err != nil {
		return err
	}
	return s.Store.RegenerateID(c.Request, c.Writer, gs)
}

// Destroy logs the request's session named name out: it deletes the
// session from Redis, clears its values and expires the cookie on
// c.Writer (call it before the response body is written). It deletes the
// session the cookie names even when loading it failed in this request.
// The deletion is final for every instance: a request of the same cookie
// still in flight does not bring it back, and the old cookie gets a fresh
// session. For the rest of the request the session stays deleted: a later
// session.Save() (gin-contrib's) only expires the cookie again, because
// Destroy leaves the session's Options.MaxAge at -1, as gin-contrib's own
// logout idiom (Clear, Options{MaxAge: -1}, Save) does, which works with
// this store too. If it returns an error, the cookie is left as it was, so
// the client can try again.
func (s *Store) Destroy(c *gin.Context, name string) error {
	gs, err := s.session(c, name)
	if err != nil {
		return err
	}
	if err := s.Store.Destroy(c.Request, c.Writer, gs); err != nil {
		return err
	}
	gs.Options.MaxAge = -1
	return nil
}

// Fields returns a handle for reading and writing single values of the
// request's session named name straight from Redis, each operation one
// round trip that also slides the session's expiry
// (gorillastore.Store.Fields). It loads the session if this request has
// not yet; to touch one value without loading anything, use
// s.FieldsOf(c.Request, name). A session not saved yet has no key: every
// operation then fails with gorillastore.ErrNotSaved (which wraps
// hashcodec.ErrNotFound). Values written through the handle are not in
// the loaded session's Values, and a later session.Save() leaves them
// alone unless the handler set the same key.
func (s *Store) Fields(c *gin.Context, name string) *hashcodec.Hash {
	gs, err := s.session(c, name)
	if err != nil {
		return hashcodec.NewHashErr(err)
	}
	return s.Store.Fields(gs)
}

// BindUser binds the request's saved session named name to userID, or
// unbinds it for "", so that UserSessions and DeleteUserSessions find it
// (gorillastore.Store.BindUser). Most apps set UserKey instead, which binds
// at every save. A session not saved yet gives gorillastore.ErrNotSaved.
func (s *Store) BindUser(c *gin.Context, name, userID string) error {
	gs, err := s.session(c, name)
	if err != nil {
		return err
	}
	return s.Store.BindUser(c.Request.Context(), gs, userID)
}

// LoadErr returns the error the load of the request's session named name
// failed with (Redis down, stored data that does not decode), or nil.
// gin-contrib's wrapper drops it: sessions.Default(c).Get then reads an
// empty session and its Save fails with gorillastore.ErrNotLoaded. Check
// LoadErr where "no session" and "Redis is down" must not look alike.
func (s *Store) LoadErr(c *gin.Context, name string) error {
	gs, err := s.session(c, name)
	if err != nil {
		return err
	}
	return s.Store.LoadErr(gs)
}
