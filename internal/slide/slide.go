// Package slide moves a session key's expiry: the Lua helpers every script
// that touches a session shares, and ReadAll, which reads a whole hash and
// slides its TTL in one atomic round trip.
package slide

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redis-session/redis-session-go/internal/layout"
)

// Lua defines three helpers for scripts, so that a script can read what it
// needs and the metadata in one command and slide the TTL with at most one
// more:
//
// head(key, ...) reads, in one command, whether key is a session hash, its
// sliding metadata and the extra fields given; it returns nil when the key
// is missing or not a hash. head[1] is #created, head[2] #idle, head[3]
// #deadline, head[4] #uexp, then the extra fields in order.
//
// failed(reply) reports whether a redis.pcall reply is an error (such as
// WRONGTYPE for a key that is not a hash, which then reads as absent).
//
// slide(key, now, idle, meta_idle, meta_deadline, meta_until) sets the
// key's TTL to min(now+idle, deadline, until). now is Unix nanoseconds;
// idle is the window in nanoseconds, or negative to use meta_idle (the
// hash's #idle, as read by the caller); meta_deadline is the hash's
// #deadline and meta_until its #uexp (how long its user's index covers it).
// Without a window the TTL is left alone: every write already set it to end
// at the deadline. A deadline (or cover) already passed deletes the key. It
// returns false when the key is gone afterwards.
const Lua = `
local function failed(reply)
  return type(reply) == 'table' and reply['err'] ~= nil
end

local function head(key, ...)
  local vals = redis.pcall('HMGET', key, '` + layout.Created + `', '` + layout.Idle + `', '` + layout.Deadline + `', '` + layout.UserUntil + `', ...)
  if failed(vals) then return nil end
  if not vals[1] and redis.call('EXISTS', key) == 0 then return nil end
  return vals
end

local function slide(key, now, idle, meta_idle, meta_deadline, meta_until)
  if idle < 0 then idle = tonumber(meta_idle) or 0 end
  local deadline = tonumber(meta_deadline) or 0
  local cover = tonumber(meta_until) or 0
  if cover > 0 and (deadline == 0 or cover < deadline) then deadline = cover end
  if deadline > 0 and deadline <= now then
    redis.call('DEL', key)
    return false
  end
  if idle <= 0 then return true end
  local ttl = idle
  if deadline > 0 and deadline - now < ttl then ttl = deadline - now end
  redis.call('PEXPIRE', key, math.ceil(ttl / 1000000))
  return true
end
`

// Window values for ReadAll's idle argument.
const (
	// FromMeta slides by the hash's own #idle.
	FromMeta time.Duration = -1
	// Off leaves the TTL alone.
	Off time.Duration = 0
)

// script: ARGV = now (ns), idle (ns, see the Window values), session ('1'
// when the hash must carry #created). Returns 1 when the key is there to
// be read, 0 when it is missing, not a hash, not a session (if required)
// or past its deadline (then deleted).
var script = redis.NewScript(Lua + `
local key = KEYS[1]
local m = head(key)
if not m or (ARGV[3] == '1' and not m[1]) then return 0 end
local idle = tonumber(ARGV[2])
if idle ~= 0 and not slide(key, tonumber(ARGV[1]), idle, m[2], m[3], m[4]) then return 0 end
return 1
`)

// Now returns the current time as the scripts take it (Unix ns, decimal).
func Now() string { return strconv.FormatInt(time.Now().UnixNano(), 10) }

// ReadAll reads the whole hash at key and slides its TTL (by idle, see
// FromMeta and Off) atomically, in one round trip: MULTI, the slide
// script, HGETALL, EXEC. HGETALL runs natively rather than inside Lua,
// which would copy every field into a Lua table and back: for a 50 KB
// session that is several times the cost of the read itself.
//
// ok is false when there is nothing to read: the key is missing, not a
// hash, past its deadline, or (with session set) not a session.
func ReadAll(ctx context.Context, c redis.Cmdable, key string, idle time.Duration, session bool) (map[string]string, bool, error) {
	if idle == Off {
		all, err := c.HGetAll(ctx, key).Result()
		if err != nil && !redis.HasErrorPrefix(err, "WRONGTYPE") {
			return nil, false, err
		}
		_, isSession := all[layout.Created]
		return all, len(all) > 0 && (isSession || !session), nil
	}
	flag := "0"
	if session {
		flag = "1"
	}
	for attempt := 0; ; attempt++ {
		pipe := c.TxPipeline()
		there := script.EvalSha(ctx, pipe, []string{key}, Now(), int64(idle), flag)
		all := pipe.HGetAll(ctx, key)
		_, _ = pipe.Exec(ctx) // errors are per command, read below
		err := there.Err()
		if attempt == 0 && redis.HasErrorPrefix(err, "NOSCRIPT") {
			// A new server, a restart or a failover: load the script and
			// read again.
			if err := script.Load(ctx, c).Err(); err != nil {
				return nil, false, err
			}
			continue
		}
		if err != nil {
			return nil, false, err
		}
		if there.Val() != int64(1) {
			return nil, false, nil
		}
		if err := all.Err(); err != nil && !errors.Is(err, redis.Nil) {
			return nil, false, err
		}
		return all.Val(), len(all.Val()) > 0, nil
	}
}
