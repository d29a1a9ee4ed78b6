package sessionhash

import (
	"github.com/redis/go-redis/v9"

	"github.com/redis-session/redis-session-go/internal/layout"
	"github.com/redis-session/redis-session-go/internal/slide"
)

// commitScript: ARGV = mode ('c' create or 'u' update), ttl (ms, or
// 'keep' for an update that leaves the expiry as it is), now (ms), cover
// (ms; the #uexp this write sets, 0 if it sets none), nset, then nset
// field/value pairs to set, then fields to delete.
//
// Update applies the delta only if the key is still a session: a session
// deleted (logout, renewal) or expired while the request was in flight is
// not brought back; it returns 0 then. Create replaces whatever is at the
// key. A ttl <= 0 deletes the key (an expiry already in the past). The TTL
// never goes past the session's #uexp (its user index's cover). Every key
// this script leaves behind has a TTL. Returns 1 when applied.
var commitScript = redis.NewScript(slide.Lua + `
local key, mode, ttl = KEYS[1], ARGV[1], tonumber(ARGV[2]) or 'keep'
local now, cover, nset = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
if mode == 'u' then
  local m = redis.pcall('HMGET', key, '` + layout.Created + `', '` + layout.UserUntil + `')
  if failed(m) or not m[1] then return 0 end
  if cover == 0 and m[2] then cover = math.floor(tonumber(m[2]) / 1000000) end
else
  redis.call('DEL', key)
end
if ttl ~= 'keep' and cover > 0 and cover - now < ttl then ttl = cover - now end
if ttl ~= 'keep' and ttl <= 0 then
  redis.call('DEL', key)
  return 1
end
local first_del = 6 + 2 * nset
-- in chunks, to stay below Lua's limit on unpacked values
for i = 6, first_del - 1, 1000 do redis.call('HSET', key, unpack(ARGV, i, math.min(i + 999, first_del - 1))) end
for i = first_del, #ARGV, 1000 do redis.call('HDEL', key, unpack(ARGV, i, math.min(i + 999, #ARGV))) end
if ttl ~= 'keep' then redis.call('PEXPIRE', key, ttl) end
return 1
`)
