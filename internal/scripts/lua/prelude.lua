-- Helpers the scripts share. Each section starts with a '-- @lib name'
-- line (after its own dependencies' sections); a script names the helpers
-- it uses on a '-- @uses' line and gets exactly those, in this order, so
-- that no call pays for closures it does not need. All times are Unix
-- milliseconds and all durations milliseconds, the unit of PEXPIREAT.

-- @lib tombstones
-- A deleted session's key holds TOMBSTONE, or TOMBSTONE_ALIVE when that
-- delete ended a live session, followed by ':' and the key the session
-- moved to once a renewal or regeneration has handed it over. tombstone(v)
-- reports whether v is any of them and returns the successor key ('' for
-- none); every create refuses such a key.
local TOMBSTONE_ALIVE, TOMBSTONE = 'tombstone:alive', 'tombstone'
local function tombstone(v)
  if v == TOMBSTONE or v == TOMBSTONE_ALIVE then return true, '' end
  if type(v) == 'string' and string.sub(v, 1, 16) == TOMBSTONE_ALIVE .. ':' then
    return true, string.sub(v, 17)
  end
  return false, ''
end

-- @lib failed
-- failed reports whether a redis.pcall reply is an error (such as
-- WRONGTYPE for a key that is not a hash, which reads as absent).
local function failed(reply)
  return type(reply) == 'table' and reply['err'] ~= nil
end

-- @lib int
-- int reads a stored number the way Go's layout.ParseInt does: only
-- decimal integers of at most 18 characters (an optional '-', then
-- digits) count; anything else (absent, hex, spaces, exponents) is nil.
local function int(v)
  if type(v) == 'string' and #v <= 18 and string.find(v, '^%-?%d+$') then
    return tonumber(v)
  end
  return nil
end

-- @lib num
-- num is int, with 0 for what int rejects. Needs int.
local function num(v)
  return int(v) or 0
end

-- @lib count
-- count reads a stored counter (#n, #b): int, but nil for a negative one,
-- so that damaged counters are recounted. Needs int.
local function count(v)
  local n = int(v)
  if n and n >= 0 then return n end
  return nil
end

-- @lib cap
-- cap returns the earliest of a session's absolute deadline and its user
-- index cover that is set (not 0), or 0 when neither is: the session ends
-- there, whatever its TTL says. Needs num.
local function cap(deadline, cover)
  local d, c = num(deadline), num(cover)
  if d > 0 and (c <= 0 or d < c) then return d end
  if c > 0 then return c end
  return 0
end

-- @lib ended
-- ended deletes key and reports true when c, the session's cap (see cap),
-- has passed: a session past its deadline or cover is gone, whatever its
-- TTL says, and every script that finds one removes it.
local function ended(key, c, now)
  if c > 0 and c <= now then
    redis.call('DEL', key)
    return true
  end
  return false
end

-- @lib capped
-- capped returns at, or the cap c when that is set and earlier.
local function capped(at, c)
  if c > 0 and c < at then return c end
  return at
end

-- @lib isuser
-- isuser reports whether a hash field holds a user value: a plain key, an
-- escaped key ('##x') or a non-string map key ('#k:...'); not metadata and
-- not a type field.
local function isuser(f)
  if string.byte(f, 1) ~= 35 then return true end
  return string.sub(f, 1, 2) == '##' or string.sub(f, 1, 3) == '#k:'
end

-- @lib recount
-- recount counts the user values of key and the bytes of their field
-- names and values, reading the whole hash: only for a session whose
-- counters are missing or damaged. Needs isuser.
local function recount(key)
  local all = redis.call('HGETALL', key)
  local n, b = 0, 0
  for i = 1, #all, 2 do
    if isuser(all[i]) then n = n + 1; b = b + #all[i] + #all[i + 1] end
  end
  return n, b
end

-- @lib each
-- each calls cmd on key with list[from..to] in chunks that keep unpack()
-- below Lua's limit on values per call (an even size, so field/value
-- pairs are never split), and returns the sum of the replies.
local CHUNK = 2000
local function each(cmd, key, list, from, to)
  local sum = 0
  for i = from, to, CHUNK do
    sum = sum + redis.call(cmd, key, unpack(list, i, math.min(i + CHUNK - 1, to)))
  end
  return sum
end

-- @lib hmget
-- hmget reads the fields list[from..to] of key in chunks, as one table.
-- Needs each (for CHUNK).
local function hmget(key, list, from, to)
  local out = {}
  for i = from, to, CHUNK do
    local part = redis.call('HMGET', key, unpack(list, i, math.min(i + CHUNK - 1, to)))
    for j = 1, #part do out[#out + 1] = part[j] end
  end
  return out
end

-- @lib limited
-- limited returns an error reply when a write that leaves n values of b
-- bytes (from n0 and b0) goes past a limit; a write that does not grow the
-- session past what it already holds is never refused.
local function limited(n, b, n0, b0, maxfields, maxbytes)
  if maxfields > 0 and n > maxfields and n > n0 then
    return redis.error_reply('LIMIT ' .. n .. ' values, limit ' .. maxfields)
  end
  if maxbytes > 0 and b > maxbytes and b > b0 then
    return redis.error_reply('LIMIT ' .. b .. ' bytes, limit ' .. maxbytes)
  end
  return nil
end

-- @lib clock
-- clock returns Redis's own time in Unix milliseconds: the clock that also
-- ends keys, so that nothing judged by it depends on app servers' clocks.
local function clock()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- @lib marks
-- The user index (a sorted set) holds, besides one member per bound
-- session token scored by its cover, members that start with a zero byte,
-- which no token has: REVOKED..t, an entry "log out everywhere" took whose
-- session it has not confirmed ended yet; LINEAGE..from..'\0'..t, session
-- t continuing session from (a renewal, a regeneration, a merge); SPARED..t,
-- a token a revocation kept, which a renewal into t may continue from a
-- revoked entry. Every member keeps a score, so ZREMRANGEBYSCORE prunes
-- them all.
local REVOKED, LINEAGE, SPARED = '\0r:', '\0l:', '\0s:'

-- @lib livefor
-- livefor lets key live until at (or now) plus margin.
local function livefor(key, at, now, margin)
  redis.call('PEXPIREAT', key, math.max(at, now) + margin)
end
