#!/usr/bin/env python3
"""Check the shape of the hostile-program suite `tests/hostile/*.py`.

This file is a tool, not a fixture: runners must skip `check.py`.
It never runs the programs (most of them would hang or exhaust CPython).
For every program it checks:
  1. the first line is `# expect: KIND` or `# expect: KIND|KIND...`, every
     KIND one of KINDS below;
  2. the file parses as Python 3.11 (ast.parse), except programs whose kinds
     include `nesting` or `syntax` (source-nesting bombs are beyond CPython's
     own parser limits; everything else must be valid Python);
  3. the file is small (under 64 KiB): bombs are built at run time.

Usage: python3 tests/hostile/check.py [-v]
Exit code 0 when every program passes; prints the count per kind.
"""
import ast
import collections
import os
import sys

ROOT = os.path.dirname(os.path.abspath(__file__))
KINDS = {
    "fuel", "memory", "string_length", "collection_length", "recursion",
    "nesting", "output", "regex", "overflow", "forbidden", "syntax", "ok",
}
MAX_BYTES = 64 * 1024


def problems_of(path):
    with open(path, encoding="utf-8") as f:
        source = f.read()
    first = source.split("\n", 1)[0]
    problems = []
    if not first.startswith("# expect: "):
        return [f"first line must be '# expect: KIND', got {first!r}"], []
    kinds = first[len("# expect: "):].strip().split("|")
    for kind in kinds:
        if kind not in KINDS:
            problems.append(f"unknown kind {kind!r}")
    if len(source.encode("utf-8")) > MAX_BYTES:
        problems.append("file is larger than 64 KiB")
    try:
        ast.parse(source, filename=path)
    except (SyntaxError, RecursionError, MemoryError) as e:
        if not ({"nesting", "syntax"} & set(kinds)):
            problems.append(f"not valid Python: {type(e).__name__}: {e}")
    return problems, kinds


def main():
    verbose = "-v" in sys.argv[1:]
    names = sorted(n for n in os.listdir(ROOT) if n.endswith(".py") and n != "check.py")
    failing = 0
    per_kind = collections.Counter()
    for name in names:
        problems, kinds = problems_of(os.path.join(ROOT, name))
        per_kind["|".join(kinds)] += 1
        if problems:
            failing += 1
            for p in problems:
                print(f"FAIL {name}: {p}")
        elif verbose:
            print(f"ok   {name}: {'|'.join(kinds)}")
    for kind, count in sorted(per_kind.items()):
        print(f"{count:4d}  {kind}")
    print(f"{len(names)} programs, {failing} failing")
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
