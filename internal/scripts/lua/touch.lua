-- @uses failed int num cap ended capped
-- touch: a load's slide, run in one MULTI with the load's HGETALL.
-- KEYS[1] = the session key. ARGV = now, window (the sliding window to
--   apply; 0: the session's own #idle), fallback (a key found without a TTL
--   whose session has neither window nor deadline expires fallback after
--   now).
-- Returns 0 when the key holds no live session: nothing, a tombstone, a
-- value of another type, a hash without #created, or a session past its
-- deadline or cover, which it deletes (so that the HGETALL after it finds
-- nothing). Otherwise it moves the expiry to min(now + window, deadline,
-- cover) (a window of 0 leaves it, but never past the cap and never
-- without a TTL) and returns the expiry.
local key = KEYS[1]
local now, window, fallback = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local m = redis.pcall('HMGET', key, '#created', '#deadline', '#uexp', '#idle')
if failed(m) or not m[1] then return 0 end
local c = cap(m[2], m[3])
if ended(key, c, now) then return 0 end
if window <= 0 then window = num(m[4]) end
if window > 0 then
  local want = capped(now + window, c)
  redis.call('PEXPIREAT', key, want)
  return want
end
local at = redis.call('PEXPIRETIME', key)
if at < 0 or (c > 0 and at > c) then
  at = c
  if at <= 0 then at = now + fallback end
  redis.call('PEXPIREAT', key, at)
end
return at
