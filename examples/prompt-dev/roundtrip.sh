#!/usr/bin/env bash
# Record → replay round trip and a two-profile eval against a real local model
# (issue #57). Not part of CI: it needs an OpenAI-compatible server, e.g. the
# 1.5B of ../shared/tools/local-llm:
#
#   bash ../shared/tools/local-llm/serve.sh 1.5b 8080 &
#   bash examples/prompt-dev/roundtrip.sh http://127.0.0.1:8080/v1 [OUT]
#
# 1. `rlm eval` of three small cases with the prompt profiles full and compact
#    (OUT/eval/report.html, results.jsonl, traces/).
# 2. Records the cases (`rlm test --record-missing --accept`) and one
#    `rlm run --record`.
# 3. Waits until the server is stopped (stop it now: the replay must need no
#    network), then replays: `rlm test` must pass (same answers and run
#    summaries), `rlm run --replay` must give the same answer, and a one-word
#    prompt change must fail with a diff naming the changed message.
# Environment: RLM (the binary; default: cargo's release build), MODEL (default
# llamacpp:qwen2.5-coder-1.5b), WAIT_SECS (how long to wait for the stop, 600).
set -euo pipefail
base="${1:?usage: roundtrip.sh BASE_URL [OUT]  (e.g. http://127.0.0.1:8080/v1)}"
out="${2:-$(mktemp -d /tmp/rlm-roundtrip.XXXXXX)}"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
model="${MODEL:-llamacpp:qwen2.5-coder-1.5b}"
wait_secs="${WAIT_SECS:-600}"
if [ -z "${RLM:-}" ]; then
  cargo build --release -q -p rlm-cli --manifest-path "$root/Cargo.toml"
  RLM="${CARGO_TARGET_DIR:-$root/target}/release/rlm"
fi
export LLAMACPP_BASE_URL="$base"
say() { printf '\n== %s\n' "$*"; }
# Up: anything answers HTTP at the base URL (a refused connection is down).
up() { curl -s -o /dev/null -m 5 "$base/models"; }
up || { echo "no server answers at $base" >&2; exit 2; }

# Three small cases (a few hundred characters of context each: a 1.5B model
# reads ~100 tokens/s on 2 cores).
cases="$out/cases"
mkdir -p "$cases/data"
cp "$root/examples/corpus/incident_notes.md" "$root/examples/corpus/oncall_runbook.md" "$cases/data/"
cat > "$cases/latency.toml" <<'TOML'
question = "Which service had a latency spike during the batch window?"
context = ["data/incident_notes.md"]
[criteria]
contains = ["billing"]
TOML
cat > "$cases/cold_cache.toml" <<'TOML'
question = "Which service's cache was cold after a deploy?"
context = ["data/incident_notes.md"]
[criteria]
contains = ["search"]
TOML
cat > "$cases/pages.toml" <<'TOML'
question = "Who do pages go to first?"
context = ["data/oncall_runbook.md"]
[criteria]
regex = ["(?i)primary"]
TOML
budget=(--max-steps 4 --max-subcalls 4 --timeout-secs 600)

say "1. rlm eval: profiles full and compact against $model"
RLM_MAX_STEPS=4 RLM_MAX_SUBCALLS=4 "$RLM" eval "$cases" --model "$model" \
  --profile full --profile compact --runs 1 --out "$out/eval"

say "2. recording the cases and one run"
"$RLM" test "$cases" --model "$model" "${budget[@]}" --record-missing --accept
question="Which service had a latency spike during the batch window?"
# A run without an answer exits non-zero (3: budget); the replay must do the same.
recorded_rc=0
"$RLM" run "$question" --context "$cases/data/incident_notes.md" --model "$model" "${budget[@]}" \
  --record "$out/run.jsonl" --json --progress never > "$out/recorded.json" || recorded_rc=$?

say "3. stop the model server now (waiting up to ${wait_secs}s for $base to go away)"
waited=0
while up; do
  sleep 2
  waited=$((waited + 2))
  [ "$waited" -lt "$wait_secs" ] || { echo "the server is still up" >&2; exit 2; }
done
echo "the server is down: replaying offline"
"$RLM" test "$cases" --model "$model" "${budget[@]}" --junit "$out/junit.xml"
replayed_rc=0
"$RLM" run "$question" --context "$cases/data/incident_notes.md" --model "$model" "${budget[@]}" \
  --replay "$out/run.jsonl" --json --progress never > "$out/replayed.json" || replayed_rc=$?
[ "$recorded_rc" = "$replayed_rc" ] || { echo "exit $replayed_rc replayed, $recorded_rc recorded" >&2; exit 1; }
python3 - "$out/recorded.json" "$out/replayed.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
keys = ["answer", "finish", "steps"]
assert [a[k] for k in keys] == [b[k] for k in keys], ([a[k] for k in keys], [b[k] for k in keys])
print("rlm run --replay: same answer, finish and steps:", json.dumps(b["answer"]))
PY

say "4. a one-word prompt change must fail the replay with a diff"
mkdir -p "$out/prompts"
sed '0,/context/s//corpus/' "$root/prompts/loop/system.md" > "$out/prompts/system.md"
if "$RLM" test "$cases" --model "$model" "${budget[@]}" --prompts-dir "$out/prompts" > "$out/changed.txt"; then
  echo "rlm test passed after a prompt change" >&2
  exit 1
fi
grep -m1 "message 0 (system) changed" "$out/changed.txt"
echo
echo "round trip ok: $out (eval report: $out/eval/report.html)"
