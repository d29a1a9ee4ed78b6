-- @uses tombstones int num cap capped isuser each
-- create: writes a session whole.
-- KEYS[1] = the session key.
-- ARGV = now, expiry (absolute, in the future), created, count, bytes
--   (of the user values written), user ('' leaves the stored binding, '-'
--   removes it, else binds to that user), cover (the #uexp to set with a
--   binding), then field/value pairs (user values, their types, metadata;
--   never #created, #n, #b, #user, #uexp).
-- A key holding a tombstone is a deleted session: nothing is written and
-- {0} returned. A key holding a live session is replaced: its user values
-- and types are exactly the ones written afterwards, its #created and
-- (unless told otherwise) its binding stay; that returns {2, ...}.
-- Anything else at the key (nothing, an expired session, a hash or value
-- that is not a session) is replaced by the new session: {1, ...}. The
-- rest of the reply is what the key now holds: #created, #user ('' for
-- none), #uexp (0 for none), and the user it was bound to before ('').
-- The key always ends with an expiry.
local key = KEYS[1]
local now, expiry, created = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local count, bytes, user, cover = ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local p0 = 8

local kind = redis.call('TYPE', key)['ok']
local status, old_user = 1, ''
if kind == 'string' then
  local v = redis.call('GET', key)
  if tombstone(v) then return {0} end
elseif kind == 'hash' then
  local m = redis.call('HMGET', key, '#created', '#deadline', '#uexp', '#user')
  local c = cap(m[2], m[3])
  if m[1] and (c == 0 or c > now) then
    status, created, old_user = 2, m[1], m[4] or ''
    local keep = {}
    for i = p0, #ARGV, 2 do keep[ARGV[i]] = true end
    local drop = {}
    local fields = redis.call('HKEYS', key)
    for i = 1, #fields do
      local f = fields[i]
      if not keep[f] and (isuser(f) or string.sub(f, 1, 3) == '#t:' or f == '#idle' or f == '#deadline' or f == '#maxage') then
        drop[#drop + 1] = f
      end
    end
    if #drop > 0 then each('HDEL', key, drop, 1, #drop) end
    if user == '' then
      user = old_user
      cover = m[3] or ''
    end
  end
end
if status == 1 then redis.call('DEL', key) end

if #ARGV >= p0 then each('HSET', key, ARGV, p0, #ARGV) end
redis.call('HSET', key, '#created', created, '#n', count, '#b', bytes)
if user ~= '' and user ~= '-' and num(cover) > 0 then
  redis.call('HSET', key, '#user', user, '#uexp', cover)
  expiry = capped(expiry, num(cover))
else
  if user == '-' then redis.call('HDEL', key, '#user', '#uexp') end
  user, cover = '', '0'
end
redis.call('PEXPIREAT', key, expiry)
return {status, created, user, cover, old_user}
