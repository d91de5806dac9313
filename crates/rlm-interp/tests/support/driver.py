"""Run DSL programs under CPython with the same host stubs as the Rust tests.

Reads {"reply": str, "jobs": [{"id": str, "cells": [src, ...], "context": str|null}]}
on stdin; prints {id: [{"stdout", "error": [type, message]|null, "final"}...]}.
Cells of one job share globals (notebook semantics); FINAL ends the job.

`--serve` (the differential fuzzer's persistent worker): one request per
line, one reply per line, until stdin closes. A request's `"i64": true`
makes every int a BinOp, UnaryOp or call yields (and the ints directly in a
list, tuple or dict it yields) raise OverflowError beyond 64 bits, as the
DSL's ints do (grammar/reference.md), so that deliberate deviation does not
hide real ones.

A cell with top-level `await` runs on CPython's event loop with a virtual
clock (`_VirtualLoop`), as the DSL's asyncio does: sleeps take no real time.
"""
import ast
import asyncio
import contextlib
import io
import json
import selectors
import signal
import sys

STUBS = {"llm_query", "llm_query_async", "llm_batch", "llm_query_batched", "llm_query_batch",
         "llm_batch_async", "llm_query_batch_async", "llm_query_batched_async",
         "FINAL", "FINAL_VAR", "SHOW_VARS"}


class _Final(BaseException):
    def __init__(self, value):
        super().__init__()
        self.value = value


class _Timeout(BaseException):
    pass


def _alarm(signum, frame):
    raise _Timeout()


_HOST = {"llm_query", "llm_batch", "llm_query_batched", "llm_query_batch"}


class _Defer(ast.NodeTransformer):
    """The DSL's rule (grammar/reference.md, "await and asyncio.gather"): a
    call where an awaitable is wanted (the operand of `await`; an argument
    of `gather`, also inside a starred list, tuple, comprehension or
    generator there) makes a suspending host function give an awaitable.
    Rewritten here as `_deferred(f)(...)`, which wraps the stubs in a
    coroutine (fast-rlm's `llm_query` is a coroutine function) and leaves
    any other callee alone; a plain call returns the str (the paper's)."""

    def _mark(self, node):
        if isinstance(node, ast.Starred):
            node.value = self._mark(node.value)
        elif isinstance(node, ast.Call):
            node.func = ast.Call(ast.Name("_deferred", ast.Load()), [node.func], [])
        elif isinstance(node, (ast.List, ast.Tuple)):
            node.elts = [self._mark(e) for e in node.elts]
        elif isinstance(node, (ast.ListComp, ast.GeneratorExp)):
            node.elt = self._mark(node.elt)
        return node

    def visit_Await(self, node):
        self.generic_visit(node)
        node.value = self._mark(node.value)
        return node

    def visit_Call(self, node):
        self.generic_visit(node)
        f = node.func
        name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
        if name == "gather":
            node.args = [self._mark(a) for a in node.args]
        return node


_I64_MIN, _I64_MAX = -(1 << 63), (1 << 63) - 1


def _wide(v):
    return type(v) is int and not _I64_MIN <= v <= _I64_MAX


def _i64(v):
    """The DSL's 64-bit ints: a wider result is an OverflowError."""
    items = v.values() if isinstance(v, dict) else v if isinstance(v, (list, tuple)) else (v,)
    for x in items:
        if _wide(x):
            raise OverflowError("Python int too large to convert to C int")
    return v


class _I64(ast.NodeTransformer):
    """Wraps each int-producing node in `_i64(...)` (see the module doc)."""

    def _wrap(self, node):
        self.generic_visit(node)
        return ast.Call(ast.Name("_i64", ast.Load()), [node], [])

    visit_BinOp = visit_UnaryOp = visit_Call = _wrap


class _VirtualSelector(selectors.SelectSelector):
    """The DSL's virtual clock (grammar/reference.md): waiting for the next
    timer moves the clock to it instead of sleeping; file descriptors (the
    loop's self-pipe) are still polled."""

    def __init__(self):
        super().__init__()
        self.now = 0.0

    def select(self, timeout=None):
        if timeout is not None and timeout > 0:
            self.now += timeout
        return super().select(0)


class _VirtualLoop(asyncio.SelectorEventLoop):
    """CPython's own event loop and tasks on the virtual clock. Each reading
    moves the clock on by a nanosecond, as a real clock moves between two
    readings, so a timer made later with the same delay fires later."""

    def __init__(self):
        self._virtual = _VirtualSelector()
        self._readings = 0
        super().__init__(self._virtual)

    def time(self):
        self._readings += 1
        return self._virtual.now + self._readings * 1e-9


def _deferred(f):
    if getattr(f, "__name__", None) in _HOST:
        async def call(*a, **k):
            return f(*a, **k)
        return call
    return f


def make_globals(reply, context):
    g = {"__name__": "__main__"}

    def llm_query(prompt, model=None, max_tokens=None, **kw):
        return reply

    async def llm_query_async(prompt, model=None, max_tokens=None, **kw):
        return reply

    def llm_batch(prompts, model=None, max_tokens=None, **kw):
        return [reply for _ in prompts]

    async def llm_batch_async(prompts, model=None, max_tokens=None, **kw):
        return [reply for _ in prompts]

    def FINAL(answer=None):
        raise _Final(answer)

    def FINAL_VAR(name):
        if isinstance(name, str):
            n = name.strip().strip("\"'")
            if n not in g:
                raise NameError(f"FINAL_VAR: variable '{n}' is not defined; assign it first (e.g. {n} = ...) or call FINAL(value)")
            raise _Final(g[n])
        raise _Final(name)

    def SHOW_VARS():
        import types
        parts = [f"'{k}': '{type(v).__name__}'" for k, v in g.items()
                 if not k.startswith("_") and k not in STUBS and not isinstance(v, types.ModuleType)]
        return "Available variables: {" + ", ".join(parts) + "}"

    g.update(llm_query=llm_query, llm_query_async=llm_query_async, llm_batch=llm_batch,
             llm_query_batched=llm_batch, llm_query_batch=llm_batch, llm_batch_async=llm_batch_async,
             llm_query_batch_async=llm_batch_async, llm_query_batched_async=llm_batch_async,
             FINAL=FINAL, FINAL_VAR=FINAL_VAR, SHOW_VARS=SHOW_VARS, _deferred=_deferred, _i64=_i64)
    if context is not None:
        g["context"] = context
        g["P"] = context
    return g


def run_job(job, reply, i64=False, seconds=10):
    g = make_globals(reply, job.get("context"))
    results = []
    for src in job["cells"]:
        buf = io.StringIO()
        res = {"stdout": "", "error": None, "final": None}
        signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(seconds)
        try:
            with contextlib.redirect_stdout(buf):
                try:
                    tree = _Defer().visit(
                        compile(src, "<cell>", "exec", flags=ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT))
                    tree = ast.fix_missing_locations(_I64().visit(tree) if i64 else tree)
                    code = compile(tree, "<cell>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
                    r = eval(code, g)
                    if asyncio.iscoroutine(r):
                        with asyncio.Runner(loop_factory=_VirtualLoop) as runner:
                            runner.run(r)
                except _Final as f:
                    res["final"] = str(f.value)
                except _Timeout:
                    res["error"] = ["Timeout", f"python took more than {seconds} s"]
                except BaseException as e:  # noqa: BLE001 - we report every error
                    res["error"] = [type(e).__name__, str(e) if not isinstance(e, KeyError) else (repr(e.args[0]) if len(e.args) == 1 else str(e))]
        finally:
            signal.alarm(0)
        res["stdout"] = buf.getvalue()
        results.append(res)
        if res["final"] is not None:
            break
    return results


def serve():
    import warnings
    warnings.simplefilter("ignore")  # `x is 1` and the like: noise on stderr
    for line in sys.stdin:
        req = json.loads(line)
        out = {}
        for job in req["jobs"]:
            out[job["id"]] = run_job(job, req["reply"], req.get("i64", False), req.get("seconds", 10))
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


def main():
    sys.setrecursionlimit(10000)
    if "--serve" in sys.argv[1:]:
        serve()
        return
    req = json.load(sys.stdin)
    out = {}
    for job in req["jobs"]:
        out[job["id"]] = run_job(job, req["reply"])
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
