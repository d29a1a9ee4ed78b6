package scsstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis-session/redis-session-go/internal/layout"
	"github.com/redis-session/redis-session-go/internal/sessionhash"
	"github.com/redis-session/redis-session-go/internal/userindex"
)

// UserSession describes one live session of a user: its token as stored
// (the hash of the cookie token under HashTokenInStore), when it was
// created, when it was last used (approximately), and when it expires.
//
//	type UserSession struct {
//		Token    string    // names the session in this store
//		Created  time.Time // when the session was created
//		LastSeen time.Time // when its expiry last slid; zero if unknown
//		Expires  time.Time // when it ends unless used again
//	}
type UserSession = userindex.Session

// WithUserKey binds each session to the user ID stored under key in the
// session (for example "user_id"), so UserSessions and DeleteUserSessions
// can find every session of a user. The binding follows the value at each
// commit: putting a user ID binds, another ID rebinds, removing it (or
// Destroy, or RenewToken) unbinds or moves the binding. Strings are used as
// they are, other values as fmt.Sprint prints them. Without this option,
// bind sessions with BindUser.
func WithUserKey(key string) Option {
	return func(s *Store) {
		if key == "" {
			s.configErr = errors.Join(s.configErr, errors.New("scsstore: WithUserKey: empty key"))
			return
		}
		s.userKey = key
	}
}

func (s *Store) index() userindex.Index {
	return userindex.Index{Client: s.client, Prefix: s.prefix}
}

// storedToken turns the token the app sees into the one that names the key.
func (s *Store) storedToken(token string) (string, error) {
	if !s.validToken(token) {
		return "", ErrInvalidToken
	}
	if s.hashTokens {
		return hashToken(token), nil
	}
	return token, nil
}

// BindUser binds the committed session with this token to userID, or
// unbinds it when userID is "". Pass sessionManager.Token(ctx) (the store
// hashes it WithHashedTokens). Most apps use WithUserKey instead. A session
// that does not exist (yet) gives hashcodec.ErrNotFound.
func (s *Store) BindUser(ctx context.Context, token, userID string) error {
	if s.configErr != nil {
		return s.configErr
	}
	stored, err := s.storedToken(token)
	if err != nil {
		return err
	}
	if userID != "" {
		if err := userindex.CheckUser(userID); err != nil {
			return fmt.Errorf("scsstore: %w", err)
		}
	}
	ctx, cancel := sessionhash.DetachedContext(ctx, s.timeout)
	defer cancel()
	if err := s.index().BindLoaded(ctx, stored, s.key(stored), userID); err != nil {
		return fmt.Errorf("scsstore: bind user: %w", err)
	}
	return nil
}

// UserSessions lists the live sessions bound to userID, from the user's
// index and each session's metadata, without loading any session's values.
// Entries of sessions that ended are pruned on the way.
func (s *Store) UserSessions(ctx context.Context, userID string) ([]UserSession, error) {
	if s.configErr != nil {
		return nil, s.configErr
	}
	list, err := s.index().List(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("scsstore: %w", err)
	}
	return list, nil
}

// DeleteUserSessions ends every session bound to userID ("log out
// everywhere") except the one with exceptToken, which may be "" (pass
// sessionManager.Token(ctx) to keep the current one). It returns how many
// sessions it ended. Nothing escapes it: a request of an ended session
// still in flight cannot bring it back, and a renewal (RenewToken) or a
// second device's request racing it cannot keep a session of that user
// alive, on any app instance; only a login that binds a session after it
// started is new. If it returns an error, some sessions may not have been
// ended: call it again (their index entries are kept for that).
func (s *Store) DeleteUserSessions(ctx context.Context, userID, exceptToken string) (int, error) {
	if s.configErr != nil {
		return 0, s.configErr
	}
	except := ""
	if exceptToken != "" {
		var err error
		if except, err = s.storedToken(exceptToken); err != nil {
			return 0, err
		}
	}
	ctx, cancel := sessionhash.DetachedContext(ctx, s.timeout)
	defer cancel()
	n, err := s.index().Revoke(ctx, userID, except, layout.Now())
	if err != nil {
		return n, fmt.Errorf("scsstore: %w", err)
	}
	return n, nil
}
