#!/usr/bin/env python3
"""Runs pyrlm-runtime's example files against rlm_rs with only their imports
changed (issue #38), and prints a table: each file ran, or failed with the
reason (the last line of its error output).

    python crates/rlm-py/compat/run_pyrlm_examples.py --examples DIR [--timeout S]

run with a Python that has the ``rlm_rs`` wheel installed (``pip install
rlm_rs-*.whl``; the script says so and stops when it cannot import it). DIR
holds the example files, pyrlm-runtime's ``examples/*.py``: its 1.0.3 sdist on
PyPI ships 22 of them (``pip download --no-deps --no-binary :all:
--ignore-requires-python pyrlm-runtime==1.0.3``, unpack, and pass
``pyrlm_runtime-1.0.3/examples``); they are not committed here. Each file is
copied into a scratch folder with ``pyrlm_runtime`` rewritten to ``rlm_rs`` in
its ``import`` and ``from`` lines (and nothing else), then run with the Python
running this script, its working folder the scratch folder (the examples
import each other). Network models are pointed at a mock
OpenAI-compatible server this script starts on 127.0.0.1: the environment
variables the examples read (``LLM_BASE_URL``, ``OPENAI_ENDPOINT``,
``AZURE_OPENAI_API_KEY``...) name it. The mock answers a root model's first
turn with a program and later turns with ``FINAL: ...``; a sub-model gets a
short answer. The same server speaks Vertex AI's ``generateContent``
(``VERTEX_BASE_URL``); there a model that is not a root model repeats the
conversation's user turns and works out sums written ``a+b`` (what
``test_vertex_adapters.py`` checks an adapter carries: the prompt, the system
turn, the history). Examples that read the Oolong data set from the
Hugging Face hub (``datasets.load_dataset("oolongbench/oolong-synth")``) get a
small synthetic data set of that shape, written by this script into a scratch
``HF_HOME`` with the hub switched off (``HF_HUB_OFFLINE=1``), when the
``datasets`` package is installed. Some examples take command-line arguments
(``EXAMPLE_ARGS``); the files are never changed beyond their imports. When
DIR is absent the script says so and exits 0 (CI does not depend on the
fetched files).
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
    # An example id of the synthetic Oolong rows (OOLONG_IDS).
    "_debug_single_example.py": ["1"],
    # pyrlm's adapter only: the other half imports Google's Vertex SDK itself.
    "test_vertex_adapters.py": ["--adapter", "pyrlm"],
}

#: Ids of the synthetic Oolong rows: 1, and the three diagnostic_run.py asks for.
OOLONG_IDS = [1, 411040047, 412040051, 712070053]

IMPORT_RE = re.compile(r"^(\s*)(from|import)(\s+)pyrlm_runtime\b", re.MULTILINE)

ROOT_PROGRAM = "```repl\nsize = len(P)\nprint(size)\nfinal_answer = 'mock answer: ' + str(size)\n```"


def rewrite(source: str) -> Tuple[str, int]:
    """``source`` with ``pyrlm_runtime`` imports renamed to ``rlm_rs``; and how many."""
    return IMPORT_RE.subn(lambda m: f"{m.group(1)}{m.group(2)}{m.group(3)}rlm_rs", source)


def echo_reply(messages: List[Dict[str, Any]]) -> str:
    """The mock Vertex model's reply to a non-root call: the user turns
    repeated, and the value of each ``a+b`` they write."""
    users = [str(m.get("content", "")) for m in messages if m.get("role") == "user"]
    sums = [str(int(a) + int(b)) for a, b in re.findall(r"(\d+)\s*\+\s*(\d+)", " ".join(users))]
    return " | ".join(users + sums)


def gemini_messages(req: Dict[str, Any]) -> List[Dict[str, Any]]:
    """A ``generateContent`` request as chat messages."""
    out: List[Dict[str, Any]] = []
    system = req.get("systemInstruction") or req.get("system_instruction") or {}
    text = " ".join(str(p.get("text", "")) for p in system.get("parts", []))
    if text:
        out.append({"role": "system", "content": text})
    for c in req.get("contents") or []:
        role = "assistant" if c.get("role") == "model" else "user"
        out.append({"role": role, "content": " ".join(str(p.get("text", "")) for p in c.get("parts", []))})
    return out


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
        if ":generateContent" in self.path or ":streamGenerateContent" in self.path:
            with MockOpenAI.lock:
                MockOpenAI.calls += 1
            messages = gemini_messages(req)
            is_root = "FINAL" in " ".join(m["content"] for m in messages if m["role"] == "system")
            text = reply_for(messages) if is_root else echo_reply(messages)
            body = {
                "candidates": [{"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP"}],
                "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 5, "totalTokenCount": 15},
            }
            if ":streamGenerateContent" in self.path:
                # Server-sent events, one chunk holding the whole reply.
                data = f"data: {json.dumps(body)}\n\n".encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            self._send(200, body)
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
            "VERTEX_BASE_URL": base,
            "VERTEX_ACCESS_TOKEN": "mock-token",
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
    path.write_text(trace.to_json())


def oolong_row(i: int, example_id: int) -> Dict[str, Any]:
    """One synthetic row shaped like oolong-synth's (labelled lines, a label question)."""
    labels = ["abbreviation", "entity", "location", "number"]
    lines = [f"Date: Jan {d % 28 + 1}, 2023 || User: {1000 + d} || Instance: question {d} of window {i}"
             for d in range(60 + 30 * i)]
    labelled = [f"{line} || Label: {labels[d % len(labels)]}" for d, line in enumerate(lines)]
    text = "\n".join(lines)
    return {
        "id": example_id,
        "context_len": 2 ** (11 + i),
        "dataset": "trec_coarse",
        "context_window_id": i,
        "task": "TASK_TYPE.MOST_FREQ",
        "task_group": "counting",
        "question": "Which label is the most common in the data above? Answer with the label only.",
        "answer": "['abbreviation']",
        "answer_type": "ANSWER_TYPE.LABEL",
        "context_window_text": text,
        "context_window_text_with_labels": "\n".join(labelled),
    }


def write_oolong_fixture(home: Path) -> str:
    """The synthetic oolong-synth in ``home``'s datasets cache, as the hub
    download would leave it; an empty string, or why it could not be written."""
    try:
        import datasets  # type: ignore[import-not-found]
    except ImportError:
        return "the datasets package is not installed"
    os.environ["HF_HOME"] = str(home)
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["HF_DATASETS_OFFLINE"] = "1"
    src = home / "src" / "oolong-synth" / "data"
    src.mkdir(parents=True)
    rows = [oolong_row(i, example_id) for i, example_id in enumerate(OOLONG_IDS)]
    table = datasets.Dataset.from_list(rows)
    table.to_parquet(str(src / "test-00000-of-00001.parquet"))
    datasets.load_dataset(str(src.parent), cache_dir=str(home / "datasets"))
    (home / "datasets" / "oolong-synth").rename(home / "datasets" / "oolongbench___oolong-synth")
    return ""


def reason(stderr: str, stdout: str) -> str:
    lines = [l.strip() for l in (stderr or stdout).splitlines() if l.strip()]
    return lines[-1][:160] if lines else "(no output)"


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--examples", required=True, type=Path, help="folder of pyrlm-runtime's example files")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per example")
    ap.add_argument("--only", nargs="*", default=None, help="run only these file names")
    ap.add_argument("--show", type=int, default=0, help="print the last N lines of each file's output")
    args = ap.parse_args(argv)
    if not args.examples.is_dir():
        print(f"run_pyrlm_examples: {args.examples} is absent: skipped (fetch pyrlm-runtime's examples/ there)")
        return 0
    try:
        import rlm_rs  # noqa: F401  (the examples import it; say so here, once)
    except ImportError as e:
        print(
            f"run_pyrlm_examples: {sys.executable} cannot import rlm_rs ({e}): install the wheel into it "
            "(pip install rlm_rs-*.whl), or run this script with the Python that has it",
            file=sys.stderr,
        )
        return 2
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
        hf_home = work / "_hf_home"
        no_fixture = write_oolong_fixture(hf_home)
        if no_fixture:
            print(f"run_pyrlm_examples: no Oolong fixture: {no_fixture}")
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
            if args.show:
                tail = (proc.stdout + proc.stderr).splitlines()[-args.show:]
                print(f"--- {p.name} (exit {proc.returncode})\n" + "\n".join(tail))
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
