package gorillastore

import (
	"errors"
	"fmt"

	"github.com/redis-session/redis-session-go/hashcodec"
)

var (
	// ErrInvalidCookie means the request carried a session cookie that does
	// not verify: tampered, garbage, signed with a key no longer configured,
	// too long, or not holding a session ID. New then returns a fresh
	// session with this error (wrapping securecookie's, for errors.As). Treat
	// the user as unauthenticated; saving the fresh session replaces the
	// cookie.
	ErrInvalidCookie = errors.New("gorillastore: invalid session cookie")

	// ErrNotLoaded is returned by Save (and Fields) for a session whose
	// load failed (Redis error, corrupt data): saving it could overwrite the
	// stored session with nothing, so the store refuses.
	ErrNotLoaded = errors.New("gorillastore: session was not loaded; refusing to overwrite it")

	// ErrNotSaved is returned by the operations of Fields for a session that
	// has no ID yet (a new session before its first Save), and by FieldsOf
	// for a request without a session cookie. It wraps hashcodec.ErrNotFound,
	// like every "no such session" error of Fields and FieldsOf.
	ErrNotSaved = fmt.Errorf("gorillastore: session has not been saved yet: %w", hashcodec.ErrNotFound)

	// ErrSessionEnded is returned by RegenerateID when the session was
	// deleted (a logout, DeleteUserSessions, on any instance) or expired
	// while the request ran: nothing was saved, the cookie is expired, and
	// the user must log in again.
	ErrSessionEnded = errors.New("gorillastore: the session ended while the request ran")

	// ErrNoKeys is returned by New without key pairs.
	ErrNoKeys = errors.New("gorillastore: no key pairs")

	// ErrBadKey is returned by New for an empty hash key or a block key
	// that is not 16, 24 or 32 bytes.
	ErrBadKey = errors.New("gorillastore: bad key")

	// ErrNoClient is returned by New for a nil client.
	ErrNoClient = errors.New("gorillastore: nil redis client")

	// ErrConfig is returned by every operation when a Store field holds an
	// invalid value (a negative duration, an empty prefix, ...).
	ErrConfig = errors.New("gorillastore: invalid configuration")
)

// IsInvalidCookie reports whether err from Get or New means the cookie did
// not verify (see ErrInvalidCookie), as opposed to a Redis failure.
func IsInvalidCookie(err error) bool { return errors.Is(err, ErrInvalidCookie) }
