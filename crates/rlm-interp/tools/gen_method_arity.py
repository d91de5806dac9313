#!/usr/bin/env python3
"""Generate crates/rlm-interp/src/types/method_arity.rs: CPython's positional-arity
and unknown-keyword errors for the methods of the built-in types the DSL has.

For every method listed in src/types/ (the *_METHODS tables), the
method is called on a sample receiver with 0..=8 positional arguments; each
TypeError about the number of arguments is kept as a message template
(`{n}` = arguments given, `{n1}` = that plus one, for Python-level methods
that count `self`). The templates are verified against every observed
message before they are written. Each method is also called with an unknown
keyword; with its accepted keyword names (from inspect.signature) that gives
the keyword table. Re-run after changing either side:

    python3 crates/rlm-interp/tools/gen_method_arity.py
"""
import collections
import inspect
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
TYPES_DIR = os.path.join(HERE, "..", "src", "types")
OUT = os.path.join(HERE, "..", "src", "types", "method_arity.rs")
MAX_ARGS = 8

ARITY = re.compile(r"(takes|expected|missing|positional argument).*argument|argument.*(given|got)")


def consts():
    """Every `*_METHODS` table under src/types/ (one per type's file)."""
    out = {}
    for dirpath, _, files in sorted(os.walk(TYPES_DIR)):
        for f in sorted(files):
            if not f.endswith(".rs"):
                continue
            src = open(os.path.join(dirpath, f)).read()
            for name, body in re.findall(r"const (\w+)_METHODS: &\[&str\] = &\[(.*?)\];", src, re.S):
                out[name] = re.findall(r'"(\w+)"', body)
    return out


def receivers(c):
    dict_m = c["DICT"]
    return [
        ("str", lambda: "abc", c["STR"]),
        ("list", lambda: [3, 1, 2], c["LIST"]),
        ("dict", lambda: {1: 2}, dict_m),
        ("defaultdict", lambda: collections.defaultdict(int, {1: 2}), dict_m),
        ("Counter", lambda: collections.Counter("aab"), dict_m + c["COUNTER"]),
        ("OrderedDict", lambda: collections.OrderedDict({1: 2}), dict_m + c["ORDERED"]),
        ("set", lambda: {1, 2}, c["SET"]),
        ("frozenset", lambda: frozenset({1, 2}), [m for m in c["SET"] if hasattr(frozenset, m)]),
        ("tuple", lambda: (1, 2), c["TUPLE"]),
        ("deque", lambda: collections.deque([1, 2]), c["DEQUE"]),
        ("int", lambda: 5, c["INT"]),
        ("float", lambda: 2.5, c["FLOAT"]),
        ("range", lambda: range(5), ["count", "index"]),
    ]


def template(msg, n):
    for num, key in ((n, "{n}"), (n + 1, "{n1}")):
        for pat in (f"got {num}", f"({num} given)", f"but {num} were given", f"but {num} was given"):
            if pat in msg:
                return msg.replace(pat, pat.replace(str(num), key))
    return msg


def render(t, n):
    s = t.replace("{n1}", str(n + 1)).replace("{n}", str(n))
    # CPython says "1 was given" / "2 were given".
    return s.replace(f"but {n + 1} were given", f"but {n + 1} was given") if n + 1 == 1 else s


BOGUS = "zz_bogus"


def call(obj, m, n, bogus=False):
    """Call `obj.m(0, 0, ...)` written out as a DSL program writes it: CPython's
    messages differ between literal arguments and `*args`/`**kwargs`."""
    args = ["0"] * n + ([f"{BOGUS}=0"] if bogus else [])
    return eval(f"lambda o: o.{m}({', '.join(args)})")(obj)


def keyword_row(make, m, lo):
    """(accepted keyword names, template for a bad one), or None when unknown."""
    try:
        call(make(), m, lo, bogus=True)
        return None
    except TypeError as e:
        msg = str(e)
    except Exception:  # noqa: BLE001 - not a keyword error: cannot tell
        return None
    if "takes no keyword arguments" in msg:
        return [], msg
    if BOGUS not in msg:
        return None
    try:
        sig = inspect.signature(getattr(make(), m))
    except (TypeError, ValueError):
        return None
    kinds = [p.kind for p in sig.parameters.values()]
    if inspect.Parameter.VAR_KEYWORD in kinds:
        return None
    names = [p.name for p in sig.parameters.values()
             if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)]
    return names, msg.replace(BOGUS, "{k}")


def main():
    rows = []
    kw_rows = []
    for ty, make, methods in receivers(consts()):
        for m in sorted(set(methods)):
            if not hasattr(make(), m):
                continue
            msgs = {}
            for n in range(MAX_ARGS + 1):
                try:
                    call(make(), m, n)
                except TypeError as e:
                    if ARITY.search(str(e)):
                        msgs[n] = str(e)
                except Exception:  # noqa: BLE001 - any other error means the count was fine
                    pass
            ok_counts = [n for n in range(MAX_ARGS + 1) if n not in msgs]
            kw = keyword_row(make, m, min(ok_counts)) if ok_counts else None
            if kw is not None:
                kw_rows.append((ty, m, kw[0], kw[1]))
            if not msgs:
                continue
            row = [template(msgs[n], n) if n in msgs else "" for n in range(MAX_ARGS + 1)]
            # Beyond MAX_ARGS the last template holds: it must already be one.
            last = row[MAX_ARGS]
            if last and render(last, MAX_ARGS - 1) != msgs.get(MAX_ARGS - 1):
                continue
            assert all(render(row[n], n) == msgs[n] for n in msgs)
            rows.append((ty, m, row))
    lines = [
        "//! CPython's errors for calling a built-in method with the wrong number of",
        "//! positional arguments, generated by `tools/gen_method_arity.py`; do not",
        "//! edit by hand. `{n}` is the number of arguments given, `{n1}` that plus",
        "//! one (Python-level methods count `self`).",
        "",
        "/// Number of positional arguments the table spells out; more use the last.",
        f"pub(crate) const MAX_LISTED: usize = {MAX_ARGS};",
        "",
        "// Receiver types, as the lookups' rows name them.",
    ]
    for k, ty in enumerate(TYPES):
        lines.append(f"pub(crate) const {type_const(ty)}: u8 = {k};")
    lines += [
        "",
        "/// (receiver type, method, message template for 0..=MAX_LISTED positional",
        "/// arguments, \"\" where that count is accepted), sorted by type then method.",
        "#[rustfmt::skip]",
        f"pub(crate) static METHOD_ARITY: &[(&str, &str, [&str; {MAX_ARGS + 1}])] = &[",
    ]
    for ty, m, row in sorted(rows):
        cells = ", ".join(esc(x) for x in row)
        lines.append(f"    ({esc(ty)}, {esc(m)}, [{cells}]),")
    lines.append("];")
    lines += index_fn("arity_row", "METHOD_ARITY", [(ty, m) for ty, m, _ in sorted(rows)])
    lines += [
        "",
        "/// (receiver type, method, keyword names it accepts, message template for",
        "/// any other keyword `{k}`), sorted by type then method.",
        "#[rustfmt::skip]",
        "pub(crate) static METHOD_KEYWORDS: &[(&str, &str, &[&str], &str)] = &[",
    ]
    for ty, m, names, msg in sorted(kw_rows):
        accepted = ", ".join(esc(n) for n in names)
        lines.append(f"    ({esc(ty)}, {esc(m)}, &[{accepted}], {esc(msg)}),")
    lines.append("];")
    lines += index_fn("keyword_row", "METHOD_KEYWORDS", [(ty, m) for ty, m, _, _ in sorted(kw_rows)])
    lines.append("")
    with open(OUT, "w") as f:
        f.write("\n".join(lines))


TYPES = ["Counter", "OrderedDict", "defaultdict", "deque", "dict", "float", "frozenset", "int",
         "list", "range", "set", "str", "tuple"]


def type_const(ty):
    return "TY_" + re.sub(r"(?<!^)(?=[A-Z])", "_", ty).upper()


def index_fn(fn, table, keys):
    """A lookup of (type, method) -> row of `table`, dispatching on the name's
    length first: it runs on every built-in method call."""
    by_len = collections.defaultdict(lambda: collections.defaultdict(list))
    for i, (ty, m) in enumerate(keys):
        by_len[len(m)][m].append((ty, i))
    out = [
        "",
        f"/// The row of `{table}` for a receiver type and method name.",
        "#[rustfmt::skip]",
        f"pub(crate) fn {fn}(ty: u8, name: &str) -> Option<usize> {{",
        "    let rows: &[(u8, usize)] = match name.len() {",
    ]
    for n in sorted(by_len):
        out.append(f"        {n} => match name {{")
        for m in sorted(by_len[n]):
            cells = ", ".join(f"({type_const(ty)}, {i})" for ty, i in by_len[n][m])
            out.append(f"            {esc(m)} => &[{cells}],")
        out.append("            _ => return None,")
        out.append("        },")
    out += [
        "        _ => return None,",
        "    };",
        "    rows.iter().find(|(t, _)| *t == ty).map(|&(_, i)| i)",
        "}",
    ]
    return out


def esc(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


if __name__ == "__main__":
    main()
