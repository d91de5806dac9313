"""Loop overhead of pyrlm-runtime, the Python RLM runtime we compare against.

Measures wall time per RLM step with a zero-latency scripted root model
(pyrlm-runtime's own FakeAdapter), so the figure is the runtime's own cost per
step: prompt building, reply parsing, code extraction, exec in its REPL, trace.

  (a) loop:    50 steps, cell i = `x = i; print(x * 2)`, then a FINAL reply
  (b) context: 10 steps over a 100 MB context, each cell reading a slice of `P`,
               then a FINAL reply (Context construction is timed separately)

Median over several repetitions; prints one JSON line. Setup (once):
  python3 -m venv /tmp/pyrlm-venv
  /tmp/pyrlm-venv/bin/pip install --ignore-requires-python pyrlm-runtime
  /tmp/pyrlm-venv/bin/python examples/bench/pyrlm_loop.py [--reps N] [--context-mb N]
"""

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time

try:
    import pyrlm_runtime
    from pyrlm_runtime import RLM, Context, Policy
    from pyrlm_runtime.adapters.fake import FakeAdapter
except ImportError:
    sys.exit("pyrlm-runtime is not installed: pip install --ignore-requires-python pyrlm-runtime")


def fenced(code):
    return "```repl\n" + code + "\n```"


def run_once(cells, context, cache_dir):
    """Runs one scripted RLM over `context`; returns (seconds, root turns, answer)."""
    script = [fenced(c) for c in cells] + ["FINAL(done)"]
    rlm = RLM(
        adapter=FakeAdapter(script=script),
        policy=Policy(max_steps=len(script) + 5),
        cache_dir=cache_dir,
    )
    started = time.perf_counter()
    answer, trace = rlm.run("benchmark the loop", context)
    elapsed = time.perf_counter() - started
    if answer.strip() != "done":
        sys.exit(f"unexpected answer {answer!r}: the scripted run did not finish as planned")
    return elapsed, len(script), trace


def measure(cells, context, reps, cache_dir):
    runs = [run_once(cells, context, cache_dir) for _ in range(reps)]
    turns = runs[0][1]
    totals = [r[0] for r in runs]
    median = statistics.median(totals)
    return {
        "code_steps": len(cells),
        "root_turns": turns,
        "runs_ms": [round(t * 1e3, 3) for t in totals],
        "median_total_ms": round(median * 1e3, 3),
        "median_ms_per_step": round(median * 1e3 / turns, 4),
        "min_ms_per_step": round(min(totals) * 1e3 / turns, 4),
        "repl_execs": sum(1 for s in runs[0][2].steps if s.kind == "repl_exec"),
    }


def big_text(n_bytes):
    # Varied lines so nothing downstream can shortcut a repeated pattern.
    line = "Record {:09d}: the quiet harbor lantern drifted toward the northern hills.\n"
    block = "".join(line.format(i) for i in range(10_000))
    reps = n_bytes // len(block) + 1
    return (block * reps)[:n_bytes]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=15, help="repetitions of (a); (b) uses max(3, reps // 2)")
    ap.add_argument("--context-mb", type=int, default=100, help="size of the context of (b) in MB")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as cache_dir:
        small = Context.from_text("tiny context")
        loop_cells = [f"x = {i}\nprint(x * 2)" for i in range(50)]
        run_once(loop_cells[:3], small, cache_dir)  # warm-up: imports, first compile
        loop = measure(loop_cells, small, args.reps, cache_dir)

        size = args.context_mb * 1_000_000
        text = big_text(size)
        t = time.perf_counter()
        big = Context.from_text(text)
        context_setup_ms = (time.perf_counter() - t) * 1e3
        step = size // 10
        ctx_cells = [
            f"part = P[{i * step}:{i * step + 200}]\nprint(len(P), part[:40])" for i in range(10)
        ]
        ctx = measure(ctx_cells, big, max(3, args.reps // 2), cache_dir)
        ctx["context_bytes"] = size
        ctx["context_setup_ms"] = round(context_setup_ms, 3)

    print(
        json.dumps(
            {
                "runtime": "pyrlm-runtime",
                "version": pyrlm_runtime.__version__,
                "python": platform.python_version(),
                "model": "pyrlm FakeAdapter (scripted, zero latency)",
                "a_loop_50_steps": loop,
                "b_context_10_steps": ctx,
            }
        )
    )


if __name__ == "__main__":
    main()
