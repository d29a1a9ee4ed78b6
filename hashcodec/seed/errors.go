package seed

import (
	"errors"
	"net/http"
)

// ErrInvalidCookie matches every error that says the cookie is there but
// does not carry a session of the seed: errors.Is(err, ErrInvalidCookie)
// is true for ErrMalformed, ErrVersion, ErrSignature, ErrName, ErrExpired,
// ErrFuture and ErrBadID. Treat it like Tornado does: as no session.
var ErrInvalidCookie = errors.New("seed: invalid session cookie")

// Reasons a cookie is refused. Each also matches ErrInvalidCookie.
var (
	// ErrMalformed means the value is not a well-formed Tornado signed
	// value: a bad length field, a missing separator, a signature that is
	// not 64 lowercase hex digits, bad base64, or more than MaxCookieSize
	// bytes.
	ErrMalformed error = invalid("seed: malformed signed cookie")
	// ErrVersion means a signed value of a version other than 2 (see the
	// package documentation for why version 1 is refused).
	ErrVersion error = invalid("seed: unsupported signed cookie version")
	// ErrSignature means the HMAC does not match: the value was not signed
	// with the secret (or, with several secrets, none is configured for its
	// key version).
	ErrSignature error = invalid("seed: bad cookie signature")
	// ErrName means the value was signed for a cookie of another name, so
	// it cannot be replayed as the session cookie.
	ErrName error = invalid("seed: cookie was signed for another name")
	// ErrExpired means the signature is older than the maximum age.
	ErrExpired error = invalid("seed: signed cookie has expired")
	// ErrFuture means the signature's time is more than MaxClockSkew ahead
	// of the clock.
	ErrFuture error = invalid("seed: signed cookie is dated in the future")
	// ErrBadID means the cookie's session ID is not one the seed makes
	// (see ValidID).
	ErrBadID error = invalid("seed: not a session ID of redis_session")
)

// ErrNoCookie means the request has no session cookie, or an empty one,
// which the seed treats the same. errors.Is(err, http.ErrNoCookie) is true
// for it too; it does not match ErrInvalidCookie.
var ErrNoCookie error = &wrapped{"seed: no session cookie", http.ErrNoCookie}

// ErrNoSecret means signed cookies were asked for without a secret: an
// empty secret would accept cookies anyone can sign, so nothing is
// accepted. It is a configuration error and does not match
// ErrInvalidCookie.
var ErrNoSecret = errors.New("seed: no cookie secret configured")

// invalid returns a sentinel that also matches ErrInvalidCookie.
func invalid(msg string) error { return &wrapped{msg, ErrInvalidCookie} }

// wrapped is a sentinel that is a case of a broader error.
type wrapped struct {
	msg    string
	parent error
}

func (e *wrapped) Error() string { return e.msg }
func (e *wrapped) Unwrap() error { return e.parent }
