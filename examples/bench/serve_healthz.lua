-- wrk script: GET /healthz, run beside the executions' wrk in the same run
-- (the server's answer rate to a request that does no work while it is loaded).
wrk.method = "GET"
