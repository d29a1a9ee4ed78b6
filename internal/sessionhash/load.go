package sessionhash

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/redis-session/redis-session-go/internal/layout"
	"github.com/redis-session/redis-session-go/internal/scripts"
)

// Fallback is how long a session key found without a TTL lives once
// loaded, when the session has neither a window nor a deadline to say
// (only hand-made data is like that): every key keeps a TTL.
const Fallback = 24 * 60 * 60 * 1000

// Load reads the session at key and slides its expiry in one round trip
// (scripts/load.lua): to min(now + window, deadline, user index cover),
// where window is the session's own #idle unless window > 0 overrides it
// (a store configured with an idle timeout). A session whose window is 0
// does not slide; its expiry is never past its deadline or cover, and a
// key without a TTL gets one. Record.Expiry is the expiry after the slide.
//
// It returns nil (and no error) when key holds no live session: nothing,
// a tombstone, a value of another type, a hash without #created, or a
// session past its deadline or cover, which it deletes: every reader
// treats such a session as gone, whatever its TTL says.
func Load(ctx context.Context, c redis.Scripter, key string, now, window int64) (*Record, error) {
	v, err := scripts.Load.Run(ctx, c, []string{key}, now, window, Fallback).Result()
	if err != nil {
		return nil, loadErr(key, err)
	}
	reply, ok := v.([]any)
	if !ok || len(reply)%2 != 1 {
		return nil, nil // 0: no live session
	}
	expiry, ok := reply[0].(int64)
	if !ok {
		return nil, loadErr(key, fmt.Errorf("unexpected reply %T", reply[0]))
	}
	all := make(map[string]string, len(reply)/2)
	for i := 1; i+1 < len(reply); i += 2 {
		all[str(reply[i])] = str(reply[i+1])
	}
	rec := parseRecord(key, all)
	rec.LoadedAt, rec.Expiry = now, expiry
	return rec, nil
}

func loadErr(key string, err error) error {
	return fmt.Errorf("load %s: %w", layout.Redact(key), err)
}

func wrongType(err error) bool { return redis.HasErrorPrefix(err, "WRONGTYPE") }
