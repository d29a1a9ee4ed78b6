package gorillastore

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/gorilla/sessions"

	"github.com/redis-session/redis-session-go/hashcodec"
	"github.com/redis-session/redis-session-go/internal/layout"
	"github.com/redis-session/redis-session-go/internal/sessionhash"
	"github.com/redis-session/redis-session-go/internal/token"
)

// RegenerateID gives the session a fresh ID, the defence against session
// fixation to use on login and privilege changes: the old key is deleted
// first, leaving a tombstone that names the new key, and only if that
// delete ended a live session are the session's values written under the
// new key (continuing its creation time and user binding) and the cookie
// re-issued. (No RENAME: it fails across Cluster slots.) If the old session
// was deleted meanwhile (a logout, "log out everywhere", on any instance)
// nothing is written, the cookie is expired and ErrSessionEnded returned;
// a logout with the old cookie while the new key is written, or after,
// ends the new session too: a logged-out session does not live on under a
// new ID, and a login handler can tell the user to log in again. A
// failure half-way fails closed: the old session is ended and no copy of
// it is left. For a session never saved it is a plain Save.
func (s *Store) RegenerateID(r *http.Request, w http.ResponseWriter, session *sessions.Session) error {
	if err := s.check(); err != nil {
		return err
	}
	st := s.states.get(session)
	if st.loadErr != nil {
		return ErrNotLoaded
	}
	if session.Options == nil || session.Options.MaxAge < 0 || st.snap == nil {
		return s.Save(r, w, session)
	}
	id, old := token.New(), st.snap
	ctx, cancel := sessionhash.DetachedContext(r.Context(), s.Timeout)
	defer cancel()
	// The old key's tombstone names the new one: a logout with the old
	// cookie from now on, racing the write below or after it, ends the
	// new session too.
	ended, err := sessionhash.DeleteInto(ctx, s.client, old.Key, s.key(id), layout.Now())
	if err != nil {
		return fmt.Errorf("gorillastore: regenerate: %w", err)
	}
	var snap *sessionhash.Snapshot
	if ended.Alive {
		snap, err = s.write(ctx, session, s.key(id), nil, old)
	}
	if snap == nil {
		// The old session was deleted (logout) or expired while this request
		// ran, or its revocation refused the new key, or the write failed:
		// it does not live on under the new ID.
		s.states.set(session, loadState{saved: true})
		s.expireCookie(w, session)
		if err != nil && !errors.Is(err, sessionhash.ErrGone) {
			return err
		}
		return ErrSessionEnded
	}
	return s.issue(w, session, id, snap)
}

// Destroy deletes the session from Redis for good (its key holds a
// tombstone, so no request in flight on any instance brings it back),
// clears its values and expires the cookie (what Save does for MaxAge <
// 0). The session the request's cookie named is deleted even when its load
// failed.
func (s *Store) Destroy(r *http.Request, w http.ResponseWriter, session *sessions.Session) error {
	if err := s.check(); err != nil {
		return err
	}
	id := session.ID
	if id == "" {
		id = s.states.get(session).cookieID
	}
	if token.Valid(id) {
		ctx, cancel := sessionhash.DetachedContext(r.Context(), s.Timeout)
		defer cancel()
		if _, err := s.deleteKey(ctx, s.key(id)); err != nil {
			return err
		}
	}
	clear(session.Values)
	session.ID = ""
	s.states.set(session, loadState{saved: true})
	if session.Options == nil {
		opts := *s.Options
		session.Options = &opts
	}
	s.expireCookie(w, session)
	return nil
}

// DeleteByID ends the session with this ID (as found in session.ID),
// wherever it is used: an admin kicking a user, "log out other devices".
// An unknown or malformed ID is a no-op.
func (s *Store) DeleteByID(ctx context.Context, id string) error {
	if err := s.check(); err != nil {
		return err
	}
	if !token.Valid(id) {
		return nil
	}
	ctx, cancel := sessionhash.DetachedContext(ctx, s.Timeout)
	defer cancel()
	_, err := s.deleteKey(ctx, s.key(id))
	return err
}

// deleteKey ends the session at key for good (its key holds a tombstone,
// so that no request in flight on any instance brings it back) and reports
// what it found. ctx must already be detached from the request, so that
// one timeout bounds the operation that deletes.
func (s *Store) deleteKey(ctx context.Context, key string) (sessionhash.Ended, error) {
	ended, err := sessionhash.Delete(ctx, s.client, key, s.KeyPrefix, layout.Now())
	if err != nil {
		return ended, fmt.Errorf("gorillastore: delete: %w", err)
	}
	return ended, nil
}

// Fields returns a handle for reading and writing single values of this
// session straight from Redis, without loading the rest (string keys
// only). The user key (UserKey) is read-only here (ErrReadOnly): writing
// it must rebind the session, which Save or BindUser does.
// It does no I/O. A session not saved yet has no key: every operation then
// fails with ErrNotSaved.
func (s *Store) Fields(session *sessions.Session) *hashcodec.Hash {
	if err := s.check(); err != nil {
		return hashcodec.NewHashErr(err)
	}
	if s.states.get(session).loadErr != nil {
		return hashcodec.NewHashErr(ErrNotLoaded)
	}
	if !token.Valid(session.ID) {
		return hashcodec.NewHashErr(ErrNotSaved)
	}
	return s.hash(session.ID)
}

// FieldsOf returns a handle on the session named by the request's cookie
// without loading it: only the cookie is verified, so a handler can read or
// write one value in one round trip. Without a session every operation
// fails with an error wrapping hashcodec.ErrNotFound: ErrNotSaved without a
// cookie, ErrInvalidCookie for one that does not verify.
func (s *Store) FieldsOf(r *http.Request, name string) *hashcodec.Hash {
	if err := s.check(); err != nil {
		return hashcodec.NewHashErr(err)
	}
	cookie, err := r.Cookie(name)
	if err != nil || cookie.Value == "" {
		return hashcodec.NewHashErr(ErrNotSaved)
	}
	id, _, err := s.decodeCookie(name, cookie.Value)
	if err != nil {
		return hashcodec.NewHashErr(fmt.Errorf("%w: %w", hashcodec.ErrNotFound, err))
	}
	return s.hash(id)
}

func (s *Store) hash(id string) *hashcodec.Hash {
	opts := []hashcodec.HashOption{hashcodec.WithLimits(s.Limits)}
	if s.UserKey != "" {
		opts = append(opts, hashcodec.WithReadOnlyKeys("it binds the session to its user: change it in session.Values and Save, or with BindUser", s.UserKey))
	}
	return hashcodec.NewHash(s.client, s.key(id), opts...)
}

// LoadErr returns the error the load of session failed with (a Redis
// failure, stored data that does not decode), or nil: what Get returned,
// for code that cannot see it (gin-contrib's wrapper drops it). Save of
// such a session returns ErrNotLoaded.
func (s *Store) LoadErr(session *sessions.Session) error {
	return s.states.get(session).loadErr
}
