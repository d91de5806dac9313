#!/usr/bin/env python3
"""How the small-model grid's runs ended, read from their traces (issue #60).

    python3 examples/bench/grid_endings.py TRACE_DIR [TRACE_DIR ...]

Each `*.jsonl` in TRACE_DIR is one `rlm run --trace` of the grid
(`small_model_grid.py --trace-dir`; the file name is `kind_size_task_arm`). For
each run it reads the root run's own model calls (not subcalls) and prints one
row, then the counts per folder:

- literal_final: the run's last root reply was a bare literal FINAL
  (`FINAL("...")`, `FINAL(123)`, `FINAL_VAR` of a literal, any casing), i.e. its
  answer came from no program; `refused` says how many literal FINAL replies the
  runtime sent back (a later model call followed them).
- closing: the runtime made a closing call (its prompt starts "The run must end now");
  `closing_code` says whether a reply to it was code; `no_answer` whether the run
  still ended without an answer.

Previews are the trace's (the start of a reply), enough for a FINAL line.
"""
import glob
import json
import os
import re
import sys

from grid_evidence import read, root_spans

LITERAL = r"""(?:"[^"\n]*"|'[^'\n]*'|-?[0-9][0-9,._]*)"""
LITERAL_FINAL = re.compile(
    r"^\s*(?:```[a-z]*\s*)?FINAL(?:_VAR)?\s*\(\s*" + LITERAL + r"\s*\)\s*(?:```)?\s*$",
    re.IGNORECASE,
)
CODE = re.compile(r"```(?:repl|python)?\s*\n", re.IGNORECASE)
CLOSING = "The run must end now"
ANSWER_ONLY = "That was code, and nothing more runs now"


def ending(events):
    """The ending of one run's trace."""
    # Root model calls: model_call_* events whose span's parent chain reaches the
    # root run without a subcall or a nested run in between.
    root, is_root_call = root_spans(events)

    calls = []  # (prompt preview, reply preview), in order
    prompts = {}
    for e in events:
        t = e["kind"]["type"]
        if t == "model_call_started" and is_root_call(e["span_id"]):
            prompts[e["span_id"]] = e["kind"].get("prompt_preview", "")
        elif t == "model_call_finished" and e["span_id"] in prompts:
            calls.append((prompts.pop(e["span_id"]), e["kind"].get("response_preview", "")))
    answer = next((e["kind"]["answer"] for e in events
                   if e["kind"]["type"] == "final_answer" and e["span_id"] == root), None)
    literal = [i for i, (_, reply) in enumerate(calls) if LITERAL_FINAL.match(reply)]
    closing = [i for i, (prompt, _) in enumerate(calls) if CLOSING in prompt or ANSWER_ONLY in prompt]
    return {
        "calls": len(calls),
        "answered": bool(answer and answer.strip()),
        "literal_final": bool(calls) and (len(calls) - 1) in literal and bool(answer),
        "literal_refused": len([i for i in literal if i < len(calls) - 1]),
        "closing": bool(closing),
        "closing_code": any(CODE.search(calls[i][1]) for i in closing),
        "no_answer": bool(closing) and not (answer and answer.strip()),
    }


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for folder in sys.argv[1:]:
        rows = []
        for path in sorted(glob.glob(os.path.join(folder, "*.jsonl"))):
            row = ending(read(path))
            row["run"] = os.path.basename(path)[: -len(".jsonl")]
            rows.append(row)
            print(json.dumps(row))
        total = {k: sum(1 for r in rows if r[k]) for k in
                 ("answered", "literal_final", "closing", "closing_code", "no_answer")}
        total["literal_refused"] = sum(r["literal_refused"] for r in rows)
        print(f"{folder}: {len(rows)} runs; " + ", ".join(f"{k} {v}" for k, v in total.items()))


if __name__ == "__main__":
    main()
