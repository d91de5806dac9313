#!/usr/bin/env python3
"""CPython's ast.parse on the same inputs as benches/parse.rs, for comparison.

Builds the same ~1 MB program (every tests/fixtures/ok/*.py in name order, then
benches/ten_lines.py, repeated until >= 1 MiB) and times ast.parse on it and on
the 10-line cell, printing medians. Top-level await is allowed, as in our DSL.
"""
import ast
import pathlib
import statistics
import time

HERE = pathlib.Path(__file__).resolve().parent
TEN = (HERE / "ten_lines.py").read_text()
one = ""
for p in sorted((HERE.parent / "tests" / "fixtures" / "ok").glob("*.py")):
    s = p.read_text()
    one += s if s.endswith("\n") or not s else s + "\n"
one += TEN
big = ""
while len(big.encode()) < 1 << 20:
    big += one
FLAGS = ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT


def median(fn, n):
    xs = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        xs.append(time.perf_counter() - t)
    return statistics.median(xs)


small = median(lambda: compile(TEN, "<cell>", "exec", flags=FLAGS), 2000)
p1 = median(lambda: compile("print(1)\n", "<cell>", "exec", flags=FLAGS), 5000)
large = median(lambda: compile(big, "<big>", "exec", flags=FLAGS), 10)
mb = len(big.encode()) / (1 << 20)
print(f"cpython ast 10_lines: {small * 1e6:.1f} us")
print(f"cpython ast print_1: {p1 * 1e6:.2f} us")
print(f"cpython ast parse_1MB: {large * 1e3:.1f} ms ({mb / large:.2f} MiB/s, {len(big.encode())} bytes)")
