-- @uses clock each
-- index_revoke: "log out everywhere", the index half.
-- KEYS[1] = the user's index. ARGV = except (a token to keep; '' for
--   none), margin.
-- Lists and removes, in one step, every entry but except's, so that from
-- this moment no write can continue the binding of any of those sessions
-- (index_add refuses a 'continue' from a token without an entry). The
-- caller then ends each listed session, leaving tombstones for the ones
-- not written yet (and puts back the entries of any it failed to end, so
-- that a retry finds them). Returns the removed tokens and their scores,
-- token, score, token, score, ...
local key, except, margin = KEYS[1], ARGV[1], tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. (clock() - margin))
local all = redis.call('ZRANGE', key, 0, -1, 'WITHSCORES')
local tokens, out = {}, {}
for i = 1, #all, 2 do
  if all[i] ~= except then
    tokens[#tokens + 1] = all[i]
    out[#out + 1] = all[i]
    out[#out + 1] = all[i + 1]
  end
end
if #tokens > 0 then each('ZREM', key, tokens, 1, #tokens) end
return out
