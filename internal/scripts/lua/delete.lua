-- @uses tombstones int num cap clock
-- delete: ends a session for good.
-- KEYS[1] = the session key. ARGV = now, floor (ms), keep ('1': leave a
--   tombstone already there as it is), successor (the key a regeneration
--   moves the live session to; '': none), follow ('1': the key was named by
--   another key's tombstone, not by the caller: only a session hash, a
--   tombstone or nothing is there to end; any other value is left alone).
-- The key is left holding a tombstone, a string every reader of hashes
-- sees as no session and every create refuses, for as long as the session
-- could still have lived (its expiry) and at least floor (by Redis's own
-- clock, so that an app server whose clock is behind cannot shorten it):
-- no request in flight can bring the session back. A live session becomes
-- TOMBSTONE_ALIVE (with ':' and the successor, if given), which a renewal
-- or regeneration requires of the session it continues; a second delete,
-- or one that found no live session, leaves TOMBSTONE, unless keep is set:
-- a revocation keeps the TOMBSTONE_ALIVE of a renewal in flight, which the
-- user index stops unless the revocation spared it. A tombstone that names
-- a successor is kept as it is, so that every later delete of the old key
-- still reaches the successor (a handover needs the bare TOMBSTONE_ALIVE,
-- or the same successor, whose own tombstone then stops the write).
-- Returns {1 if a live session was ended else 0, the user it was bound to,
-- the successor a TOMBSTONE_ALIVE found here named ('' for none)}: the
-- caller ends that session too, so that a logout with the cookie of a
-- renewed session, racing the renewal or after it, ends what it became.
local key = KEYS[1]
local now, floor, keep, successor = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3] == '1', ARGV[4] or ''
local follow = ARGV[5] == '1'
local kind = redis.call('TYPE', key)['ok']
if follow and kind ~= 'hash' and kind ~= 'string' and kind ~= 'none' then return {0, '', ''} end
if kind == 'hash' then
  local m = redis.call('HMGET', key, '#created', '#deadline', '#uexp', '#user')
  if follow and not m[1] then return {0, '', ''} end -- another program's hash
  local c = cap(m[2], m[3])
  if m[1] and (c == 0 or c > now) then
    local at = redis.call('PEXPIRETIME', key)
    local v = TOMBSTONE_ALIVE
    if successor ~= '' then v = v .. ':' .. successor end
    redis.call('SET', key, v, 'PXAT', math.max(at, clock() + floor))
    return {1, m[4] or '', ''}
  end
elseif kind == 'string' then
  local is, next = tombstone(redis.call('GET', key))
  if is then
    if not keep and next == '' then redis.call('SET', key, TOMBSTONE, 'KEEPTTL') end
    return {0, '', next}
  end
  if follow then return {0, '', ''} end -- another program's string
end
redis.call('SET', key, TOMBSTONE, 'PX', floor)
return {0, '', ''}
