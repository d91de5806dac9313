#!/usr/bin/env bash
# Records three real runs of the 1.5B model of ../shared/tools/local-llm, one for each way a run
# ends that by-the-clock/ does not hold: an answer, a schema failure (the schema asks for at least
# 1,000 ERROR lines, the log has 50 for the noisiest service: no honest answer matches it) and a
# cancellation (Ctrl-C while the second root call is under way). Usage, the server running:
#   bash record.sh RLM http://127.0.0.1:8093/v1
set -euo pipefail
rlm=$1; export LLAMACPP_BASE_URL=$2
here=$(cd "$(dirname "$0")" && pwd); corpus="$here/../../../corpus"
model=llamacpp:qwen2.5-coder-1.5b-instruct-q4_k_m
cd "$here"
"$rlm" run "What is the vault passphrase mentioned in the logs?" --context "$corpus" --model $model \
  --max-steps 4 --record answer.recording.jsonl --json > answer.json || echo "answer: exit $?"
"$rlm" run "Which service logged the most ERROR lines, and how many?" --context "$corpus" --model $model \
  --max-steps 3 --output-schema impossible.schema.json --record schema-failed.recording.jsonl --json \
  > schema-failed.json || echo "schema-failed: exit $?"
"$rlm" run "How many ERROR lines did each service log?" --context "$corpus" --model $model \
  --record cancelled.recording.jsonl --json --log-format json > cancelled.json 2> cancelled.log &
pid=$!
until grep -q '"event":"model_call_started".*"step":2,' cancelled.log 2>/dev/null; do sleep 1; done
sleep 5; kill -INT $pid; wait $pid || echo "cancelled: exit $?"
rm -f cancelled.log
