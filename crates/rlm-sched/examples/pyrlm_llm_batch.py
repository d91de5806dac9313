"""Runs one batch through pyrlm-runtime's `llm_batch` against an OpenAI-compatible
server, for comparison with rlm-sched (driven by `sched_bench.rs`, which starts
the mock server and passes its URL).

The root model is pyrlm's scripted FakeAdapter: its first reply is a REPL cell
calling `llm_batch` on the batch, its second `FINAL(done)`. Subcalls go to the
mock server through pyrlm's OpenAICompatAdapter (httpx), `max_concurrent_subcalls`
threads at a time; pyrlm also writes every
subcall result to its file cache (a fresh temporary directory here). Prints one JSON line: the wall time of the llm_batch cell.
"""

import argparse
import json
import shutil
import tempfile
import time

from pyrlm_runtime import Context, Policy
from pyrlm_runtime.adapters.fake import FakeAdapter
from pyrlm_runtime.adapters.openai_compat import OpenAICompatAdapter
from pyrlm_runtime.rlm import RLM


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--distinct", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=10)
    args = parser.parse_args()

    # Same prompts as the Rust side: duplicates are i and i + distinct.
    code = (
        "import time\n"
        f"prompts = ['question ' + str(i % {args.distinct}) + ' of the batch' for i in range({args.n})]\n"
        "t0 = time.perf_counter()\n"
        "results = llm_batch(prompts)\n"
        "batch_seconds = time.perf_counter() - t0\n"
        "print('BATCH', batch_seconds, len(results), sum(1 for r in results if r.startswith('answer:')))\n"
    )
    root = FakeAdapter(script=["```repl\n" + code + "```", "FINAL(done)"])
    sub = OpenAICompatAdapter(model="mock-model", base_url=args.base_url)
    # pyrlm always keeps a file cache of subcalls; a fresh directory per run
    # keeps runs independent (a reused one would answer from disk).
    cache_dir = tempfile.mkdtemp(prefix="pyrlm-bench-")
    rlm = RLM(
        cache_dir=cache_dir,
        adapter=root,
        subcall_adapter=sub,
        parallel_subcalls=True,
        max_concurrent_subcalls=args.threads,
        policy=Policy(max_steps=10, max_subcalls=10 * args.n + 10),
    )
    started = time.perf_counter()
    answer, trace = rlm.run("benchmark", Context.from_text("benchmark context"))
    total = time.perf_counter() - started
    shutil.rmtree(cache_dir, ignore_errors=True)
    batch_line = None
    for step in trace.steps:
        text = str(getattr(step, "stdout", "") or getattr(step, "output", "") or "")
        for line in text.splitlines():
            if line.startswith("BATCH "):
                batch_line = line.split()
    if batch_line is None:
        steps = [
            {k: str(v)[:500] for k, v in vars(step).items() if v not in (None, "", [], {})}
            for step in trace.steps
        ]
        raise SystemExit(f"no BATCH line in the trace; answer={answer!r}; steps={steps}")
    print(
        json.dumps(
            {
                "batch_seconds": float(batch_line[1]),
                "results": int(batch_line[2]),
                "answers_ok": int(batch_line[3]),
                "run_seconds": total,
                "answer": answer,
            }
        )
    )


if __name__ == "__main__":
    main()
