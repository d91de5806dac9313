#!/usr/bin/env bash
# PostgreSQL transactions per trivial execution of `rlm serve` (issue #80): N sequential
# executions (default 50) over 8 sessions after 5 warm-up ones, counted by
# pg_stat_database.xact_commit before and 4 s after (stats are flushed late), with the idle
# rate over 4 s subtracted. From the workspace root, after `cargo build --release -p rlm-cli`:
#
#   bash examples/bench/serve_pg_transactions.sh <rlm> <fresh schema> [port] [N]
#
# DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test, trust) names the database;
# the schema is dropped before and after. Needs `psql`, `curl` and `jq`.
set -euo pipefail
RLM=$1; SCHEMA=$2; PORT=${3:-18470}; N=${4:-50}
HERE=$(cd "$(dirname "$0")" && pwd)
B=http://127.0.0.1:$PORT
URL=${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test}
DIR=$(mktemp -d /tmp/rlm-pg-transactions-XXXXXX)
q() { psql -qtAX "$URL" -c "$1" 2>/dev/null; }
q "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" >/dev/null
"$RLM" serve --data "$DIR/data" --bind "127.0.0.1:$PORT" --database-url "$URL" --database-schema "$SCHEMA" \
  --script "$HERE/serve_trivial.toml" 2>"$DIR/serve.log" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; q "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" >/dev/null; rm -rf "$DIR"' EXIT
for _ in $(seq 200); do curl -sf "$B/healthz" >/dev/null && break; sleep 0.1; done
sessions=()
for _ in $(seq 8); do
  sessions+=("$(curl -sf "$B/api/sessions" -H 'content-type: application/json' \
    --data-binary '{"name": "bench", "context": "small context"}' | jq -r .id)")
done
run() { for i in $(seq "$1"); do
  curl -sf "$B/api/execute" -H 'content-type: application/json' \
    --data-binary "{\"session_id\": \"${sessions[$((i % 8))]}\", \"user_query\": \"q\"}" | jq -e '.status == "completed"' >/dev/null
done; }
run 5
db=$(q "SELECT current_database()")
xact() { q "SELECT xact_commit FROM pg_stat_database WHERE datname = '$db'"; }
sleep 2; a=$(xact); sleep 4; b=$(xact); idle=$(( b - a ))
a=$(xact); t0=$(date +%s%N); run "$N"; t1=$(date +%s%N); sleep 4; b=$(xact)
ms=$(( (t1 - t0) / 1000000 ))
echo "N=$N sequential executions: ${ms} ms ($((ms / N)) ms each); xact_commit +$((b - a)) over $((ms + 4000)) ms; idle $idle per 4 s"
python3 -c "print('transactions per execution: %.1f' % (($((b - a)) - $idle * ($ms + 4000) / 4000.0) / $N))"
