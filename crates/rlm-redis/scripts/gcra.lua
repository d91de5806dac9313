-- GCRA reservation for one limit (requests or tokens) of one provider key, atomically.
-- KEYS[1]: the limit's key (holds the theoretical arrival time, TAT, in microseconds of Redis' clock).
-- ARGV[1]: emission interval per unit, in nanoseconds (period / limit);
-- ARGV[2]: units this call takes (1 for requests, the token estimate for tokens);
-- ARGV[3]: burst, in units (how many may go back to back).
-- Always reserves: the TAT moves on by the call's units, and the script returns how many
-- microseconds the caller must wait before sending (0: now). Waiters are therefore queued in
-- the order Redis saw them, and no retry loop can let more through than the rate allows.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval_ns = tonumber(ARGV[1])
local units = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local new_tat = tat + math.floor(interval_ns * units / 1000)
local allow_at = new_tat - math.floor(interval_ns * burst / 1000)
local wait = allow_at - now
if wait < 0 then wait = 0 end
-- the key outlives its TAT by a second, then a quiet limit costs Redis nothing
redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', math.floor((new_tat - now) / 1000) + 1000)
return wait
