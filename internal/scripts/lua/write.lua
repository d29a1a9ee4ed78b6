-- @uses failed int num count cap ended capped isuser recount each hmget limited
-- write: hashcodec's Set, SetMulti and Delete.
-- KEYS[1] = the hash. ARGV = now, idle (as for read), maxfields,
--   maxbytes (0: no limit), nset, then nset triples (field, value, type:
--   '' for a string), then fields to delete.
-- A write never creates a key: with values to set, a missing key, one that
-- is not a hash or a session past its deadline or cover gives the error
-- NOTFOUND. In a session hash (one with #created) each value's type is
-- recorded in its '#t:' field and the counters #n/#b are kept, limits
-- checked against them before anything is written. A hash without
-- #created belongs to another program and is written as that program
-- would: no type fields, and bools as Python writes them ('True',
-- 'False'). Returns the number of fields deleted.
local key = KEYS[1]
local now, idle = tonumber(ARGV[1]), tonumber(ARGV[2])
local maxfields, maxbytes, nset = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local s0 = 6
local d0 = s0 + 3 * nset
local function absent()
  if nset > 0 then return redis.error_reply('NOTFOUND') end
  return 0
end
local head = redis.pcall('HMGET', key, '#created', '#idle', '#deadline', '#uexp', '#n', '#b')
if failed(head) then return absent() end
local session = head[1] ~= false
local c = 0
if session then
  c = cap(head[3], head[4])
  if ended(key, c, now) then return absent() end
elseif redis.call('EXISTS', key) == 0 then
  return absent()
end

-- What the named fields hold now: for the counters, the limits and the
-- number of fields deleted. A field named twice (Delete("a", "a")) counts
-- once.
local names = {}
for i = s0, d0 - 1, 3 do names[#names + 1] = ARGV[i] end
for i = d0, #ARGV do names[#names + 1] = ARGV[i] end
local old = {}
if #names > 0 then old = hmget(key, names, 1, #names) end

local n, b
if session then
  n, b = count(head[5]), count(head[6])
  if not n or not b then n, b = recount(key) end
elseif nset > 0 and (maxfields > 0 or maxbytes > 0) then
  n, b = recount(key)
end
local deleted = 0
local n0, b0 = n, b
local seen = {}
for j = 1, #names do
  local f, o = names[j], old[j]
  if seen[f] then
    -- counted already
  elseif j <= nset then
    if n then
      if o then b = b - #o else n = n + 1; b = b + #f end
      b = b + #ARGV[s0 + 3 * (j - 1) + 1]
    end
  elseif o then
    deleted = deleted + 1
    if n then n = n - 1; b = b - #f - #o end
  end
  seen[f] = true
end
if n and nset > 0 then
  local err = limited(n, b, n0, b0, maxfields, maxbytes)
  if err then return err end
end

local w = idle
if w < 0 then
  if session then w = num(head[2]) else w = 0 end
end
if w > 0 then redis.call('PEXPIREAT', key, capped(now + w, c)) end

if #ARGV >= d0 then
  local dels = {}
  for i = d0, #ARGV do
    dels[#dels + 1] = ARGV[i]
    if session then dels[#dels + 1] = '#t:' .. ARGV[i] end
  end
  each('HDEL', key, dels, 1, #dels)
end
if nset > 0 then
  local set, untyped = {}, {}
  for i = s0, d0 - 1, 3 do
    local f, v, t = ARGV[i], ARGV[i + 1], ARGV[i + 2]
    if not session and t == 'bool' then
      if v == 'true' then v = 'True' else v = 'False' end
    end
    set[#set + 1] = f
    set[#set + 1] = v
    if session then
      if t == '' then
        untyped[#untyped + 1] = '#t:' .. f
      else
        set[#set + 1] = '#t:' .. f
        set[#set + 1] = t
      end
    end
  end
  each('HSET', key, set, 1, #set)
  if #untyped > 0 then each('HDEL', key, untyped, 1, #untyped) end
end
if session and (#names > 0 or not count(head[5])) then redis.call('HSET', key, '#n', n, '#b', b) end
return deleted
