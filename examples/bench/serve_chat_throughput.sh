#!/usr/bin/env bash
# Chat-completions throughput of `rlm serve` (issue #80): `POST
# /v1/chat/completions`, non-streaming, with the trivial script (one root
# step, the answer computed from the context), wrk -t32 -c32 for SECS s after
# a 3 s warm-up, beside wrk on /healthz. From the workspace root, after
# `cargo build --release -p rlm-cli`:
#
#   bash examples/bench/serve_chat_throughput.sh [path/to/rlm] [seconds]
#
# Each request's context is inline (no session): every request is an
# execution of its own. Needs `wrk` and `jq`. SERVE_FLAGS as in serve_throughput.sh.
set -euo pipefail
RLM=${1:-${CARGO_TARGET_DIR:-target}/release/rlm}
SECS=${2:-20}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/rlm-chat-throughput-XXXXXX)
PORT=${PORT:-18170}
B=http://127.0.0.1:$PORT
# shellcheck disable=SC2086 # SERVE_FLAGS is a list of flags
"$RLM" serve --data "$WORK/data" --bind "127.0.0.1:$PORT" --max-concurrent 64 ${SERVE_FLAGS:-} \
  --script "$HERE/serve_trivial.toml" 2>"$WORK/serve.log" &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do curl -sf "$B/healthz" >/dev/null && break; sleep 0.1; done
echo "== chat: warm-up (3 s, not counted)"
wrk -t32 -c32 -d3s -s "$HERE/serve_chat.lua" "$B/v1/chat/completions" >/dev/null
echo "== chat: POST /v1/chat/completions (non-streaming), 32 connections, ${SECS} s, beside GET /healthz (4 connections)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
wrk -t1 -c4 -d"${SECS}s" --latency -s "$HERE/serve_healthz.lua" "$B/healthz" >"$WORK/healthz" &
hz=$!
wrk -t32 -c32 -d"${SECS}s" --latency --timeout 10s -s "$HERE/serve_chat.lua" "$B/v1/chat/completions"
wait "$hz"
echo "-- /healthz in the same run:"
cat "$WORK/healthz"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "-- server side (/api/stats):"
curl -s "$B/api/stats" | jq -c '{total_executions, executions_by_status, latency}'
