-- @uses clock marks each livefor
-- index_revoke: "log out everywhere", the index half.
-- KEYS[1] = the user's index (see marks). ARGV = except (a token to keep;
--   '' for none), margin, spare (how long a mark for an except without an
--   entry lives, ms).
-- In one step, every entry but except's, and but those of sessions that
-- continue except (its renewals in flight, by lineage), is marked REVOKED:
-- from this moment no write can continue those bindings (index_add refuses
-- a 'continue' from a token without an entry). The caller then ends each
-- session listed, leaving tombstones for the ones not written yet, and
-- drops each mark only once its session is ended (index_ended), so that a
-- revocation that fails half-way, or a process that dies, leaves the marks
-- for the next one to finish. An except without an entry (a token renewed
-- in this very request and not committed yet) is marked SPARED, so that
-- its renewal may still continue from its revoked predecessor. Returns
-- every token marked, now or by an earlier revocation, token, score, ...
local key, except, margin, spare = KEYS[1], ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local now = clock()
redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. (now - margin))
local all = redis.call('ZRANGE', key, 0, -1, 'WITHSCORES')
local kept, next = {}, {}
for i = 1, #all, 2 do
  local m = all[i]
  if string.sub(m, 1, #LINEAGE) == LINEAGE then
    local from, to = string.match(string.sub(m, #LINEAGE + 1), '^(.*)%z(.*)$')
    if from then
      next[from] = next[from] or {}
      table.insert(next[from], to)
    end
  end
end
if except ~= '' then
  local todo = {except}
  kept[except] = true
  while #todo > 0 do
    local t = table.remove(todo)
    for _, to in ipairs(next[t] or {}) do
      if not kept[to] then kept[to] = true; table.insert(todo, to) end
    end
  end
end
local marked, out = {}, {}
for i = 1, #all, 2 do
  local m, score = all[i], all[i + 1]
  if string.sub(m, 1, #REVOKED) == REVOKED then
    out[#out + 1] = string.sub(m, #REVOKED + 1)
    out[#out + 1] = score
  elseif string.byte(m, 1) ~= 0 and not kept[m] then
    marked[#marked + 1] = m
    out[#out + 1] = m
    out[#out + 1] = score
  end
end
if #marked > 0 then
  each('ZREM', key, marked, 1, #marked)
  local add = {}
  for i = 1, #all, 2 do
    local m = all[i]
    if string.byte(m, 1) ~= 0 and not kept[m] then
      add[#add + 1] = all[i + 1]
      add[#add + 1] = REVOKED .. m
    end
  end
  each('ZADD', key, add, 1, #add)
end
if except ~= '' and not redis.call('ZSCORE', key, except) then
  redis.call('ZADD', key, 'GT', now + spare, SPARED .. except)
end
local top = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
if top[2] then livefor(key, tonumber(top[2]), now, margin) end
return out
