-- @uses failed int num count cap ended capped isuser recount each hmget limited
-- commit: a delta write of a live session.
-- KEYS[1] = the session key.
-- ARGV = now, expiry (absolute; 0 leaves the TTL as it is), maxfields,
--   maxbytes (0: no limit), cover (the new #uexp; 0: none), cover user (the
--   cover is applied only while the session is bound to this user; '': always),
--   nuser, nmeta, ndel, then nuser field/value pairs of user values, nmeta
--   field/value pairs of type and metadata fields (when nuser + ndel > 0,
--   the last two are '#n' and '#b', whose values the script fills), ndel
--   user fields to delete, then any other fields to delete (their type
--   fields, metadata).
-- The write applies only while the key holds a live session (a hash with
-- #created that is not past its deadline or cover): a session deleted (its
-- key holds a tombstone), expired or never written is not brought back.
-- Limits are checked against the stored counters #n/#b before anything is
-- written, at a cost proportional to the change. The expiry is never set
-- past the session's cover. Returns 1 when applied, 0 when nothing was
-- written because the session is gone.
local key = KEYS[1]
local now, expiry = tonumber(ARGV[1]), tonumber(ARGV[2])
local maxfields, maxbytes = tonumber(ARGV[3]), tonumber(ARGV[4])
local new_cover, cover_user = tonumber(ARGV[5]), ARGV[6]
local nuser, nmeta, ndel = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
local u0 = 10
local m0 = u0 + 2 * nuser
local d0 = m0 + 2 * nmeta
local x0 = d0 + ndel

-- One HMGET reads the metadata and the old values of the changed fields.
local names = {'#created', '#deadline', '#uexp', '#user', '#n', '#b'}
for i = u0, m0 - 1, 2 do names[#names + 1] = ARGV[i] end
for i = d0, x0 - 1 do names[#names + 1] = ARGV[i] end
local head
if #names <= CHUNK then
  head = redis.pcall('HMGET', key, unpack(names))
else
  head = redis.pcall('HMGET', key, unpack(names, 1, 6))
  if not failed(head) then
    local rest = hmget(key, names, 7, #names)
    for i = 1, #rest do head[6 + i] = rest[i] end
  end
end
if failed(head) or not head[1] then return 0 end
local c = cap(head[2], head[3])
if ended(key, c, now) then return 0 end

local n, b = count(head[5]), count(head[6])
local counted = n ~= nil and b ~= nil
if not counted then n, b = recount(key) end
if nuser + ndel > 0 then
  local n0, b0 = n, b
  local j = 7
  for i = u0, m0 - 1, 2 do
    local o = head[j]
    j = j + 1
    if o then b = b - #o else n = n + 1; b = b + #ARGV[i] end
    b = b + #ARGV[i + 1]
  end
  for i = d0, x0 - 1 do
    local o = head[j]
    j = j + 1
    if o then n = n - 1; b = b - #ARGV[i] - #o end
  end
  local err = limited(n, b, n0, b0, maxfields, maxbytes)
  if err then return err end
  -- The last two metadata pairs are #n and #b, their values left to fill.
  ARGV[d0 - 3], ARGV[d0 - 1] = n, b
elseif not counted then
  redis.call('HSET', key, '#n', n, '#b', b)
end

if nuser + nmeta > 0 then each('HSET', key, ARGV, u0, d0 - 1) end
if #ARGV >= d0 then each('HDEL', key, ARGV, d0, #ARGV) end

local cover = num(head[3])
if new_cover > 0 and (cover_user == '' or head[4] == cover_user) then
  redis.call('HSET', key, '#uexp', new_cover)
  cover = new_cover
end
if expiry > 0 then
  redis.call('PEXPIREAT', key, capped(expiry, cover))
end
return 1
