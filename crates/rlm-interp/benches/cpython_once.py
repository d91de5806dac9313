"""CPython 3.11's side of `callgrind_cpython.sh`: run one benchmark workload
REPS times, the way `bench_driver.py` times it (a fresh globals dict holding
the context, output captured, start-up compiling each time), with no timing.

    python3 cpython_once.py CONTEXT_FILE NAME REPS

REPS 0 does everything but the runs (start the interpreter, read the
context, compile the workload, import what the driver imports), so that the
instructions of REPS runs are those of `REPS` minus those of `0`. Prints what
the last run printed (`callgrind_cpython.sh` compares it with ours)."""
import contextlib
import io
import sys

ctx_path, name, reps = sys.argv[1], sys.argv[2], int(sys.argv[3])
ctx = open(ctx_path, encoding="utf-8").read()
workloads = __file__.rsplit("/", 1)[0] + "/workloads/"
src = open(workloads + name + ".py", encoding="utf-8").read()
code = compile(src, name, "exec")
out = io.StringIO()
for _ in range(reps):
    g = {"context": ctx}
    with contextlib.redirect_stdout(out):
        exec(compile(src, name, "exec") if name == "startup" else code, g)
    # Free what the run made as ours drops its session (cycles, such as a
    # lambda's globals, wait for the collector, at the latest at exit: both
    # are in the count).
    del g
if reps:
    # Every run prints the same, so the last run's output is the last
    # REPS-th of the whole (cut here, not per run, to add nothing to the runs).
    printed = out.getvalue()
    sys.stdout.write(printed[len(printed) // reps * (reps - 1):])
