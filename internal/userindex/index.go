// Package userindex keeps, per user, the set of a store's sessions bound to
// that user, so that all of them can be listed and ended ("log out
// everywhere"), whatever races the ending. Both stores use it.
//
// The index of user U is a sorted set at <store prefix>user:<U>; members are
// session tokens (as they name keys), scores the Unix ms until which the
// entry covers its session, plus marks that start with a zero byte (see
// scripts/lua/prelude.lua: revoked entries not yet confirmed ended, the
// lineage of renewals, tokens a revocation spared). The session hash
// records its user in #user and the cover in #uexp. The index and the
// sessions live on different keys, in a Cluster on different slots, so
// they are not written atomically; correctness rests on four rules:
//   - An entry is added (or its cover extended) by the index step of a
//     write, before the session is written with that user or cover, and
//     only ever removed after the session stopped being bound to the user
//     or once its cover has passed (by Redis's clock, less Margin).
//   - Every reader treats a session past its #uexp as gone, and no write
//     sets its expiry past it, so a session cannot outlive its entry.
//   - An index step that carries a binding on (an extension, a token
//     renewal, an ID regeneration, a merge) requires the entry it carries
//     on: it is refused once the entry is revoked, and then the write must
//     not happen.
//   - "Log out everywhere" (Revoke) marks the entries revoked in the same
//     step that lists them, then ends each listed session, leaving a
//     tombstone at the key of one not written yet, which every later create
//     refuses; a mark is dropped only once its session is ended, so a
//     revocation that fails half-way is finished by the next one.
//
// So a session bound to the user before a revocation cannot be written
// after it: an update finds a tombstone, a renewal or regeneration has its
// index step refused or its new key tombstoned. Only a new binding (a
// login) starts afresh, and the session a revocation spares (and its
// renewals in flight, by their lineage) carries on.
package userindex

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redis-session/redis-session-go/internal/layout"
	"github.com/redis-session/redis-session-go/internal/scripts"
	"github.com/redis-session/redis-session-go/internal/sessionhash"
)

// MaxUserLen bounds user IDs, which become part of a key name.
const MaxUserLen = 256

// ErrUser is returned for an empty or overlong user ID.
var ErrUser = errors.New("invalid user ID")

// CheckUser validates a user ID.
func CheckUser(user string) error {
	if user == "" || len(user) > MaxUserLen {
		return fmt.Errorf("%w: must be 1 to %d bytes", ErrUser, MaxUserLen)
	}
	return nil
}

// Margin is how long an entry is kept past its cover, and an index past its
// longest cover: more than the clock difference between any app server and
// Redis can be, so that an app server whose clock lags cannot still see a
// session whose entry is gone.
const Margin = time.Minute

// Index is the user index of one store.
type Index struct {
	Client redis.UniversalClient
	// Prefix is the store's key prefix: session keys are Prefix+token,
	// index keys Prefix+"user:"+user (never a valid token: ':' is not
	// base64url).
	Prefix string
}

// Key returns the index key of user.
func (ix Index) Key(user string) string { return ix.Prefix + "user:" + user }

// SessionKey returns the key of the session named token.
func (ix Index) SessionKey(token string) string { return ix.Prefix + token }

// Step is the index step of one write.
type Step struct {
	// Continue carries on the binding of token From (an extension when
	// From == Token, a renewal or regeneration otherwise); otherwise the
	// step starts a binding (a login, a rebinding).
	Continue bool
	User     string
	Token    string
	From     string
	Cover    int64 // Unix ms
}

// Add runs the step. ok is false when a Continue was refused: the entry it
// carries on is gone (the user's sessions were revoked, or that binding
// ended), and the write must not happen.
func (ix Index) Add(ctx context.Context, s Step) (ok bool, err error) {
	if err := CheckUser(s.User); err != nil {
		return false, err
	}
	mode := "bind"
	if s.Continue {
		mode = "continue"
	}
	n, err := scripts.IndexAdd.Run(ctx, ix.Client, []string{ix.Key(s.User)},
		mode, s.Token, s.Cover, s.From, Margin.Milliseconds()).Int64()
	if err != nil {
		return false, fmt.Errorf("user index %s: %w", s.User, err)
	}
	return n == 1, nil
}

// Remove drops tokens from user's index. Call it after the sessions stopped
// being bound to user.
func (ix Index) Remove(ctx context.Context, user string, tokens ...string) error {
	if len(tokens) == 0 || CheckUser(user) != nil {
		return nil
	}
	members := make([]any, len(tokens))
	for i, t := range tokens {
		members[i] = t
	}
	if err := ix.Client.ZRem(ctx, ix.Key(user), members...).Err(); err != nil {
		return fmt.Errorf("user index %s: %w", user, err)
	}
	return nil
}

// Session describes one live session of a user, read from its metadata
// without loading its values.
type Session struct {
	// Token names the session in its store: scs's token as stored (the
	// hash, under HashTokenInStore), gorilla's session ID.
	Token string
	// Created is when the session was created.
	Created time.Time
	// LastSeen is when the session's expiry last slid (a load, a read, a
	// write): its expiry minus its sliding window. Zero for sessions without
	// a window, and earlier than the real last use when the expiry is
	// capped by the session's deadline.
	LastSeen time.Time
	// Expires is when the session will end unless it is used again.
	Expires time.Time
}

// marks start the members of an index that are not entries (see the
// package doc); revoked is a revoked entry's.
const (
	marks   = "\x00"
	revoked = "\x00r:"
)

// List returns user's live sessions: every entry, revoked ones not yet
// ended included, whose session is alive and still bound to user. It
// changes nothing: entries are pruned only by their cover (index steps do
// that), never because a listing did not find their session, which may be
// being written at that moment.
func (ix Index) List(ctx context.Context, user string) ([]Session, error) {
	if err := CheckUser(user); err != nil {
		return nil, err
	}
	members, err := ix.Client.ZRange(ctx, ix.Key(user), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("user index %s: %w", user, err)
	}
	tokens := entryTokens(members)
	metas, ttls, err := ix.readSessions(ctx, tokens)
	if err != nil {
		return nil, fmt.Errorf("user index %s: %w", user, err)
	}
	now := layout.Now()
	var live []Session
	seen := make(map[string]bool, len(tokens))
	for i, t := range tokens {
		vals, _ := metas[i].Result()
		expiry, _ := ttls[i].Int64()
		if seen[t] {
			continue
		}
		if s, ok := liveSession(t, user, vals, expiry, now); ok {
			seen[t] = true
			live = append(live, s)
		}
	}
	return live, nil
}

// entryTokens returns the tokens of an index's entries, revoked ones
// included, leaving out the other marks.
func entryTokens(members []string) []string {
	tokens := make([]string, 0, len(members))
	for _, m := range members {
		if t, ok := strings.CutPrefix(m, revoked); ok {
			tokens = append(tokens, t)
		} else if !strings.HasPrefix(m, marks) {
			tokens = append(tokens, m)
		}
	}
	return tokens
}

// readSessions reads, in one pipeline, what List needs of each session:
// #user, #created, #idle, #deadline, #uexp and the key's expiry.
func (ix Index) readSessions(ctx context.Context, tokens []string) ([]*redis.SliceCmd, []*redis.Cmd, error) {
	metas := make([]*redis.SliceCmd, len(tokens))
	ttls := make([]*redis.Cmd, len(tokens))
	if len(tokens) == 0 {
		return metas, ttls, nil
	}
	_, err := ix.Client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, t := range tokens {
			metas[i] = p.HMGet(ctx, ix.SessionKey(t), layout.User, layout.Created, layout.Idle, layout.Deadline, layout.UserUntil)
			ttls[i] = p.Do(ctx, "pexpiretime", ix.SessionKey(t))
		}
		return nil
	})
	if err != nil && !redis.HasErrorPrefix(err, "WRONGTYPE") {
		return nil, nil, err
	}
	return metas, ttls, nil
}

// liveSession describes the session with token from what readSessions
// read (vals, its expiry), if it is alive at now and bound to user.
func liveSession(token, user string, vals []any, expiry, now int64) (Session, bool) {
	if len(vals) != 5 || str(vals[0]) != user || str(vals[1]) == "" || expiry <= now {
		return Session{}, false
	}
	window, deadline := sessionhash.ParseInt(str(vals[2])), sessionhash.ParseInt(str(vals[3]))
	end := sessionhash.Cap(deadline, sessionhash.ParseInt(str(vals[4])))
	if end > 0 && end <= now {
		return Session{}, false
	}
	expiry = sessionhash.Capped(expiry, end)
	s := Session{Token: token, Created: layout.Time(sessionhash.ParseInt(str(vals[1]))), Expires: layout.Time(expiry)}
	if window > 0 && (deadline == 0 || expiry < deadline-1000) {
		s.LastSeen = layout.Time(expiry - window) // not capped by the deadline: the window ran from the last use
	}
	return s, true
}

// Revoke ends every session bound to user except the one named except
// (which may be "") and its renewals in flight, and returns how many live
// sessions it ended. It first marks the entries revoked, in the same step
// that lists them, so that no write can carry those bindings on; then it
// ends each listed session, leaving a tombstone even where the session is
// not written yet (a renewal in flight), so that it never will be; and it
// drops the mark of each session it ended. A revocation that fails (or a
// process that dies) half-way leaves the marks of the sessions it did not
// end, and the next Revoke of the user ends them: call it again on error.
// An except that names no entry yet (a token scs renewed in this request,
// not committed) is spared: its renewal may still commit. now is the time
// of the request (Unix ms).
func (ix Index) Revoke(ctx context.Context, user, except string, now int64) (int, error) {
	if err := CheckUser(user); err != nil {
		return 0, err
	}
	key := ix.Key(user)
	listed, err := scripts.IndexRevoke.Run(ctx, ix.Client, []string{key}, except,
		Margin.Milliseconds(), sessionhash.TombstoneFloor.Milliseconds()).StringSlice()
	if err != nil {
		return 0, fmt.Errorf("user index %s: %w", user, err)
	}
	keys := make([]string, 0, len(listed)/2)
	for i := 0; i+1 < len(listed); i += 2 {
		keys = append(keys, ix.SessionKey(listed[i]))
	}
	n := 0
	var failed error
	var ended []any
	for i, e := range sessionhash.DeleteMany(ctx, ix.Client, keys, now) {
		if e.Err != nil {
			failed = errors.Join(failed, e.Err)
			continue
		}
		if e.Alive {
			n++
		}
		ended = append(ended, revoked+listed[2*i])
	}
	if len(ended) > 0 {
		if err := ix.Client.ZRem(ctx, key, ended...).Err(); err != nil {
			failed = errors.Join(failed, err) // the marks stay: a retry ends them again, harmlessly
		}
	}
	if failed != nil {
		return n, fmt.Errorf("user index %s: end sessions: %w", user, failed)
	}
	return n, nil
}

// str returns an HMGET reply value as a string ("" for a missing field).
func str(v any) string {
	s, _ := v.(string)
	return s
}
