"""CPython (and pydantic-monty, where it runs the program) side of the
interpreter benchmark, run interleaved with ours: `bench.rs` starts this once
and, for each round of each workload, times its own run and then asks for the
same workload here, so the three runs of a round share the machine's load.

Protocol: one JSON request per line on stdin, `{"name": ..., "src": ...,
"runs": n, "context": path}` (`context` optional: the file holding the
workload's context, read once and kept; without it, the one named on the
command line); one JSON answer per line on stdout, `{"cpython": [seconds x n],
"cpython_output": text, "monty": [seconds x n] | null, "monty_error": text |
null}`. The first request for a workload also runs it once untimed on each
side (a warm-up, like ours).

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
import sys
import time

DEFAULT_CONTEXT = sys.argv[1]
contexts = {}  # path -> text: each context file is read once


def context_of(path):
    if path not in contexts:
        with open(path, encoding="utf-8") as f:
            contexts[path] = f.read()
    return contexts[path]


try:
    import pydantic_monty
except ImportError:
    pydantic_monty = None

# The same caps as our side's defaults where monty has them (512 MiB, depth).
MONTY_LIMITS = {"max_memory": 512 << 20, "max_recursion_depth": 1000}


def ignore_output(_stream, _text):
    pass


def run_cpython(name, src, code, ctx):
    """One timed run: (seconds, printed text). Start-up compiles each time."""
    g = {"context": ctx}
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        t = time.perf_counter()
        if name == "startup":
            exec(compile(src, name, "exec"), g)
        else:
            exec(code, g)
        elapsed = time.perf_counter() - t
    return elapsed, buf.getvalue()


def run_monty(session, src):
    t = time.perf_counter()
    session.feed_run(src, print_callback=ignore_output)
    return time.perf_counter() - t


def serve(pool, answer):
    current = None  # (name, code, monty session context manager, session, error)
    for line in sys.stdin:
        req = json.loads(line)
        name, src, runs = req["name"], req["src"], req["runs"]
        ctx = context_of(req.get("context", DEFAULT_CONTEXT))
        if current is None or current[0] != name:
            if current is not None and current[2] is not None:
                current[2].__exit__(None, None, None)
            code = compile(src, name, "exec")
            run_cpython(name, src, code, ctx)  # warm-up
            manager, session, error = None, None, None
            if pool is not None:
                try:
                    manager = pool.checkout(limits=MONTY_LIMITS)
                    session = manager.__enter__()
                    session.feed_run("pass", inputs={"context": ctx}, print_callback=ignore_output)
                    run_monty(session, src)  # warm-up
                except Exception as e:  # noqa: BLE001 - report why monty could not run it
                    error = f"{type(e).__name__}: {str(e)[:80]}"
                    session = None
            current = (name, code, manager, session, error)
        _, code, _, session, error = current
        cp_times, printed = [], None
        for _ in range(runs):
            t, printed = run_cpython(name, src, code, ctx)
            cp_times.append(t)
        monty_times = None
        if session is not None and error is None:
            try:
                monty_times = [run_monty(session, src) for _ in range(runs)]
            except Exception as e:  # noqa: BLE001 - report why monty could not run it
                error = f"{type(e).__name__}: {str(e)[:80]}"
                current = current[:4] + (error,)
        answer.write(
            json.dumps(
                {
                    "cpython": cp_times,
                    "cpython_output": printed,
                    "monty": monty_times,
                    "monty_error": error if pool is not None else "not installed",
                }
            )
            + "\n"
        )
        answer.flush()
    if current is not None and current[2] is not None:
        current[2].__exit__(None, None, None)


def main():
    answer = sys.stdout
    pool = pydantic_monty.Monty() if pydantic_monty is not None else None
    with pool if pool is not None else contextlib.nullcontext():
        serve(pool, answer)


main()
