#!/usr/bin/env bash
# Wall-clock profile of `rlm serve` under the trivial load (issue #80): wrk -t32 -c32 POST
# /api/execute on 32 sessions (as serve_throughput.sh) while `perf record -e cpu-clock` (no hardware
# counters needed) samples the server with DWARF call graphs. From the workspace root:
#
#   bash examples/bench/serve_perf.sh <rlm linked unstripped> <out dir> [seconds]
#
# then e.g. `perf report -i OUT/perf.data --no-children --sort comm --stdio -g none` (by thread) or
# `--sort symbol`. An unstripped release build: `cargo build --release -p rlm-cli --config
# 'profile.release.package.rlm-cli.strip="none"'` (only the final link differs). SERVE_FLAGS as in
# serve_throughput.sh (e.g. PostgreSQL as the store: --database-url URL --database-schema NAME).
set -euo pipefail
BIN=$1; OUT=$2; SECS=${3:-10}; PORT=${PORT:-18460}
HERE=$(cd "$(dirname "$0")" && pwd)
B=http://127.0.0.1:$PORT
mkdir -p "$OUT"; rm -rf "$OUT/data"
# shellcheck disable=SC2086 # SERVE_FLAGS is a list of flags
"$BIN" serve --data "$OUT/data" --bind 127.0.0.1:$PORT --max-concurrent 64 ${SERVE_FLAGS:-} --script "$HERE/serve_trivial.toml" 2>"$OUT/serve.log" &
S=$!
trap 'kill $S 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf $B/healthz >/dev/null && break; sleep 0.1; done
: >"$OUT/sessions"
for _ in $(seq 32); do curl -sf $B/api/sessions -H 'content-type: application/json' -d '{"name":"bench","context":"small context"}' | jq -r .id >>"$OUT/sessions"; done
WRK_THREADS=32 SESSIONS="$OUT/sessions" wrk -t32 -c32 -d3s -s "$HERE/serve_execute.lua" $B/api/execute >/dev/null
WRK_THREADS=32 SESSIONS="$OUT/sessions" wrk -t32 -c32 -d$((SECS+2))s --latency -s "$HERE/serve_execute.lua" $B/api/execute >"$OUT/wrk.txt" &
W=$!
sleep 1
perf record -e cpu-clock -F 2000 -g --call-graph dwarf,${PERF_STACK:-16384} -p $S -o "$OUT/perf.data" -- sleep "$SECS" 2>"$OUT/perf.log" || perf record -e cpu-clock -F 2000 -g -p $S -o "$OUT/perf.data" -- sleep "$SECS"
wait $W
curl -s $B/api/stats | jq -c '{total_executions, executions_by_status, latency}' >"$OUT/stats.json"
kill $S; wait $S 2>/dev/null || true
trap - EXIT
