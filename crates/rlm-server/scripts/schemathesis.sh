#!/usr/bin/env bash
# Runs schemathesis (`--checks all`) against `rlm serve`, with auth off and
# with auth on, each on a server this script starts on 127.0.0.1 with a fresh
# data directory. Schemathesis comes from PyPI into a venv under /tmp (not a
# dependency of the cargo test suite).
#
#   crates/rlm-server/scripts/schemathesis.sh [path/to/rlm] [max examples per operation]
#
# Exits non-zero if either run finds a failure.
set -euo pipefail
RLM=${1:-${CARGO_TARGET_DIR:-target}/debug/rlm}
EXAMPLES=${2:-50}
VENV=${SCHEMATHESIS_VENV:-/tmp/st-venv}
if [ ! -x "$VENV/bin/schemathesis" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q schemathesis
fi
KEY=schemathesis-token-0123456789abcdef
status=0
run() { # $1: label, $2: port, then extra env for rlm serve
  local label=$1 port=$2; shift 2
  local data; data=$(mktemp -d /tmp/rlm-st-XXXXXX)
  env "$@" "$RLM" serve --bind "127.0.0.1:$port" --data "$data/data" >"$data/serve.log" 2>&1 &
  local pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  local auth=()
  if [ "$label" = auth-on ]; then auth=(-H "Authorization: Bearer $KEY"); fi
  echo "== schemathesis, $label"
  if ! "$VENV/bin/schemathesis" --no-color run "http://127.0.0.1:$port/api/openapi.json" \
      --checks all "${auth[@]}" --max-examples "$EXAMPLES" --workers 1 \
      --suppress-health-check all --generation-database none; then
    status=1
  fi
  kill "$pid"; wait "$pid" || true
  rm -rf "$data"
}
run auth-off 18731
run auth-on 18732 RLM_API_KEY="schemathesis:$KEY"
exit $status
