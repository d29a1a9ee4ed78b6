-- @uses failed num cap capped
-- expire: moves a live session's expiry, for a load whose plain
-- PEXPIREAT could not know the session's window or caps.
-- KEYS[1] = the session key. ARGV = now, at (the expiry the session's
-- window asks for).
-- Only a live session is touched, and never past its deadline or cover; a
-- session already past them is deleted. Returns 1 when the key now expires
-- at the capped time, 0 when there is no live session.
local key = KEYS[1]
local now, at = tonumber(ARGV[1]), tonumber(ARGV[2])
local m = redis.pcall('HMGET', key, '#created', '#deadline', '#uexp')
if failed(m) or not m[1] then return 0 end
at = capped(at, cap(m[2], m[3]))
if at <= now then
  redis.call('DEL', key)
  return 0
end
redis.call('PEXPIREAT', key, at)
return 1
