#!/usr/bin/env bash
# The Python bindings' tests (run by .ci/test): build the bindings with
# maturin in cargo's dev profile, into the target directory the workspace's
# `cargo test` already filled (CARGO_TARGET_DIR, else target/), so the
# runtime's crates are not compiled a second time; install that wheel into a
# fresh venv; check its types with mypy --strict; run pytest against it.
# The release wheel (release profile, manylinux audit) and the sdist are
# checked by crates/rlm-py/release-check.sh, which runs these same tests on
# the release wheel (RLM_PY_WHEEL: test that wheel instead of building one).
# Needs python3 with venv and PyPI access (maturin, pytest, mypy,
# pyrlm-runtime: the reference of the differential tests).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
pip_install() { "$work/test/bin/pip" install --quiet --disable-pip-version-check "$@"; }
python3 -m venv "$work/test"
# pydantic: RLM(output_schema=Model) is tested with a real model class (rlm_rs never imports it).
pip_install pytest mypy pydantic
# pyrlm-runtime itself, for the differential tests (test_pyrlm_differential.py
# and others). Its metadata asks for Python >= 3.12; it runs on 3.11 for what
# the tests use, hence --ignore-requires-python.
pip_install --ignore-requires-python "pyrlm-runtime==1.0.3"
wheel="${RLM_PY_WHEEL:-}"
if [ -z "$wheel" ]; then
  pip_install "maturin>=1.9,<2"
  # Dev profile, stripped ([tool.maturin] strip): the .so is small. With
  # the workspace's features (suite-features, see Cargo.toml) the build
  # reuses what `cargo test --workspace` compiled: only pyo3's crates and
  # rlm-py are compiled again, for the extension module's settings.
  started=$(date +%s)
  if ! "$work/test/bin/maturin" build --locked --features suite-features -m crates/rlm-py/Cargo.toml \
    -o "$work/wheels" >"$work/maturin.log" 2>&1; then
    cat "$work/maturin.log" >&2
    exit 1
  fi
  wheel=$(ls "$work"/wheels/rlm_rs-*.whl)
  echo "crates/rlm-py/ci.sh: built $(basename "$wheel") (dev profile) in $(($(date +%s) - started)) s," \
    "compiling $(grep -c '^ *Compiling ' "$work/maturin.log") crates: $(du -k "$wheel" | cut -f1) KiB"
fi
pip_install "$wheel"
# Run from outside the source tree so the installed wheel (not python/) is imported.
cd "$work"
src="$root/crates/rlm-py"
# The stubs and annotations, as an IDE or mypy user sees the installed package.
"$work/test/bin/python" -m mypy --strict --no-incremental -p rlm_rs
"$work/test/bin/python" -m mypy --strict --no-incremental "$src/tests/typing_usage.py"
"$work/test/bin/python" -m pytest -q -p no:cacheprovider "$src/tests"
