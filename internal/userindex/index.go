// Package userindex keeps, per user, the set of a store's sessions bound to
// that user, so that all of them can be listed and ended ("log out
// everywhere"), whatever races the ending. Both stores use it.
//
// The index of user U is a sorted set at <store prefix>user:<U>; members are
// session tokens (as they name keys), scores the Unix ms until which the
// entry covers its session. The session hash records its user in #user and
// the cover in #uexp. The index and the sessions live on different keys, in
// a Cluster on different slots, so they are not written atomically;
// correctness rests on four rules:
//   - An entry is added (or its cover extended) by the index step of a
//     write, before the session is written with that user or cover.
//   - Every reader treats a session past its #uexp as gone, and no write
//     sets its expiry past it, so a session cannot outlive its entry.
//   - An index step that carries a binding on (an extension, a token
//     renewal, an ID regeneration) requires the entry it carries on: it is
//     refused once the entry is gone, and then the write must not happen.
//   - "Log out everywhere" (Revoke) removes the entries in the same step
//     that lists them, then ends each listed session, leaving a tombstone
//     at the key of one not written yet, which every later create refuses.
//
// So a session bound to the user before a revocation cannot be written
// after it: an update finds a tombstone, a renewal or regeneration has its
// index step refused or its new key tombstoned. Only a new binding (a
// login) starts afresh. Entries of sessions that ended are pruned by
// listings and by every index step; all pruning uses Redis's own clock, so
// app servers' clock differences do not matter, and keeps an entry Margin
// past its cover.
package userindex

import (
	"context"
	"errors"
	"fmt"
	"strconv"
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

// Confirm re-asserts user's entry for token after the session was written
// with that binding (see scripts/index_confirm.lua).
func (ix Index) Confirm(ctx context.Context, user, token string, cover int64) error {
	err := scripts.IndexConfirm.Run(ctx, ix.Client, []string{ix.Key(user)}, token, cover, Margin.Milliseconds()).Err()
	if err != nil {
		return fmt.Errorf("user index %s: %w", user, err)
	}
	return nil
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

// List returns user's live sessions, checking every entry against its
// session and pruning the entries of sessions that are gone or no longer
// bound to user. An entry whose session is being bound at that moment is
// not lost: the binder confirms its entry after writing the session, and
// the prune only removes entries still scored as List saw them.
func (ix Index) List(ctx context.Context, user string) ([]Session, error) {
	if err := CheckUser(user); err != nil {
		return nil, err
	}
	key := ix.Key(user)
	entries, err := ix.Client.ZRangeWithScores(ctx, key, 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("user index %s: %w", user, err)
	}
	tokens := make([]string, len(entries))
	for i, e := range entries {
		tokens[i], _ = e.Member.(string)
	}
	metas := make([]*redis.SliceCmd, len(tokens))
	ttls := make([]*redis.Cmd, len(tokens))
	if len(tokens) > 0 {
		_, err = ix.Client.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, t := range tokens {
				metas[i] = p.HMGet(ctx, ix.SessionKey(t), layout.User, layout.Created, layout.Idle, layout.Deadline, layout.UserUntil)
				ttls[i] = p.Do(ctx, "pexpiretime", ix.SessionKey(t))
			}
			return nil
		})
		if err != nil && !redis.HasErrorPrefix(err, "WRONGTYPE") {
			return nil, fmt.Errorf("user index %s: %w", user, err)
		}
	}
	now := layout.Now()
	var live []Session
	stale := []any{Margin.Milliseconds()} // then token, score pairs
	for i, t := range tokens {
		vals, _ := metas[i].Result()
		expiry, _ := ttls[i].Int64()
		if len(vals) != 5 || str(vals[0]) != user || str(vals[1]) == "" || expiry <= now {
			stale = append(stale, t, strconv.FormatFloat(entries[i].Score, 'f', -1, 64))
			continue
		}
		end := sessionhash.Cap(sessionhash.ParseInt(str(vals[3])), sessionhash.ParseInt(str(vals[4])))
		if end > 0 && end <= now {
			stale = append(stale, t, strconv.FormatFloat(entries[i].Score, 'f', -1, 64))
			continue
		}
		expiry = sessionhash.Capped(expiry, end)
		s := Session{Token: t, Created: layout.Time(sessionhash.ParseInt(str(vals[1]))), Expires: layout.Time(expiry)}
		window, deadline := sessionhash.ParseInt(str(vals[2])), sessionhash.ParseInt(str(vals[3]))
		if window > 0 && (deadline == 0 || expiry < deadline-1000) {
			s.LastSeen = layout.Time(expiry - window) // not capped by the deadline: the window ran from the last use
		}
		live = append(live, s)
	}
	if err := scripts.IndexPrune.Run(ctx, ix.Client, []string{key}, stale...).Err(); err != nil {
		return nil, fmt.Errorf("user index %s: prune: %w", user, err)
	}
	return live, nil
}

// Revoke ends every session bound to user except the one named except
// (which may be ""), and returns how many live sessions it ended. It first
// removes the entries, in the same step that lists them, so that no write
// can carry those bindings on; then it ends each listed session, leaving a
// tombstone even where the session is not written yet (a renewal in
// flight), so that it never will be. Sessions it fails to end get their
// entries back, so that calling Revoke again finds them. now is the time of
// the request (Unix ms).
func (ix Index) Revoke(ctx context.Context, user, except string, now int64) (int, error) {
	if err := CheckUser(user); err != nil {
		return 0, err
	}
	listed, err := scripts.IndexRevoke.Run(ctx, ix.Client, []string{ix.Key(user)}, except, Margin.Milliseconds()).StringSlice()
	if err != nil {
		return 0, fmt.Errorf("user index %s: %w", user, err)
	}
	keys := make([]string, 0, len(listed)/2)
	for i := 0; i+1 < len(listed); i += 2 {
		keys = append(keys, ix.SessionKey(listed[i]))
	}
	n := 0
	var failed error
	for i, e := range sessionhash.DeleteMany(ctx, ix.Client, keys, now) {
		if e.Alive {
			n++
		}
		if e.Err != nil {
			failed = errors.Join(failed, e.Err)
			score, _ := strconv.ParseFloat(listed[2*i+1], 64)
			if _, err := ix.Add(ctx, Step{User: user, Token: listed[2*i], Cover: int64(score)}); err != nil {
				failed = errors.Join(failed, err)
			}
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
