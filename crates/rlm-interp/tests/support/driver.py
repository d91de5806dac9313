"""Run DSL programs under CPython with the same host stubs as the Rust tests.

Reads {"reply": str, "jobs": [{"id": str, "cells": [src, ...], "context": str|null}]}
on stdin; prints {id: [{"stdout", "error": [type, message]|null, "final"}...]}.
Cells of one job share globals (notebook semantics); FINAL ends the job.
"""
import ast
import asyncio
import contextlib
import io
import json
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
             FINAL=FINAL, FINAL_VAR=FINAL_VAR, SHOW_VARS=SHOW_VARS, _deferred=_deferred)
    if context is not None:
        g["context"] = context
        g["P"] = context
    return g


def run_job(job, reply):
    g = make_globals(reply, job.get("context"))
    results = []
    for src in job["cells"]:
        buf = io.StringIO()
        res = {"stdout": "", "error": None, "final": None}
        signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(10)
        try:
            with contextlib.redirect_stdout(buf):
                try:
                    tree = ast.fix_missing_locations(_Defer().visit(
                        compile(src, "<cell>", "exec", flags=ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)))
                    code = compile(tree, "<cell>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
                    r = eval(code, g)
                    if asyncio.iscoroutine(r):
                        asyncio.run(r)
                except _Final as f:
                    res["final"] = str(f.value)
                except _Timeout:
                    res["error"] = ["Timeout", "python took more than 10 s"]
                except BaseException as e:  # noqa: BLE001 - we report every error
                    res["error"] = [type(e).__name__, str(e) if not isinstance(e, KeyError) else (repr(e.args[0]) if len(e.args) == 1 else str(e))]
        finally:
            signal.alarm(0)
        res["stdout"] = buf.getvalue()
        results.append(res)
        if res["final"] is not None:
            break
    return results


def main():
    req = json.load(sys.stdin)
    sys.setrecursionlimit(10000)
    out = {}
    for job in req["jobs"]:
        out[job["id"]] = run_job(job, req["reply"])
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
