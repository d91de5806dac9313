-- wrk script: POST /v1/chat/completions, non-streaming, with the trivial
-- script's model (`serve_trivial.toml`): the context a marked text part,
-- the question the last user message's text (issue #80's third figure).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model": "rlm", "messages": [{"role": "user", "content": ['
  .. '{"type": "text", "text": "small context", "rlm_context": true}, '
  .. '{"type": "text", "text": "Which service logged the most errors, and what is the vault passphrase?"}]}]}'
response = function(status, headers, body)
  if status ~= 200 then
    io.stderr:write("status " .. status .. "\n")
  end
end
