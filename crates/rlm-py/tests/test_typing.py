"""The stubs as mypy sees the installed package: ``RLM(...)``'s keywords are
typed one by one, so mypy rejects a misspelt keyword (issue #56: ``**options:
Any`` let ``RLM(adapter, max_step=3)`` through), and ``run()`` returns a
``str``. mypy is installed beside the package by ci.sh; its absence fails."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def mypy_errors(tmp_path: Path, source: str) -> list[str]:
    """The error lines of ``mypy --strict`` on ``source``, run outside the
    source tree so the installed package (not ``python/``) is checked."""
    snippet = tmp_path / "snippet.py"
    snippet.write_text(source)
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", str(tmp_path / ".mypy"),
         str(snippet)],
        capture_output=True, text=True, cwd=tmp_path, timeout=600,
    )
    return [line for line in proc.stdout.splitlines() if ": error:" in line]


def test_mypy_rejects_a_misspelt_rlm_keyword(tmp_path: Path) -> None:
    errors = mypy_errors(
        tmp_path,
        "from rlm_rs import RLM\n"
        "from rlm_rs.adapters import FakeAdapter\n"
        "ok = RLM(FakeAdapter(script=['FINAL: 1']), max_concurrency=2, depth=0)\n"
        "bad = RLM(FakeAdapter(script=['FINAL: 1']), max_step=3)\n",
    )
    assert len(errors) == 1, errors
    assert "snippet.py:4:" in errors[0] and 'Unexpected keyword argument "max_step"' in errors[0], errors


def test_mypy_rejects_a_wrongly_typed_pyrlm_option_and_reads_run_as_str(tmp_path: Path) -> None:
    errors = mypy_errors(
        tmp_path,
        "from rlm_rs import RLM\n"
        "from rlm_rs.adapters import FakeAdapter\n"
        "rlm = RLM(FakeAdapter(script=['FINAL: 1']), min_steps='2')\n"
        "answer, trace = rlm.run('q', 'c')\n"
        "n: int = answer\n",
    )
    assert len(errors) == 2, errors
    assert "snippet.py:3:" in errors[0] and '"min_steps"' in errors[0], errors
    assert "snippet.py:5:" in errors[1] and '"str"' in errors[1], errors


def test_the_typed_pyrlm_options_are_the_refused_ones() -> None:
    # The keywords typed for mypy and the ones the runtime checks are one list.
    from rlm_rs.rlm import REFUSED_OPTIONS, PyrlmOnlyOptions

    assert set(PyrlmOnlyOptions.__optional_keys__) == set(REFUSED_OPTIONS)
