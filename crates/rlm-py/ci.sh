#!/usr/bin/env bash
# The Python bindings' CI step (run by .ci/run): build the wheel a user
# installs from the checkout with maturin (release profile: stripped, abi3,
# its manylinux tag checked by maturin's audit) and the sdist, install the
# wheel into a fresh venv, check its types with mypy, run pytest against it.
# The wheel and the sdist are left in $RLM_PY_DIST when it is set. Needs
# python3 with venv and PyPI access (maturin, pytest, mypy, pyrlm-runtime: the
# reference of the differential test of pyrlm's in-program functions).
set -euo pipefail
cd "$(dirname "$0")/../.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/build"
"$work/build/bin/pip" install --quiet --disable-pip-version-check "maturin>=1.9,<2"
"$work/build/bin/maturin" build --quiet --release --strip --locked -m crates/rlm-py/Cargo.toml -o "$work/wheels"
"$work/build/bin/maturin" sdist -m crates/rlm-py/Cargo.toml -o "$work/wheels"
for f in "$work"/wheels/*; do
  echo "crates/rlm-py/ci.sh: built $(basename "$f"): $(du -k "$f" | cut -f1) KiB"
done
if [ -n "${RLM_PY_DIST:-}" ]; then
  mkdir -p "$RLM_PY_DIST"
  cp "$work"/wheels/* "$RLM_PY_DIST"/
fi
python3 -m venv "$work/test"
"$work/test/bin/pip" install --quiet --disable-pip-version-check pytest mypy "$work"/wheels/rlm_rs-*.whl
# pyrlm-runtime itself, for the differential test of the in-program functions
# (tests/test_pyrlm_differential.py). Its metadata asks for Python >= 3.12; it
# runs on 3.11 for what the test uses, hence --ignore-requires-python.
"$work/test/bin/pip" install --quiet --disable-pip-version-check --ignore-requires-python \
  "pyrlm-runtime==1.0.3"
# Run from outside the source tree so the installed wheel (not python/) is imported.
cd "$work"
src="$OLDPWD/crates/rlm-py"
# The stubs and annotations, as an IDE or mypy user sees the installed package.
"$work/test/bin/python" -m mypy --strict --no-incremental -p rlm_rs
"$work/test/bin/python" -m mypy --strict --no-incremental "$src/tests/typing_usage.py"
"$work/test/bin/python" -m pytest -q -p no:cacheprovider "$src/tests"
