-- @uses tombstones
-- handover: records where a session a request deleted itself moves on (a
-- token renewal, a merge), before that key is written.
-- KEYS[1] = the deleted session's key. ARGV = the successor key.
-- Applies only while the key holds the TOMBSTONE_ALIVE of that one delete:
-- a session deleted by anyone else as well (a logout, "log out
-- everywhere"), or already gone when the request deleted it, is not handed
-- over. Once handed over, a delete of the old key ends the successor too
-- (see delete.lua), so that a logout racing the write of the successor
-- stops it. Returns 1 when handed over (or already handed to successor),
-- else 0.
local v = redis.pcall('GET', KEYS[1]) -- a hash here (an error reply) is not handed over
if v == TOMBSTONE_ALIVE then
  redis.call('SET', KEYS[1], TOMBSTONE_ALIVE .. ':' .. ARGV[1], 'KEEPTTL')
  return 1
end
if v == TOMBSTONE_ALIVE .. ':' .. ARGV[1] then return 1 end
return 0
