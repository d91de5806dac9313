"""The runner of pyrlm-runtime's example files (``compat/run_pyrlm_examples.py``):
it rewrites only the imports, serves a mock OpenAI-compatible model on
127.0.0.1, and reports each file as ran or failed with a reason. Tested here
on small example files written by the test (pyrlm's own examples are fetched,
not committed); the runner skips cleanly when the folder is absent."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import Any

RUNNER = Path(__file__).resolve().parent.parent / "compat" / "run_pyrlm_examples.py"


def load_runner() -> Any:
    spec = importlib.util.spec_from_file_location("run_pyrlm_examples", RUNNER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rewrite_changes_only_imports() -> None:
    runner = load_runner()
    src = (
        "from pyrlm_runtime import RLM\n"
        "    from pyrlm_runtime.adapters import FakeAdapter\n"
        "import pyrlm_runtime.prompts as p\n"
        "print('pyrlm_runtime stays in strings')\n"
    )
    out, n = runner.rewrite(src)
    assert n == 3
    assert out == (
        "from rlm_rs import RLM\n"
        "    from rlm_rs.adapters import FakeAdapter\n"
        "import rlm_rs.prompts as p\n"
        "print('pyrlm_runtime stays in strings')\n"
    )


def test_absent_folder_is_skipped(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(RUNNER), "--examples", str(tmp_path / "nope")],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0
    assert "absent: skipped" in proc.stdout


def test_runs_examples_against_the_mock_server(tmp_path: Path) -> None:
    (tmp_path / "network.py").write_text(
        "import os\n"
        "from pyrlm_runtime import Context, Policy, RLM\n"
        "from pyrlm_runtime.adapters import GenericChatAdapter\n"
        "adapter = GenericChatAdapter(base_url=os.environ['LLM_BASE_URL'], model=os.getenv('LLM_MODEL'),\n"
        "                             api_key=os.getenv('LLM_API_KEY'))\n"
        "answer, trace = RLM(adapter, policy=Policy(max_steps=4)).run('how long?', Context.from_text('abcdef'))\n"
        "assert answer == 'mock answer: 6', answer\n"
        "print(answer)\n"
    )
    (tmp_path / "fails.py").write_text("from pyrlm_runtime import RLM\nRLM(object(), logger=object())\n")
    (tmp_path / "empty.py").write_text("")
    proc = subprocess.run(
        [sys.executable, str(RUNNER), "--examples", str(tmp_path), "--timeout", "60"],
        capture_output=True, text=True, timeout=180,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    row = {l.split("|")[0].strip(): [c.strip() for c in l.split("|")[1:]] for l in lines if "|" in l}
    assert row["network.py"] == ["ran", ""]
    assert row["fails.py"][0] == "failed" and "RLM(logger=" in row["fails.py"][1]
    assert "empty.py" not in row
    assert "1 of 2 example files ran" in proc.stdout


def test_a_python_without_rlm_rs_is_told_to_install_the_wheel(tmp_path: Path) -> None:
    # `-S`: no site-packages, so this Python cannot import the installed wheel.
    (tmp_path / "minimal.py").write_text("from pyrlm_runtime import RLM\n")
    proc = subprocess.run(
        [sys.executable, "-S", str(RUNNER), "--examples", str(tmp_path)],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "cannot import rlm_rs" in proc.stderr and "pip install rlm_rs-" in proc.stderr, proc.stderr
