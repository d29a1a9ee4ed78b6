-- @uses clock
-- index_prune: a listing's tidy-up.
-- KEYS[1] = the user's index. ARGV = margin, then token, score pairs.
-- Removes the entries whose cover ended more than margin ago (Redis's
-- clock), and each given token only if its score is still the one given:
-- an entry confirmed since the listing saw it is kept.
local key, margin = KEYS[1], tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. (clock() - margin))
for i = 2, #ARGV, 2 do
  local s = redis.call('ZSCORE', key, ARGV[i])
  if s and tonumber(s) == tonumber(ARGV[i + 1]) then redis.call('ZREM', key, ARGV[i]) end
end
return 1
