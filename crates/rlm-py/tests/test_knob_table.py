"""Every knob reaches the Python front end, or is refused naming it (issue #34).

Reads the same table as rlm-cli's tests/knobs_reach_front_ends.rs
(crates/rlm-config/knob_table.toml, one row per knob of RlmConfig) and sets
each knob through ``RLM(config={key: value})``, the names every front end
uses. A row whose ``honoured`` has "python" is probed (its effect with the
knob, none without it: a program's error, the answer, a root prompt of the
trace, a file written, spans reaching an OTLP receiver of the test's on
127.0.0.1); any other knob (its ``not_applicable`` says why)
must raise ``ValueError`` naming it.
"""

import atexit
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib

import pytest

from rlm_rs import RLM, Context
from rlm_rs.rlm import NO_ANSWER
from rlm_rs.adapters import FakeAdapter
from rlm_rs.errors import ModelError

TABLE = pathlib.Path(__file__).resolve().parents[2] / "rlm-config" / "knob_table.toml"
ROWS = tomllib.loads(TABLE.read_text())["knob"]
HONOURED = {r["key"]: r["honoured"] for r in ROWS}
# It prints before it answers: a FINAL rests on evidence, the fallback's too (issue #78).
FALLBACK = "print('the fallback ran')\nFINAL('from the fallback')\n"
# The first prompt of the `prompts_dir` row's folder (the probe's own), as
# rlm-cli's test writes it.
FIRST_USER = (
    "The question, in the probe's own words: {{query}}\n\n"
    "The context is loaded in the REPL as `context`.\n{{context_metadata}}\n\n"
    "Write your first program in a ```repl block.\n"
)
# pyrlm's RLM defaults require_repl_before_final to False, the knob to true:
# the control run of that row sets the knob's own default explicitly.
KNOB_DEFAULTS_PYRLM_CHANGES = {"guards.require_program": True}


# The test's HTTP services (the OTLP receiver, and the model provider of the
# `provider` probe, as rlm-cli's test has them) run in processes of their own:
# the runtime exports while it holds the GIL (a run's end), which a thread of
# this process would need. Each keeps every request's path and body, and
# answers by path: span exports, Ollama's /api/embed, Elasticsearch's _search.
RECEIVER_PROCESS = """
import http.server, json, pathlib, sys
out = pathlib.Path(sys.argv[1])
def answer_to(path, asked):
    if path.endswith("/v1/traces"):
        return 200, "application/x-protobuf", b""
    if path.endswith("/api/embed"):
        inputs = asked.get("input") or []
        inputs = [inputs] if isinstance(inputs, str) else inputs
        vectors = [[1.0 + (sum(t.encode()) % 7) / 7.0 + i for i in range(8)] for t in inputs]
        return 200, "application/json", json.dumps({"model": asked.get("model"), "embeddings": vectors}).encode()
    if path.endswith("/_search"):
        hit = {"_id": "1", "_score": 1.0, "_source": {"content": "a small context"}}
        return 200, "application/json", json.dumps({"hits": {"hits": [hit]}}).encode()
    return 404, "text/plain", b""
class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        n = len(list(out.iterdir()))
        (out / f"{n}.body").write_bytes(body)
        (out / f"{n}.path").write_text(self.path)
        try:
            asked = json.loads(body) if body else {}
        except ValueError:
            asked = {}
        status, kind, data = answer_to(self.path, asked if isinstance(asked, dict) else {})
        self.send_response(status)
        self.send_header("content-type", kind)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


class Receiver:
    """An HTTP receiver on 127.0.0.1 (a process of its own,
    RECEIVER_PROCESS): it keeps every request's path and body in a folder
    and answers by path (span exports, embeddings, searches)."""

    def __init__(self):
        self.out = pathlib.Path(tempfile.mkdtemp(prefix="otlp-receiver-"))
        self.process = subprocess.Popen(
            [sys.executable, "-c", RECEIVER_PROCESS, str(self.out)], stdout=subprocess.PIPE, text=True
        )
        atexit.register(shutil.rmtree, self.out, True)
        atexit.register(self.process.kill)
        self.base = f"http://127.0.0.1:{self.process.stdout.readline().strip()}"

    @property
    def received(self):
        paths = sorted(self.out.glob("*.path"))
        return [(p.read_text(), p.with_suffix(".body").read_bytes()) for p in paths if p.with_suffix(".body").exists()]


RECEIVER = []


# The model provider of the `provider` probe: a receiver of its own.
PROVIDER = []


def provider():
    if not PROVIDER:
        PROVIDER.append(Receiver())
    return PROVIDER[0]


def provider_requests(tmp_path, run_name):
    """The requests one run sent the provider, each as its path and body."""
    prefix = otlp_path(tmp_path, run_name) + "/"
    return [f"{p} {b.decode(errors='replace')}" for p, b in list(provider().received) if p.startswith(prefix)]


def receiver():
    if not RECEIVER:
        RECEIVER.append(Receiver())
    return RECEIVER[0]


def otlp_path(tmp_path, run_name):
    """Where one run of a probe exports: a path of its own."""
    return f"/{tmp_path.name}-{run_name}"


def exported(tmp_path, run_name, wait):
    """The span exports of one run, waited for when `wait` (they leave in
    batches of 0.1 s; the bound is generous)."""
    traces = otlp_path(tmp_path, run_name) + "/v1/traces"
    for _ in range(1200):
        bodies = [b for p, b in list(receiver().received) if p == traces]
        if bodies or not wait:
            return bodies
        time.sleep(0.1)
    return []


def value_of(row, key, text, tmp_path, run_name="with"):
    """The row's text as the Python value its rlm.toml key takes."""
    otlp = receiver().base + otlp_path(tmp_path, run_name)
    text = text.replace("{dir}", str(tmp_path)).replace("{otlp}", otlp)
    if "{provider}" in text:
        text = text.replace("{provider}", provider().base + otlp_path(tmp_path, run_name))
    if text in ("true", "false"):
        return text == "true"
    try:
        return int(text)
    except ValueError:
        return text


def config_of(row, tmp_path, with_knob):
    run_name = "with" if with_knob else "without"
    # The row's other knobs Python takes (its models are adapter objects),
    # and those paired with the knob (refused alone) in its run only.
    also = [(k, v) for k, v in row.get("also", {}).items() if "python" in HONOURED[k]]
    if with_knob:
        also += list(row.get("paired", {}).items())
    config = {k: value_of(row, k, v, tmp_path, run_name) for k, v in also}
    if with_knob:
        config[row["key"]] = value_of(row, row["key"], row["value"], tmp_path)
    elif row["key"] in KNOB_DEFAULTS_PYRLM_CHANGES:
        config[row["key"]] = KNOB_DEFAULTS_PYRLM_CHANGES[row["key"]]
    return config


class SubModel(FakeAdapter):
    """The probes' sub-model: "pong", two seconds late for a prompt holding
    SUBCALL-SLOW, as the script of rlm-cli's probes answers it (40 times the
    `subcall_deadline_secs` row's deadline)."""

    def complete(self, messages, **params):
        if any("SUBCALL-SLOW" in str(m.get("content", "")) for m in messages):
            time.sleep(2)
        return super().complete(messages, **params)


def run(row, tmp_path, with_knob):
    # The row's environment (a provider's address), for this run alone.
    run_name = "with" if with_knob else "without"
    env = {k: str(value_of(row, k, v, tmp_path, run_name)) for k, v in row.get("env", {}).items()}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        return run_in_env(row, tmp_path, with_knob)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def run_in_env(row, tmp_path, with_knob):
    (tmp_path / "fallback.py").write_text(FALLBACK)
    # The `replay` row's recording: it holds no exchange.
    (tmp_path / "empty.jsonl").write_text("")
    (tmp_path / "first_user.md").write_text(FIRST_USER)
    replies = [f"```repl\n{row['program']}\n```"] if "program" in row else list(row.get("replies", []))
    root = FakeAdapter(script=replies + ["FINAL('done')"] * 8)
    sub = SubModel(script=["pong"] * 50)
    # rlm_query opens sub-RLMs, as on every other front end (pyrlm's default
    # makes it a plain subcall; `budgets.max_depth` bounds them).
    config = config_of(row, tmp_path, with_knob)
    rlm = RLM(adapter=root, subcall_adapter=sub, recursive_subcalls=True, config=config)
    try:
        answer, trace = rlm.run("what does the context say?", Context.from_text("a small context"))
    except ModelError as e:
        # A replay miss ends the run without an answer (the root model "failed").
        assert "no recording in" in str(e), e
        return NO_ANSWER, [], []

    def texts(kind, field):
        return [
            (e.get("kind") or {}).get(field) or ""
            for e in trace.events
            if (e.get("kind") or {}).get("type") == kind
        ]

    return answer, texts("program_finished", "error"), texts("model_call_started", "prompt_preview")


def assert_exported(row, tmp_path):
    """An `otlp` row: spans arrive with the knob and none without it; or,
    with `expect`, spans of both runs arrive and only those with it hold it."""
    expect = row.get("expect", "").encode()
    run(row, tmp_path, True)
    with_spans = exported(tmp_path, "with", True)
    assert with_spans, "the receiver was sent no spans"
    run(row, tmp_path, False)
    exports = any("{otlp}" in v for v in row.get("also", {}).values())
    control = exported(tmp_path, "without", exports)
    if not expect:
        assert not control, "the control run exported spans too"
        return
    assert any(expect in b for b in with_spans), f"no span export holds {expect!r}"
    assert control, "the control run exported no spans"
    assert not any(expect in b for b in control), f"the control's spans hold {expect!r} too"


def matches(answer, expect):
    return expect == "" if answer == NO_ANSWER else (expect != "" and expect in answer)


@pytest.mark.parametrize("row", ROWS, ids=[r["key"] for r in ROWS])
def test_every_knob_reaches_python_or_is_refused_naming_it(row, tmp_path, monkeypatch):
    # A batch of spans leaves at once; no OTLP setting of the machine's.
    monkeypatch.setenv("OTEL_BSP_SCHEDULE_DELAY", "100")
    for k in [k for k in os.environ if k.startswith("OTEL_EXPORTER")]:
        monkeypatch.delenv(k)
    if "python" not in row["honoured"]:
        # The knob alone: a knob it needs (`also`) may be refused first.
        alone = {k: v for k, v in row.items() if k != "also"}
        with pytest.raises(ValueError, match=row["key"].replace(".", r"\.")):
            run(alone, tmp_path, True)
        return
    # A cell whose probe cannot show its effect here (`unobserved`): accepted.
    probe = "accepted" if "python" in row.get("unobserved", {}) else row["probe"]
    if probe == "program_error":
        expect = row["expect"].lower()
        _, errors, _ = run(row, tmp_path, True)
        assert any(expect in e.lower() for e in errors), errors
        _, control, _ = run(row, tmp_path, False)
        assert not any(expect in e.lower() for e in control), control
    elif probe == "answer":
        answer, _, _ = run(row, tmp_path, True)
        assert matches(answer, row["expect"]), answer
        control, _, _ = run(row, tmp_path, False)
        assert not matches(control, row["expect"]), control
    elif probe == "prompt":
        _, _, prompts = run(row, tmp_path, True)
        assert any(row["expect"] in p for p in prompts), prompts
        _, _, control = run(row, tmp_path, False)
        assert control, "the control run made no model call"
        assert not any(row["expect"] in p for p in control), control
    elif probe == "otlp":
        assert_exported(row, tmp_path)
    elif probe == "provider":
        run(row, tmp_path, True)
        sent = provider_requests(tmp_path, "with")
        assert any(row["expect"] in r for r in sent), f"no request to the provider holds {row['expect']!r}: {sent}"
        run(row, tmp_path, False)
        control = provider_requests(tmp_path, "without")
        assert not control, f"the control run sent the provider {control}"
    elif probe == "file":
        run(row, tmp_path, True)
        path = pathlib.Path(value_of(row, row["key"], row["value"], tmp_path))
        assert path.exists(), f"{path} was not written"
    else:
        # Accepted: the engine is built with it and runs.
        run(row, tmp_path, True)


FRONT_ENDS = {"run", "exec", "serve-api", "serve-worker", "mcp", "python", "stress"}


def test_every_cell_of_the_table_is_honoured_or_not_applicable_once():
    for row in ROWS:
        honoured = set(row["honoured"])
        not_applicable = set(row.get("not_applicable", {}))
        assert honoured | not_applicable == FRONT_ENDS, row["key"]
        assert not honoured & not_applicable, row["key"]
    assert json.dumps([r["key"] for r in ROWS])
