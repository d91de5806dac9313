#!/usr/bin/env python3
"""Generate crates/rlm-interp/src/unicode_tables.rs from CPython's own data.

The DSL's str.isprintable (and so repr)/isalpha/isdecimal/isdigit/isnumeric and the titlecase mapping used by
str.title/capitalize must agree with CPython for every code point, so the
tables are read off the running python3's str methods (Python 3.11 carries
Unicode 14.0). Re-run after changing the oracle Python:

    python3 crates/rlm-interp/tools/gen_unicode_tables.py
"""
import os
import sys
import unicodedata

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "unicode_tables.rs")


def ranges(pred):
    out = []
    start = None
    for cp in range(sys.maxunicode + 2):
        ok = cp <= sys.maxunicode and pred(chr(cp))
        if ok and start is None:
            start = cp
        elif not ok and start is not None:
            out.append((start, cp - 1))
            start = None
    return out


def emit_ranges(name, doc, rs):
    lines = [f"/// {doc}", "#[rustfmt::skip]", f"pub(crate) static {name}: &[(u32, u32)] = &["]
    for a, b in rs:
        lines.append(f"    (0x{a:04X}, 0x{b:04X}),")
    lines.append("];")
    return "\n".join(lines)


def esc(s):
    return "".join(f"\\u{{{ord(c):X}}}" for c in s)


def main():
    title, fold = [], []
    for cp in range(sys.maxunicode + 1):
        c = chr(cp)
        if 0xD800 <= cp <= 0xDFFF:
            continue
        if c.title() != c.upper():
            title.append((cp, c.title()))
        if c.casefold() != c.lower():
            fold.append((cp, c.casefold()))
    parts = [
        "//! Unicode tables generated from CPython "
        f"{sys.version_info.major}.{sys.version_info.minor} (Unicode {unicodedata.unidata_version})",
        "//! by `tools/gen_unicode_tables.py`; do not edit by hand.",
        "//! Ranges are inclusive and sorted.",
        "",
        emit_ranges("PRINTABLE", "Code points where `str.isprintable()` is true (what `repr` leaves unescaped).",
                    ranges(str.isprintable)),
        "",
        emit_ranges("ALPHA", "Code points where `str.isalpha()` is true (categories L*).", ranges(str.isalpha)),
        "",
        emit_ranges("DECIMAL", "Code points where `str.isdecimal()` is true.", ranges(str.isdecimal)),
        "",
        emit_ranges("DIGIT", "Code points where `str.isdigit()` is true.", ranges(str.isdigit)),
        "",
        emit_ranges("NUMERIC", "Code points where `str.isnumeric()` is true.", ranges(str.isnumeric)),
        "",
        "/// Characters whose titlecase differs from their uppercase, with the",
        "/// titlecase string (sorted by code point).",
        "#[rustfmt::skip]",
        "pub(crate) static TITLECASE: &[(char, &str)] = &[",
    ]
    for cp, t in title:
        parts.append(f"    ('\\u{{{cp:X}}}', \"{esc(t)}\"),")
    parts.append("];")
    parts += [
        "",
        "/// Characters whose case folding (`str.casefold`) differs from their",
        "/// lowercase, with the folded string (sorted by code point).",
        "#[rustfmt::skip]",
        "pub(crate) static CASEFOLD: &[(char, &str)] = &[",
    ]
    for cp, t in fold:
        parts.append(f"    ('\\u{{{cp:X}}}', \"{esc(t)}\"),")
    parts.append("];")
    parts.append("")
    with open(OUT, "w") as f:
        f.write("\n".join(parts))


if __name__ == "__main__":
    main()
