package sessionhash

import (
	"context"
	"fmt"
	"maps"

	"github.com/redis/go-redis/v9"

	"github.com/redis-session/redis-session-go/internal/layout"
	"github.com/redis-session/redis-session-go/internal/scripts"
)

// Fallback is how long a session key found without a TTL lives once
// loaded, when the session has neither a window nor a deadline to say
// (only hand-made data is like that): every key keeps a TTL.
const Fallback = 24 * 60 * 60 * 1000

// Load reads the session at key and slides its expiry in one round trip:
// a MULTI of scripts/touch.lua, which moves the expiry to min(now +
// window, deadline, user index cover), and a native HGETALL (a script
// returning the hash would cost Redis several times as much). window is
// the session's own #idle unless window > 0 overrides it (a store
// configured with an idle timeout). A session whose window is 0 does not
// slide; its expiry is never past its deadline or cover, and a key without
// a TTL gets one. Record.Expiry is the expiry after the slide.
//
// It returns nil (and no error) when key holds no live session: nothing,
// a tombstone, a value of another type, a hash without #created, or a
// session past its deadline or cover, which it deletes: every reader
// treats such a session as gone, whatever its TTL says.
func Load(ctx context.Context, c redis.Cmdable, key string, now, window int64) (*Record, error) {
	var touch int64
	var all map[string]string
	err := scripts.Retry(ctx, c, scripts.Touch, func() (err error) {
		touch, all, err = load(ctx, c, key, now, window)
		return err
	})
	if err != nil {
		return nil, loadErr(key, err)
	}
	if touch <= 0 || len(all) == 0 {
		return nil, nil
	}
	rec := parseRecord(key, len(all), maps.All(all))
	rec.LoadedAt, rec.Expiry = now, touch
	return rec, nil
}

// load runs the load's MULTI once: the expiry touch left (0 for no live
// session) and the hash. HGetAll's typed reply parses straight into a
// map[string]string, in RESP2 and RESP3 alike (a generic reply would build
// a map of interfaces first).
func load(ctx context.Context, c redis.Cmdable, key string, now, window int64) (int64, map[string]string, error) {
	pipe := c.TxPipeline()
	touch := scripts.Touch.EvalSha(ctx, pipe, []string{key}, now, window, Fallback)
	all := pipe.HGetAll(ctx, key)
	if _, err := pipe.Exec(ctx); err != nil && !wrongType(err) {
		return 0, nil, err
	}
	expiry, err := touch.Int64()
	if err != nil {
		return 0, nil, err
	}
	if expiry <= 0 {
		return 0, nil, nil
	}
	return expiry, all.Val(), all.Err()
}

func loadErr(key string, err error) error {
	return fmt.Errorf("load %s: %w", layout.Redact(key), err)
}

func wrongType(err error) bool { return redis.HasErrorPrefix(err, "WRONGTYPE") }
