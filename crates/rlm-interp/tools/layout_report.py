"""Layout report of a Rust source tree: per file its line count and its
largest function (by lines, signature to closing brace), as a markdown table.

    python3 crates/rlm-interp/tools/layout_report.py crates/rlm-interp/src

Functions are found by brace matching over the source with comments, string
and char literals blanked out (so braces inside them do not count). Nested
functions count on their own and inside their parent. `#[cfg(test)]` modules
are counted like any other code; the file total is `wc -l`'s.
"""
import os
import re
import sys

FN_RE = re.compile(r"\bfn\s+([A-Za-z_][A-Za-z0-9_]*)")


def blank_literals(src: str) -> str:
    """Replace comments and string/char literals by spaces, keeping newlines."""
    out = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif src.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if src.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif src.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(re.sub(r"[^\n]", " ", src[i:j]))
            i = j
        elif c == "r" and re.match(r'r#*"', src[i:i + 20]) and (i == 0 or not (src[i - 1].isalnum() or src[i - 1] == "_")):
            hashes = re.match(r'r(#*)"', src[i:]).group(1)
            end = src.find('"' + hashes, i + 2 + len(hashes))
            j = n if end < 0 else end + 1 + len(hashes)
            out.append(re.sub(r"[^\n]", " ", src[i:j]))
            i = j
        elif c == '"':
            j = i + 1
            while j < n and src[j] != '"':
                j += 2 if src[j] == "\\" else 1
            j += 1
            out.append(re.sub(r"[^\n]", " ", src[i:j]))
            i = j
        elif c == "'":
            # A char literal ('x', '\n', '\u{..}'), else a lifetime ('a).
            m = re.match(r"'(\\u\{[0-9a-fA-F]+\}|\\.|[^\\'])'", src[i:i + 12])
            if m:
                out.append(" " * len(m.group(0)))
                i += len(m.group(0))
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def functions(src: str):
    """(name, first line, line count) of every fn with a body."""
    clean = blank_literals(src)
    line_of = [0] * (len(clean) + 1)
    line = 1
    for k, ch in enumerate(clean):
        line_of[k] = line
        if ch == "\n":
            line += 1
    line_of[len(clean)] = line
    found = []
    for m in FN_RE.finditer(clean):
        # The body starts at the first `{` after the signature, unless a `;`
        # comes first (a trait method without a body).
        k = m.end()
        depth_paren = 0
        while k < len(clean):
            ch = clean[k]
            if ch in "([":
                depth_paren += 1
            elif ch in ")]":
                depth_paren -= 1
            elif ch == ";" and depth_paren == 0:
                k = -1
                break
            elif ch == "{" and depth_paren == 0:
                break
            k += 1
        if k < 0 or k >= len(clean):
            continue
        depth, j = 0, k
        while j < len(clean):
            if clean[j] == "{":
                depth += 1
            elif clean[j] == "}":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        start = line_of[m.start()]
        found.append((m.group(1), start, line_of[min(j, len(clean))] - start + 1))
    return found


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "src"
    rows = []
    for dirpath, _, files in os.walk(root):
        for f in files:
            if f.endswith(".rs"):
                path = os.path.join(dirpath, f)
                src = open(path, encoding="utf-8").read()
                lines = src.count("\n")
                fns = functions(src)
                big = max(fns, key=lambda x: x[2], default=None)
                rows.append((os.path.relpath(path, root), lines, big))
    rows.sort()
    print(f"| file ({root}) | lines | largest function (lines) |")
    print("|---|---|---|")
    for path, lines, big in rows:
        fn = f"`{big[0]}` ({big[2]})" if big else "—"
        print(f"| {path} | {lines} | {fn} |")
    total = sum(r[1] for r in rows)
    print(f"| **{len(rows)} files** | **{total}** | |")


if __name__ == "__main__":
    main()
