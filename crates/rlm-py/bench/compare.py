"""Side-by-side benchmarks from Python, in one process run (BENCHMARKS.md, rlm-py).

1. Sandbox start-up (`print(1)`, a new sandbox each time) and interpreter
   workloads: rlm_rs.Sandbox vs pydantic-monty (Monty(code).run) vs CPython's
   exec (compile + exec, stdout captured). Each engine parses the code every time.
2. RLM loop overhead per step: rlm_rs.RLM vs pyrlm-runtime's RLM, both driven
   by their FakeAdapter with the same script (N bare-code steps, then FINAL):
   process CPU time per run (stable on a loaded machine) and wall time,
   medians of many interleaved runs, and the CPU ratio per block of rounds.

Engines are interleaved round by round so that load drift hits all alike;
the figures are medians. Usage:
    python crates/rlm-py/bench/compare.py [--quick]
(needs rlm_rs, pydantic-monty<0.0.8 and pyrlm-runtime installed).
"""

from __future__ import annotations

import contextlib
import io
import os
import platform
import statistics
import sys
import time

import pydantic_monty
import rlm_rs

_fresh = iter(range(1 << 62))

WORKLOADS = {
    "print(1)": "print(1)",
    # A source never seen before each time: no engine reuses a parse (rlm_rs
    # keeps the parses of recent sources; the row above measures a resent cell).
    "print(n), new source each": lambda: "print(%d)" % next(_fresh),
    "loop 100k": "total = 0\nfor i in range(100000):\n    total += i * 2 % 7\ntotal",
    "word count": (
        "words = ('alpha beta gamma delta ' * 5000).split()\ncounts = {}\n"
        "for w in words:\n    counts[w] = counts.get(w, 0) + 1\n','.join(sorted(counts))"
    ),
    "list + sort": "xs = [(i * 7919) % 10007 for i in range(20000)]\nys = sorted(xs)\nsum(ys[::100])",
    "fib(20)": "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\nfib(20)",
    "str methods": (
        "s = 'The Quick Brown Fox ' * 200\nout = []\nfor i in range(200):\n"
        "    out.append(s.lower().replace('quick', 'slow').find('fox', i))\nsum(out)"
    ),
}


def run_rlm(code):
    return rlm_rs.Sandbox().run(code).result


def run_monty(code):
    return pydantic_monty.Monty(code).run(print_callback=lambda stream, text: None)


def run_cpython(code):
    g = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(code, "<bench>", "exec"), g)
    return g


ENGINES = {"rlm_rs": run_rlm, "pydantic-monty": run_monty, "CPython exec": run_cpython}


def time_once(fn, code, inner):
    codes = [code() for _ in range(inner)] if callable(code) else [code] * inner
    start = time.perf_counter()
    for c in codes:
        fn(c)
    return (time.perf_counter() - start) / inner


def bench_interpreters(rounds):
    rows = []
    for name, code in WORKLOADS.items():
        inner = 200 if name.startswith("print") else 1
        for fn in ENGINES.values():
            fn(code() if callable(code) else code)  # warm up (and check it runs)
        samples = {e: [] for e in ENGINES}
        for _ in range(rounds):
            for e, fn in ENGINES.items():
                samples[e].append(time_once(fn, code, inner))
        rows.append((name, {e: statistics.median(s) for e, s in samples.items()}))
    return rows


def loop_script(steps):
    return ["x = %d\nprint(x * 2)" % i for i in range(steps)] + ["FINAL: done"]


def run_ours(steps):
    from rlm_rs import RLM, Policy
    from rlm_rs.adapters import FakeAdapter

    answer, trace = RLM(FakeAdapter(script=loop_script(steps)), policy=Policy(max_steps=steps + 5)).run(
        "Count.", "some context"
    )
    assert answer == "done", answer
    return trace.usage["steps"]


def run_pyrlm(steps):
    from pyrlm_runtime import RLM, Context, Policy
    from pyrlm_runtime.adapters import FakeAdapter

    answer, trace = RLM(adapter=FakeAdapter(script=loop_script(steps)), policy=Policy(max_steps=steps + 5)).run(
        "Count.", Context.from_text("some context")
    )
    assert answer.strip() == "done", answer
    return sum(1 for s in trace.steps if s.kind == "root_call")


def bench_loop(rounds, steps, blocks=3):
    """Per root step, for each runner: the median over `rounds` interleaved
    runs of the CPU time the whole process spent (`time.process_time`: all
    threads, so the tokio workers of rlm_rs count too; unlike wall time it
    does not grow when other processes take the cores) and of the wall time.
    The rounds are cut into `blocks` consecutive blocks whose CPU ratios are
    reported too, to show how stable the figure is."""
    runners = {"rlm_rs": run_ours, "pyrlm-runtime": run_pyrlm}
    counted = {name: fn(steps) for name, fn in runners.items()}  # warm up, count steps
    cpu = {n: [] for n in runners}
    wall = {n: [] for n in runners}
    for _ in range(rounds):
        for name, fn in runners.items():
            c0, w0 = time.process_time(), time.perf_counter()
            fn(steps)
            cpu[name].append((time.process_time() - c0) / counted[name])
            wall[name].append((time.perf_counter() - w0) / counted[name])
    size = rounds // blocks
    block_ratios = [
        statistics.median(cpu["pyrlm-runtime"][i * size:(i + 1) * size])
        / statistics.median(cpu["rlm_rs"][i * size:(i + 1) * size])
        for i in range(blocks)
    ]
    med = lambda d: {n: statistics.median(v) for n, v in d.items()}  # noqa: E731
    return med(cpu), med(wall), block_ratios, counted


def fmt(seconds):
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    return f"{seconds * 1e3:.2f} ms"


def main():
    quick = "--quick" in sys.argv
    rounds = 3 if quick else 11
    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cpus, load {os.getloadavg()[0]:.2f}, Python {platform.python_version()}, "
          f"rlm_rs {rlm_rs.__version__}, pydantic-monty {pydantic_monty.__version__}")
    print("\n| workload | rlm_rs | pydantic-monty | CPython exec | monty / rlm_rs | exec / rlm_rs |")
    print("|---|---|---|---|---|---|")
    for name, t in bench_interpreters(rounds):
        r, m, c = t["rlm_rs"], t["pydantic-monty"], t["CPython exec"]
        print(f"| {name} | {fmt(r)} | {fmt(m)} | {fmt(c)} | {m / r:.2f}x | {c / r:.2f}x |")
    steps = 20
    loop_rounds = 15 if quick else 90
    cpu, wall, block_ratios, counted = bench_loop(loop_rounds, steps)
    print(f"\nRLM loop, {steps} scripted steps + FINAL, {loop_rounds} interleaved runs each "
          f"(steps counted: {counted}):")
    print("\n| per root step, median | rlm_rs | pyrlm-runtime | pyrlm / rlm_rs |")
    print("|---|---|---|---|")
    print(f"| CPU time (process) | {fmt(cpu['rlm_rs'])} | {fmt(cpu['pyrlm-runtime'])} | "
          f"{cpu['pyrlm-runtime'] / cpu['rlm_rs']:.2f}x |")
    print(f"| wall time | {fmt(wall['rlm_rs'])} | {fmt(wall['pyrlm-runtime'])} | "
          f"{wall['pyrlm-runtime'] / wall['rlm_rs']:.2f}x |")
    print("\nCPU ratio per block of consecutive rounds: " + ", ".join(f"{r:.2f}x" for r in block_ratios))
    print(f"\nload at end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
