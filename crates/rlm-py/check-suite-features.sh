#!/usr/bin/env bash
# Checks that rlm-py's `suite-features` (Cargo.toml) still gives the test
# wheel's build (crates/rlm-py/ci.sh) the features `cargo test --workspace`
# resolves for every crate they share, so that build reuses the suite's.
# Prints each shared crate whose features differ and exits 1 if any does
# (pyo3's crates and rlm-py itself are expected to differ: the extension
# module's settings). Run it after changing a dependency or its features.
#
#     bash crates/rlm-py/check-suite-features.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tree() { cargo tree --locked -e normal,build "$@" -f '{p}|{f}' --prefix none | sed 's/ (\*)//' | sort -u; }
tree -p rlm-py --features suite-features,pyo3/extension-module >"$work/py"
tree --workspace -e dev >"$work/ws"
python3 - "$work/py" "$work/ws" <<'PY'
import sys

def features(path):
    found = {}
    for line in open(path):
        if "|" not in line:
            continue
        package, names = line.rstrip("\n").split("|", 1)
        found.setdefault(package.split(" (")[0], set()).update(n for n in names.split(",") if n)
    return found

py, ws = features(sys.argv[1]), features(sys.argv[2])
expected = ("pyo3 ", "pyo3-ffi ", "pyo3-build-config ", "rlm-py ")
drift = [p for p in sorted(py) if p in ws and py[p] != ws[p] and not p.startswith(expected)]
for p in drift:
    print(f"{p}: the suite has {sorted(ws[p] - py[p])}, the test wheel {sorted(py[p] - ws[p])}")
print(f"check-suite-features: {len(drift)} shared crate(s) differ")
sys.exit(1 if drift else 0)
PY
