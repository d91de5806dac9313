"""Which parts of a crate's source name which others (`use crate::x` and
`crate::x::...` paths), and which pairs name each other (cycles).

    python3 crates/rlm-interp/tools/deps_report.py crates/rlm-interp/src [depth]

A part is a file or folder directly under `src` (depth 1), or one level
deeper inside folders (depth 2: `types/list`, `modules/re`...). Only paths
are seen: calls of `impl Vm` methods defined in another part (`self.iterate`)
are not edges here. `crate::Limits`-style names from `lib.rs` count as `lib`.
"""
import os
import re
import sys

root = sys.argv[1] if len(sys.argv) > 1 else "src"
depth = int(sys.argv[2]) if len(sys.argv) > 2 else 1


def part_of_file(rel):
    bits = rel[:-3].split("/")
    if bits[-1] == "mod":
        bits = bits[:-1]
    return "/".join(bits[:depth]) or "lib"


parts = {}
for dirpath, _, files in os.walk(root):
    for f in files:
        if f.endswith(".rs"):
            rel = os.path.relpath(os.path.join(dirpath, f), root)
            parts.setdefault(part_of_file(rel), []).append(os.path.join(dirpath, f))
names = set(parts)
edges = {p: set() for p in parts}
path_re = re.compile(r"crate::((?:\w+::)*\w+)")
for p, files in parts.items():
    for f in files:
        src = open(f, encoding="utf-8").read()
        src = re.sub(r"//[^\n]*", "", src)
        for m in path_re.finditer(src):
            segs = m.group(1).split("::")
            target = "lib"
            for k in range(min(depth, len(segs)), 0, -1):
                cand = "/".join(segs[:k])
                if cand in names:
                    target = cand
                    break
            if target != p:
                edges[p].add(target)
        # `use crate::{a, b::c}` groups
        for grp in re.findall(r"use crate::\{([^}]*)\}", src):
            for item in grp.split(","):
                seg = item.strip().split("::")[0]
                if seg in names and seg != p:
                    edges[p].add(seg)
mutual = sorted({tuple(sorted((a, b))) for a in edges for b in edges[a] if a in edges.get(b, ())})
print(f"{len(parts)} parts, {sum(len(v) for v in edges.values())} edges, {len(mutual)} pairs naming each other")
for a in sorted(edges):
    print(f"  {a} -> {', '.join(sorted(edges[a])) or '-'}")
print("pairs naming each other:", ", ".join(f"{a}<->{b}" for a, b in mutual) or "none")
