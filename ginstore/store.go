package ginstore

import (
	"github.com/gin-contrib/sessions"
	gsessions "github.com/gorilla/sessions"
	"github.com/redis/go-redis/v9"

	"github.com/redis-session/redis-session-go/gorillastore"
)

// Store is a gin-contrib/sessions Store: a *gorillastore.Store (one Redis
// hash per session, delta saves, sliding expiry, a signed store-generated
// ID in the cookie) plus the Options method gin-contrib's interface asks
// for, and helpers that reach the store-specific operations from a gin
// handler.
//
// Every field and method of gorillastore.Store is promoted (IdleTimeout,
// KeyPrefix, UserKey, Limits, MaxAge, UserSessions, DeleteUserSessions,
// DeleteByID, FieldsOf, ...), except where Store has its own: Options
// (the method shadows the field; the cookie attributes themselves are
// s.Store.Options) and RegenerateID, Destroy, Fields and BindUser, which
// take a *gin.Context and a session name in place of a gorilla session
// (s.Store.RegenerateID and the others stay reachable).
//
// Configure a Store before it serves requests; its fields are not
// guarded for concurrent change. A Store may wrap a *gorillastore.Store that
// plain net/http handlers use too: &ginstore.Store{Store: gs}. The zero
// Store has no gorillastore.Store and must not be used.
type Store struct {
	*gorillastore.Store
}

var _ sessions.Store = (*Store)(nil)

// New returns a store on c (one server, Sentinel or Cluster) with
// gorillastore.New's keys and defaults: cookies signed with the first key
// pair (hash key, then optional block key to encrypt) and verified with
// all of them; cookie attributes Path "/", MaxAge 30 days, HttpOnly,
// Secure, SameSite Lax. Bad keys and a nil client fail here, with
// gorillastore's errors (gorillastore.ErrNoKeys, ErrBadKey, ErrNoClient).
func New(c redis.UniversalClient, keyPairs ...[]byte) (*Store, error) {
	gs, err := gorillastore.New(c, keyPairs...)
	if err != nil {
		return nil, err
	}
	return &Store{Store: gs}, nil
}

// Options sets the cookie attributes of sessions created from now on, as
// gin-contrib's stores do, except that a zero field of o means "leave as
// it is" rather than "off": the secure defaults New set (Path "/", MaxAge
// 30 days, HttpOnly, Secure, SameSite Lax) stay unless o names another
// value. Precisely: a non-empty Path or Domain, a non-zero MaxAge and a
// non-zero SameSite replace the current value; Secure and HttpOnly can only
// be turned on here. Partitioned, which gin's struct lacks, is left alone.
//
// gin-contrib's Options struct cannot tell "off" from "unset", so turning
// something off goes through the gorilla options, s.Store.Options:
//
//	store.Store.Options.Secure = false   // plain-http development
//	store.Store.Options.HttpOnly = false // script-readable cookie (rarely wise)
//	store.Store.Options.MaxAge = 0       // browser-session cookie; the server keeps
//	                                     // such a session SessionTTL after last use
//
// SameSite: http.SameSiteDefaultMode sends no SameSite attribute.
//
// A MaxAge < 0 here would delete every session at its first save; do not.
// For one session ("remember me", logout) gin's session.Options(o) applies,
// and that is gin-contrib's code: it replaces every attribute of that
// session's cookie with o, zero values included, so spell all of them out
// (Path "/", HttpOnly, Secure, SameSite) when keeping the session.
func (s *Store) Options(o sessions.Options) {
	cur := s.Store.Options
	if cur == nil {
		cur = &gsessions.Options{}
		s.Store.Options = cur
	}
	if o.Path != "" {
		cur.Path = o.Path
	}
	if o.Domain != "" {
		cur.Domain = o.Domain
	}
	if o.MaxAge != 0 {
		cur.MaxAge = o.MaxAge
	}
	if o.SameSite != 0 {
		cur.SameSite = o.SameSite
	}
	cur.Secure = cur.Secure || o.Secure
	cur.HttpOnly = cur.HttpOnly || o.HttpOnly
}
