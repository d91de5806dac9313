#!/usr/bin/env bash
# Execution throughput of `rlm serve` (issue #35 item 5; BENCHMARKS.md, "Server and cluster:
# throughput and latency"). From the workspace root, after `cargo build --release -p rlm-cli`:
#
#   bash examples/bench/serve_throughput.sh [path/to/rlm] [seconds]
#
# For each of two scripts (trivial: one root step, FINAL at once; demo: the README
# demo, 3 root steps and 6 subcalls over the 214 KB corpus) it starts a server on
# 127.0.0.1 with a fresh data directory, creates 32 sessions, warms up 3 s, then
# runs in the same moment `wrk -t32 -c32` POSTing /api/execute, each connection on
# a session of its own, and `wrk -t1 -c4` on /healthz, and prints both wrk reports and the
# server's own latency (/api/stats). Needs `wrk` (Debian package) and `jq`.
# The server may also be rlm-server's `serve_demo` example (see serve_callgrind.sh).
# SERVE_FLAGS adds flags to `rlm serve`, e.g. SERVE_FLAGS="--max-sandbox-memory-mb 100000000"
# to measure without the sandbox memory governor's waits (issue #54). HEALTHZ_DELAY_MS=10 paces
# the /healthz connections (4 x 100/s, a prober's rate; unset, they run flat out and take CPU
# from the executions).
set -euo pipefail
RLM=${1:-${CARGO_TARGET_DIR:-target}/release/rlm}
SECS=${2:-20}
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=sessions.sh
. "$HERE/sessions.sh"
ROOT=$(cd "$HERE/../.." && pwd)
WORK=$(mktemp -d /tmp/rlm-throughput-XXXXXX)
PORT=${PORT:-18140}
B=http://127.0.0.1:$PORT
SERVER=

stop() { if [ -n "$SERVER" ]; then kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=; fi; }
trap 'stop; rm -rf "$WORK"' EXIT

bench() { # bench LABEL CONTEXT_FILE [serve flags...]
  local label=$1 context=$2; shift 2
  if [ "$(basename "$RLM")" = serve_demo ]; then
    # rlm-server's example (see serve_callgrind.sh): `--script FILE` as RLM_SCRIPT.
    RLM_SCRIPT=${2:-} RLM_MAX_CONCURRENT=64 "$RLM" "127.0.0.1:$PORT" 2>"$WORK/$label.log" &
  else
    # shellcheck disable=SC2086 # SERVE_FLAGS is a list of flags
    "$RLM" serve --data "$WORK/$label" --bind "127.0.0.1:$PORT" --max-concurrent 64 ${SERVE_FLAGS:-} "$@" \
      2>"$WORK/$label.log" &
  fi
  SERVER=$!
  wait_ready "$B"
  make_sessions "$B" "$context" "$WORK/$label.sessions"
  echo "== $label: warm-up (3 s, not counted)"
  WRK_THREADS=32 SESSIONS="$WORK/$label.sessions" wrk -t32 -c32 -d3s -s "$HERE/serve_execute.lua" "$B/api/execute" >/dev/null
  echo "== $label: POST /api/execute, 32 connections each on its own session, ${SECS} s, beside GET /healthz (4 connections)"
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  wrk -t1 -c4 -d"${SECS}s" --latency -s "$HERE/serve_healthz.lua" "$B/healthz" >"$WORK/$label.healthz" &
  local hz=$!
  WRK_THREADS=32 SESSIONS="$WORK/$label.sessions" wrk -t32 -c32 -d"${SECS}s" --latency --timeout 10s \
    -s "$HERE/serve_execute.lua" "$B/api/execute"
  wait "$hz"
  echo "-- /healthz in the same run:"
  cat "$WORK/$label.healthz"
  echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "-- server side (/api/stats):"
  curl -s "$B/api/stats" | jq -c '{total_executions, executions_by_status, latency}'
  stop
}

echo "small context" >"$WORK/small.txt"
bench trivial "$WORK/small.txt" --script "$HERE/serve_trivial.toml"
bench demo "$ROOT/examples/corpus/service_logs.txt"
