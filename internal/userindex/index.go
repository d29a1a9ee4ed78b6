// Package userindex keeps, per user, the set of a store's sessions bound to
// that user, so that all of them can be listed and ended ("log out
// everywhere"). Both stores use it.
//
// The index of user U is a sorted set at <store prefix>user:<U>; members are
// session tokens (as they name keys), scores how long the entry covers the
// session (Unix ms). The session hash records its user in #user and the
// cover in #uexp.
//
// The index and the sessions live on different keys, so in a Cluster on
// different slots, and are not updated atomically. Correctness rests on
// ordering and on one invariant: every bound session has an index entry
// whose score is at least the session's expiry.
//   - An entry is added (or its cover extended) before the session is
//     written with that user or that cover.
//   - A session's TTL is never set past its #uexp (the Lua sliding helper
//     caps it there), so a session cannot outlive its entry, even when
//     something other than a load extends it.
//   - Entries are removed only after the session stopped being bound
//     (unbound, rebound, renewed, deleted), or when their score is past.
//
// The index may therefore hold extra entries (sessions since deleted,
// expired, or rebound); listing checks each against its session and prunes
// those, and every entry added or extended (and every listing) prunes the
// entries past their score. The index key lives until its highest score
// plus a margin, so it outlives every session it lists and then
// disappears. Nothing here ever writes a session that does not exist, so
// the index cannot resurrect one.
package userindex

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redis-session/redis-session-go/internal/layout"
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

func (ix Index) sessionKey(token string) string { return ix.Prefix + token }

// margin is how much longer than its entries' covers an index lives. Times
// are the app's clock; TTLs are set relative, so latency to Redis (a few ms)
// and clock differences between app servers stay well inside it.
const margin = time.Minute

// addScript: KEYS[1] = index; ARGV = now (ms), cover (ms), token, margin
// (ms). Prunes entries past their cover, records the token with a cover
// that only ever grows, and lets the key live until its highest cover plus
// the margin.
var addScript = redis.NewScript(`
local key, now, cover, token = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. now)
redis.call('ZADD', key, 'GT', cover, token)
local top = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
redis.call('PEXPIRE', key, math.max(tonumber(top[2]) - now, 0) + tonumber(ARGV[4]))
return 1
`)

// Add records that user's session token is covered until cover. Call it
// before writing the session with that user and cover.
func (ix Index) Add(ctx context.Context, user, token string, cover time.Time) error {
	if err := CheckUser(user); err != nil {
		return err
	}
	err := addScript.Run(ctx, ix.Client, []string{ix.Key(user)}, time.Now().UnixMilli(), coverMillis(cover), token, margin.Milliseconds()).Err()
	if err != nil {
		return fmt.Errorf("user index %s: %w", user, err)
	}
	return nil
}

// confirmScript: KEYS[1] = index; ARGV = now (ms), cover (ms), token,
// margin (ms). Run after the session was written: re-adds the entry if a
// listing pruned it meanwhile, and otherwise raises its score by 1 ms so
// that a listing that saw the session before the write cannot prune it
// (listings only prune an entry whose score is still the one they saw).
var confirmScript = redis.NewScript(`
local key, now, cover, token = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local s = redis.call('ZSCORE', key, token)
if s then cover = math.max(tonumber(s) + 1, cover) end
redis.call('ZADD', key, cover, token)
local top = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
redis.call('PEXPIRE', key, math.max(tonumber(top[2]) - now, 0) + tonumber(ARGV[4]))
return 1
`)

// Confirm re-asserts user's entry for token after the session was written
// with that binding (see confirmScript).
func (ix Index) Confirm(ctx context.Context, user, token string, cover time.Time) error {
	err := confirmScript.Run(ctx, ix.Client, []string{ix.Key(user)}, time.Now().UnixMilli(), coverMillis(cover), token, margin.Milliseconds()).Err()
	if err != nil {
		return fmt.Errorf("user index %s: %w", user, err)
	}
	return nil
}

func coverMillis(cover time.Time) int64 {
	// Rounded up, so the entry never ends before the session can.
	return (cover.UnixNano() + int64(time.Millisecond) - 1) / int64(time.Millisecond)
}

// pruneScript: KEYS[1] = index; ARGV = now (ms), then token, score pairs.
// Removes entries past their cover, and each given token only if its score
// is still the one given: an entry confirmed since it was seen is kept.
var pruneScript = redis.NewScript(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])
for i = 2, #ARGV, 2 do
  local s = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if s and tonumber(s) == tonumber(ARGV[i + 1]) then redis.call('ZREM', KEYS[1], ARGV[i]) end
end
return 1
`)

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
	now := time.Now()
	entries, err := ix.Client.ZRangeByScoreWithScores(ctx, key, &redis.ZRangeBy{Min: strconv.FormatInt(now.UnixMilli(), 10), Max: "+inf"}).Result()
	if err != nil {
		return nil, fmt.Errorf("user index %s: %w", user, err)
	}
	tokens := make([]string, len(entries))
	for i, e := range entries {
		tokens[i], _ = e.Member.(string)
	}
	metas := make([]*redis.SliceCmd, len(tokens))
	ttls := make([]*redis.DurationCmd, len(tokens))
	if len(tokens) > 0 {
		_, err = ix.Client.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, t := range tokens {
				metas[i] = p.HMGet(ctx, ix.sessionKey(t), layout.User, layout.Created, layout.Idle, layout.Deadline)
				ttls[i] = p.PTTL(ctx, ix.sessionKey(t))
			}
			return nil
		})
		if err != nil && !redis.HasErrorPrefix(err, "WRONGTYPE") {
			return nil, fmt.Errorf("user index %s: %w", user, err)
		}
	}
	var live []Session
	var stale []any // token, score pairs
	for i, t := range tokens {
		vals, _ := metas[i].Result()
		ttl := ttls[i].Val()
		if len(vals) != 4 || vals[0] != user || ttl <= 0 {
			stale = append(stale, t, strconv.FormatFloat(entries[i].Score, 'f', -1, 64))
			continue
		}
		s := Session{Token: t, Created: sessionhash.ParseTime(str(vals[1])), Expires: now.Add(ttl).Truncate(time.Millisecond)}
		idle, deadline := time.Duration(sessionhash.ParseInt(str(vals[2]))), sessionhash.ParseTime(str(vals[3]))
		if idle > 0 && (deadline.IsZero() || s.Expires.Before(deadline.Add(-time.Second))) {
			s.LastSeen = s.Expires.Add(-idle) // not capped by the deadline: the window ran from the last use
		}
		live = append(live, s)
	}
	args := append([]any{now.UnixMilli()}, stale...)
	if err := pruneScript.Run(ctx, ix.Client, []string{key}, args...).Err(); err != nil {
		return nil, fmt.Errorf("user index %s: prune: %w", user, err)
	}
	return live, nil
}

// DeleteAll ends every session of user except the one with token except
// (which may be ""), and returns how many it ended.
func (ix Index) DeleteAll(ctx context.Context, user, except string) (int, error) {
	sessions, err := ix.List(ctx, user)
	if err != nil {
		return 0, err
	}
	var keys []string
	var tokens []string
	for _, s := range sessions {
		if s.Token != except {
			keys = append(keys, ix.sessionKey(s.Token))
			tokens = append(tokens, s.Token)
		}
	}
	if len(keys) == 0 {
		return 0, nil
	}
	// One DEL per key: in a Cluster the sessions live on different slots.
	cmds := make([]*redis.IntCmd, len(keys))
	_, err = ix.Client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.Del(ctx, k)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("user index %s: delete sessions: %w", user, err)
	}
	n := 0
	for _, c := range cmds {
		n += int(c.Val())
	}
	return n, ix.Remove(ctx, user, tokens...)
}

// str returns an HMGET reply value as a string ("" for a missing field).
func str(v any) string {
	s, _ := v.(string)
	return s
}
