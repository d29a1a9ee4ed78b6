package sessionhash

import (
	"github.com/redis/go-redis/v9"

	"github.com/redis-session/redis-session-go/internal/layout"
	"github.com/redis-session/redis-session-go/internal/slide"
)

// commitScript: ARGV = mode ('c' create or 'u' update), ttl (ms, or
// 'keep' for an update that leaves the expiry as it is), nset, then nset
// field/value pairs to set, then fields to delete.
//
// Update applies the delta only if the key is still a session: a session
// deleted (logout, renewal) or expired while the request was in flight is
// not brought back; it returns 0 then. Create replaces whatever is at the
// key. A ttl <= 0 deletes the key (an expiry already in the past). Every
// key this script leaves behind has a TTL. Returns 1 when applied.
var commitScript = redis.NewScript(slide.Lua + `
local key, mode, ttl = KEYS[1], ARGV[1], tonumber(ARGV[2]) or 'keep'
local nset = tonumber(ARGV[3])
if mode == 'u' then
  local live = redis.pcall('HEXISTS', key, '` + layout.Created + `')
  if failed(live) or live == 0 then return 0 end
else
  redis.call('DEL', key)
end
if ttl ~= 'keep' and ttl <= 0 then
  redis.call('DEL', key)
  return 1
end
local first_del = 4 + 2 * nset
-- in chunks, to stay below Lua's limit on unpacked values
for i = 4, first_del - 1, 1000 do redis.call('HSET', key, unpack(ARGV, i, math.min(i + 999, first_del - 1))) end
for i = first_del, #ARGV, 1000 do redis.call('HDEL', key, unpack(ARGV, i, math.min(i + 999, #ARGV))) end
if ttl ~= 'keep' then redis.call('PEXPIRE', key, ttl) end
return 1
`)
