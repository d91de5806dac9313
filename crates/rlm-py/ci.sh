#!/usr/bin/env bash
# The Python bindings' CI step (run by .ci/run): build the wheel from the
# checkout with maturin (dev profile, sharing the cargo target dir, so only
# rlm-py itself and pyo3 compile after `cargo test`), install it into a fresh
# venv (with pyrlm-runtime, the differential test's reference), check its types with
# mypy, run pytest. Needs python3 with venv and PyPI access (maturin, pytest, pyrlm-runtime).
set -euo pipefail
cd "$(dirname "$0")/../.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/build"
"$work/build/bin/pip" install --quiet --disable-pip-version-check "maturin>=1.9,<2"
"$work/build/bin/maturin" build --quiet --locked -m crates/rlm-py/Cargo.toml -o "$work/wheels"
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
