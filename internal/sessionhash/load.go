package sessionhash

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/redis-session/redis-session-go/internal/layout"
	"github.com/redis-session/redis-session-go/internal/scripts"
)

// NoExpiry is Record.Expiry for a key that has no TTL (which no code path
// of this module leaves; only hand-made data has it).
const NoExpiry = -1

// Load reads the session at key in one round trip. With hint > 0 it also
// moves the key's expiry forward to now+hint in the same transaction
// (MULTI, HGETALL, PEXPIREAT GT, PEXPIRETIME, EXEC): plain commands, no
// script, sent before the session's own window and caps are known; Settle
// then corrects what that could not know, with a second round trip only
// when there is something to correct. Without a hint it is a plain
// HGETALL and the TTL is left alone.
//
// It returns nil (and no error) when key holds no live session: nothing,
// a tombstone, a value of another type, a hash without #created, or a
// session past its deadline or cover, which it deletes: every reader
// treats such a session as gone, whatever its TTL says.
func Load(ctx context.Context, c redis.Cmdable, key string, now, hint int64) (*Record, error) {
	var all map[string]string
	var expiry int64
	if hint > 0 {
		pipe := c.TxPipeline()
		read := pipe.HGetAll(ctx, key)
		pipe.Do(ctx, "pexpireat", key, now+hint, "gt")
		at := pipe.Do(ctx, "pexpiretime", key)
		if _, err := pipe.Exec(ctx); err != nil && !wrongType(err) {
			return nil, loadErr(key, err)
		}
		if err := read.Err(); err != nil {
			if wrongType(err) {
				return nil, nil
			}
			return nil, loadErr(key, err)
		}
		all = read.Val()
		expiry, _ = at.Int64()
	} else {
		var err error
		if all, err = c.HGetAll(ctx, key).Result(); err != nil {
			if wrongType(err) {
				return nil, nil
			}
			return nil, loadErr(key, err)
		}
	}
	if _, ok := all[layout.Created]; !ok {
		return nil, nil
	}
	rec := parseRecord(key, all)
	rec.LoadedAt, rec.Expiry = now, expiry
	if end := rec.Cap(); end > 0 && end <= now {
		c.Del(ctx, key) // best effort: its TTL ends it soon anyway
		return nil, nil
	}
	return rec, nil
}

// Settle makes the expiry a load left what the session's sliding window
// asks for: min(loaded at + window, deadline, cover). A load's PEXPIREAT
// GT may have gone past the deadline or cover (its hint was longer than
// the session's window, or the session is near its end), or fallen short
// of a window longer than the hint; a short one is raised only when full
// is set (a store whose requests commit after loading, like scs under an
// IdleTimeout, leaves it to that commit). A window of 0 means the session
// does not slide: the expiry its last write set, the deadline, stands. It
// costs a round trip only when something is to be corrected, and never
// touches a session deleted since the load.
func Settle(ctx context.Context, c redis.Scripter, rec *Record, window int64, full bool) error {
	want := rec.Expiry
	switch {
	case window > 0:
		want = Capped(rec.LoadedAt+window, rec.Cap())
	case rec.Expiry == NoExpiry:
		want = rec.Cap() // hand-made data without a TTL: give it one
	}
	if want <= 0 || near(want, rec.Expiry) || (want > rec.Expiry && rec.Expiry > 0 && !full) {
		return nil
	}
	if rec.Expiry == 0 && !full {
		return nil // the load did not slide; the commit that follows does
	}
	if err := scripts.Expire.Run(ctx, c, []string{rec.Key}, rec.LoadedAt, want).Err(); err != nil {
		return fmt.Errorf("slide %s: %w", layout.Redact(rec.Key), err)
	}
	rec.Expiry = want
	return nil
}

// near reports whether an expiry Redis reports is the one asked for: real
// Redis reports exactly what PEXPIREAT set, miniredis (which keeps a TTL,
// not a time) can be a millisecond or two off.
func near(want, got int64) bool { return got >= want-2 && got <= want+2 }

func loadErr(key string, err error) error {
	return fmt.Errorf("load %s: %w", layout.Redact(key), err)
}

func wrongType(err error) bool { return redis.HasErrorPrefix(err, "WRONGTYPE") }
