"""CPython (and pydantic-monty, where it runs the program) side of the
interpreter benchmark: prints {workload: {"cpython": median_s, "monty": median_s|null}}."""
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

out = {}
for name, src, runs in jobs:
    code = compile(src, name, "exec")
    times = []
    for _ in range(runs):
        g = {"context": ctx}
        with contextlib.redirect_stdout(io.StringIO()):
            t = time.perf_counter()
            if name == "startup":
                exec(compile(src, name, "exec"), g)
            else:
                exec(code, g)
            times.append(time.perf_counter() - t)
    res = {"cpython": statistics.median(times), "monty": None, "monty_error": None}
    if pydantic_monty is not None:
        try:
            mt = []
            m = pydantic_monty.Monty(src, inputs=["context"])
            for _ in range(runs):
                t = time.perf_counter()
                if name == "startup":
                    m = pydantic_monty.Monty(src, inputs=["context"])
                m.run(inputs={"context": ctx}, print_callback=lambda *a: None)
                mt.append(time.perf_counter() - t)
            res["monty"] = statistics.median(mt)
        except Exception as e:  # noqa: BLE001 - report why monty could not run it
            res["monty_error"] = f"{type(e).__name__}: {str(e)[:80]}"
    out[name] = res
print(json.dumps(out))
