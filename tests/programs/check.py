#!/usr/bin/env python3
"""Check the differential corpus `tests/programs/**/*.py` against CPython.

This file is a tool, not a fixture: runners must skip `check.py`.

For every program it:
  1. statically rejects what the DSL leaves out (walks the AST): classes,
     yield, with, global/nonlocal, decorators, match, async for, annotations,
     bytes literals, dunder names/attributes (except `.__name__`), forbidden calls (eval, exec, open,
     input, id, hash, globals, ...), imports outside the allowed modules,
     print(file=...), host functions outside `host/`, `context` outside
     `context/`, `await`/`async def` outside `async/` and `host/`;
  2. compiles it with ast.PyCF_ALLOW_TOP_LEVEL_AWAIT and runs the code object
     with eval() in a fresh globals dict (host stubs in `host/`, `context` bound
     to the sibling NAME.context.txt in `context/`), capturing stdout with
     contextlib.redirect_stdout; a top-level-await program yields a coroutine,
     which is run with asyncio.run;
  3. runs it twice in the same process, and the whole corpus in two worker
     processes with different PYTHONHASHSEED values: all outputs must agree
     (determinism, including string hashing / set order);
  4. programs under `errors/` must end with an uncaught exception raised by
     their LAST statement (all statements before it must run cleanly); every
     other program must run without an uncaught exception.

Usage: python3 tests/programs/check.py [-v] [PATH_SUBSTRING ...]
Exit code 0 when every program passes.
"""
import ast
import asyncio
import builtins
import contextlib
import io
import json
import os
import subprocess
import sys
import warnings

ROOT = os.path.dirname(os.path.abspath(__file__))

ALLOWED_MODULES = {
    "re", "json", "math", "collections", "itertools", "functools", "string",
    "textwrap", "asyncio", "datetime",
}
FORBIDDEN_CALLS = {
    "eval", "exec", "compile", "open", "input", "id", "hash", "globals",
    "locals", "vars", "breakpoint", "help", "exit", "quit", "memoryview",
    "bytes", "bytearray", "object", "super", "setattr", "delattr", "dir",
    "classmethod", "staticmethod", "property", "iter", "next", "aiter", "anext",
}
FORBIDDEN_NODES = {
    ast.ClassDef: "class", ast.Yield: "yield", ast.YieldFrom: "yield from",
    ast.With: "with", ast.AsyncWith: "async with", ast.Global: "global",
    ast.Nonlocal: "nonlocal", ast.Match: "match", ast.AsyncFor: "async for",
    ast.AnnAssign: "annotation", ast.NamedExpr: "walrus",
}
HOST_FUNCTIONS = {"llm_query", "llm_batch", "FINAL"}
FORBIDDEN_DATETIME = {"now", "today", "utcnow", "fromtimestamp", "timestamp"}


def static_problems(rel, tree):
    """Return a list of human-readable reasons the program is outside the DSL."""
    folder = rel.split(os.sep)[0]
    problems = []
    for node in ast.walk(tree):
        line = getattr(node, "lineno", "?")
        for kind, name in FORBIDDEN_NODES.items():
            if isinstance(node, kind):
                problems.append(f"line {line}: {name} is not in the DSL")
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if node.decorator_list:
                problems.append(f"line {line}: decorators are not in the DSL")
            if node.returns or any(a.annotation for a in ast.walk(node.args) if isinstance(a, ast.arg)):
                problems.append(f"line {line}: annotations are not in the DSL")
        if isinstance(node, (ast.Await, ast.AsyncFunctionDef)) and folder not in ("async", "host"):
            problems.append(f"line {line}: async code belongs in async/ or host/")
        # `type(e).__name__` is the one dunder the DSL allows (models print errors this way).
        if isinstance(node, ast.Attribute) and node.attr.startswith("__") and node.attr != "__name__":
            problems.append(f"line {line}: dunder attribute {node.attr}")
        if isinstance(node, ast.Name):
            if node.id.startswith("__"):
                problems.append(f"line {line}: dunder name {node.id}")
            if node.id in HOST_FUNCTIONS and folder != "host":
                problems.append(f"line {line}: host function {node.id} outside host/")
            if node.id == "context" and folder != "context":
                problems.append(f"line {line}: `context` outside context/")
            if node.id in FORBIDDEN_CALLS:
                problems.append(f"line {line}: forbidden builtin {node.id}")
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bytes):
                problems.append(f"line {line}: bytes literal")
            if isinstance(node.value, str) and node.value.startswith("__") and node.value.endswith("__"):
                problems.append(f"line {line}: dunder string {node.value!r}")
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] not in ALLOWED_MODULES:
                    problems.append(f"line {line}: import {alias.name}")
        if isinstance(node, ast.ImportFrom):
            if (node.module or "").split(".")[0] not in ALLOWED_MODULES or node.level:
                problems.append(f"line {line}: from {node.module} import")
            if any(a.name == "*" for a in node.names):
                problems.append(f"line {line}: star import")
        if isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_DATETIME:
            problems.append(f"line {line}: non-deterministic datetime.{node.attr}")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print":
            if any(k.arg == "file" for k in node.keywords):
                problems.append(f"line {line}: print(file=...)")
    return problems


def host_stubs():
    def llm_query(prompt, model=None, max_tokens=None):
        return "ok"

    def llm_batch(prompts, model=None):
        return ["ok" for _ in prompts]

    def FINAL(x):
        # Records nothing on stdout: only stdout is compared (see host/README.md).
        return None

    return {"llm_query": llm_query, "llm_batch": llm_batch, "FINAL": FINAL}


def fresh_globals(rel, path):
    g = {"__name__": "__main__", "__builtins__": builtins}
    folder = rel.split(os.sep)[0]
    if folder == "host":
        g.update(host_stubs())
    if folder == "context":
        with open(path[:-3] + ".context.txt", encoding="utf-8") as f:
            g["context"] = f.read()
    return g


def execute(code, g):
    """Run one compiled module; return (stdout, exception or None)."""
    buf = io.StringIO()
    exc = None
    with contextlib.redirect_stdout(buf):
        try:
            result = eval(code, g)
            if asyncio.iscoroutine(result):
                asyncio.run(result)
        except Exception as e:  # noqa: BLE001 - we record what escapes
            exc = e
    return buf.getvalue(), exc


FLAGS = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT


def run_one(rel):
    """Return a dict with stdout/exception of one program, or its problems."""
    path = os.path.join(ROOT, rel)
    with open(path, encoding="utf-8") as f:
        src = f.read()
    try:
        with warnings.catch_warnings():
            # A SyntaxWarning (e.g. `5[0]`) would be noise on the runner's stderr.
            warnings.simplefilter("error", SyntaxWarning)
            tree = ast.parse(src, filename=rel)
            code = compile(src, rel, "exec", flags=FLAGS)
    except (SyntaxError, SyntaxWarning) as e:
        return {"problems": [f"syntax error: {e}"]}
    problems = static_problems(rel, tree)
    n_lines = len(src.splitlines())
    if n_lines > 80:
        problems.append(f"{n_lines} lines: keep programs small")
    outs = []
    for _ in range(2):
        out, exc = execute(code, fresh_globals(rel, path))
        outs.append((out, None if exc is None else f"{type(exc).__name__}: {exc}"))
    if outs[0] != outs[1]:
        problems.append("two runs in one process differ")
    out, exc = outs[0]
    if rel.startswith("errors" + os.sep):
        if exc is None:
            problems.append("errors/ program did not raise")
        prefix = ast.Module(body=tree.body[:-1], type_ignores=[])
        _, early = execute(compile(prefix, rel, "exec", flags=FLAGS), fresh_globals(rel, path))
        if early is not None:
            problems.append(f"raises before its last statement: {type(early).__name__}: {early}")
    elif exc is not None:
        problems.append(f"uncaught {exc}")
    if not out:
        problems.append("prints nothing")
    return {"stdout": out, "exception": exc, "problems": problems}


def all_programs(filters):
    found = []
    for dirpath, _, files in os.walk(ROOT):
        for name in files:
            if name.endswith(".py") and name != "check.py":
                rel = os.path.relpath(os.path.join(dirpath, name), ROOT)
                if not filters or any(s in rel for s in filters):
                    found.append(rel)
    return sorted(found)


def worker(filters):
    results = {rel: run_one(rel) for rel in all_programs(filters)}
    sys.stdout.write(json.dumps(results))


def main():
    args = sys.argv[1:]
    if args and args[0] == "--worker":
        worker(args[1:])
        return 0
    verbose = "-v" in args
    filters = [a for a in args if a != "-v"]
    runs = []
    for seed in ("1", "4242"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        proc = subprocess.run(
            [sys.executable, os.path.abspath(__file__), "--worker", *filters],
            capture_output=True, text=True, env=env, timeout=600,
        )
        if proc.returncode != 0:
            print(proc.stderr)
            return 1
        runs.append(json.loads(proc.stdout))
    first, second = runs
    failed = 0
    counts = {}
    for rel, res in first.items():
        problems = list(res["problems"])
        if "problems" not in second[rel] or res.get("stdout") != second[rel].get("stdout") \
                or res.get("exception") != second[rel].get("exception"):
            problems.append("output differs between PYTHONHASHSEED values")
        folder = rel.split(os.sep)[0]
        counts[folder] = counts.get(folder, 0) + 1
        if problems:
            failed += 1
            print(f"FAIL {rel}")
            for p in problems:
                print(f"    {p}")
        elif verbose:
            print(f"ok   {rel}")
    for folder in sorted(counts):
        print(f"{folder:12} {counts[folder]}")
    print(f"{len(first)} programs, {failed} failing")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
