-- @uses failed int num count cap ended capped isuser recount limited
-- incr: hashcodec's Incr, an atomic HINCRBY that respects recorded types.
-- KEYS[1] = the hash. ARGV = now, idle (as for read), maxfields,
--   maxbytes, field, delta, the bit size of Go's int and uint.
-- A missing key, one that is not a hash or a session past its deadline or
-- cover gives NOTFOUND. In a session hash a missing field starts at 0 and
-- is recorded as an int; a field whose recorded type is not an integer
-- (a string among them), text that is not an integer, and a result outside
-- the recorded type's range are refused, changing nothing, with one line:
--   NOTINT <reason> <type> <delta> <len> <hex>
-- reason 'type', 'text' or 'range'; type the recorded one ('string' for a
-- session field without a type field, '-' in another program's hash); len
-- the stored value's length ('-' when missing) and hex its first 40 bytes,
-- so that no byte of it can break the error line (hashcodec's incrErr
-- turns it into a message naming the value). In another program's hash the
-- text is incremented as it is. Returns the new value as its decimal text.
local key, f, delta, intbits = KEYS[1], ARGV[5], ARGV[6], tonumber(ARGV[7])
local now, idle = tonumber(ARGV[1]), tonumber(ARGV[2])
local maxfields, maxbytes = tonumber(ARGV[3]), tonumber(ARGV[4])
local tf = '#t:' .. f

-- notint is the refusal described above.
local function notint(reason, t, v)
  local size, hex = '-', ''
  if v then
    size = tostring(#v)
    hex = string.gsub(string.sub(v, 1, 40), '.', function(c) return string.format('%02x', string.byte(c)) end)
  end
  return redis.error_reply('NOTINT ' .. reason .. ' ' .. (t or '-') .. ' ' .. delta .. ' ' .. size .. ' ' .. hex)
end

-- range returns whether t is an integer type, and its inclusive bounds
-- where a double holds them exactly (64-bit bounds are HINCRBY's own).
local function range(t)
  local signed = { int8 = 8, int16 = 16, int32 = 32, int64 = 64, duration = 64, int = intbits }
  local unsigned = { uint8 = 8, uint16 = 16, uint32 = 32, uint64 = 64, uint = intbits }
  local bits = signed[t]
  if bits then
    if bits >= 64 then return true, nil, nil end
    return true, -(2 ^ (bits - 1)), 2 ^ (bits - 1) - 1
  end
  bits = unsigned[t]
  if bits then
    if bits >= 64 then return true, 0, nil end
    return true, 0, 2 ^ bits - 1
  end
  return false
end

local head = redis.pcall('HMGET', key, '#created', '#idle', '#deadline', '#uexp', '#n', '#b', f, tf)
if failed(head) then return redis.error_reply('NOTFOUND') end
local session = head[1] ~= false
local c = 0
if session then
  c = cap(head[3], head[4])
  if ended(key, c, now) then return redis.error_reply('NOTFOUND') end
elseif redis.call('EXISTS', key) == 0 then
  return redis.error_reply('NOTFOUND')
end

local cur, t = head[7], head[8]
local lo, hi
if session then
  if cur and not t then return notint('type', 'string', cur) end
  if t then
    local ok
    ok, lo, hi = range(t)
    if not ok then return notint('type', t, cur) end
  end
end

local n, b
if session then
  n, b = count(head[5]), count(head[6])
  if not n or not b then n, b = recount(key) end
elseif not cur and (maxfields > 0 or maxbytes > 0) then
  n, b = recount(key)
end
if n and not cur then
  local err = limited(n + 1, b + #f + #delta, n, b, maxfields, maxbytes)
  if err then return err end
end

local r = redis.pcall('HINCRBY', key, f, delta)
if failed(r) then
  if string.find(r['err'], 'overflow', 1, true) then return notint('range', t or 'int64', cur) end
  return notint('text', t, cur)
end
-- A result on the wrong side of the old value wrapped around int64 (a
-- server that does not refuse the overflow); one outside the recorded
-- type's range does not fit it. Either way the old text is put back.
local was, d = tonumber(cur) or 0, tonumber(delta)
if (d > 0 and r < was) or (d < 0 and r > was) or (lo and r < lo) or (hi and r > hi) then
  if cur then redis.call('HSET', key, f, cur) else redis.call('HDEL', key, f) end
  return notint('range', t or 'int64', cur)
end

-- The stored text, not the Lua number (a double), is the exact result.
local text = redis.call('HGET', key, f)
if session then
  if not t then redis.call('HSET', key, tf, 'int') end
  if not cur then n = n + 1; b = b + #f end
  b = b + #text - (cur and #cur or 0)
  redis.call('HSET', key, '#n', n, '#b', b)
end
local w = idle
if w < 0 then
  if session then w = num(head[2]) else w = 0 end
end
if w > 0 then redis.call('PEXPIREAT', key, capped(now + w, c)) end
return text
