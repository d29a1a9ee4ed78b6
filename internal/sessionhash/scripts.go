package sessionhash

import (
	"github.com/redis/go-redis/v9"

	"github.com/redis-session/redis-session-go/internal/layout"
	"github.com/redis-session/redis-session-go/internal/slide"
)

// commitScript: ARGV = mode ('c' create or 'u' update), ttl (ms, or
// 'keep' for an update that leaves the expiry as it is), now (ms), cover
// (ns; the new #uexp, "0" for none), cover user (apply the cover only if
// the session is bound to this user; "" for always), nset, then nset
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
local now, new_cover, cover_user, nset = tonumber(ARGV[3]), ARGV[4], ARGV[5], tonumber(ARGV[6])
local cover = 0
if mode == 'u' then
  local m = redis.pcall('HMGET', key, '` + layout.Created + `', '` + layout.UserUntil + `', '` + layout.User + `')
  if failed(m) or not m[1] then return 0 end
  if m[2] then cover = tonumber(m[2]) or 0 end
  if new_cover ~= '0' and cover_user ~= '' and m[3] ~= cover_user then new_cover = '0' end
else
  redis.call('DEL', key)
end
if new_cover ~= '0' then cover = tonumber(new_cover) end
if ttl ~= 'keep' and cover > 0 and math.floor(cover / 1000000) - now < ttl then ttl = math.floor(cover / 1000000) - now end
if ttl ~= 'keep' and ttl <= 0 then
  redis.call('DEL', key)
  return 1
end
local first_del = 7 + 2 * nset
-- in chunks, to stay below Lua's limit on unpacked values
for i = 7, first_del - 1, 1000 do redis.call('HSET', key, unpack(ARGV, i, math.min(i + 999, first_del - 1))) end
for i = first_del, #ARGV, 1000 do redis.call('HDEL', key, unpack(ARGV, i, math.min(i + 999, #ARGV))) end
if new_cover ~= '0' then redis.call('HSET', key, '` + layout.UserUntil + `', new_cover) end
if ttl ~= 'keep' then redis.call('PEXPIRE', key, ttl) end
return 1
`)
