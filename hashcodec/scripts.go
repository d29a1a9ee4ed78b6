package hashcodec

import (
	"fmt"
	"sort"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/redis-session/redis-session-go/internal/layout"
	"github.com/redis-session/redis-session-go/internal/slide"
)

// Every Hash operation is one of the scripts below: a single-key Lua script
// that checks the key is a hash, slides its TTL (slide.Lua) and reads
// or writes in the same round trip. Errors the scripts raise on purpose
// start with a code that scriptErr maps to a sentinel.

// userLua classifies hash fields and sums the size of the user data, the
// same way Limits does in Go.
const userLua = `
local function isuser(f)
  if string.byte(f, 1) ~= 35 then return true end
  return string.sub(f, 1, 2) == '` + layout.EscapePrefix + `' or string.sub(f, 1, 3) == '` + layout.KeyPrefix + `'
end

local function userstats(key)
  local all = redis.call('HGETALL', key)
  local count, size, sizes = 0, 0, {}
  for i = 1, #all, 2 do
    local f = all[i]
    if isuser(f) then
      count = count + 1
      size = size + #f + #all[i + 1]
      sizes[f] = #all[i + 1]
    end
  end
  return count, size, sizes
end

local function limited(count, size, maxfields, maxbytes)
  if maxfields > 0 and count > maxfields then
    return redis.error_reply('LIMIT ' .. count .. ' values, limit ' .. maxfields)
  end
  if maxbytes > 0 and size > maxbytes then
    return redis.error_reply('LIMIT ' .. size .. ' bytes, limit ' .. maxbytes)
  end
  return nil
end
`

// readScript: ARGV = now, idle, mode, fields... Mode 'f' returns HMGET of
// #idle, #deadline, #uexp and the fields (a missing key gives nils, like
// missing fields); mode 't' returns an empty array, or false for a missing
// key. A key that is not a hash gives false.
var readScript = redis.NewScript(slide.Lua + `
local key, now, idle, mode = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local vals = redis.pcall('HMGET', key, '` + layout.Idle + `', '` + layout.Deadline + `', '` + layout.UserUntil + `', unpack(ARGV, 4))
if failed(vals) then return false end
if mode == 't' and redis.call('EXISTS', key) == 0 then return false end
if idle ~= 0 and not slide(key, now, idle, vals[1], vals[2], vals[3]) then return false end
if mode == 't' then return {} end
return vals
`)

// writeScript: ARGV = now, idle, maxfields, maxbytes, nset, then nset
// triples (field, value, type) to set, then fields to delete. Type fields
// are written only in hashes that carry session metadata, so a hash of
// another program stays as that program wrote it. Returns the number of
// fields deleted.
var writeScript = redis.NewScript(slide.Lua + userLua + `
local key = KEYS[1]
local nset = tonumber(ARGV[5])
local first_del = 6 + 3 * nset
local h = head(key)
if not h then
  if nset > 0 then return redis.error_reply('NOTFOUND') end
  return 0
end
local maxfields, maxbytes = tonumber(ARGV[3]), tonumber(ARGV[4])
if nset > 0 and (maxfields > 0 or maxbytes > 0) then
  local count, size, sizes = userstats(key)
  for i = 6, first_del - 1, 3 do
    local f, v = ARGV[i], ARGV[i + 1]
    if sizes[f] then size = size - #f - sizes[f] else count = count + 1 end
    size = size + #f + #v
    sizes[f] = #v
  end
  for i = first_del, #ARGV do
    local f = ARGV[i]
    if sizes[f] then count = count - 1; size = size - #f - sizes[f]; sizes[f] = nil end
  end
  local err = limited(count, size, maxfields, maxbytes)
  if err then return err end
end
local idle = tonumber(ARGV[2])
if idle ~= 0 and not slide(key, tonumber(ARGV[1]), idle, h[2], h[3], h[4]) then
  if nset > 0 then return redis.error_reply('NOTFOUND') end
  return 0
end
local ours = h[1] ~= false
if nset > 0 then
  local args = {}
  local untyped = {}
  for i = 6, first_del - 1, 3 do
    local f, t = ARGV[i], ARGV[i + 2]
    args[#args + 1] = f
    args[#args + 1] = ARGV[i + 1]
    if ours then
      if t == '' then untyped[#untyped + 1] = '` + layout.TypePrefix + `' .. f
      else args[#args + 1] = '` + layout.TypePrefix + `' .. f; args[#args + 1] = t end
    end
  end
  redis.call('HSET', key, unpack(args))
  if #untyped > 0 then redis.call('HDEL', key, unpack(untyped)) end
end
local deleted = 0
for i = first_del, #ARGV do
  deleted = deleted + redis.call('HDEL', key, ARGV[i])
  if ours then redis.call('HDEL', key, '` + layout.TypePrefix + `' .. ARGV[i]) end
end
return deleted
`)

// incrScript: ARGV = now, idle, maxfields, maxbytes, field, delta.
// HINCRBY that respects the recorded type's range and records "int" for a
// new counter in a session hash.
var incrScript = redis.NewScript(slide.Lua + userLua + intRangeLua() + `
local key, f = KEYS[1], ARGV[5]
local tf = '` + layout.TypePrefix + `' .. f
local h = head(key, tf, f)
if not h then return redis.error_reply('NOTFOUND') end
local ours, t, exists = h[1] ~= false, h[5], h[6] ~= false
if not ours then t = false end
if t and not intrange(t) then return redis.error_reply('NOTINT value of type ' .. t) end
local maxfields, maxbytes = tonumber(ARGV[3]), tonumber(ARGV[4])
if (maxfields > 0 or maxbytes > 0) and not exists then
  local count, size = userstats(key)
  local err = limited(count + 1, size + #f + #ARGV[6], maxfields, maxbytes)
  if err then return err end
end
local idle = tonumber(ARGV[2])
if idle ~= 0 and not slide(key, tonumber(ARGV[1]), idle, h[2], h[3], h[4]) then return redis.error_reply('NOTFOUND') end
local r = redis.pcall('HINCRBY', key, f, ARGV[6])
if failed(r) then return redis.error_reply('NOTINT ' .. r['err']) end
-- A result on the wrong side of the old value wrapped around int64 (a
-- server that does not refuse the overflow itself); one outside the
-- recorded type's range does not fit it. Either way, put the old text back
-- exactly as it was.
local cur, delta = tonumber(h[6]) or 0, tonumber(ARGV[6])
local known, lo, hi = intrange(t or '')
if (delta > 0 and r < cur) or (delta < 0 and r > cur) or (lo and r < lo) or (hi and r > hi) then
  if exists then redis.call('HSET', key, f, h[6]) else redis.call('HDEL', key, f) end
  return redis.error_reply('NOTINT result overflows ' .. (t or 'int64'))
end
if not t and ours then
  redis.call('HSET', key, tf, '` + string(TypeInt) + `')
end
return r
`)

// intRangeLua renders intBits as a Lua function intrange(t) returning
// whether t is an integer type and its inclusive bounds (a function, not a
// table: a table would be rebuilt on every call). Bounds of 64-bit types
// are left to HINCRBY, which refuses to overflow int64.
func intRangeLua() string {
	names := make([]string, 0, len(intBits))
	for t := range intBits {
		names = append(names, string(t))
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("\nlocal function intrange(t)\n")
	for _, name := range names {
		size := intBits[Type(name)]
		var lo, hi string
		switch {
		case size.bits < 64 && size.signed:
			lo, hi = fmt.Sprint(-(int64(1) << (size.bits - 1))), fmt.Sprint(int64(1)<<(size.bits-1)-1)
		case size.bits < 64:
			lo, hi = "0", fmt.Sprint(uint64(1)<<size.bits-1)
		case !size.signed:
			lo, hi = "0", "nil"
		default:
			lo, hi = "nil", "nil"
		}
		fmt.Fprintf(&b, "  if t == %q then return true, %s, %s end\n", name, lo, hi)
	}
	b.WriteString("  return false\nend\n")
	return b.String()
}
