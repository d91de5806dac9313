#!/usr/bin/env bash
# Instructions per trivial execution of `rlm serve` (issue #35 item 5), with
# valgrind's callgrind: instruction counts are stable on a loaded machine,
# where wall-clock figures are not. From the workspace root, after
# `cargo build --profile profiling -p rlm-cli` (release with symbols):
#
#   bash examples/bench/serve_callgrind.sh [path/to/rlm] [executions] [out dir]
#   WORKLOAD=demo bash examples/bench/serve_callgrind.sh ...   # the README demo instead
#
# The server may also be rlm-server's `serve_demo` example (same server, built
# with the library's tests: `cargo build -p rlm-server --example serve_demo`),
# when no `rlm` binary is at hand: give its path instead of `rlm`'s.
#
# Starts the server under callgrind on 127.0.0.1 with a fresh data directory
# and the trivial script (one root step, FINAL at once), creates 8 sessions,
# runs 20 executions to warm up, zeroes the counters, runs N executions
# (default 200) round-robin over the sessions with curl, one at a time, dumps
# the counters, stops the server, and prints Ir per execution and the top
# inclusive functions (`callgrind_annotate --inclusive=yes`). WORKLOAD=demo
# runs serve_throughput.sh's demo instead: the default scripted model (3 root
# steps, 6 subcalls) on sessions holding the 214 KB corpus. SERVE_FLAGS adds
# flags to `rlm serve` (PostgreSQL as the store: --database-url URL
# --database-schema NAME); the executions run one at a time, so each is a
# batch of one in PostgreSQL's group commit.
set -euo pipefail
RLM=${1:-${CARGO_TARGET_DIR:-target}/profiling/rlm}
N=${2:-200}
OUT=${3:-$(mktemp -d /tmp/rlm-callgrind-XXXXXX)}
HERE=$(cd "$(dirname "$0")" && pwd)
PORT=${PORT:-18150}
ROOT=$(cd "$HERE/../.." && pwd)
mkdir -p "$OUT"
case "${WORKLOAD:-trivial}" in
  trivial)
    SCRIPT_FLAGS=(--script "$HERE/serve_trivial.toml") SCRIPT_ENV="$HERE/serve_trivial.toml"
    echo '{"name": "bench", "context": "small context"}' >"$OUT/session.json"
    QUERY="Which service logged the most errors?" ;;
  demo)
    SCRIPT_FLAGS=() SCRIPT_ENV=
    jq -Rs '{name: "bench", context: .}' "$ROOT/examples/corpus/service_logs.txt" >"$OUT/session.json"
    QUERY="Which service logged the most errors, and what is the vault passphrase?" ;;
  *) echo "WORKLOAD is trivial or demo" >&2; exit 2 ;;
esac
B=http://127.0.0.1:$PORT
rm -rf "$OUT/data" "$OUT"/callgrind.out.*
if [ "$(basename "$RLM")" = serve_demo ]; then
  RLM_SCRIPT="$SCRIPT_ENV" valgrind --tool=callgrind \
    --callgrind-out-file="$OUT/callgrind.out.%p" "$RLM" "127.0.0.1:$PORT" 2>"$OUT/serve.log" &
else
  # shellcheck disable=SC2086 # SERVE_FLAGS is a list of flags
  valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind.out.%p" \
    "$RLM" serve --data "$OUT/data" --bind "127.0.0.1:$PORT" ${SERVE_FLAGS:-} "${SCRIPT_FLAGS[@]}" \
    2>"$OUT/serve.log" &
fi
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 600); do curl -sf "$B/healthz" >/dev/null && break; sleep 0.2; done
sessions=()
for _ in $(seq 8); do
  sessions+=("$(curl -sf "$B/api/sessions" -H 'content-type: application/json' \
    --data-binary "@$OUT/session.json" | jq -r .id)")
done
run() { # run COUNT
  for i in $(seq "$1"); do
    local id=${sessions[$((i % 8))]}
    curl -sf "$B/api/execute" -H 'content-type: application/json' \
      --data-binary "{\"session_id\": \"$id\", \"user_query\": \"$QUERY\"}" \
      | jq -e '.status == "completed"' >/dev/null
  done
}
run 20
callgrind_control -z "$SERVER" >/dev/null
run "$N"
callgrind_control -d "$SERVER" >/dev/null
kill "$SERVER"
wait "$SERVER" 2>/dev/null || true
trap - EXIT
# The dump taken after the N executions is the file with the `.1` part.
DUMP=$(ls "$OUT"/callgrind.out.*.1 | head -1)
# awk reads the whole report: leaving at the first match ended callgrind_annotate with SIGPIPE,
# which `pipefail` made the script's failure after the dump.
TOTAL=$(callgrind_annotate "$DUMP" 2>/dev/null | awk '/PROGRAM TOTALS/ && !t {gsub(",", "", $1); t = $1} END {print t}')
echo "dump: $DUMP"
echo "Ir total over $N executions: $TOTAL"
echo "Ir per execution: $((TOTAL / N))"
# Whole reports first: `| head` would end callgrind_annotate with SIGPIPE,
# which `pipefail` turned into the script's failure before the second report.
callgrind_annotate --inclusive=yes "$DUMP" 2>/dev/null >"$OUT/inclusive-all.txt"
callgrind_annotate "$DUMP" 2>/dev/null >"$OUT/exclusive-all.txt"
head -80 "$OUT/inclusive-all.txt" >"$OUT/inclusive.txt"
head -60 "$OUT/exclusive-all.txt" >"$OUT/exclusive.txt"
echo "top inclusive: $OUT/inclusive.txt; top exclusive: $OUT/exclusive.txt"
