"""pyrlm-runtime side of rlm-context's benchmark (run by examples/bench_context.rs).

Modes:
  load PATH           -> {"secs": ..., "max_rss_kb": ...}  (fresh process per measurement)
  ops  JSON_ARGS      -> medians of the same operations the Rust harness times
pyrlm-runtime has no file loader; the natural way to load a file is open().read() + from_text.
"""

import json
import random
import resource
import statistics
import sys
import time

from pyrlm_runtime import Context


def load(path):
    with open(path, encoding="utf-8") as handle:
        return Context.from_text(handle.read())


def timed(fn, reps):
    """Median wall and thread-CPU seconds of `reps` runs, and the last result."""
    walls, cpus = [], []
    result = None
    for _ in range(reps):
        wall, cpu = time.perf_counter(), time.thread_time()
        result = fn()
        cpus.append(time.thread_time() - cpu)
        walls.append(time.perf_counter() - wall)
    return {"secs": statistics.median(walls), "cpu_secs": statistics.median(cpus)}, result


def main():
    mode = sys.argv[1]
    if mode == "load":
        timing, ctx = timed(lambda: load(sys.argv[2]), 1)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps(dict(timing, max_rss_kb=rss, chars=ctx.len_chars())))
        return
    args = json.loads(sys.argv[2])
    out = {}
    reps = args["reps"]
    ctx = load(args["ascii_path"])
    timing, found = timed(lambda: ctx.find(args["literal"]), reps)
    out["find_literal"] = dict(timing, matches=len(found), first=found[0][0] if found else None)
    for name, pattern in args["regexes"].items():
        timing, found = timed(lambda: ctx.find(pattern, regex=True), reps)
        out["regex_" + name] = dict(timing, matches=len(found), first=found[0][0] if found else None)
    del ctx
    ctx = load(args["mixed_path"])
    length = ctx.len_chars()
    rng = random.Random(args["seed"])
    width = args["slice_chars"]
    starts = [rng.randrange(0, length - width) for _ in range(args["slices"])]

    def slices():
        total = 0
        for start in starts:
            total += len(ctx.slice(start, start + width))
        return total

    timing, total = timed(slices, reps)
    out["random_slice"] = dict(timing, count=len(starts), chars=total)
    starts = [rng.randrange(0, args["local_chars"]) for _ in range(args["slices"])]
    timing, total = timed(slices, reps)
    out["local_slice"] = dict(timing, count=len(starts), chars=total)
    size = -(-length // args["chunks"])
    timing, chunks = timed(lambda: len(ctx.chunk(size)), reps)
    out["chunk"] = dict(timing, count=chunks, size=size)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
