#!/usr/bin/env python3
"""Issue #78's three measures of the small-model grid, read from its results and traces.

    python3 examples/bench/grid_evidence.py OUT.jsonl TRACE_DIR [LABEL]

OUT.jsonl is `small_model_grid.py --out`, TRACE_DIR its `--trace-dir`; every
row of an `rlm` arm (not `direct`) is read with its trace
(`kind_size_task_arm.jsonl`). The rules are this script's own, written from
the issue, not read from the runtime (so they measure a build that predates
the runtime's rule the same way as one that has it):

- ungrounded: the run ended with an answer stating a fact found in no evidence
  the run had. A fact is a number (digits with `,` `_` `.` separators, compared
  without the separators) or a word with a digit in it (a code), or a
  capitalised word not in the question; the evidence is every root or nested
  program's printed output, every subcall's and every sub-model call's reply,
  all the run's error notes (what the model was shown) and the question. A
  right answer can be ungrounded (the model guessed well): it is counted.
- repeats: the root programs the model sent again unchanged (whitespace
  normalised) after an earlier one of the same run; `not run` counts those the
  runtime refused to run again (its error event "program not run: step N ran
  it"), and `changed after a note` how many of those notes were followed by a
  different next program.
- degenerate: a reply with no program that repeats an earlier such reply
  (whitespace normalised); `rescued` when a program ran after it. `broken`
  counts the runtime's own event ("the reply repeated an earlier one with
  nothing to run: the next root call is ...").

Trace previews are cut at the trace's limit; a program's output longer than
that is compared on what the trace kept (which can only count more answers
ungrounded, never fewer).
"""
import json
import os
import re
import sys

NUMBER = re.compile(r"(?<![\w.])-?\d[\d,_]*(?:\.\d+)?")
CODE_WORD = re.compile(r"\b(?=\w*\d)(?=\w*[A-Za-z])[\w-]+\b")
CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]{2,}\b")
NOT_RUN = "program not run: step"
BROKEN = "the reply repeated an earlier one with nothing to run"
PROGRAM = re.compile(r"```(?:repl|python)?\s*\n", re.IGNORECASE)


def read(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def facts(answer: str, question: str) -> list:
    """The facts an answer states (numbers, codes, names not in the question)."""
    found = [n.replace(",", "").replace("_", "") for n in NUMBER.findall(answer)]
    found += [w for w in CODE_WORD.findall(answer) if not NUMBER.fullmatch(w)]
    found += [w for w in CAPITALISED.findall(answer) if w.lower() not in question.lower()]
    return found


def evidence(events) -> str:
    texts = []
    for e in events:
        k = e["kind"]
        t = k["type"]
        if t == "program_finished":
            texts.append(k.get("stdout", ""))
            texts.append(k.get("error") or "")
        elif t in ("subcall_finished", "model_call_finished") and e.get("parent_span_id"):
            texts.append(k.get("response_preview", ""))
        elif t == "error":
            texts.append(k.get("message", ""))
    text = "\n".join(texts)
    # Numbers compared without their separators, as the answer's are.
    return text + "\n" + re.sub(r"(?<=\d)[,_](?=\d)", "", text)


def root_spans(events):
    """The root run's span and a predicate: does a span belong to the root run itself?"""
    root = next((e["span_id"] for e in events if e["kind"]["type"] == "run_started"
                 and e.get("parent_span_id") is None), None)
    parent = {e["span_id"]: e.get("parent_span_id") for e in events}
    kind_of = {e["span_id"]: e["kind"]["type"] for e in events if e["kind"]["type"].endswith("_started")}

    def own(span):
        p = parent.get(span)
        while p is not None and p != root:
            if kind_of.get(p) in ("subcall_started", "run_started"):
                return False
            p = parent.get(p)
        return p == root

    return root, own


def normalise(text: str) -> str:
    return " ".join(text.split())


def repeats(events, own) -> dict:
    programs = [normalise(e["kind"]["code"]) for e in events
                if e["kind"]["type"] == "program_started" and own(e["span_id"])]
    replies = []  # the root's replies, in order, each with whether a program ran after it
    order = []  # ("program", code) | ("not_run",) | ("broken",) in trace order
    for e in events:
        t = e["kind"]["type"]
        if t == "program_started" and own(e["span_id"]):
            order.append(("program", normalise(e["kind"]["code"])))
        elif t == "error" and e["kind"]["message"].startswith(NOT_RUN):
            order.append(("not_run",))
        elif t == "error" and e["kind"]["message"].startswith(BROKEN):
            order.append(("broken",))
        elif t == "model_call_finished" and own(e["span_id"]):
            replies.append(e["kind"].get("response_preview", ""))
            order.append(("reply", normalise(replies[-1]), replies[-1]))
    sent_again = sum(1 for i, p in enumerate(programs) if p in programs[:i])
    not_run = [i for i, o in enumerate(order) if o[0] == "not_run"]
    changed = 0
    for i in not_run:
        # The program the note refused is the last reply's; the next program sent is the answer to the note.
        refused = next((o[1] for o in reversed(order[:i]) if o[0] == "reply"), "")
        after = next((o[1] for o in order[i + 1:] if o[0] == "program"), None)
        nxt_reply = next((o[1] for o in order[i + 1:] if o[0] == "reply"), None)
        if nxt_reply is not None and nxt_reply != refused:
            changed += 1
    # Degenerate: a reply with no program equal to an earlier such reply.
    seen, degenerate, rescued = set(), 0, False
    for i, o in enumerate(order):
        # The fence's line break is in the raw reply, not the normalised one.
        if o[0] != "reply" or PROGRAM.search(o[2]) or "FINAL" in o[1]:
            continue
        if o[1] in seen:
            degenerate += 1
            rescued = rescued or any(x[0] == "program" for x in order[i + 1:])
        seen.add(o[1])
    return {
        "programs": len(programs),
        "sent_again": sent_again + len(not_run),
        "not_run": len(not_run),
        "changed_after_note": changed,
        "degenerate": degenerate,
        "rescued": degenerate > 0 and rescued,
        "broken": sum(1 for o in order if o[0] == "broken"),
    }


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out, traces = sys.argv[1], sys.argv[2]
    label = sys.argv[3] if len(sys.argv) > 3 else traces
    rows = [json.loads(line) for line in open(out) if line.strip()]
    totals = {"runs": 0, "answered": 0, "right": 0, "ungrounded": 0, "ungrounded_right": 0,
              "runs_with_repeat": 0, "notes": 0, "changed_after_note": 0, "degenerate_runs": 0,
              "rescued": 0, "broken": 0}
    for r in rows:
        if r["arm"] == "direct":
            continue
        path = os.path.join(traces, f"{r['kind']}_{r['size']}_{r['task']}_{r['arm']}.jsonl")
        if not os.path.exists(path):
            print(f"{label}: no trace for {path}", file=sys.stderr)
            continue
        events = read(path)
        _, own = root_spans(events)
        question = next((e["kind"].get("query", "") for e in events if e["kind"]["type"] == "run_started"), "")
        answer = r.get("answer") or ""
        missing = []
        if answer.strip():
            known = evidence(events) + "\n" + question
            missing = [f for f in facts(answer, question) if f not in known]
        rep = repeats(events, own)
        row = {"run": os.path.basename(path)[:-6], "answer": answer[:80], "right": r["right"],
               "finish": r.get("finish"), "ungrounded": missing, **rep}
        print(json.dumps(row))
        totals["runs"] += 1
        totals["answered"] += bool(answer.strip())
        totals["right"] += bool(r["right"])
        totals["ungrounded"] += bool(missing)
        totals["ungrounded_right"] += bool(missing) and bool(r["right"])
        totals["runs_with_repeat"] += rep["sent_again"] > 0
        totals["notes"] += rep["not_run"]
        totals["changed_after_note"] += rep["changed_after_note"]
        totals["degenerate_runs"] += rep["degenerate"] > 0
        totals["rescued"] += rep["rescued"]
        totals["broken"] += rep["broken"]
    print(f"{label}: " + ", ".join(f"{k} {v}" for k, v in totals.items()))


if __name__ == "__main__":
    main()
