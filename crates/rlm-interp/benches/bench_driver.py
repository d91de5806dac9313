"""CPython (and pydantic-monty, where it runs the program) side of the
interpreter benchmark: prints {workload: {"cpython": median_s, "cpython_output": text,
"monty": median_s|null, "monty_error": text|null}}.

pydantic-monty 1.x (`pip install --ignore-requires-python pydantic-monty==1.4.0`)
runs programs in subprocess workers: one pool, one warm session per workload
(`with Monty() as pool: with pool.checkout(limits=...) as s: s.feed_run(...)`).
The context is bound once per session by an untimed first feed (`inputs=`),
so the timed feeds measure running the program, not shipping 5 MB to the
worker; start-up is a timed `feed_run("print(1)")` in a warm session (parse,
compile, run and the round trip to the worker)."""
import contextlib
import io
import json
import statistics
import sys
import time

ctx = open(sys.argv[1], encoding="utf-8").read()
jobs = json.loads(sys.argv[2])
try:
    import pydantic_monty
except ImportError:
    pydantic_monty = None

# The same caps as our side's defaults where monty has them (512 MiB, depth).
MONTY_LIMITS = {"max_memory": 512 << 20, "max_recursion_depth": 1000}


def ignore_output(_stream, _text):
    pass


def run_monty(pool, src, runs):
    with pool.checkout(limits=MONTY_LIMITS) as session:
        session.feed_run("pass", inputs={"context": ctx}, print_callback=ignore_output)
        session.feed_run(src, print_callback=ignore_output)  # warm-up, like ours
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            session.feed_run(src, print_callback=ignore_output)
            times.append(time.perf_counter() - t)
    return statistics.median(times)


def main():
    out = {}
    pool = pydantic_monty.Monty() if pydantic_monty is not None else None
    with pool if pool is not None else contextlib.nullcontext():
        for name, src, runs in jobs:
            code = compile(src, name, "exec")
            times = []
            printed = None
            for _ in range(runs):
                g = {"context": ctx}
                buf = io.StringIO()
                with contextlib.redirect_stdout(buf):
                    t = time.perf_counter()
                    if name == "startup":
                        exec(compile(src, name, "exec"), g)
                    else:
                        exec(code, g)
                    times.append(time.perf_counter() - t)
                printed = buf.getvalue()
            res = {
                "cpython": statistics.median(times),
                "cpython_output": printed,
                "monty": None,
                "monty_error": None,
            }
            if pool is not None:
                try:
                    res["monty"] = run_monty(pool, src, runs)
                except Exception as e:  # noqa: BLE001 - report why monty could not run it
                    res["monty_error"] = f"{type(e).__name__}: {str(e)[:80]}"
            out[name] = res
    print(json.dumps(out))


main()
