#!/usr/bin/env bash
# The one-run table of issue #35
# (docs/benchmarks/2026-11-24-issue-35-serve-throughput-one-run-table.md): executions/s (trivial and
# the README demo), /api/stats and the list endpoints at 20 and at 25,000 stored executions,
# start-up at a ~2 GB store, and the server's peak RSS under 8 parallel 60 MiB uploads. Every figure
# is the release `rlm serve`; the stores are written beforehand by rlm-server's
# `store_scale populate` (its own speed is not measured). From the workspace root:
#
#   cargo build --release -p rlm-cli && cargo build -p rlm-server --example store_scale
#   bash examples/bench/serve_table.sh RLM STORE_SCALE [throughput seconds]
#
# Needs wrk, jq, curl. Every server is started here on 127.0.0.1 and stopped by its pid.
set -euo pipefail
RLM=$1
STORE_SCALE=$2
SECS=${3:-20}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/rlm-table-XXXXXX)
PORT=18150
B=http://127.0.0.1:$PORT
SERVER=
stop() { if [ -n "$SERVER" ]; then kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=; fi; }
trap 'stop; rm -rf "$WORK"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u '+%Y-%m-%d %H:%M UTC'); load $(cut -d' ' -f1-3 /proc/loadavg)"

echo "### executions/s"
bash "$HERE/serve_throughput.sh" "$RLM" "$SECS"

echo "### stores"
# STORE_25K=DIR reuses a store written earlier the same way (it takes minutes to write).
"$STORE_SCALE" populate "$WORK/s20" 20 2000
if [ -n "${STORE_25K:-}" ]; then ln -s "$STORE_25K" "$WORK/s25k"; else "$STORE_SCALE" populate "$WORK/s25k" 25000 80000; fi
sync
median_ms() { sort -n | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)] * 1000}'; }
for store in s20 s25k; do
  echo "-- $store: $(du -shL "$WORK/$store/" | cut -f1) on disk"
  # Start-up: from exec to the first 200 of /healthz (polled every 5 ms).
  t0=$(date +%s%N)
  "$RLM" serve --data "$WORK/$store" --bind "127.0.0.1:$PORT" 2>"$WORK/$store.log" &
  SERVER=$!
  until curl -sf "$B/healthz" >/dev/null 2>&1; do sleep 0.005; done
  t1=$(date +%s%N)
  echo "start-up: $(( (t1 - t0) / 1000000 )) ms"
  for path in "/api/stats" "/api/executions?limit=1" "/api/sessions?limit=1"; do
    urls=(); for _ in $(seq 200); do urls+=("$B$path" -o /dev/null); done
    # One connection, 200 sequential requests: the median of curl's per-request total.
    m=$(curl -s -w '%{time_total}\n' "${urls[@]}" | median_ms)
    echo "$path: median $m ms over 200 (total executions: $(curl -s "$B/api/stats" | jq .total_executions))"
  done
  stop
done

echo "### RSS with 8 parallel 60 MiB uploads"
python3 -c "
t = open('$HERE/../corpus/service_logs.txt').read()
open('$WORK/60mb.txt', 'w').write((t * (60 * 2**20 // len(t) + 1))[:60 * 2**20])"
"$RLM" serve --data "$WORK/uploads" --bind "127.0.0.1:$PORT" --max-uploads-per-key 8 2>"$WORK/uploads.log" &
SERVER=$!
until curl -sf "$B/healthz" >/dev/null 2>&1; do sleep 0.05; done
idle=$(awk '/^VmRSS/ {print $2}' "/proc/$SERVER/status")
t0=$(date +%s%N)
for i in $(seq 8); do
  curl -sf -o "$WORK/up$i.json" "$B/api/sessions" -F "name=up$i" -F "files=@$WORK/60mb.txt" &
done
wait $(jobs -p | grep -v "^$SERVER\$")
t1=$(date +%s%N)
peak=$(awk '/^VmHWM/ {print $2}' "/proc/$SERVER/status")
ok=$(cat "$WORK"/up*.json | jq -s '[.[] | select(.id)] | length')
echo "uploads: $ok/8 stored; server RSS idle $((idle / 1024)) MiB, peak (VmHWM) $((peak / 1024)) MiB; wall $(( (t1 - t0) / 1000000 )) ms"
stop
