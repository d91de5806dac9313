#!/usr/bin/env bash
# Issue #57 real-model check: the 1.5B as root and sub-model, 3 schema questions,
# a fresh model server per run (it keeps generating a cancelled request).
# Usage: BUDGET=600 bash examples/prompt-dev/real-model/run3.sh (outputs beside the task files).
set -u
cd "$(dirname "$0")"
RLM=${RLM:-rlm}
LOCAL_LLM=${LOCAL_LLM:-$(cd ../../../../shared/tools/local-llm && pwd)}
export LLAMACPP_BASE_URL=http://127.0.0.1:8095/v1
for t in ${TASKS:-incidents passphrase most_errors}; do
  pkill -f "node .*server.mjs" ; sleep 3
  (cd "$LOCAL_LLM" && nohup ./serve.sh 1.5b 8095 16384 > /tmp/llm-1.5b.log 2>&1 &)
  for i in $(seq 60); do curl -s -m 2 -o /dev/null $LLAMACPP_BASE_URL/models && break; sleep 2; done
  echo "== $t $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
  start=$(date +%s)
  timeout 1000 $RLM run --task $t.toml --model llamacpp:qwen2.5-coder-1.5b --max-steps 6 --timeout-secs ${BUDGET:-600} --trace $t.trace.jsonl --json > $t.out.json 2> $t.err.txt
  echo "exit $? in $(( $(date +%s) - start )) s"
  python3 - "$t" <<'PY'
import json,sys
t=sys.argv[1]
try:
    d=json.load(open(f"{t}.out.json"))
    print("finish", d.get("finish"), "answer", str(d.get("answer"))[:300])
except Exception as e:
    print("no json:", e, open(f"{t}.err.txt").read()[-500:])
PY
done
