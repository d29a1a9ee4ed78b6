-- @uses tombstones int num cap clock
-- delete: ends a session for good.
-- KEYS[1] = the session key. ARGV = now, floor (ms), keep ('1': leave a
--   tombstone already there as it is).
-- The key is left holding a tombstone, a string every reader of hashes
-- sees as no session and every create refuses, for as long as the session
-- could still have lived (its expiry) and at least floor (by Redis's own
-- clock, so that an app server whose clock is behind cannot shorten it):
-- no request in flight can bring the session back. A live session becomes
-- TOMBSTONE_ALIVE, which a token renewal's commit requires of the session
-- it continues; a second delete, or one that found no live session, leaves
-- TOMBSTONE, unless keep is set: a revocation keeps the TOMBSTONE_ALIVE of a
-- renewal in flight, which the user index stops unless the revocation
-- spared it. Returns {1 if a live session was ended else 0, the user it was
-- bound to}.
local key = KEYS[1]
local now, floor, keep = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3] == '1'
local kind = redis.call('TYPE', key)['ok']
if kind == 'hash' then
  local m = redis.call('HMGET', key, '#created', '#deadline', '#uexp', '#user')
  local c = cap(m[2], m[3])
  if m[1] and (c == 0 or c > now) then
    local at = redis.call('PEXPIRETIME', key)
    redis.call('SET', key, TOMBSTONE_ALIVE, 'PXAT', math.max(at, clock() + floor))
    return {1, m[4] or ''}
  end
elseif kind == 'string' then
  local v = redis.call('GET', key)
  if v == TOMBSTONE_ALIVE then
    if not keep then redis.call('SET', key, TOMBSTONE, 'KEEPTTL') end
    return {0, ''}
  end
  if v == TOMBSTONE then return {0, ''} end
end
redis.call('SET', key, TOMBSTONE, 'PX', floor)
return {0, ''}
