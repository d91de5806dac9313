# Sourced by the serve benchmarks: a started server's wait and its sessions.
# shellcheck shell=bash

# wait_ready BASE_URL: until the server answers /healthz (10 s at most).
wait_ready() {
  for _ in $(seq 100); do curl -sf "$1/healthz" >/dev/null && break; sleep 0.1; done
}

# make_sessions BASE_URL CONTEXT_FILE OUT: 32 sessions holding the file's text, one id a line in OUT
# (one a wrk connection: a session runs its executions one at a time).
make_sessions() {
  : >"$3"
  for _ in $(seq 32); do
    jq -Rs '{name: "bench", context: .}' "$2" |
      curl -sf "$1/api/sessions" -H 'content-type: application/json' --data-binary @- |
      jq -r .id >>"$3"
  done
}
