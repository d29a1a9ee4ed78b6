package seed

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redis-session/redis-session-go/hashcodec"
)

// Defaults of the seed's options.
const (
	// DefaultPrefix is the seed's session-redis-prefix: keys are
	// "redis:sessions:<id>".
	DefaultPrefix = "redis"
	// DefaultCookieName is the seed's session-cookie-id.
	DefaultCookieName = "session-id"
)

// Sessions finds the seed's sessions from its cookies. Configure it like
// the Python app; the zero values of Prefix, CookieName and MaxAge are the
// seed's defaults. A Sessions is safe for concurrent use once configured.
type Sessions struct {
	// Client is the Redis the Python app uses.
	Client redis.UniversalClient
	// Prefix is the seed's session-redis-prefix (DefaultPrefix if "").
	Prefix string
	// CookieName is the seed's session-cookie-id (DefaultCookieName if "").
	CookieName string
	// Secret is the Tornado app's cookie_secret. It is required unless
	// Unsigned is set: an empty secret makes every lookup fail with
	// ErrNoSecret, never fall back to unsigned cookies.
	Secret []byte
	// Secrets replaces Secret for a Tornado app whose cookie_secret is a
	// dict of secrets by key version.
	Secrets map[int][]byte
	// Unsigned says the seed runs with session-cookie-secure off: the
	// cookie holds the bare ID, which the client can choose, so only its
	// form is checked (ValidID). It is a field of its own rather than a
	// nil Secret so that a secret missing from the configuration fails
	// loudly instead of silently accepting unsigned cookies.
	Unsigned bool
	// MaxAge is the oldest signed cookie accepted: the max_age_days the
	// Tornado app passes to get_secure_cookie (DefaultMaxAge, 31 days, if
	// 0).
	MaxAge time.Duration
	// Expire is the seed's session-expire. When set, every read and write
	// through a Hash sets the key's TTL to Expire, as the seed's EXPIRE
	// after each write and at the first use in a request does; when 0, Go
	// leaves the TTL as the Python app set it.
	Expire time.Duration
}

// Key returns the Redis key of the session with the given ID:
// "<prefix>:sessions:<id>".
func (s *Sessions) Key(id string) string {
	prefix := s.Prefix
	if prefix == "" {
		prefix = DefaultPrefix
	}
	return prefix + ":sessions:" + id
}

func (s *Sessions) cookieName() string {
	if s.CookieName == "" {
		return DefaultCookieName
	}
	return s.CookieName
}

// ID returns the session ID the request's cookie carries, verified as
// described on Sessions and VerifyTornadoCookie. It does no I/O: whether
// the session still exists is for the Hash to find out.
//
// Without Unsigned, a Sessions with no secret gives ErrNoSecret for every
// request. A request with no cookie, or an empty one, gives ErrNoCookie (which
// matches http.ErrNoCookie). When the request carries several cookies of
// that name (one set for a parent domain, say), the last is used, as
// Tornado does, so both apps see the same session. A cookie that does not
// carry a seed session gives an error matching ErrInvalidCookie.
func (s *Sessions) ID(r *http.Request) (string, error) {
	if !s.Unsigned && len(s.Secret) == 0 && len(s.Secrets) == 0 {
		return "", ErrNoSecret
	}
	cookies := r.CookiesNamed(s.cookieName())
	if len(cookies) == 0 || cookies[len(cookies)-1].Value == "" {
		return "", ErrNoCookie
	}
	value := cookies[len(cookies)-1].Value
	if s.Unsigned {
		if !ValidID(value) {
			return "", ErrBadID
		}
		return value, nil
	}
	var id string
	var err error
	if len(s.Secrets) > 0 {
		id, err = VerifyTornadoCookieKeys(s.Secrets, s.cookieName(), value, s.MaxAge, time.Now())
	} else {
		id, err = VerifyTornadoCookie(s.Secret, s.cookieName(), value, s.MaxAge, time.Now())
	}
	if err != nil {
		return "", err
	}
	if !ValidID(id) {
		return "", ErrBadID
	}
	return id, nil
}

// Hash returns the session hash of the request's cookie (see ID for the
// errors). It does no I/O; the Hash reads and writes single fields in one
// round trip each. Because the seed's hash has no session metadata,
// hashcodec treats it as another program's hash: it records no types in it
// and never creates it, so writes fail with hashcodec.ErrNotFound until the
// Python app has written the session's first field (the seed creates the
// key only then).
func (s *Sessions) Hash(r *http.Request) (*hashcodec.Hash, error) {
	if s.Client == nil {
		return nil, errNoClient
	}
	id, err := s.ID(r)
	if err != nil {
		return nil, err
	}
	return s.Fields(id), nil
}

var errNoClient = errors.New("seed: Sessions.Client is nil")

// Fields returns the hash of the session with the given ID, which must
// pass ValidID (a Hash whose every operation fails with ErrBadID
// otherwise). Use it for an ID the app already verified.
func (s *Sessions) Fields(id string) *hashcodec.Hash {
	switch {
	case s.Client == nil:
		return hashcodec.NewHashErr(errNoClient)
	case !ValidID(id):
		return hashcodec.NewHashErr(fmt.Errorf("%w: %d bytes", ErrBadID, len(id)))
	case s.Expire > 0:
		return hashcodec.NewHash(s.Client, s.Key(id), hashcodec.WithIdleTimeout(s.Expire))
	}
	return hashcodec.NewHash(s.Client, s.Key(id), hashcodec.WithIdleTimeout(0))
}

// IDLength is the length of a seed session ID: two canonical uuid4
// strings.
const IDLength = 72

// ValidID reports whether id has the form of the seed's session IDs: two
// canonical UUID strings (lowercase hex in groups of 8-4-4-4-12 joined by
// hyphens) with nothing between them, 72 characters in all. It does not
// check the UUID version, so IDs from any UUID generator pass.
func ValidID(id string) bool {
	if len(id) != IDLength {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch i % 36 {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
				return false
			}
		}
	}
	return true
}
