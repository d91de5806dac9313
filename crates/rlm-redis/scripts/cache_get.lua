-- Read one cache entry unless it is larger than the reader accepts.
-- KEYS[1]: the entry's key; ARGV[1]: the largest value accepted, in bytes.
-- Returns the value, nil when absent, or the integer -1 when it is too large (then it is removed).
local n = redis.call('STRLEN', KEYS[1])
if n == 0 then return false end
if n > tonumber(ARGV[1]) then
  redis.call('DEL', KEYS[1])
  return -1
end
return redis.call('GET', KEYS[1])
