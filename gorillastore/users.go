package gorillastore

import (
	"context"
	"errors"
	"fmt"

	"github.com/gorilla/sessions"

	"github.com/redis-session/redis-session-go/hashcodec"
	"github.com/redis-session/redis-session-go/internal/layout"
	"github.com/redis-session/redis-session-go/internal/sessionhash"
	"github.com/redis-session/redis-session-go/internal/token"
	"github.com/redis-session/redis-session-go/internal/userindex"
)

// UserSession describes one live session of a user: its ID, when it was
// created, when it was last used (approximately), and when it expires.
//
//	type UserSession struct {
//		Token    string    // names the session in this store
//		Created  time.Time // when the session was created
//		LastSeen time.Time // when its expiry last slid; zero if unknown
//		Expires  time.Time // when it ends unless used again
//	}
type UserSession = userindex.Session

func (s *Store) index() userindex.Index {
	return userindex.Index{Client: s.client, Prefix: s.KeyPrefix}
}

// userOf returns the user the session is bound to after a save: the value
// under UserKey, or else the binding it was loaded with.
func (s *Store) userOf(session *sessions.Session, loaded *sessionhash.Snapshot) string {
	if s.UserKey != "" {
		return userindex.FormatUser(session.Values[s.UserKey])
	}
	if loaded != nil {
		return loaded.Meta[layout.User]
	}
	return ""
}

// BindUser binds the saved session to userID, or unbinds it when userID is
// "". Most apps set UserKey instead. A session not saved yet gives
// ErrNotSaved.
func (s *Store) BindUser(ctx context.Context, session *sessions.Session, userID string) error {
	if err := s.check(); err != nil {
		return err
	}
	if s.states.get(session).loadErr != nil {
		return ErrNotLoaded
	}
	if !token.Valid(session.ID) {
		return ErrNotSaved
	}
	if userID != "" {
		if err := userindex.CheckUser(userID); err != nil {
			return fmt.Errorf("gorillastore: %w", err)
		}
	}
	ctx, cancel := sessionhash.DetachedContext(ctx, s.Timeout)
	defer cancel()
	err := s.index().BindLoaded(ctx, session.ID, s.key(session.ID), userID)
	if errors.Is(err, hashcodec.ErrNotFound) {
		return ErrNotSaved
	}
	if err != nil {
		return fmt.Errorf("gorillastore: bind user: %w", err)
	}
	return nil
}

// UserSessions lists the live sessions bound to userID, from the user's
// index and each session's metadata, without loading any session's values.
// Entries of sessions that ended are pruned on the way.
func (s *Store) UserSessions(ctx context.Context, userID string) ([]UserSession, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	list, err := s.index().List(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("gorillastore: %w", err)
	}
	return list, nil
}

// DeleteUserSessions ends every session bound to userID ("log out
// everywhere") except the one with ID exceptID, which may be "" (pass
// session.ID to keep the current one). It returns how many sessions it
// ended. Nothing escapes it: a request of an ended session still in flight
// cannot bring it back, and an ID regeneration or a second device's
// request racing it cannot keep a session of that user alive, on any app
// instance; only a login that binds a session after it started is new. If
// it returns an error, some sessions may not have been ended: call it
// again (their index entries are kept for that).
func (s *Store) DeleteUserSessions(ctx context.Context, userID, exceptID string) (int, error) {
	if err := s.check(); err != nil {
		return 0, err
	}
	ctx, cancel := sessionhash.DetachedContext(ctx, s.Timeout)
	defer cancel()
	n, err := s.index().Revoke(ctx, userID, exceptID, layout.Now())
	if err != nil {
		return n, fmt.Errorf("gorillastore: %w", err)
	}
	return n, nil
}
