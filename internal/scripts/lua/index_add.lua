-- @uses clock marks livefor
-- index_add: the index step of a bound write, run before the session is
-- written with that binding or cover.
-- KEYS[1] = the user's index (see marks).
-- ARGV = mode, token, cover, from, margin.
--   mode 'bind' starts a binding (a login). 'continue' carries on the
--   binding of token from (an extension when from == token; a renewal,
--   regeneration or merge otherwise) and requires from's entry, or a mark
--   that a revocation spared token: when from's entry is gone (the user's
--   sessions were revoked, or that binding ended) nothing changes. A
--   continuation into another token records the lineage, so that a
--   revocation sparing from spares token too.
-- Entries whose cover ended more than margin ago are pruned, by Redis's own
-- clock. The token's cover only ever grows; the key lives until its highest
-- cover plus the margin. Returns 1, or 0 for a refused 'continue' (the
-- write that asked must not happen).
local key, mode, token, cover, from = KEYS[1], ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local margin = tonumber(ARGV[5])
local now = clock()
redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. (now - margin))
if mode == 'continue' then
  if not redis.call('ZSCORE', key, from) and not redis.call('ZSCORE', key, SPARED .. token) then
    return 0
  end
  if from ~= token then redis.call('ZADD', key, 'GT', cover, LINEAGE .. from .. '\0' .. token) end
else
  redis.call('ZREM', key, REVOKED .. token)
end
redis.call('ZADD', key, 'GT', cover, token)
local top = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
livefor(key, tonumber(top[2]), now, margin)
return 1
