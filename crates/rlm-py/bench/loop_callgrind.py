"""One runtime's scripted RLM loop (compare.py's `run_ours` / `run_pyrlm`:
20 bare-code steps + FINAL), run once to warm up and then REPS times, for
instruction counts under callgrind (stable on a loaded machine):

    valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.%p python crates/rlm-py/bench/loop_callgrind.py rlm_rs 10

Per root step = (Ir with REPS=10 - Ir with REPS=0) / (10 * 21); callgrind
counts every thread (rlm_rs's tokio workers too). BENCHMARKS.md, rlm-py.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402

RUNNERS = {"rlm_rs": compare.run_ours, "pyrlm": compare.run_pyrlm}

if __name__ == "__main__":
    runner, reps = RUNNERS[sys.argv[1]], int(sys.argv[2])
    runner(20)
    for _ in range(reps):
        runner(20)
