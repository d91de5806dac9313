#!/usr/bin/env bash
# Records two real runs of the 1.5B model of ../shared/tools/local-llm, for the ways a run ends
# that by-the-clock/ does not hold (its step-budget run ends with an answer, its time-budget run
# without): a schema failure (the schema asks for an ERROR line count of at least 1,000 and at
# most 999, as a typo would: no answer matches it, whatever the model says; a 1.5B given a lower
# bound of 1,000 alone answered 1000, which the evidence rule then refused) and a cancellation
# (Ctrl-C while the second root call is under way). Usage, the server running:
#   bash record.sh RLM http://127.0.0.1:8093/v1
set -euo pipefail
rlm=$1; export LLAMACPP_BASE_URL=$2
here=$(cd "$(dirname "$0")" && pwd); out=examples/prompt-dev/real-model/endings
model=llamacpp:qwen2.5-coder-1.5b-instruct-q4_k_m
# From the workspace's root, the context named as the replay test names it.
cd "$here/../../../.."
"$rlm" run "Which service logged the most ERROR lines, and how many?" --context examples/corpus --model $model \
  --max-steps 3 --output-schema $out/impossible.schema.json --record $out/schema-failed.recording.jsonl \
  --json > $out/schema-failed.json || echo "schema-failed: exit $?"
"$rlm" run "How many ERROR lines did each service log?" --context examples/corpus --model $model \
  --record $out/cancelled.recording.jsonl --json --log-format json > $out/cancelled.json 2> $out/cancelled.log &
pid=$!
until grep -q '"event":"model_call_started".*"step":2,' $out/cancelled.log 2>/dev/null; do sleep 1; done
sleep 5; kill -INT $pid; wait $pid || echo "cancelled: exit $?"
rm -f $out/cancelled.log
