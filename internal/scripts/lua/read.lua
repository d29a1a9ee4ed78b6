-- @uses failed int num cap ended capped each hmget
-- read: hashcodec's Get, GetMulti, Exists and Touch.
-- KEYS[1] = the hash. ARGV = now, idle (the window; -1: the hash's own
--   #idle; 0: leave the TTL alone), mode ('f': read the fields; 't': touch
--   only), then for mode 'f' field, type field, field, type field, ...
-- Returns false when there is nothing to read: the key is missing (mode
-- 't'), is not a hash (a tombstone or another type), or is a session past
-- its deadline or cover (then deleted). Otherwise it slides the TTL (a
-- session's to min(now + window, deadline, cover); another program's hash,
-- one without #created, only by an explicit window) and returns, for mode
-- 'f', the values of the fields given, in order (false for missing ones).
local key = KEYS[1]
local now, idle, mode = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local head = redis.pcall('HMGET', key, '#created', '#idle', '#deadline', '#uexp')
if failed(head) then return false end
local session = head[1] ~= false
local c = 0
if session then
  c = cap(head[3], head[4])
  if ended(key, c, now) then return false end
elseif mode == 't' and redis.call('EXISTS', key) == 0 then
  return false
end
local w = idle
if w < 0 then
  if session then w = num(head[2]) else w = 0 end
end
if w > 0 then redis.call('PEXPIREAT', key, capped(now + w, c)) end
if mode == 't' then return {} end
return hmget(key, ARGV, 4, #ARGV)
