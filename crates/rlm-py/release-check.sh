#!/usr/bin/env bash
# The packages a user installs, checked (not part of the test run, .ci/test:
# the release build of the whole runtime takes a quarter of an hour on two
# cores). Builds the release wheel (release profile, stripped, abi3, its
# manylinux tag checked by maturin's audit) and the sdist; checks that the
# wheel's extension module carries no symbols or debug info and that the
# wheel stays under RLM_PY_MAX_WHEEL_MIB (default 40; issue #34 measured 25
# stripped, 46.5 with line tables); checks that the sdist holds every
# workspace crate the bindings build from; then runs the bindings' tests
# (crates/rlm-py/ci.sh) against the release wheel. The wheel and the sdist
# are left in $RLM_PY_DIST when it is set.
#
#     bash crates/rlm-py/release-check.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
say() { echo "crates/rlm-py/release-check.sh: $*"; }
python3 -m venv "$work/build"
"$work/build/bin/pip" install --quiet --disable-pip-version-check "maturin>=1.9,<2"
"$work/build/bin/maturin" build --quiet --release --strip --locked -m crates/rlm-py/Cargo.toml -o "$work/wheels"
"$work/build/bin/maturin" sdist -m crates/rlm-py/Cargo.toml -o "$work/wheels"
for f in "$work"/wheels/*; do
  say "built $(basename "$f"): $(du -k "$f" | cut -f1) KiB"
done
wheel=$(ls "$work"/wheels/rlm_rs-*.whl)
sdist=$(ls "$work"/wheels/rlm_rs-*.tar.gz)
# The workspace crates rlm-py builds from (its path dependencies, transitively).
cargo metadata --locked --format-version 1 >"$work/metadata.json"
python3 - "$wheel" "$sdist" "$work/metadata.json" "${RLM_PY_MAX_WHEEL_MIB:-40}" <<'PY'
import json, os, sys, tarfile, zipfile

wheel, sdist, metadata, max_mib = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
failures = []
size_mib = os.path.getsize(wheel) / 2**20
if size_mib > max_mib:
    failures.append(f"the wheel is {size_mib:.1f} MiB, over {max_mib:g} MiB")
with zipfile.ZipFile(wheel) as z:
    modules = [n for n in z.namelist() if n.startswith("rlm_rs/_native") and n.endswith(".so")]
    if len(modules) != 1:
        failures.append(f"the wheel holds {modules} for rlm_rs/_native*.so, not one module")
    for name in modules:
        data = z.read(name)
        # Section names live in the ELF's section-name table: a stripped module has neither.
        for section in (b".symtab", b".debug_info", b".debug_line"):
            if section + b"\0" in data:
                failures.append(f"{name} has a {section.decode()} section: it is not stripped")
    for needed in ("rlm_rs/__init__.py", "rlm_rs/py.typed", "rlm_rs/_native.pyi"):
        if needed not in z.namelist():
            failures.append(f"the wheel lacks {needed}")
meta = json.load(open(metadata))
packages = {p["id"]: p for p in meta["packages"]}
workspace = set(meta["workspace_members"])
nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
(start,) = [i for i in workspace if packages[i]["name"] == "rlm-py"]
needed, todo = set(), [start]
while todo:
    node = nodes[todo.pop()]
    for dep in node["deps"]:
        kinds = {k["kind"] for k in dep["dep_kinds"]}
        if dep["pkg"] in workspace and dep["pkg"] not in needed and kinds & {None, "build"}:
            needed.add(dep["pkg"])
            todo.append(dep["pkg"])
root = os.path.dirname(meta["workspace_root"] + "/")
with tarfile.open(sdist) as t:
    names = {n.split("/", 1)[1] for n in t.getnames() if "/" in n}
for pkg in sorted(needed | {start}, key=lambda i: packages[i]["name"]):
    manifest = os.path.relpath(packages[pkg]["manifest_path"], root)
    if manifest not in names:
        failures.append(f"the sdist lacks {manifest} ({packages[pkg]['name']})")
print(f"release-check: wheel {size_mib:.1f} MiB (limit {max_mib:g}); sdist checked for the "
      f"{len(needed) + 1} workspace crates rlm-py builds from; {len(failures)} problem(s)")
for f in failures:
    print(f"release-check: FAILED: {f}", file=sys.stderr)
sys.exit(1 if failures else 0)
PY
if [ -n "${RLM_PY_DIST:-}" ]; then
  mkdir -p "$RLM_PY_DIST"
  cp "$work"/wheels/* "$RLM_PY_DIST"/
fi
say "the bindings' tests on the release wheel"
RLM_PY_WHEEL="$wheel" bash "$root/crates/rlm-py/ci.sh"
