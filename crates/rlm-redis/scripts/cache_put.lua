-- Store one cache entry and keep its prefix's index within the entry cap, atomically.
-- KEYS[1]: the entry's key; KEYS[2]: the prefix's index (a sorted set: entry key -> stored-at ms).
-- ARGV[1]: the value; ARGV[2]: TTL in ms (0: none); ARGV[3]: most entries under the prefix.
-- Returns the number of entries evicted.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
if ttl > 0 then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
  -- entries older than the TTL are already gone: drop them from the index
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. (now - ttl))
else
  redis.call('SET', KEYS[1], ARGV[1])
end
redis.call('ZADD', KEYS[2], now, KEYS[1])
local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[3])
local evicted = 0
if over > 0 then
  local oldest = redis.call('ZPOPMIN', KEYS[2], over)
  for i = 1, #oldest, 2 do
    redis.call('DEL', oldest[i])
    evicted = evicted + 1
  end
end
return evicted
