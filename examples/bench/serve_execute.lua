-- wrk script: POST /api/execute on the sessions listed in the file named by
-- $SESSIONS (one id per line). Thread `tid` of $WRK_THREADS (wrk's -t) takes
-- sessions tid, tid + WRK_THREADS, ... in turn, so that with one connection a
-- thread (-tN -cN) and N sessions each connection has a session of its own:
-- a session runs its executions one at a time, and two connections sharing
-- one would wait on each other, not on the server.
local counter = 0
local stride = tonumber(os.getenv("WRK_THREADS") or "1")
local threads = {}
setup = function(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
local ids = {}
local n = 0
init = function(args)
  for line in io.lines(os.getenv("SESSIONS")) do
    ids[#ids + 1] = line
  end
end
request = function()
  n = n + 1
  local id = ids[((n * stride + tid) % #ids) + 1]
  local body = '{"session_id": "' .. id .. '", "user_query": "Which service logged the most errors, and what is the vault passphrase?"}'
  return wrk.format("POST", "/api/execute", {["Content-Type"] = "application/json"}, body)
end
response = function(status, headers, body)
  if status ~= 200 then
    io.stderr:write("status " .. status .. "\n")
  end
end
