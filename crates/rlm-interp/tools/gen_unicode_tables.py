#!/usr/bin/env python3
"""Generate crates/rlm-interp/src/unicode_tables.rs from CPython's own data.

Every str method that depends on a character's Unicode properties must agree
with CPython 3.11 (Unicode 14.0) for every code point, so the tables are
read off the running python3's str methods, one character at a time:

- predicates: isprintable (and so repr), isalpha, isdecimal, isdigit,
  isnumeric, isspace, isupper, islower, the titlecase letters (category Lt),
  the cased and case-ignorable characters (the final-sigma rule and
  str.title), XID_Start and XID_Continue (str.isidentifier);
- case mappings: lower, upper (one character to one, as ranges with a
  delta; one to several, as strings), the titlecase where it differs from
  the uppercase, the case folding where it differs from the lowercase.

Cased and case-ignorable have no str method of their own; they are read off
what str.title and str.lower do around a character (see `cased` and
`case_ignorable` below), which is exactly what the DSL must reproduce.

Re-run after changing the oracle Python:

    python3 crates/rlm-interp/tools/gen_unicode_tables.py

`--check` writes nothing and exits 1 when the committed file differs from
what this script generates (the crate's tests run it).
"""
import os
import sys
import unicodedata

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "unicode_tables.rs")

CODE_POINTS = [cp for cp in range(sys.maxunicode + 1) if not 0xD800 <= cp <= 0xDFFF]


def cased(c):
    # str.title lowercases a letter after a cased character and titlecases
    # it after any other.
    return (c + "A").title()[-1] == "a"


def case_ignorable(c):
    # lower() of a capital sigma is final (ς) after a cased character seen
    # through case-ignorable ones, and not before another cased one.
    if cased(c):
        # c + Σ: final iff c is not ignorable (then the cased c is seen).
        return (c + "\u03a3").lower()[-1] == "\u03c3"
    # A + c + Σ: final iff c is ignorable (then A is seen).
    return ("A" + c + "\u03a3").lower()[-1] == "\u03c2"


PREDICATES = [
    ("PRINTABLE", "`str.isprintable()` (what `repr` leaves unescaped)", str.isprintable),
    ("ALPHA", "`str.isalpha()` (categories L*)", str.isalpha),
    ("DECIMAL", "`str.isdecimal()`", str.isdecimal),
    ("DIGIT", "`str.isdigit()`", str.isdigit),
    ("NUMERIC", "`str.isnumeric()`", str.isnumeric),
    ("SPACE", "`str.isspace()` (bidirectional WS, B or S, or category Zs)", str.isspace),
    ("UPPER", "`str.isupper()` of the character alone (Unicode's Uppercase)", str.isupper),
    ("LOWER", "`str.islower()` of the character alone (Unicode's Lowercase)", str.islower),
    ("TITLE", "titlecase letters (category Lt)", lambda c: unicodedata.category(c) == "Lt"),
    ("CASED", "cased characters (what `str.title` and the final sigma look at)", cased),
    ("CASE_IGNORABLE", "case-ignorable characters (the final-sigma rule looks through them)",
     case_ignorable),
    ("XID_START", "XID_Start (`str.isidentifier()`'s first character, with `_`)",
     lambda c: c != "_" and c.isidentifier()),
    ("XID_CONTINUE", "XID_Continue (`str.isidentifier()`'s other characters)",
     lambda c: ("a" + c).isidentifier()),
]


def ranges(pred):
    out = []
    start = prev = None
    for cp in CODE_POINTS:
        if pred(chr(cp)):
            if start is None or cp != prev + 1:
                if start is not None:
                    out.append((start, prev))
                start = cp
            prev = cp
    if start is not None:
        out.append((start, prev))
    return out


def emit_ranges(name, doc, rs):
    lines = [f"/// Code points where {doc} holds.", "#[rustfmt::skip]",
             f"pub(crate) static {name}: &[(u32, u32)] = &["]
    for a, b in rs:
        lines.append(f"    (0x{a:04X}, 0x{b:04X}),")
    lines.append("];")
    return "\n".join(lines)


def delta_runs(pairs):
    """(lo, hi, step, delta) runs over sorted (code point, mapped) pairs:
    each code point lo, lo + step, ... hi maps to itself plus delta, and no
    other code point in [lo, hi] has a mapping (step 2 is the Latin and
    Greek alternation of capital and small letters)."""
    runs = []
    i = 0
    while i < len(pairs):
        lo, target = pairs[i]
        delta = target - lo
        j = i
        step = 1
        if i + 1 < len(pairs):
            nxt, nt = pairs[i + 1]
            if nt - nxt == delta and nxt - lo in (1, 2):
                step = nxt - lo
        while (j + 1 < len(pairs) and pairs[j + 1][0] - pairs[j][0] == step
               and pairs[j + 1][1] - pairs[j + 1][0] == delta):
            j += 1
        runs.append((lo, pairs[j][0], step if j > i else 1, delta))
        i = j + 1
    return runs


def emit_runs(name, doc, runs):
    lines = [f"/// {doc}", "/// `(lo, hi, step, delta)`: `lo`, `lo + step`, ... `hi` map to themselves plus `delta`.",
             "#[rustfmt::skip]", f"pub(crate) static {name}: &[(u32, u32, u32, i32)] = &["]
    for lo, hi, step, delta in runs:
        lines.append(f"    (0x{lo:04X}, 0x{hi:04X}, {step}, {delta}),")
    lines.append("];")
    return "\n".join(lines)


def esc(s):
    return "".join(f"\\u{{{ord(c):X}}}" for c in s)


def emit_strings(name, doc, items):
    lines = [f"/// {doc}", "#[rustfmt::skip]", f"pub(crate) static {name}: &[(char, &str)] = &["]
    for cp, t in items:
        lines.append(f"    ('\\u{{{cp:X}}}', \"{esc(t)}\"),")
    lines.append("];")
    return "\n".join(lines)


def mapping(method):
    """The one-to-one mappings (as runs) and the one-to-several ones."""
    single, multi = [], []
    for cp in CODE_POINTS:
        c = chr(cp)
        m = method(c)
        if m == c:
            continue
        if len(m) == 1:
            single.append((cp, ord(m)))
        else:
            multi.append((cp, m))
    return delta_runs(single), multi


def generate():
    parts = [
        "//! Unicode tables generated from CPython "
        f"{sys.version_info.major}.{sys.version_info.minor} (Unicode {unicodedata.unidata_version})",
        "//! by `tools/gen_unicode_tables.py`; do not edit by hand.",
        "//! Ranges are inclusive and sorted.",
    ]
    for name, doc, pred in PREDICATES:
        parts += ["", emit_ranges(name, doc, ranges(pred))]
    for name, what, method in [("LOWER", "lowercase", str.lower), ("UPPER", "uppercase", str.upper)]:
        runs, multi = mapping(method)
        parts += ["", emit_runs(f"{name}_MAP", f"The one-character {what} mappings (`str.{method.__name__}`"
                                 " of the character alone).", runs)]
        parts += ["", emit_strings(f"{name}_MULTI", f"The {what} mappings to several characters"
                                   " (sorted by code point).", multi)]
    title = [(cp, chr(cp).title()) for cp in CODE_POINTS if chr(cp).title() != chr(cp).upper()]
    fold = [(cp, chr(cp).casefold()) for cp in CODE_POINTS if chr(cp).casefold() != chr(cp).lower()]
    parts += ["", emit_strings("TITLECASE", "Characters whose titlecase differs from their uppercase, with the"
                               " titlecase string (sorted by code point).", title)]
    parts += ["", emit_strings("CASEFOLD", "Characters whose case folding (`str.casefold`) differs from their"
                               " lowercase, with the folded string (sorted by code point).", fold)]
    parts.append("")
    return "\n".join(parts)


def main():
    text = generate()
    if "--check" in sys.argv[1:]:
        with open(OUT) as f:
            same = f.read() == text
        print("unicode_tables.rs is what the script generates" if same
              else "unicode_tables.rs differs from what tools/gen_unicode_tables.py generates: re-run it")
        sys.exit(0 if same else 1)
    with open(OUT, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
