#!/usr/bin/env python3
"""Runs pyrlm-runtime's example files against rlm_rs with only their imports
changed (issue #38), and prints a table: each file ran, or failed with the
reason (the last line of its error output).

    python crates/rlm-py/compat/run_pyrlm_examples.py --examples DIR [--timeout S]

DIR holds the example files (pyrlm-runtime's ``examples/*.py``; PyPI ships
none and they are not committed here). Each file is copied into a scratch
folder with ``pyrlm_runtime`` rewritten to ``rlm_rs`` in its ``import`` and
``from`` lines (and nothing else), then run with the Python running this
script (which must have ``rlm_rs`` installed), its working folder the scratch
folder (the examples import each other). Network models are pointed at a mock
OpenAI-compatible server this script starts on 127.0.0.1: the environment
variables the examples read (``LLM_BASE_URL``, ``OPENAI_ENDPOINT``,
``AZURE_OPENAI_API_KEY``...) name it. The mock answers a root model's first
turn with a program and later turns with ``FINAL: ...``; a sub-model gets a
short answer. When DIR is absent the script says so and exits 0 (CI does not
depend on the fetched files).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

#: Arguments some examples need on their command line (by file name). A
#: ``{trace}`` is replaced by a pyrlm trace JSON file this script writes.
EXAMPLE_ARGS: Dict[str, List[str]] = {
    "trace_viewer_demo.py": ["{trace}"],
}

IMPORT_RE = re.compile(r"^(\s*)(from|import)(\s+)pyrlm_runtime\b", re.MULTILINE)

ROOT_PROGRAM = "```repl\nsize = len(P)\nprint(size)\nfinal_answer = 'mock answer: ' + str(size)\n```"


def rewrite(source: str) -> Tuple[str, int]:
    """``source`` with ``pyrlm_runtime`` imports renamed to ``rlm_rs``; and how many."""
    return IMPORT_RE.subn(lambda m: f"{m.group(1)}{m.group(2)}{m.group(3)}rlm_rs", source)


def reply_for(messages: List[Dict[str, Any]]) -> str:
    """The mock model's reply: a root model writes a program, then finishes."""
    system = " ".join(str(m.get("content", "")) for m in messages if m.get("role") == "system")
    is_root = "FINAL" in system
    if not is_root:
        return "mock sub-answer"
    if any(m.get("role") == "assistant" for m in messages):
        return "FINAL_VAR: final_answer"
    return ROOT_PROGRAM


class MockOpenAI(BaseHTTPRequestHandler):
    """OpenAI's chat completions (any path ending in ``chat/completions``, Azure's too)."""

    calls = 0
    lock = threading.Lock()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def _send(self, code: int, body: Dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802
        self._send(200, {"object": "list", "data": [{"id": "mock-model", "object": "model"}]})

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        try:
            req = json.loads(self.rfile.read(length) or b"{}")
        except json.JSONDecodeError:
            self._send(400, {"error": {"message": "bad json"}})
            return
        if "chat/completions" not in self.path:
            self._send(404, {"error": {"message": f"mock serves chat/completions, not {self.path}"}})
            return
        with MockOpenAI.lock:
            MockOpenAI.calls += 1
        text = reply_for(req.get("messages") or [])
        self._send(
            200,
            {
                "id": "mock",
                "object": "chat.completion",
                "model": req.get("model", "mock-model"),
                "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
                ],
                "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
            },
        )


def mock_env(base: str) -> Dict[str, str]:
    """The environment pointing every model the examples build at the mock."""
    env = dict(os.environ)
    env.update(
        {
            "LLM_BASE_URL": base + "/v1",
            "LLM_SUBCALL_BASE_URL": base + "/v1",
            "LLM_API_KEY": "mock-key",
            "LLM_SUBCALL_API_KEY": "mock-key",
            "LLM_MODEL": "mock-model",
            "LLM_SUBCALL_MODEL": "mock-model",
            "OPENAI_API_KEY": "mock-key",
            "OPENAI_BASE_URL": base + "/v1",
            "OPENAI_ENDPOINT": base,
            "AZURE_OPENAI_API_KEY": "mock-key",
            "AZURE_OPENAI_API_VERSION": "2024-06-01",
            "LLM_TIMEOUT": "30",
            "PYTHONUNBUFFERED": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    env.pop("AZURE_ACCOUNT_NAME", None)
    return env


def write_trace(path: Path) -> None:
    """A pyrlm trace JSON (a list of steps), written by rlm_rs itself."""
    from rlm_rs import Trace, TraceStep, Usage

    trace = Trace(steps=[])
    trace.add(TraceStep(step_id=1, kind="root_call", depth=0, output="print(len(P))",
                        usage=Usage(10, 5, 15), elapsed=0.01))
    trace.add(TraceStep(step_id=2, kind="repl_exec", depth=0, code="print(len(P))", stdout="42\n"))
    path.write_text(trace.to_pyrlm_json())


def reason(stderr: str, stdout: str) -> str:
    lines = [l.strip() for l in (stderr or stdout).splitlines() if l.strip()]
    return lines[-1][:160] if lines else "(no output)"


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--examples", required=True, type=Path, help="folder of pyrlm-runtime's example files")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per example")
    ap.add_argument("--only", nargs="*", default=None, help="run only these file names")
    args = ap.parse_args(argv)
    if not args.examples.is_dir():
        print(f"run_pyrlm_examples: {args.examples} is absent: skipped (fetch pyrlm-runtime's examples/ there)")
        return 0
    files = sorted(p for p in args.examples.glob("*.py") if p.stat().st_size > 0)
    if args.only:
        files = [p for p in files if p.name in set(args.only)]
    server = ThreadingHTTPServer(("127.0.0.1", 0), MockOpenAI)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    rows: List[Tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for p in args.examples.glob("*.py"):
            text, _ = rewrite(p.read_text(encoding="utf-8"))
            (work / p.name).write_text(text, encoding="utf-8")
        trace_file = work / "_trace.json"
        write_trace(trace_file)
        env = mock_env(base)
        for p in files:
            extra = [a.replace("{trace}", str(trace_file)) for a in EXAMPLE_ARGS.get(p.name, [])]
            try:
                proc = subprocess.run(
                    [sys.executable, p.name, *extra],
                    cwd=work, env=env, capture_output=True, text=True,
                    timeout=args.timeout, stdin=subprocess.DEVNULL,
                )
            except subprocess.TimeoutExpired:
                rows.append((p.name, "failed", f"timeout after {args.timeout:.0f} s"))
                continue
            if proc.returncode == 0:
                rows.append((p.name, "ran", ""))
            else:
                rows.append((p.name, "failed", f"exit {proc.returncode}: {reason(proc.stderr, proc.stdout)}"))
    server.shutdown()
    width = max([len(r[0]) for r in rows] + [4])
    print(f"{'file'.ljust(width)} | result | reason")
    print(f"{'-' * width}-+--------+-------")
    for name, result, why in rows:
        print(f"{name.ljust(width)} | {result.ljust(6)} | {why}")
    ran = sum(1 for r in rows if r[1] == "ran")
    print(f"\n{ran} of {len(rows)} example files ran (mock model calls: {MockOpenAI.calls})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
