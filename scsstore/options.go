package scsstore

import (
	"errors"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/redis-session/redis-session-go/hashcodec"
)

// DefaultPrefix is the key prefix unless WithPrefix says otherwise. It
// differs from the prefixes of the blob stores (scs:session:, session_,
// session:) so both can share a Redis during a migration.
const DefaultPrefix = "scs:hash:"

// DefaultTimeout bounds commits and deletes, which run detached from the
// request's context so a client that disconnects cannot abort them.
const DefaultTimeout = 5 * time.Second

// Option configures a Store.
type Option func(*Store)

// WithPrefix sets the key prefix. Use a distinct prefix per SessionManager.
func WithPrefix(prefix string) Option {
	return func(s *Store) {
		if prefix == "" {
			s.configErr = errors.Join(s.configErr, errors.New("scsstore: WithPrefix: empty prefix"))
		}
		s.prefix = prefix
	}
}

// WithCodec sets the codec the store decodes commits with and encodes loads
// with; it must be the SessionManager's codec, which is why the manager
// should be configured with sessionManager.Codec = store.Codec(). The
// default is scs.GobCodec, scs's own default. Codec{} (this package's fast
// codec) avoids encoding every value twice.
func WithCodec(c scs.Codec) Option {
	return func(s *Store) {
		if c == nil {
			s.configErr = errors.Join(s.configErr, errors.New("scsstore: WithCodec: nil codec"))
			return
		}
		s.codec = c
	}
}

// WithIdleTimeout sets the sliding window used when a session is loaded and
// recorded at commit. By default the store uses the window scs asked for at
// the last commit (SessionManager.IdleTimeout), so this is only needed when
// sessions written by another manager must slide differently.
func WithIdleTimeout(d time.Duration) Option {
	return func(s *Store) {
		if d <= 0 {
			s.configErr = errors.Join(s.configErr, errors.New("scsstore: WithIdleTimeout: window must be positive"))
			return
		}
		s.idle = d
	}
}

// WithLimits bounds the number of values and the bytes one session may
// hold (default hashcodec.DefaultLimits). A commit over a limit fails with
// an error wrapping hashcodec.ErrLimit and writes nothing.
func WithLimits(l hashcodec.Limits) Option {
	return func(s *Store) {
		if l.Fields < 0 || l.Bytes < 0 {
			s.configErr = errors.Join(s.configErr, errors.New("scsstore: WithLimits: negative limit"))
			return
		}
		s.limits = l
	}
}

// WithTimeout bounds each commit and delete (default DefaultTimeout).
func WithTimeout(d time.Duration) Option {
	return func(s *Store) {
		if d <= 0 {
			s.configErr = errors.Join(s.configErr, errors.New("scsstore: WithTimeout: timeout must be positive"))
			return
		}
		s.timeout = d
	}
}

// WithTokenValidator replaces the token check. By default only tokens in
// scs's own format (43 characters of unpadded base64url, 256 bits) reach
// Redis; anything else is "not found". Apps that set their own tokens (PR
// #238 style) can admit them here. The validator must reject anything that
// should not become part of a Redis key name.
func WithTokenValidator(valid func(token string) bool) Option {
	return func(s *Store) {
		if valid == nil {
			s.configErr = errors.Join(s.configErr, errors.New("scsstore: WithTokenValidator: nil validator"))
			return
		}
		s.validToken = valid
	}
}

// WithHashedTokens tells Fields that the SessionManager has
// HashTokenInStore set, so that Fields(sessionManager.Token(ctx)) hashes
// the token the way scs does before naming the key.
func WithHashedTokens() Option {
	return func(s *Store) { s.hashTokens = true }
}

// WithScanCount sets the COUNT hint All uses with SCAN (default 1000).
func WithScanCount(n int) Option {
	return func(s *Store) {
		if n <= 0 {
			s.configErr = errors.Join(s.configErr, errors.New("scsstore: WithScanCount: count must be positive"))
			return
		}
		s.scanCount = int64(n)
	}
}
