#!/usr/bin/env python3
"""Extract the model-written programs from the shared RLM corpus as JSON.

Reads every trajectory under the corpus directory (argument 1, default
../shared/corpus/trajectories relative to the repository root) and prints one
JSON list: for each program its source file and index, the code, whether
CPython's ast.parse accepts it, and which left-out features it uses (classes,
generators, `with`, `global`/`nonlocal`), which make it ineligible for the DSL.
The Rust tests (rlm-syntax's corpus test, the interpreter's conformance test)
run this script, so CPython stays the oracle for what counts as valid Python.
"""
import ast
import glob
import json
import os
import sys

LEFT_OUT = {
    ast.ClassDef: "class",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.With: "with",
    ast.AsyncWith: "with",
    ast.Global: "global",
    ast.Nonlocal: "nonlocal",
    ast.AsyncFor: "async for",
    ast.Match: "match",
}


def programs(path):
    name = os.path.basename(path)
    with open(path, encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, 1):
            if not line.strip():
                continue
            rec = json.loads(line)
            if "code" in rec and isinstance(rec["code"], str):
                yield name, f"line{line_no}", rec["code"]
            blocks = rec.get("code_blocks")
            if isinstance(blocks, str):
                try:
                    blocks = ast.literal_eval(blocks)
                except (ValueError, SyntaxError):
                    blocks = None
            if isinstance(blocks, list):
                for i, b in enumerate(blocks):
                    if isinstance(b, dict) and isinstance(b.get("code"), str):
                        yield name, f"line{line_no}.block{i}", b["code"]


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(__file__), "..", "..", "..", "shared", "corpus", "trajectories")
    out = []
    for path in sorted(glob.glob(os.path.join(root, "*.jsonl"))):
        for name, where, code in programs(path):
            entry = {"file": name, "where": where, "code": code, "cpython_ok": True, "left_out": []}
            try:
                tree = ast.parse(code)
                found = sorted({v for k, v in LEFT_OUT.items() for n in ast.walk(tree) if isinstance(n, k)})
                entry["left_out"] = found
            except SyntaxError as e:
                entry["cpython_ok"] = False
                entry["error"] = f"{e.msg} (line {e.lineno})"
            out.append(entry)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
