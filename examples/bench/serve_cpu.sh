#!/usr/bin/env bash
# CPU time per trivial execution of `rlm serve` (issue #80): the server's, PostgreSQL's (every
# `postgres` process: the backends do the store's work) and wrk's, each the processes'
# utime+stime over SECS seconds of `wrk -t32 -c32` POSTing /api/execute on 32 sessions (the load of
# serve_throughput.sh and serve_perf.sh, without the /healthz connections). Throughput moves with
# the machine and what else runs on it; CPU per execution moves much less, and it says which
# process a change relieved. From the workspace root:
#
#   bash examples/bench/serve_cpu.sh <rlm> [seconds]
#
# SERVE_FLAGS as in serve_throughput.sh (PostgreSQL as the store: --database-url URL
# --database-schema NAME, a fresh schema per run). WORKLOAD=demo runs the README demo instead (the
# default scripted model on sessions holding the 214 KB corpus). Prints one line of key=value.
set -euo pipefail
RLM=$1; SECS=${2:-10}; PORT=${PORT:-18470}
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=sessions.sh
. "$HERE/sessions.sh"
ROOT=$(cd "$HERE/../.." && pwd)
WORK=$(mktemp -d /tmp/rlm-cpu-XXXXXX)
B=http://127.0.0.1:$PORT
case "${WORKLOAD:-trivial}" in
  trivial) SCRIPT_FLAGS=(--script "$HERE/serve_trivial.toml"); printf 'small context' >"$WORK/context" ;;
  demo) SCRIPT_FLAGS=(); cp "$ROOT/examples/corpus/service_logs.txt" "$WORK/context" ;;
  *) echo "WORKLOAD is trivial or demo" >&2; exit 2 ;;
esac
# shellcheck disable=SC2086 # SERVE_FLAGS is a list of flags
"$RLM" serve --data "$WORK/data" --bind "127.0.0.1:$PORT" --max-concurrent 64 ${SERVE_FLAGS:-} \
  "${SCRIPT_FLAGS[@]}" 2>"$WORK/serve.log" &
S=$!
trap 'kill $S 2>/dev/null || true; rm -rf "$WORK"' EXIT
wait_ready "$B"
make_sessions "$B" "$WORK/context" "$WORK/sessions"
WRK_THREADS=32 SESSIONS="$WORK/sessions" wrk -t32 -c32 -d3s -s "$HERE/serve_execute.lua" "$B/api/execute" >/dev/null
ticks() { # ticks PID...: the processes' utime+stime, in clock ticks
  local t=0 p
  for p in "$@"; do
    [ -r "/proc/$p/stat" ] || continue
    # Fields 14 and 15 after the command, which may hold spaces: cut at the last ')'.
    t=$((t + $(sed 's/.*) //' "/proc/$p/stat" | awk '{print $12 + $13}')))
  done
  echo $t
}
completed() { curl -sf "$B/api/stats" | jq '.executions_by_status.completed // 0'; }
HZ=$(getconf CLK_TCK)
mapfile -t PG < <(pgrep -x postgres || true)
n0=$(completed); s0=$(ticks $S); p0=$(ticks "${PG[@]}")
WRK_THREADS=32 SESSIONS="$WORK/sessions" wrk -t32 -c32 -d"${SECS}s" --latency -s "$HERE/serve_execute.lua" \
  "$B/api/execute" >"$WORK/wrk.txt" &
W=$!
sleep 0.5
w0=$(ticks $W)
sleep "$((SECS - 1))"
w1=$(ticks $W)
wait $W
mapfile -t PG1 < <(pgrep -x postgres || true)
n1=$(completed); s1=$(ticks $S); p1=$(ticks "${PG1[@]}")
n=$((n1 - n0))
awk -v n="$n" -v secs="$SECS" -v hz="$HZ" -v s="$((s1 - s0))" -v p="$((p1 - p0))" -v w="$((w1 - w0))" \
  -v p99="$(awk '/ 99%/ {print $2}' "$WORK/wrk.txt")" 'BEGIN {
  printf "executions=%d per_s=%.1f server_ms=%.3f postgres_ms=%.3f wrk_ms=%.3f p99=%s\n",
    n, n / secs, s * 1000 / hz / n, p * 1000 / hz / n, w * 1000 / hz / (n * (secs - 1.5) / secs), p99 }'
