-- wrk script: POST /api/sessions with a small context (session creation rate).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"name": "bench", "context": "a small context for the session creation benchmark"}'
