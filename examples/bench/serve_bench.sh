#!/usr/bin/env bash
# Load benchmark of `rlm serve` (the figures in docs/benchmarks/2026-11-22-rlm-server-under-load.md,
# section rlm-server). From the workspace root, after `cargo build --release -p rlm-cli -p
# rlm-examples`. Needs `wrk` (Debian package) and `jq`. Every server is started here on loopback and
# stopped (by its pid) at the end of its part.
set -euo pipefail
RLM=target/release/rlm
LOAD=target/release/serve_load
WORK=$(mktemp -d)
PORT=18100
B=http://127.0.0.1:$PORT

start() { # start DATA_NAME [flags...]
  local name=$1; shift
  "$RLM" serve --data "$WORK/$name" --bind 127.0.0.1:$PORT "$@" 2>"$WORK/$name.log" &
  SERVER=$!
  for _ in $(seq 100); do curl -sf "$B/healthz" >/dev/null && return; sleep 0.1; done
  echo "server did not start" >&2; exit 1
}
stop() { kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; }
mem() { grep -E '^(VmRSS|RssAnon|RssFile)' "/proc/$SERVER/status" | tr -s ' \t' ' ' | tr '\n' ' '; echo; }

echo "== session creation (POST /api/sessions, small context), wrk 2 threads, 32 connections, 20 s"
start sessions
wrk -t2 -c32 -d20s --latency -s examples/bench/serve_sessions.lua "$B/api/sessions"
stop

echo "== scripted executions (POST /api/execute, the README demo over the 214 KB corpus), 32 connections, 30 s"
start executions --max-concurrent 64
: >"$WORK/sessions.txt"
for _ in $(seq 64); do
  jq -Rs '{name: "bench", context: .}' examples/corpus/service_logs.txt |
    curl -s "$B/api/sessions" -H 'content-type: application/json' --data-binary @- | jq -r .id >>"$WORK/sessions.txt"
done
# one warm-up execution per session is not made: the first execution of the process pays the
# tokenizer's set-up, counted in the figures.
WRK_THREADS=2 SESSIONS="$WORK/sessions.txt" wrk -t2 -c32 -d30s --latency --timeout 30s -s examples/bench/serve_execute.lua "$B/api/execute"
curl -s "$B/api/stats" | jq -c '{total_executions, executions_by_status, latency}'
stop

echo "== 200 SSE listeners attached to 20 running executions"
start sse --script examples/bench/serve_slow.toml --max-concurrent 64
"$LOAD" sse "$B" 20 200
stop

echo "== memory per idle session with a 10 MB context (RssAnon: heap; RssFile: mapped file pages)"
python3 -c "
import pathlib
t = pathlib.Path('examples/corpus/service_logs.txt').read_text()
pathlib.Path('$WORK/ctx10mb.txt').write_text((t * (10 * 2**20 // len(t) + 1))[:10 * 2**20])"
start memory --script examples/bench/serve_touch.toml
echo "0 sessions: $(mem)"
"$LOAD" sessions "$B" 20 "$WORK/ctx10mb.txt"
echo "20 sessions: $(mem)"
"$LOAD" sessions "$B" 20 "$WORK/ctx10mb.txt"
echo "40 sessions: $(mem)"
du -sh "$WORK/memory/contexts"
stop
rm -rf "$WORK"
