-- wrk script: GET /healthz, run beside the executions' wrk in the same run
-- (the server's answer rate to a request that does no work while it is loaded).
-- HEALTHZ_DELAY_MS paces each connection (a prober's rate instead of a flood
-- that takes CPU from the executions measured beside it); unset: flat out.
wrk.method = "GET"
local pause = tonumber(os.getenv("HEALTHZ_DELAY_MS") or "0")
if pause > 0 then
  function delay()
    return pause
  end
end
