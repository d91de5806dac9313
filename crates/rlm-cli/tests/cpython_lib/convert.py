#!/usr/bin/env python3
"""Turns CPython's own regression tests (Debian's `libpython3.11-testsuite`,
`/usr/lib/python3.11/test`) into standalone DSL programs.

Each test method of the modules the DSL supports becomes one program: the
method's body inside a plain function, its `self.assertEqual` and kin turned
into calls of small checking functions written in the DSL (the prelude below),
`with self.assertRaises(E) [as cm]:` into `try`/`except E`/`else: fail`, the
helper methods and module-level names it reaches copied in as functions and
assignments. A method that needs what the DSL leaves out (classes, `with`,
generators, modules it does not have, test.support, state kept on `self`...)
is skipped and counted under one reason. Every program is then run under this
CPython; one that fails there is dropped and counted.

Usage:
  convert.py [--lib DIR] --json            one JSON document on stdout
  convert.py [--lib DIR] --out DIR          one .py file per program, plus summary.json
  convert.py ... --module test_re           only that module (repeatable)

The JSON document (read by crates/rlm-cli/tests/cpython_lib.rs):
  {"python": "3.11.7", "lib": DIR,
   "modules": {module: {"skipped": {reason: n}, "cpython_failed": n}},
   "programs": [{"module", "id", "source", "stdout"}]}
"""

import argparse
import ast
import builtins
import contextlib
import importlib
import io
import json
import multiprocessing
import os
import signal
import sys

DEFAULT_LIB = "/usr/lib/python3.11/test"

# Public names that start with an underscore (so as not to clash with fields).
NAMEDTUPLE_API = {"_fields", "_field_defaults", "_make", "_replace", "_asdict"}

# The skip reason of an int literal past 64 bits in the source, and of a program
# that passes under CPython but fails, or prints something else, when its ints
# overflow past 64 bits as the DSL's do (run_one).
WIDE_INTS = "int beyond 64 bits"

# The modules a DSL program may import (crates/rlm-interp/src/modules/mod.rs).
DSL_MODULES = {
    "re", "json", "math", "collections", "itertools", "functools", "string",
    "textwrap", "asyncio", "datetime", "csv", "io", "sys",
}
# What the DSL's `sys` has (grammar/reference.md, "The `sys` module").
DSL_SYS = {"maxsize", "version", "version_info", "platform", "argv",
           "getrecursionlimit", "setrecursionlimit", "getsizeof", "stdout", "stderr"}

# Builtins the DSL leaves out on purpose (grammar/reference.md): a method that
# names one is skipped.
OUT_BUILTINS = {
    "eval", "exec", "compile", "open", "globals", "locals", "vars", "__import__",
    "bytes", "bytearray", "memoryview", "complex", "object", "super", "property",
    "classmethod", "staticmethod", "setattr", "delattr", "id", "input", "breakpoint",
    "help",
}

# namedtuple makes a class, and the DSL has none by design (grammar/reference.md).
NAMEDTUPLE = "namedtuple: a class factory"

# The datetime class methods that read the clock or the local time zone.
CLOCK_ATTRS = {"now", "today", "utcnow", "fromtimestamp", "utcfromtimestamp"}

# Methods that test what docs/divergences.md records as a deliberate design
# deviation, by id, with the divergence's name as the skip reason. Kept to the
# methods whose every failing check is that deviation.
DOCUMENTED_DEVIATIONS = {
    # a float has no identity here, so `nan in [nan]` is False (CPython's
    # containers compare by identity first): divergences.md, "Numbers"
    "test_float.GeneralFloatCases.test_float_containment": "float identity (docs/divergences.md)",
    # a str is awaitable as itself (an answered `llm_query(p)`), so
    # `ensure_future('ok')` is a done future: grammar/reference.md, "await"
    "test_asyncio.test_tasks.BaseTaskTests.test_ensure_future_neither": "a str is awaitable (grammar/reference.md)",
}

# Which files make each module's programs; `classes` limits the test classes.
MODULES = [
    {"name": "test_format", "files": ["test_format.py"]},
    {"name": "test_unicode", "files": ["test_unicode.py"], "extra": ["string_tests.py"],
     # methods inherited from string_tests' mixins are reported as string_tests
     "attribute_to": {"string_tests.py": "string_tests"},
     # setUp registers a codec for the encoding tests only
     "ignore_setup": True, "fixtype_identity": True},
    {"name": "test_itertools", "files": ["test_itertools.py"]},
    {"name": "test_json", "files": sorted(
        "test_json/" + f for f in os.listdir(DEFAULT_LIB + "/test_json")
        if f.startswith("test_") and f.endswith(".py")) if os.path.isdir(DEFAULT_LIB + "/test_json") else [],
     "extra": ["test_json/__init__.py"],
     # the C-accelerated twins repeat the pure-Python classes' methods
     "skip_classes_matching": "TestC",
     # the pure-Python json the tests import fresh is json
     "renames": {"pyjson": "json"}},
    {"name": "test_re", "files": ["test_re.py"]},
    {"name": "test_textwrap", "files": ["test_textwrap.py"]},
    {"name": "test_math", "files": ["test_math.py"]},
    {"name": "test_float", "files": ["test_float.py"]},
    {"name": "test_int", "files": ["test_int.py"]},
    {"name": "test_long", "files": ["test_long.py"]},
    {"name": "test_collections", "files": ["test_collections.py"]},
    {"name": "test_statistics", "files": ["test_statistics.py"]},
    {"name": "test_csv", "files": ["test_csv.py"]},
    # date arithmetic: the date and timedelta classes (not time, datetime, tzinfo)
    {"name": "test_datetime", "files": ["datetimetester.py"],
     "classes": {"TestDate", "TestDateOnly", "TestTimeDelta"}},
    # task, gather, wait_for and queue tests
    {"name": "test_asyncio", "files": ["test_asyncio/test_tasks.py", "test_asyncio/test_waitfor.py",
                                       "test_asyncio/test_queues.py", "test_asyncio/test_taskgroups.py"],
     "extra": ["test_asyncio/utils.py"],
     "attribute_to": {f"test_asyncio/{f}.py": f"test_asyncio.{f}"
                      for f in ("test_tasks", "test_waitfor", "test_queues", "test_taskgroups")},
     # `from asyncio import taskgroups`: the DSL's asyncio has TaskGroup itself
     "renames": {"taskgroups": "asyncio"},
     # a setUp that makes `self.loop`: the method runs as a coroutine (loop_call)
     "asyncio_loop": True},
]

PRELUDE = '''\
import re as _re


def _fail(msg=None):
    raise AssertionError("failed" if msg is None else msg)


def _say(text, msg):
    return text if msg is None else text + " : " + str(msg)


def _assertEqual(first, second, msg=None):
    if not first == second:
        raise AssertionError(_say(repr(first) + " != " + repr(second), msg))


def _assertNotEqual(first, second, msg=None):
    if not first != second:
        raise AssertionError(_say(repr(first) + " == " + repr(second), msg))


def _assertSequenceEqual(first, second, msg=None, seq_type=None):
    if len(first) != len(second):
        raise AssertionError(_say("lengths differ: " + repr(first) + " " + repr(second), msg))
    for i in range(len(first)):
        if not first[i] == second[i]:
            raise AssertionError(_say("item " + str(i) + ": " + repr(first[i]) + " != " + repr(second[i]), msg))


def _assertTrue(expr, msg=None):
    if not expr:
        raise AssertionError(_say(repr(expr) + " is not true", msg))


def _assertFalse(expr, msg=None):
    if expr:
        raise AssertionError(_say(repr(expr) + " is not false", msg))


def _assertIs(first, second, msg=None):
    if first is not second:
        raise AssertionError(_say(repr(first) + " is not " + repr(second), msg))


def _assertIsNot(first, second, msg=None):
    if first is second:
        raise AssertionError(_say("unexpectedly identical: " + repr(first), msg))


def _assertIsNone(obj, msg=None):
    if obj is not None:
        raise AssertionError(_say(repr(obj) + " is not None", msg))


def _assertIsNotNone(obj, msg=None):
    if obj is None:
        raise AssertionError(_say("unexpectedly None", msg))


def _assertIn(member, container, msg=None):
    if member not in container:
        raise AssertionError(_say(repr(member) + " not found in " + repr(container), msg))


def _assertNotIn(member, container, msg=None):
    if member in container:
        raise AssertionError(_say(repr(member) + " unexpectedly found in " + repr(container), msg))


def _assertIsInstance(obj, cls, msg=None):
    if not isinstance(obj, cls):
        raise AssertionError(_say(repr(obj) + " is not an instance of " + repr(cls), msg))


def _assertNotIsInstance(obj, cls, msg=None):
    if isinstance(obj, cls):
        raise AssertionError(_say(repr(obj) + " is an instance of " + repr(cls), msg))


def _assertGreater(a, b, msg=None):
    if not a > b:
        raise AssertionError(_say(repr(a) + " not greater than " + repr(b), msg))


def _assertGreaterEqual(a, b, msg=None):
    if not a >= b:
        raise AssertionError(_say(repr(a) + " not greater than or equal to " + repr(b), msg))


def _assertLess(a, b, msg=None):
    if not a < b:
        raise AssertionError(_say(repr(a) + " not less than " + repr(b), msg))


def _assertLessEqual(a, b, msg=None):
    if not a <= b:
        raise AssertionError(_say(repr(a) + " not less than or equal to " + repr(b), msg))


def _assertAlmostEqual(first, second, places=None, msg=None, delta=None):
    if first == second:
        return
    if delta is not None and places is not None:
        raise TypeError("specify delta or places not both")
    diff = abs(first - second)
    if delta is not None:
        if diff <= delta:
            return
    else:
        if places is None:
            places = 7
        if round(diff, places) == 0:
            return
    raise AssertionError(_say(repr(first) + " != " + repr(second) + " within tolerance", msg))


def _assertNotAlmostEqual(first, second, places=None, msg=None, delta=None):
    if delta is not None and places is not None:
        raise TypeError("specify delta or places not both")
    diff = abs(first - second)
    if delta is not None:
        if not first == second and diff > delta:
            return
    else:
        if places is None:
            places = 7
        if not first == second and round(diff, places) != 0:
            return
    raise AssertionError(_say(repr(first) + " == " + repr(second) + " within tolerance", msg))


def _assertCountEqual(first, second, msg=None):
    rest = list(second)
    for x in list(first):
        found = False
        for i in range(len(rest)):
            if rest[i] == x:
                del rest[i]
                found = True
                break
        if not found:
            raise AssertionError(_say("element counts differ: " + repr(x), msg))
    if rest:
        raise AssertionError(_say("element counts differ: " + repr(rest), msg))


def _assertRegex(text, regex, msg=None):
    if isinstance(regex, str):
        regex = _re.compile(regex)
    if not regex.search(text):
        raise AssertionError(_say("regex did not match " + repr(text), msg))


def _assertNotRegex(text, regex, msg=None):
    if isinstance(regex, str):
        regex = _re.compile(regex)
    if regex.search(text):
        raise AssertionError(_say("regex matched " + repr(text), msg))


def _assertRaises(exc, func, *args, **kwargs):
    try:
        func(*args, **kwargs)
    except exc:
        return
    raise AssertionError("exception not raised by " + repr(func))


def _assertRaisesRegex(exc, regex, func, *args, **kwargs):
    try:
        func(*args, **kwargs)
    except exc as e:
        _assertRegex(str(e), regex)
        return
    raise AssertionError("exception not raised by " + repr(func))
'''

ASSERTS = {
    "assertEqual": "_assertEqual", "assertEquals": "_assertEqual", "failUnlessEqual": "_assertEqual",
    "assertListEqual": "_assertEqual", "assertTupleEqual": "_assertEqual",
    "assertDictEqual": "_assertEqual", "assertSetEqual": "_assertEqual",
    "assertMultiLineEqual": "_assertEqual",
    "assertSequenceEqual": "_assertSequenceEqual",
    "assertNotEqual": "_assertNotEqual", "assertNotEquals": "_assertNotEqual",
    "assertTrue": "_assertTrue", "assert_": "_assertTrue", "failUnless": "_assertTrue",
    "assertFalse": "_assertFalse", "failIf": "_assertFalse",
    "assertIs": "_assertIs", "assertIsNot": "_assertIsNot",
    "assertIsNone": "_assertIsNone", "assertIsNotNone": "_assertIsNotNone",
    "assertIn": "_assertIn", "assertNotIn": "_assertNotIn",
    "assertIsInstance": "_assertIsInstance", "assertNotIsInstance": "_assertNotIsInstance",
    "assertGreater": "_assertGreater", "assertGreaterEqual": "_assertGreaterEqual",
    "assertLess": "_assertLess", "assertLessEqual": "_assertLessEqual",
    "assertAlmostEqual": "_assertAlmostEqual", "assertAlmostEquals": "_assertAlmostEqual",
    "assertNotAlmostEqual": "_assertNotAlmostEqual",
    "assertCountEqual": "_assertCountEqual",
    "assertRegex": "_assertRegex", "assertNotRegex": "_assertNotRegex",
    "assertRaises": "_assertRaises", "assertRaisesRegex": "_assertRaisesRegex",
    "fail": "_fail",
}
PRELUDE_NAMES = {n.id for n in ast.walk(ast.parse(PRELUDE)) if isinstance(n, ast.Name)} | {
    f.name for f in ast.parse(PRELUDE).body if isinstance(f, ast.FunctionDef)} | {"_re"}


WHY = False
# What each DSL module has (`dir(module)` in the DSL), when known: a method
# that uses anything else is skipped as "not in the DSL: module.name".
DSL_NAMES = {}
DSL_NAMES_PROGRAM = "import json\n" + "\n".join(f"import {m}" for m in sorted(DSL_MODULES)) + \
    "\nprint(json.dumps({" + ", ".join(f"'{m}': dir({m})" for m in sorted(DSL_MODULES)) + "}))\n"


class Skip(Exception):
    """The method cannot become a DSL program; `reason` is its category."""

    def __init__(self, reason, detail=""):
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


# ---------------------------------------------------------------- the sources

class FileInfo:
    """One parsed test file: its top-level names."""

    def __init__(self, lib, rel):
        self.rel = rel
        with open(os.path.join(lib, rel), encoding="utf-8") as f:
            self.tree = ast.parse(f.read(), rel)
        self.imports = {}   # bound name -> ast import statement (one alias)
        self.defs = {}      # name -> FunctionDef / AsyncFunctionDef
        self.assigns = {}   # name -> Assign (the first simple one)
        self.classes = {}   # name -> ClassDef
        self.order = {}     # name -> line
        self.star_modules = []  # `from m import *` of a DSL module
        for node in self.tree.body:
            self._top(node)

    def _top(self, node):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for a in node.names:
                if a.name == "*":
                    if node.module in DSL_MODULES:
                        self.star_modules.append(importlib.import_module(node.module))
                    continue
                if isinstance(node, ast.Import):
                    bound = a.asname or a.name.split(".")[0]
                    stmt = ast.Import(names=[a])
                else:
                    bound = a.asname or a.name
                    stmt = ast.ImportFrom(module=node.module, names=[a], level=node.level)
                self.imports.setdefault(bound, stmt)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.defs.setdefault(node.name, node)
            self.order.setdefault(node.name, node.lineno)
        elif isinstance(node, ast.ClassDef):
            self.classes.setdefault(node.name, node)
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if name in self.assigns or name in self.defs:
                # assigned twice at top level: which one a method sees is not static
                self.assigns[name] = None
            else:
                self.assigns[name] = node
                self.order.setdefault(name, node.lineno)
        elif isinstance(node, ast.Try):
            for n in node.body:
                self._top(n)
        elif isinstance(node, ast.If):
            for n in node.body + node.orelse:
                # a conditional definition: not static
                if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name):
                    self.assigns[n.targets[0].id] = None


def base_names(cls):
    out = []
    for b in cls.bases:
        if isinstance(b, ast.Name):
            out.append(b.id)
        elif isinstance(b, ast.Attribute):
            out.append(ast.unparse(b))
        else:
            out.append(ast.unparse(b))
    return out


class World:
    """Every file of one module (and the files it borrows classes from)."""

    def __init__(self, lib, files, extra):
        self.files = [FileInfo(lib, f) for f in files + extra]
        self.main = self.files[:len(files)]
        self.class_home = {}
        for fi in self.files:
            for name, c in fi.classes.items():
                self.class_home.setdefault(name, (fi, c))

    def lookup_class(self, fi, name):
        if name.startswith("unittest."):
            return None
        if name in fi.classes:
            return fi, fi.classes[name]
        short = name.split(".")[-1]
        return self.class_home.get(short)

    def mro(self, fi, cls):
        """The classes (file, ClassDef) in a simple depth-first MRO, and the
        unittest bases met."""
        seen, out, ext = set(), [], set()

        def walk(f, c):
            if c.name in seen:
                return
            seen.add(c.name)
            out.append((f, c))
            for b in base_names(c):
                found = self.lookup_class(f, b)
                if found:
                    walk(*found)
                else:
                    ext.add(b)
        walk(fi, cls)
        return out, ext


# -------------------------------------------------------------- the transform

def is_self_attr(node, attr=None):
    return (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            and node.value.id == "self" and (attr is None or node.attr == attr))


def call_name(node):
    if isinstance(node, ast.Call) and is_self_attr(node.func):
        return node.func.attr
    return None


class Unit:
    """The program being built for one test method."""

    def __init__(self, world, cls_mro, method_file, spec):
        self.world = world
        self.spec = spec
        self.mro = cls_mro
        self.helpers = {}       # method name -> converted FunctionDef
        self.helper_order = []
        self.globals_needed = []  # (file, name)
        self.state = set()      # self.<x> set by setUp
        self.cm_names = set()
        self.loop_mode = False  # setUp made `self.loop`: the body runs in asyncio.run

    def class_attr(self, name):
        for f, c in self.mro:
            for node in c.body:
                if isinstance(node, ast.Assign) and any(
                        isinstance(t, ast.Name) and t.id == name for t in node.targets):
                    return f, node.value
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
                    return f, node
        return None


class SelfRewriter(ast.NodeTransformer):
    """Rewrites one function body's uses of `self` and of unittest's API."""

    def __init__(self, unit, in_helper):
        self.unit = unit
        self.in_helper = in_helper

    def visit_With(self, node):
        if len(node.items) != 1:
            raise Skip("with")
        item = node.items[0]
        ctx = item.context_expr
        name = call_name(ctx)
        body = []
        for s in node.body:
            r = self.visit(s)
            if r is not None:
                body.extend(r if isinstance(r, list) else [r])
        if name == "subTest":
            return body
        if name in ("assertRaises", "assertRaisesRegex"):
            args = [self.visit(a) for a in ctx.args]
            if ctx.keywords:
                raise Skip("unittest API")
            if name == "assertRaises" and len(args) != 1 or name == "assertRaisesRegex" and len(args) != 2:
                raise Skip("unittest API")
            handler_body = []
            cm = None
            if item.optional_vars is not None:
                if not isinstance(item.optional_vars, ast.Name):
                    raise Skip("unittest API")
                cm = item.optional_vars.id
                self.unit.cm_names.add(cm)
                handler_body.append(ast.parse(f"{cm}_exception = _exc").body[0])
            if name == "assertRaisesRegex":
                handler_body.append(ast.Expr(ast.Call(ast.Name("_assertRegex", ast.Load()),
                                                      [ast.parse("str(_exc)", mode="eval").body, args[1]], [])))
            if not handler_body:
                handler_body = [ast.Pass()]
            return ast.Try(
                body=body or [ast.Pass()],
                handlers=[ast.ExceptHandler(type=args[0], name="_exc", body=handler_body)],
                orelse=[ast.parse("_fail('exception not raised')").body[0]],
                finalbody=[])
        if name in ("assertWarns", "assertWarnsRegex", "assertLogs", "assertNoLogs"):
            raise Skip("warnings or logs")
        if isinstance(ctx, ast.Call) and ast.unparse(ctx.func) in ("TemporaryFile", "StringIO", "io.StringIO") \
                and isinstance(item.optional_vars, ast.Name):
            # a file in memory: a StringIO needs no closing
            kws = [self.visit(k) for k in ctx.keywords if k.arg == "newline"]
            init = [self.visit(a) for a in ctx.args] if ast.unparse(ctx.func) != "TemporaryFile" else []
            make = ast.Call(ast.Attribute(ast.Name("_io", ast.Load()), "StringIO", ast.Load()), init, kws)
            return [ast.Import(names=[ast.alias("io", "_io")]),
                    ast.Assign(targets=[item.optional_vars], value=make, lineno=0)] + body
        raise Skip("with")

    def visit_Attribute(self, node):
        if isinstance(node.value, ast.Name) and node.value.id in self.unit.cm_names and node.attr == "exception":
            return ast.copy_location(ast.Name(f"{node.value.id}_exception", node.ctx), node)
        if is_self_attr(node):
            attr = node.attr
            if attr == "loop" and self.unit.loop_mode:
                raise Skip("event loop API")
            if attr in ASSERTS and isinstance(node.ctx, ast.Load) and self.unit.class_attr(attr) is None:
                # `check = self.assertEqual`: the check itself
                return ast.copy_location(ast.Name(ASSERTS[attr], ast.Load()), node)
            if attr in self.unit.state:
                if isinstance(node.ctx, ast.Store) and self.in_helper:
                    raise Skip("state on self")
                return ast.copy_location(ast.Name(f"self_{attr}", node.ctx), node)
            if isinstance(node.ctx, ast.Store):
                if self.in_helper:
                    raise Skip("state on self")
                self.unit.state.add(attr)
                return ast.copy_location(ast.Name(f"self_{attr}", node.ctx), node)
            found = self.unit.class_attr(attr)
            if found is None:
                raise Skip("unittest API" if attr in UNITTEST_ATTRS else "state on self")
            f, value = found
            if isinstance(value, (ast.FunctionDef, ast.AsyncFunctionDef)):
                return ast.copy_location(ast.Name(self.unit_helper(f, value), ast.Load()), node)
            if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "staticmethod" \
                    and len(value.args) == 1:
                value = value.args[0]
            literal = all(isinstance(n, (ast.Constant, ast.Tuple, ast.List, ast.Dict, ast.Set, ast.UnaryOp,
                                         ast.BinOp, ast.expr_context, ast.operator, ast.unaryop))
                          for n in ast.walk(value))
            if not literal and not isinstance(value, (ast.Name, ast.Attribute)):
                raise Skip("class attribute")
            if isinstance(value, ast.Name):
                self.unit.globals_needed.append((f, value.id))
            elif isinstance(value, ast.Attribute):
                root = value
                while isinstance(root, ast.Attribute):
                    root = root.value
                if isinstance(root, ast.Name):
                    self.unit.globals_needed.append((f, root.id))
            return ast.copy_location(SelfRewriter(self.unit, self.in_helper).visit(ast.parse(ast.unparse(value), mode="eval").body), node)
        return self.generic_visit(node)

    def unit_helper(self, f, fn, owner=None):
        name = f"_self_{fn.name}" if owner is None else f"_super_{owner}_{fn.name}"
        if name in self.unit.helpers:
            return name
        if fn.decorator_list:
            raise Skip("decorator")
        if fn.name.startswith("test") and owner is None:
            raise Skip("calls another test")
        self.unit.helpers[name] = None
        args = fn.args
        if not args.args or args.args[0].arg != "self":
            raise Skip("class attribute")
        new = ast.FunctionDef(name=name, args=ast.arguments(
            posonlyargs=[], args=args.args[1:], vararg=args.vararg, kwonlyargs=args.kwonlyargs,
            kw_defaults=args.kw_defaults, kwarg=args.kwarg, defaults=args.defaults),
            body=ast.parse(ast.unparse(ast.Module(body=fn.body, type_ignores=[]))).body,
            decorator_list=[], returns=None, type_comment=None)
        if isinstance(fn, ast.AsyncFunctionDef):
            new = ast.AsyncFunctionDef(**{k: getattr(new, k) for k in new._fields})
        new = SelfRewriter(self.unit, True).visit(new)
        self.unit.helpers[name] = (f, new)
        self.unit.helper_order.append(name)
        return name

    def parent_method(self, node):
        """`super().m(...)` or `Base.m(self, ...)` (Base a known class): the
        function it calls and the helper's name, or None."""
        func = node.func
        if not isinstance(func, ast.Attribute):
            return None
        if isinstance(func.value, ast.Call) and isinstance(func.value.func, ast.Name) \
                and func.value.func.id == "super" and not func.value.args:
            defs = [(f, c, m) for f, c in self.unit.mro for m in c.body
                    if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef)) and m.name == func.attr]
            for i, (f, c, m) in enumerate(defs):
                if m is self.unit.current and i + 1 < len(defs):
                    f2, c2, m2 = defs[i + 1]
                    return self.unit_helper(f2, m2, c2.name), node.args
            if self.in_helper:
                raise Skip("builtin super")
            raise Skip("builtin super")
        if node.args and isinstance(node.args[0], ast.Name) and node.args[0].id == "self":
            cname = ast.unparse(func.value).split(".")[-1]
            for f0, c0 in self.unit.mro:
                if c0.name == cname:
                    for f, c in self.unit.world.mro(f0, c0)[0]:
                        for m in c.body:
                            if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef)) and m.name == func.attr:
                                return self.unit_helper(f, m, c.name), node.args[1:]
        return None

    def loop_call(self, node):
        """In a test whose setUp made `self.loop` (loop mode): the loop's
        calls as the running loop's (`self.loop.run_until_complete(x)` is
        `await x`), or None when `node` is not one."""
        func, name = node.func, call_name(node)
        aio = lambda attr: ast.Attribute(ast.Name("_asyncio", ast.Load()), attr, ast.Load())
        args = node.args
        if isinstance(func, ast.Attribute) and is_self_attr(func.value, "loop"):
            if func.attr == "run_until_complete" and len(args) == 1 and not node.keywords:
                return ast.Await(self.visit(args[0]))
            if func.attr == "create_task" and len(args) == 1 and not node.keywords:
                return ast.Call(aio("create_task"), [self.visit(args[0])], [])
            if func.attr == "create_future" and not args and not node.keywords:
                return ast.Call(aio("Future"), [], [])
            raise Skip("event loop API")
        if name == "new_task" and len(args) == 2 and not node.keywords and is_self_attr(args[0], "loop"):
            return ast.Call(aio("create_task"), [self.visit(args[1])], [])
        if name == "new_future" and len(args) == 1 and not node.keywords and is_self_attr(args[0], "loop"):
            return ast.Call(aio("Future"), [], [])
        if isinstance(func, ast.Attribute) and func.attr == "run_briefly" and len(args) == 1 \
                and is_self_attr(args[0], "loop") and ast.unparse(func.value) == "test_utils":
            return ast.Await(ast.Call(aio("sleep"), [ast.Constant(0)], []))
        kept = [k for k in node.keywords if not (k.arg == "loop" and is_self_attr(k.value, "loop"))]
        if len(kept) != len(node.keywords):
            node.keywords = kept
            return self.visit(node)
        return None

    def visit_Call(self, node):
        if self.unit.loop_mode:
            r = self.loop_call(node)
            if r is not None:
                return r
        name = call_name(node)
        if name in CHECKS and len(node.args) >= CHECKS[name] and isinstance(
                node.args[CHECKS[name] - 1], ast.Constant) and isinstance(node.args[CHECKS[name] - 1].value, str):
            # string_tests' checkequal(result, obj, 'method', *args) and kin
            # (the type under test is str, so fixtype is the identity)
            args = [self.visit(a) for a in node.args]
            kws = [self.visit(k) for k in node.keywords]
            i = CHECKS[name] - 1
            meth = ast.Attribute(args[i - 1], args[i].value, ast.Load())
            if name == "checkcall":
                return ast.Call(meth, args[i + 1:], kws)
            if name == "checkraises":
                msg = [k for k in kws if k.arg == "expected_msg"]
                if len(msg) != len(kws):
                    raise Skip("unittest API")
                call = ast.Call(meth, args[i + 1:], [])
                lam = ast.Lambda(ast.arguments(posonlyargs=[], args=[], vararg=None, kwonlyargs=[],
                                               kw_defaults=[], kwarg=None, defaults=[]), call)
                if msg:
                    pat = ast.Call(ast.Attribute(ast.Name("_re", ast.Load()), "escape", ast.Load()), [msg[0].value], [])
                    pat = ast.BinOp(ast.BinOp(ast.Constant("^"), ast.Add(), pat), ast.Add(), ast.Constant("$"))
                    return ast.Call(ast.Name("_assertRaisesRegex", ast.Load()), [args[0], pat, lam], [])
                return ast.Call(ast.Name("_assertRaises", ast.Load()), [args[0], lam], [])
            return ast.Call(ast.Name("_assertEqual", ast.Load()), [args[0], ast.Call(meth, args[i + 1:], kws)], [])
        parent = self.parent_method(node)
        if parent is not None:
            helper, args = parent
            return ast.Call(ast.Name(helper, ast.Load()), [self.visit(a) for a in args],
                            [self.visit(k) for k in node.keywords])
        if name == "fixtype" and len(node.args) == 1 and self.unit.spec.get("fixtype_identity"):
            return self.visit(node.args[0])
        if name is not None:
            if name in ASSERTS:
                node.args = [self.visit(a) for a in node.args]
                node.keywords = [self.visit(k) for k in node.keywords]
                if name == "assertRaises" and len(node.args) < 2 or name == "assertRaisesRegex" and len(node.args) < 3:
                    raise Skip("unittest API")
                node.func = ast.Name(ASSERTS[name], ast.Load())
                return node
            if name == "skipTest":
                raise Skip("skipTest")
            if (name.startswith("assert") or name in UNITTEST_ATTRS) and self.unit.class_attr(name) is None:
                raise Skip("unittest API")
        return self.generic_visit(node)

    def visit_Expr(self, node):
        # `self.maxDiff = None` style settings are dropped; see visit_Assign
        return self.generic_visit(node)

    def visit_Assign(self, node):
        if len(node.targets) == 1 and is_self_attr(node.targets[0]) and node.targets[0].attr in (
                "maxDiff", "longMessage"):
            return None
        return self.generic_visit(node)

    def visit_Name(self, node):
        if node.id == "self":
            raise Skip("state on self")
        return node


# string_tests' helpers: the position of the method name (1-based)
CHECKS = {"checkequal": 3, "checkequalnofix": 3, "checkraises": 3, "checkcall": 2}

UNITTEST_ATTRS = {
    "addCleanup", "id", "subTest", "assertWarns", "assertWarnsRegex", "assertLogs", "skipTest",
    "enterContext", "assertNoLogs", "addTypeEqualityFunc", "shortDescription", "run", "doCleanups",
    "loop", "new_test_loop", "set_event_loop", "run_briefly",
}


class Features(ast.NodeVisitor):
    """What the DSL leaves out, found in a finished program."""

    def __init__(self):
        self.reason = None
        self.bound = {}  # name -> module, from the program's imports

    def hit(self, why):
        if self.reason is None:
            self.reason = why

    def visit_ClassDef(self, node):
        self.hit("class")

    def visit_Call(self, node):
        # `type(name, bases, dict)` makes a class
        if isinstance(node.func, ast.Name) and node.func.id == "type" and len(node.args) == 3:
            self.hit("class")
        self.generic_visit(node)

    def visit_With(self, node):
        self.hit("with")

    def visit_AsyncWith(self, node):
        self.generic_visit(node)

    def visit_AsyncFor(self, node):
        self.hit("async for")

    def visit_Yield(self, node):
        self.hit("generator")

    def visit_YieldFrom(self, node):
        self.hit("generator")

    def visit_Global(self, node):
        self.hit("global/nonlocal")

    def visit_Nonlocal(self, node):
        self.hit("global/nonlocal")

    def visit_Match(self, node):
        self.hit("match")

    def visit_FunctionDef(self, node):
        if node.decorator_list:
            self.hit("decorator")
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Constant(self, node):
        if isinstance(node.value, bytes):
            self.hit("bytes")
        elif isinstance(node.value, complex):
            self.hit("complex")
        elif isinstance(node.value, int) and not isinstance(node.value, bool) and not (
                -2**63 <= node.value < 2**63):
            self.hit("int beyond 64 bits")

    def visit_JoinedStr(self, node):
        self.generic_visit(node)

    def visit_Attribute(self, node):
        if isinstance(node.value, ast.Name) and node.value.id in self.bound:
            self.check_name(self.bound[node.value.id], node.attr)
        if node.attr == "namedtuple":
            self.hit(NAMEDTUPLE)
        if node.attr in CLOCK_ATTRS:
            # the DSL has no clock (runs are reproducible): `date.today()`,
            # `date.fromtimestamp(t)` (local time) are refused there
            self.hit("needs the clock")
        if node.attr.startswith("__") and node.attr.endswith("__"):
            self.hit("dunder")
        elif node.attr.startswith("_") and node.attr not in NAMEDTUPLE_API:
            # a private attribute (`q._getters`, `q._format()`): CPython's own workings
            self.hit("CPython implementation detail")
        self.generic_visit(node)

    def visit_Name(self, node):
        if node.id in OUT_BUILTINS and node.id in self.free:
            self.hit("builtin " + node.id)
        elif node.id.startswith("__") and node.id.endswith("__"):
            self.hit("dunder")

    def visit_BinOp(self, node):
        # a constant expression beyond 64 bits: `2**64`, `1 << 70`
        if all(isinstance(n, (ast.Constant, ast.BinOp, ast.UnaryOp, ast.operator, ast.unaryop))
               for n in ast.walk(node)):
            try:
                if not any(isinstance(n, ast.Pow) for n in ast.walk(node)) or all(
                        not isinstance(n, ast.BinOp) or not isinstance(n.op, (ast.Pow, ast.LShift))
                        or (isinstance(n.right, ast.Constant) and isinstance(n.right.value, int)
                            and abs(n.right.value) < 5000) for n in ast.walk(node)):
                    v = eval(compile(ast.Expression(node), "<const>", "eval"), {})
                    if isinstance(v, int) and not isinstance(v, bool) and not -2**63 <= v < 2**63:
                        self.hit("int beyond 64 bits")
                        return
            except Exception:
                pass
        self.generic_visit(node)

    def check_name(self, module, name):
        if DSL_NAMES and module in DSL_NAMES and name not in DSL_NAMES[module]:
            self.hit("not in the DSL: " + module + "." + name)

    def visit_Import(self, node):
        for a in node.names:
            self.bound[a.asname or a.name] = a.name
            if a.name.split(".")[0] not in DSL_MODULES:
                self.hit("module " + a.name.split(".")[0])
            elif "." in a.name:
                self.hit("module " + a.name)

    def visit_ImportFrom(self, node):
        for a in node.names:
            self.check_name(node.module, a.name)
            if node.module == "collections" and a.name == "namedtuple":
                self.hit(NAMEDTUPLE)
        if node.level or node.module not in DSL_MODULES:
            self.hit("module " + (node.module or ".").split(".")[0] if node.module and node.module.split(".")[0] not in DSL_MODULES else "module " + str(node.module))


def free_names(tree):
    """Names read somewhere in `tree` and bound nowhere in it (a coarse scope
    model: a name bound anywhere counts as bound everywhere)."""
    bound, used = set(), set()
    for n in ast.walk(tree):
        if isinstance(n, ast.Name):
            (bound if isinstance(n.ctx, (ast.Store, ast.Del)) else used).add(n.id)
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
            bound.add(n.name)
            a = n.args
            for arg in a.posonlyargs + a.args + a.kwonlyargs + [x for x in (a.vararg, a.kwarg) if x]:
                bound.add(arg.arg)
        elif isinstance(n, ast.Lambda):
            a = n.args
            for arg in a.posonlyargs + a.args + a.kwonlyargs + [x for x in (a.vararg, a.kwarg) if x]:
                bound.add(arg.arg)
        elif isinstance(n, ast.ClassDef):
            bound.add(n.name)
        elif isinstance(n, ast.ExceptHandler) and n.name:
            bound.add(n.name)
        elif isinstance(n, (ast.Import, ast.ImportFrom)):
            for a in n.names:
                bound.add(a.asname or a.name.split(".")[0])
        elif isinstance(n, ast.arg):
            bound.add(n.arg)
    return used - bound


def sys_attrs(tree):
    for n in ast.walk(tree):
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "sys" \
                and n.attr not in DSL_SYS:
            return n.attr
    return None


def resolve_globals(world, unit, body_nodes, home):
    """The module-level statements the program needs, in source order:
    imports first, then assignments and functions."""
    imports, defs = {}, {}
    pending = [(home, n) for n in sorted(free_names(ast.Module(body=body_nodes, type_ignores=[])))]
    pending += unit.globals_needed
    for name, h in list(unit.helpers.items()):
        f, fn = h
        pending += [(f, n) for n in free_names(fn)]
    seen = set()
    while pending:
        f, name = pending.pop()
        if (f.rel, name) in seen or name in PRELUDE_NAMES:
            continue
        seen.add((f.rel, name))
        if name in unit.spec.get("renames", {}):
            real = unit.spec["renames"][name]
            imports[(real, name)] = ast.Import(names=[ast.alias(real, name)])
        elif name in f.imports:
            stmt = f.imports[name]
            mod = stmt.module if isinstance(stmt, ast.ImportFrom) else stmt.names[0].name
            if stmt.__class__ is ast.ImportFrom and stmt.level:
                raise Skip("module test.support")
            if mod is None or mod.split(".")[0] not in DSL_MODULES:
                root = (mod or "").split(".")[0]
                raise Skip("module test.support" if root == "test" else "module " + root)
            if "." in mod:
                raise Skip("module " + mod)
            imports[(mod, name)] = stmt
        elif name in f.defs:
            fn = f.defs[name]
            defs[(f.rel, name)] = (f.order.get(name, 0), fn)
            pending += [(f, n) for n in free_names(fn)]
        elif name in f.assigns:
            a = f.assigns[name]
            if a is None:
                raise Skip("module-level state")
            defs[(f.rel, name)] = (f.order.get(name, 0), a)
            pending += [(f, n) for n in free_names(a.value)]
        elif name in f.classes or world.lookup_class(f, name):
            raise Skip("class")
        elif hasattr(builtins, name):
            if name in OUT_BUILTINS:
                raise Skip("builtin " + name)
        elif name.startswith(("self_", "_self_", "_super_")) or name.endswith("_exception") or name == "_asyncio":
            continue
        elif any(hasattr(m, name) for m in f.star_modules):
            mod = next(m for m in f.star_modules if hasattr(m, name)).__name__
            imports[(mod, name)] = ast.ImportFrom(module=mod, names=[ast.alias(name)], level=0)
        else:
            raise Skip("unresolved name", name)
    return list(imports.values()), [n for _, n in sorted(defs.values(), key=lambda x: x[0])]


# Decorators that change nothing for this CPython on x86-64 Linux.
BENIGN_DECORATORS = (
    "requires_IEEE_754", "support.requires_IEEE_754",
    "unittest.skipUnless(getattr(sys, 'float_repr_style', '') == 'short'",
    "unittest.skipIf(HAVE_DOUBLE_ROUNDING", "unittest.skipIf(sys.platform == 'win32'",
)


def is_loop_setup(fn):
    """A setUp that only makes the test's own event loop (test_asyncio's
    `self.loop = self.new_test_loop()` and its task and future factories)."""
    if not isinstance(fn, ast.FunctionDef):
        return False
    made = False
    for s in fn.body:
        text = ast.unparse(s)
        if text in ("super().setUp()", "self.set_event_loop(self.loop)",
                    "self.loop.set_task_factory(self.new_task)",
                    "self.loop.create_future = lambda: self.new_future(self.loop)"):
            continue
        if text in ("self.loop = self.new_test_loop()", "self.loop = asyncio.new_event_loop()"):
            made = True
            continue
        return False
    return made


def convert_method(world, fi, cls, method_file, method, spec):
    """One test method -> DSL source. Raises Skip."""
    for d in method.decorator_list:
        text = ast.unparse(d)
        if text in ("support.cpython_only", "cpython_only") or text.startswith("support.impl_detail"):
            raise Skip("CPython implementation detail")
        if not text.startswith(BENIGN_DECORATORS):
            raise Skip("decorator")
    mro, ext = world.mro(fi, cls)
    unit = Unit(world, mro, method_file, spec)
    unit.current = method
    is_async = isinstance(method, ast.AsyncFunctionDef)
    # setUp: plain `self.x = value` statements become globals `self_x`
    setup = None if spec.get("ignore_setup") else unit.class_attr("setUp")
    if spec.get("asyncio_loop") and setup is not None and is_loop_setup(setup[1]):
        # the test drives a loop of its own: its body becomes a coroutine run
        # by asyncio.run, the loop's calls those of the running loop
        unit.loop_mode = True
        setup = None
    setup_body = []
    if setup is not None and isinstance(setup[1], ast.FunctionDef):
        for s in setup[1].body:
            if isinstance(s, ast.Expr) and isinstance(s.value, ast.Call) and isinstance(
                    s.value.func, ast.Attribute) and s.value.func.attr == "setUp":
                continue  # super().setUp()
            if isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant):
                continue
            if not (isinstance(s, ast.Assign) and len(s.targets) == 1 and is_self_attr(s.targets[0])):
                raise Skip("setUp beyond plain assignments")
            setup_body.append(s)
        setup_body = [SelfRewriter(unit, False).visit(ast.parse(ast.unparse(s)).body[0]) for s in setup_body]
    for hook in ("tearDown", "asyncSetUp", "asyncTearDown", "setUpClass"):
        found = unit.class_attr(hook)
        if found is not None and found[0].rel != "unittest" and not (
                unit.loop_mode and hook == "tearDown" and found[0].rel == "test_asyncio/utils.py"):
            raise Skip("setUp beyond plain assignments")
    body = ast.parse(ast.unparse(ast.Module(body=method.body, type_ignores=[]))).body
    rewriter = SelfRewriter(unit, False)
    new_body = []
    for s in body:
        r = rewriter.visit(s)
        if r is None:
            continue
        new_body.extend(r if isinstance(r, list) else [r])
    if not new_body:
        new_body = [ast.Pass()]
    # a test method's locals may not shadow setUp's globals it writes: it
    # would read them before assigning
    if any(isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store) and n.id.startswith("self_")
           for s in new_body for n in ast.walk(s)) and setup_body:
        raise Skip("state on self")
    if unit.loop_mode:
        if is_async:
            raise Skip("event loop API")
        is_async = True
    fn_cls = ast.AsyncFunctionDef if is_async else ast.FunctionDef
    test_fn = fn_cls(name="_test", args=ast.arguments(posonlyargs=[], args=[], vararg=None, kwonlyargs=[],
                                                      kw_defaults=[], kwarg=None, defaults=[]),
                     body=new_body, decorator_list=[], returns=None, type_comment=None)
    helpers = [unit.helpers[n][1] for n in unit.helper_order]
    home = method_file
    imports, defs = resolve_globals(world, unit, setup_body + [test_fn], home)
    tail = ast.parse("import asyncio as _asyncio\n_asyncio.run(_test())" if is_async else "_test()").body
    mod = ast.Module(body=imports + defs + setup_body + helpers + [test_fn] + tail, type_ignores=[])
    ast.fix_missing_locations(mod)
    feats = Features()
    feats.free = free_names(mod)
    for n in ast.walk(mod):  # the imports first: a use may come before in walk order
        if isinstance(n, ast.Import):
            for a in n.names:
                feats.bound[a.asname or a.name] = a.name
    feats.visit(mod)
    if feats.reason:
        raise Skip(feats.reason)
    bad = sys_attrs(mod)
    if bad:
        raise Skip("module sys (" + bad + ")")
    src = ast.unparse(mod)
    return PRELUDE + "\n\n" + src + "\n"


def is_test_case(world, fi, cls):
    mro, ext = world.mro(fi, cls)
    return any(e.split(".")[-1] in ("TestCase", "IsolatedAsyncioTestCase") for e in ext)


def collect(lib, spec):
    world = World(lib, spec["files"], spec.get("extra", []))
    attribute_to = spec.get("attribute_to", {})
    units, skipped = [], []
    done = set()
    for fi in world.main:
        for cls in fi.tree.body:
            if not isinstance(cls, ast.ClassDef) or not is_test_case(world, fi, cls):
                continue
            if "classes" in spec and cls.name not in spec["classes"]:
                continue
            if spec.get("skip_classes_matching") and cls.name.startswith(spec["skip_classes_matching"]):
                continue
            mro, _ = world.mro(fi, cls)
            seen_names = set()
            for f, c in mro:
                for m in c.body:
                    if not isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef)) or not m.name.startswith("test"):
                        continue
                    # a method overridden lower in the MRO still runs (as
                    # the override's super() call would), as its own program
                    key = (f.rel, c.name, m.name)
                    if key in done:
                        continue
                    done.add(key)
                    module = attribute_to.get(f.rel, spec["name"])
                    uid = f"{module}.{cls.name}.{m.name}" if c is cls else f"{module}.{c.name}.{m.name}"
                    if uid in DOCUMENTED_DEVIATIONS:
                        skipped.append((module, uid, DOCUMENTED_DEVIATIONS[uid]))
                        continue
                    try:
                        src = convert_method(world, fi, cls, f, m, spec)
                        units.append({"module": module, "id": uid, "source": src})
                    except Skip as s:
                        skipped.append((module, uid, s.reason))
                        if WHY:
                            print(f"{uid}: {s.reason} {s.detail}", file=sys.stderr)
                    except RecursionError:
                        skipped.append((module, uid, "converter"))
    return units, skipped


# ---------------------------------------------------------- running CPython

def _alarm(signum, frame):
    raise TimeoutError("timed out under CPython")


def _driver():
    """The differential tests' CPython driver (rlm-interp's tests/support/driver.py),
    whose `_I64` makes CPython's ints overflow past 64 bits as the DSL's do."""
    import importlib.util
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "..", "..", "..", "rlm-interp", "tests", "support", "driver.py")
    spec = importlib.util.spec_from_file_location("rlm_driver", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class _NoBytes(ast.NodeTransformer):
    """`x.encode(...)` (a str's bytes; a JSONEncoder's `encode` makes a str) raises."""

    def visit_Call(self, node):
        self.generic_visit(node)
        f = node.func
        if isinstance(f, ast.Attribute) and f.attr == "encode" and "JSONEncoder" not in ast.unparse(f.value):
            return ast.copy_location(ast.Call(ast.Name("_no_bytes", ast.Load()), [], []), node)
        return node


def _no_bytes():
    raise NotImplementedError("bytes")


def _exec(source, uid, mode=None):
    """Runs `source`; in mode "i64", every int an operation, call or literal makes
    past 64 bits is an OverflowError; in mode "bytes", making bytes from a str is an
    error. Returns (stdout, error or None)."""
    out = io.StringIO()
    err = None
    signal.alarm(30)
    try:
        tree = ast.parse(source, uid)
        g = {"__name__": "__main__", "_no_bytes": _no_bytes}
        if mode == "i64":
            driver = _driver()

            class Wide(driver._I64):
                def visit_Constant(self, node):
                    return self._wrap(node) if driver._wide(node.value) else node

            tree = ast.fix_missing_locations(Wide().visit(tree))
            g["_i64"] = driver._i64
        elif mode == "bytes":
            tree = ast.fix_missing_locations(_NoBytes().visit(tree))
        with contextlib.redirect_stdout(out):
            exec(compile(tree, uid, "exec"), g)
    except BaseException as e:  # noqa: BLE001 - any failure drops the program
        err = f"{type(e).__name__}: {e}"[:300]
    finally:
        signal.alarm(0)
    return out.getvalue(), err


def run_one(unit):
    """CPython's run of a program, and what it needs that the DSL leaves out by
    design, if anything: run again with the DSL's 64-bit ints, or with no bytes
    made from a str, it fails or prints something else (a skip reason, or None)."""
    signal.signal(signal.SIGALRM, _alarm)
    out, err = _exec(unit["source"], unit["id"])
    needs = None
    if err is None:
        for mode, reason in (("i64", WIDE_INTS), ("bytes", "bytes")):
            other_out, other_err = _exec(unit["source"], unit["id"], mode)
            if other_err is not None or other_out != out:
                needs = reason
                break
    return unit["id"], out, err, needs


def run_cpython(units, jobs):
    import warnings
    warnings.simplefilter("ignore")
    with multiprocessing.get_context("fork").Pool(jobs, maxtasksperchild=200) as pool:
        return {uid: (out, err, needs) for uid, out, err, needs in pool.imap_unordered(run_one, units, chunksize=8)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lib", default=os.environ.get("RLM_CPYTHON_LIB_TEST", DEFAULT_LIB))
    ap.add_argument("--json", action="store_true", help="write one JSON document to stdout")
    ap.add_argument("--out", help="write the programs as files under this folder")
    ap.add_argument("--module", action="append", help="only these modules")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--show-cpython-failures", action="store_true")
    ap.add_argument("--why", action="store_true", help="print each skipped method's reason to stderr")
    ap.add_argument("--dsl-names", help="a JSON file (or - for stdin) of what each DSL module has; "
                    "print the program that makes it with --dsl-names-program")
    ap.add_argument("--rlm", help="an `rlm` binary to ask what each DSL module has")
    ap.add_argument("--dsl-names-program", action="store_true")
    args = ap.parse_args()
    global WHY, DSL_NAMES
    WHY = args.why
    if args.dsl_names_program:
        print(DSL_NAMES_PROGRAM, end="")
        return
    if args.dsl_names:
        DSL_NAMES = json.load(sys.stdin if args.dsl_names == "-" else open(args.dsl_names, encoding="utf-8"))
    elif args.rlm:
        import subprocess
        import tempfile
        with tempfile.NamedTemporaryFile("w", suffix=".py") as f:
            f.write(DSL_NAMES_PROGRAM)
            f.flush()
            DSL_NAMES = json.loads(subprocess.run([args.rlm, "exec", f.name], capture_output=True,
                                                  text=True, check=True).stdout)
    sys.setrecursionlimit(10000)
    doc = {"python": sys.version.split()[0], "lib": args.lib, "modules": {}, "programs": []}
    all_units = []
    for spec in MODULES:
        if args.module and spec["name"] not in args.module:
            continue
        units, skipped = collect(args.lib, spec)
        for module, uid, reason in skipped:
            m = doc["modules"].setdefault(module, {"skipped": {}, "cpython_failed": 0})
            m["skipped"][reason] = m["skipped"].get(reason, 0) + 1
        for u in units:
            doc["modules"].setdefault(u["module"], {"skipped": {}, "cpython_failed": 0})
        all_units += units
    results = run_cpython(all_units, args.jobs)
    for u in all_units:
        out, err, needs = results[u["id"]]
        if needs is not None:
            # The DSL's ints are 64-bit and it has no bytes, by design (grammar/reference.md).
            skipped = doc["modules"][u["module"]]["skipped"]
            skipped[needs] = skipped.get(needs, 0) + 1
            continue
        if err is not None:
            doc["modules"][u["module"]]["cpython_failed"] += 1
            if args.show_cpython_failures:
                print(f"{u['id']}: {err}", file=sys.stderr)
            continue
        doc["programs"].append({**u, "stdout": out})
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        for p in doc["programs"]:
            with open(os.path.join(args.out, p["id"] + ".py"), "w", encoding="utf-8") as f:
                f.write(p["source"])
        with open(os.path.join(args.out, "summary.json"), "w", encoding="utf-8") as f:
            json.dump({k: v for k, v in doc.items() if k != "programs"}, f, indent=1, sort_keys=True)
    if args.json:
        json.dump(doc, sys.stdout)
    if not args.json:
        for name, m in sorted(doc["modules"].items()):
            n = sum(1 for p in doc["programs"] if p["module"] == name)
            print(f"{name:18} programs {n:4}  cpython-failed {m['cpython_failed']:3}  skipped {sum(m['skipped'].values()):4} "
                  + ", ".join(f"{k}: {v}" for k, v in sorted(m["skipped"].items(), key=lambda kv: -kv[1])))


if __name__ == "__main__":
    main()
