-- @uses clock livefor
-- index_confirm: run after the session was written with its binding.
-- KEYS[1] = the user's index. ARGV = token, cover, margin.
-- Re-adds the entry if a listing pruned it meanwhile (it saw the session
-- before the write), and otherwise raises its score by 1 ms, so that a
-- listing that saw the session before the write, and prunes an entry only
-- if its score is still the one it saw, keeps it.
local key, token, cover, margin = KEYS[1], ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local now = clock()
local s = redis.call('ZSCORE', key, token)
if s then cover = math.max(tonumber(s) + 1, cover) end
redis.call('ZADD', key, cover, token)
local top = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
livefor(key, tonumber(top[2]), now, margin)
return 1
