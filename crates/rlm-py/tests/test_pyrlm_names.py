"""pyrlm-runtime's public names beyond ``RLM`` (issue #38): FakeAdapter's
``rules=``/``call_log``/``complete()``, ``Policy``'s counters and
``Max*Exceeded``, ``Trace``/``TraceStep`` (usage, elapsed, cache hits, pyrlm's
trace JSON), ``handle`` listeners and ``RLMEvent``, ``prompts``, the cache's
records, the router, the IR metrics, the REPL, and the names refused with a
reason. Where pyrlm-runtime can say what the answer is (its own functions and
JSON), the test asks it (installed by ci.sh)."""

from __future__ import annotations

import json
from typing import Any, Dict, List

import pytest

import pyrlm_runtime
from pyrlm_runtime import Trace as PyrlmTrace
from pyrlm_runtime import TraceStep as PyrlmStep
from pyrlm_runtime.adapters.base import Usage as PyrlmUsage
from pyrlm_runtime.multiquery import union_pool as pyrlm_union_pool
from pyrlm_runtime.rerank import ndcg_at_k as pyrlm_ndcg, recall_at_k as pyrlm_recall

import rlm_rs
from rlm_rs import (
    RLM,
    CacheRecord,
    ConfigError,
    Context,
    FileCache,
    MaxRecursionExceeded,
    MaxStepsExceeded,
    MaxSubcallsExceeded,
    MaxTokensExceeded,
    Policy,
    PolicyError,
    Trace,
    TraceStep,
    Usage,
)
from rlm_rs.adapters import FakeAdapter, FakeRule, ModelResponse, NativeFakeAdapter
from rlm_rs.events import RLMEvent

PROGRAM = "```repl\nreply = llm_query('say pong')\n```"


def run_with_sub(root: Any, sub: Any, **kw: Any) -> Any:
    return RLM(root, subcall_adapter=sub, **kw).run("q", Context.from_text("some context"))


# --- FakeAdapter ------------------------------------------------------------


def test_fake_adapter_rules_script_and_call_log() -> None:
    fake = FakeAdapter(
        rules=[FakeRule(matcher=lambda p: "weather" in p, response="sunny", once=True)],
        script=["first", "second"],
    )
    fake.add_rule(r"ping\d", "pong", regex=True)
    r1 = fake.complete([{"role": "user", "content": "the weather?"}])
    r2 = fake.complete([{"role": "user", "content": "the weather?"}])  # the once rule is gone
    r3 = fake.complete([{"role": "system", "content": "s"}, {"role": "user", "content": "ping7"}])
    r4 = fake.complete([{"role": "user", "content": "x"}])
    assert [r1.text, r2.text, r3.text, r4.text] == ["sunny", "first", "pong", "second"]
    assert isinstance(r1, ModelResponse)
    assert r1.usage.total_tokens == r1.usage.prompt_tokens + r1.usage.completion_tokens > 0
    assert fake.call_log[2] == [{"role": "system", "content": "s"}, {"role": "user", "content": "ping7"}]
    assert fake.calls == 4
    with pytest.raises(RuntimeError, match="no matching rule or remaining script"):
        fake.complete([{"role": "user", "content": "x"}])


def test_fake_adapter_rule_usage_override() -> None:
    fake = FakeAdapter()
    fake.add_rule("a", "b", usage=Usage(prompt_tokens=7, completion_tokens=3, total_tokens=10))
    assert fake.complete([{"role": "user", "content": "a"}]).usage.total_tokens == 10


def test_fake_adapter_drives_a_run_and_logs_its_messages() -> None:
    root = FakeAdapter(script=[PROGRAM, "FINAL_VAR: reply"])
    sub = FakeAdapter(rules=[FakeRule(matcher=lambda p: "pong" in p, response="PONG")])
    answer, trace = run_with_sub(root, sub)
    assert answer == "PONG"
    assert len(root.call_log) == 2
    assert root.call_log[0][0]["role"] == "system"
    assert any("say pong" in m["content"] for m in sub.call_log[0])


def test_fake_adapter_exhausted_is_a_model_error_with_the_cause() -> None:
    with pytest.raises(rlm_rs.ModelError) as info:
        RLM(FakeAdapter(script=[])).run("q", "c")
    assert isinstance(info.value.__cause__, RuntimeError)


def test_native_fake_adapter_is_still_there() -> None:
    answer, _ = RLM(NativeFakeAdapter(script=["```repl\nprint(6 * 7)\n```", "FINAL: 42"])).run("q", "c")
    assert answer == "42"


# --- Policy -----------------------------------------------------------------


def test_policy_counters_grow_with_each_run() -> None:
    policy = Policy(max_steps=10)
    script = [PROGRAM, "FINAL_VAR: reply"] * 2
    root = FakeAdapter(script=script)
    sub = FakeAdapter(script=["a", "b"])
    rlm = RLM(root, subcall_adapter=sub, policy=policy)
    rlm.run("q", "c")
    assert (policy.steps, policy.subcalls) == (2, 1)
    first_tokens = policy.total_tokens
    assert first_tokens > policy.subcall_tokens > 0
    rlm.run("q", "c")
    assert (policy.steps, policy.subcalls) == (4, 2)
    assert policy.total_tokens == 2 * first_tokens


def test_policy_methods_raise_pyrlms_errors() -> None:
    p = Policy(max_steps=1, max_subcalls=1, max_recursion_depth=1, max_total_tokens=10, max_subcall_tokens=5)
    p.check_step()
    with pytest.raises(MaxStepsExceeded):
        p.check_step()
    with pytest.raises(MaxRecursionExceeded):
        p.check_subcall(depth=2)
    p.check_subcall(depth=1)
    with pytest.raises(MaxSubcallsExceeded):
        p.check_subcall(depth=1)
    p.add_tokens(4)
    with pytest.raises(MaxTokensExceeded, match="max_total_tokens"):
        p.add_tokens(7)
    with pytest.raises(MaxTokensExceeded, match="max_subcall_tokens"):
        p.add_subcall_tokens(6)
    p.reserve_subcall_tokens(3)
    with pytest.raises(MaxTokensExceeded):
        p.reserve_subcall_tokens(3)
    p.finalize_subcall_tokens(3, 2)
    assert (p.total_tokens, p.subcall_tokens) == (6, 2)
    with pytest.raises(ValueError):
        p.release_subcall_tokens(1)
    assert issubclass(MaxStepsExceeded, PolicyError) and issubclass(PolicyError, RuntimeError)


def test_policy_agrees_with_pyrlms_on_a_sequence() -> None:
    ours, theirs = Policy(max_total_tokens=20, max_subcall_tokens=12), pyrlm_runtime.Policy(
        max_total_tokens=20, max_subcall_tokens=12
    )
    ops = [("add_tokens", 5), ("add_subcall_tokens", 6), ("reserve_subcall_tokens", 4),
           ("add_subcall_tokens", 4), ("add_tokens", 3), ("add_tokens", 9)]
    for name, n in ops:
        outcomes = []
        for p in (ours, theirs):
            try:
                getattr(p, name)(n)
                outcomes.append("ok")
            except Exception as e:  # noqa: BLE001
                outcomes.append(type(e).__name__)
        assert outcomes[0] == outcomes[1], (name, n, outcomes)
        assert (ours.total_tokens, ours.subcall_tokens) == (theirs.total_tokens, theirs.subcall_tokens)


# --- Trace ------------------------------------------------------------------


def test_trace_steps_carry_usage_elapsed_and_model() -> None:
    root = FakeAdapter(script=[PROGRAM, "FINAL_VAR: reply"])
    _, trace = run_with_sub(root, FakeAdapter(script=["pong"]))
    kinds = [s.kind for s in trace.steps]
    # The last step runs FINAL_VAR (the runtime resolves it as a program).
    assert kinds == ["root_call", "repl_exec", "subcall", "root_call", "repl_exec"]
    assert trace.steps[-1].code == 'FINAL_VAR("reply")' 
    for s in trace.steps:
        assert s.elapsed is not None and s.elapsed >= 0
    calls = [s for s in trace.steps if s.kind in ("root_call", "subcall")]
    assert all(s.usage is not None and s.usage.total_tokens > 0 for s in calls)
    assert trace.total_tokens == sum(s.usage.total_tokens for s in calls if s.usage)
    assert [s.step_id for s in trace.steps] == [1, 2, 3, 4, 5]


def test_cache_hits_are_marked(tmp_path: Any) -> None:
    cache = FileCache(tmp_path / "cache")
    traces = []
    for _ in range(2):
        root = FakeAdapter(script=[PROGRAM, "FINAL_VAR: reply"])
        answer, trace = run_with_sub(root, FakeAdapter(script=["pong", "pong"]), cache=cache)
        assert answer == "pong"
        traces.append(trace)
    sub_hits = [[s.cache_hit for s in t.steps if s.kind == "subcall"] for t in traces]
    assert sub_hits == [[False], [True]]
    assert traces[1].cache_hits >= 1


def test_trace_reads_pyrlms_json() -> None:
    theirs = PyrlmTrace(steps=[])
    theirs.add(PyrlmStep(step_id=1, kind="root_call", depth=0, prompt_summary="p", output="o",
                         usage=PyrlmUsage(3, 4, 7), model="m", elapsed=0.5, cache_hit=True,
                         parallel_index=2, parallel_total=3, cache_key="k"))
    theirs.add(PyrlmStep(step_id=2, kind="repl_exec", depth=1, code="x = 1", stdout="", error="E"))
    ours = Trace.from_json(theirs.to_json())
    a, b = ours.steps
    assert (a.kind, a.prompt_summary, a.output, a.model, a.elapsed, a.cache_hit) == ("root_call", "p", "o", "m", 0.5, True)
    assert a.usage == Usage(3, 4, 7) and (a.parallel_index, a.parallel_total, a.cache_key) == (2, 3, "k")
    assert (b.depth, b.code, b.error) == (1, "x = 1", "E")
    # Our to_json is pyrlm's text, and reads back in pyrlm-runtime identically.
    assert ours.to_json() == theirs.to_json()
    back = PyrlmTrace.from_json(ours.to_json())
    assert back.to_json() == theirs.to_json()


def test_trace_json_round_trip_and_add() -> None:
    _, trace = RLM(FakeAdapter(script=["FINAL: 1"])).run("q", "c")
    again = Trace.from_json(trace.to_json())
    assert isinstance(json.loads(trace.to_json()), list)
    assert Trace.from_json(trace.to_rlm_json()).finish == trace.finish
    assert [s.kind for s in again.steps] == [s.kind for s in trace.steps]
    again.add(TraceStep(step_id=9, kind="compaction", depth=0))
    assert again.steps[-1].kind == "compaction"
    with pytest.raises(ValueError):
        Trace.from_json("3")


# --- listeners --------------------------------------------------------------


class Recorder:
    def __init__(self) -> None:
        self.events: List[RLMEvent] = []

    def handle(self, event: RLMEvent) -> None:
        self.events.append(event)


def test_handle_listener_gets_pyrlms_events() -> None:
    rec = Recorder()
    root = FakeAdapter(script=[PROGRAM, "FINAL_VAR: reply"])
    answer, trace = RLM(root, subcall_adapter=FakeAdapter(script=["pong"]), event_listener=rec).run("q?", "ctx")
    kinds = [e.kind for e in rec.events]
    assert kinds[0] == "run_started" and kinds[-1] == "run_finished"
    assert kinds[1:-1] == ["step_completed"] * 5
    assert rec.events[0].query == "q?" and rec.events[0].repl_backend == "rlm_rs"
    assert rec.events[0].context_metadata is not None and rec.events[0].context_metadata["context_chars"] == 3
    steps = [e.step for e in rec.events if e.step is not None]
    assert sorted(s.kind for s in steps) == sorted(s.kind for s in trace.steps)
    last = rec.events[-1]
    assert (last.output, last.total_steps) == (answer, 5)
    assert last.tokens_used == trace.total_tokens


def test_rich_trace_listener_prints(capsys: Any) -> None:
    from rlm_rs.rich_trace import RichTraceListener

    class Plain:
        def __init__(self) -> None:
            self.lines: List[str] = []

        def print(self, text: str, **kw: Any) -> None:
            self.lines.append(text)

    console = Plain()
    root = FakeAdapter(script=["```repl\nprint('done')\n```", "FINAL: done"])
    RLM(root, event_listener=RichTraceListener(console=console)).run("q", "c")
    assert console.lines[0].startswith("== run started")
    assert "done" in console.lines[-1]


# --- prompts, cache records --------------------------------------------------


def test_prompts_are_the_runtimes_templates() -> None:
    from rlm_rs import prompts

    assert "FINAL" in prompts.BASE_SYSTEM_PROMPT and "{{functions}}" in prompts.BASE_SYSTEM_PROMPT
    assert prompts.LLAMA_SYSTEM_PROMPT != prompts.BASE_SYSTEM_PROMPT
    assert len(prompts.LLAMA_SYSTEM_PROMPT) < len(prompts.BASE_SYSTEM_PROMPT)
    assert prompts.SUBCALL_SYSTEM_PROMPT and prompts.RECURSIVE_SUBCALL_SYSTEM_PROMPT
    with pytest.raises(ConfigError, match="system_prompt"):
        prompts.build_system_prompt()
    # Passed back with text appended, the placeholders are filled in.
    root = FakeAdapter(script=["FINAL: ok"])
    RLM(root, system_prompt=prompts.BASE_SYSTEM_PROMPT + "\nTIP: be brief").run("q", "c")
    system = root.call_log[0][0]["content"]
    assert "{{functions}}" not in system and "llm_query" in system and system.endswith("TIP: be brief")


def test_cache_records_get_and_set_as_pyrlms(tmp_path: Any) -> None:
    from pyrlm_runtime.cache import CacheRecord as PyrlmRecord, FileCache as PyrlmCache

    root = str(tmp_path / "c")
    cache = FileCache(root)
    assert cache.root == root
    theirs = PyrlmCache(tmp_path / "theirs")
    for key, text, usage in [("k", "t", (1, 1, 2)), ("model|prompt", "é ✓", (10, 5, 15)), ("", "", (0, 0, 0))]:
        assert cache.get(key) is None and theirs.get(key) is None
        cache.set(key, CacheRecord(text=text, usage=Usage(*usage)))
        theirs.set(key, PyrlmRecord(text=text, usage=PyrlmUsage(*usage)))
        got, want = cache.get(key), theirs.get(key)
        assert got is not None and want is not None
        assert (got.text, got.usage.to_dict()) == (want.text, want.usage.to_dict())
    cache.set("k", CacheRecord(text="replaced", usage=Usage(2, 3, 5)))
    again = cache.get("k")
    assert again is not None and again.text == "replaced" and again.usage == Usage(2, 3, 5)
    with pytest.raises(TypeError, match="cache key is a str"):
        cache.get(3)  # type: ignore[arg-type]
    # The records outlive the process's handle (sled on disk).
    del cache
    import gc

    gc.collect()
    assert FileCache(root).get("model|prompt") == CacheRecord(text="é ✓", usage=Usage(10, 5, 15))


def test_two_file_caches_on_one_folder_share_entries(tmp_path: Any) -> None:
    # pyrlm allows several FileCache objects on one folder; here they share
    # the one open store of the process (issue #56: the second raised ConfigError).
    root = str(tmp_path / "shared")
    first, second = FileCache(root), FileCache(root)
    first.set("k", CacheRecord(text="from the first", usage=Usage(1, 2, 3)))
    assert second.get("k") == CacheRecord(text="from the first", usage=Usage(1, 2, 3))
    second.set("k2", CacheRecord(text="from the second", usage=Usage(0, 1, 1)))
    got = first.get("k2")
    assert got is not None and got.text == "from the second"
    # As an RLM's cache (cache_dir=) while a FileCache holds the folder.
    answer, _ = RLM(FakeAdapter(script=["```repl\nprint('ok')\n```", "FINAL: ok"]), cache_dir=root).run("q", "c")
    assert answer == "ok"


def test_a_file_cache_held_by_another_process_names_it(tmp_path: Any) -> None:
    # sled's lock admits one process per folder: the second process gets a
    # ConfigError naming the process that holds it (our choice; documented in
    # rlm_rs.cache).
    import subprocess
    import sys

    root = str(tmp_path / "held")
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys; from rlm_rs import FileCache; c = FileCache(sys.argv[1]); print('open', flush=True); sys.stdin.read()",
         root],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        with pytest.raises(ConfigError) as raised:
            FileCache(root)
        message = str(raised.value)
        assert f"another process (pid {holder.pid}: " in message, message
        assert root in message and "own cache directory" in message, message
    finally:
        holder.communicate("", timeout=60)
    # Once it exited, the folder opens here, with what it left.
    assert FileCache(root).get("absent") is None


# --- router, metrics, rewriting ----------------------------------------------


def test_smart_router_routes_by_context_size() -> None:
    from rlm_rs import ExecutionProfile, RouterConfig, SmartRouter, TraceFormatter

    small = SmartRouter(FakeAdapter(script=["the direct answer"]), config=RouterConfig(baseline_threshold=100))
    r = small.run("q", Context.from_text("short"))
    assert (r.method, r.output, r.context_chars) == ("baseline", "the direct answer", 5)
    looped = ["```repl\nprint('looped')\n```", "FINAL: looped"]
    big = SmartRouter(FakeAdapter(script=looped), config=RouterConfig(baseline_threshold=3))
    r2 = big.run("q", "longer context", profile=ExecutionProfile.HYBRID)
    assert (r2.method, r2.output, r2.profile) == ("rlm", "looped", ExecutionProfile.HYBRID)
    forced = SmartRouter(FakeAdapter(script=["direct"]), config=RouterConfig(baseline_threshold=1))
    assert forced.run("q", "abc", force_method="baseline").method == "baseline"
    table = TraceFormatter().format_table([r, r2])
    assert "baseline" in table and "rlm" in table
    assert "Summary:" in TraceFormatter().format(r2.trace, title="t")
    with pytest.raises(ConfigError, match="auto_calibrate"):
        SmartRouter(FakeAdapter(), config=RouterConfig(auto_calibrate=True))


def test_ir_metrics_match_pyrlms_on_binary_grades() -> None:
    ranked = ["d3", "d1", "d9", "d2", "d5"]
    qrels: Dict[str, float] = {"d1": 1, "d2": 1, "d7": 1, "d9": 0}
    for k in (0, 1, 3, 5, 10):
        assert rlm_rs.ndcg_at_k(ranked, qrels, k) == pytest.approx(pyrlm_ndcg(ranked, qrels, k))
        assert rlm_rs.recall_at_k(ranked, qrels, k) == pytest.approx(pyrlm_recall(ranked, qrels, k))
    with pytest.raises(ValueError, match="whole numbers"):
        rlm_rs.ndcg_at_k(ranked, {"d1": 0.5})


def test_graded_ndcg_uses_trec_evals_linear_gains() -> None:
    import math

    ranked = ["d3", "d1", "d2"]
    qrels: Dict[str, float] = {"d1": 2, "d2": 1, "d7": 3}
    dcg = 2 / math.log2(3) + 1 / math.log2(4)
    idcg = 3 / math.log2(2) + 2 / math.log2(3) + 1 / math.log2(4)
    assert rlm_rs.ndcg_at_k(ranked, qrels, 3) == pytest.approx(dcg / idcg)


def test_union_pool_matches_pyrlms() -> None:
    pools = [[{"doc_id": "a", "score": 1.0}, {"doc_id": "b", "score": 0.5}], [{"doc_id": "b", "score": 9.0}, {"doc_id": "c"}]]
    assert rlm_rs.union_pool(pools) == pyrlm_union_pool(pools)


# --- REPL -------------------------------------------------------------------


def test_python_repl_on_the_sandbox() -> None:
    from rlm_rs.env import ExecResult, PythonREPL
    from rlm_rs.env_monty import MONTY_AVAILABLE, MontyREPL

    repl = PythonREPL()
    repl.set("n", 20)
    repl.set("double", lambda x: 2 * x)
    assert repl.exec("x = double(n) + 1\nprint('x is', x)") == ExecResult(stdout="x is 41\n", error=None)
    assert repl.get("x") == 41
    assert repl.exec("x * 2").stdout == "82\n"
    bad = repl.exec("1 / 0")
    assert bad.error is not None and bad.error.startswith("ZeroDivisionError")
    assert repl.get("_stderr") == bad.error
    assert repl.exec("def (").error.startswith("SyntaxError")
    assert MONTY_AVAILABLE and MontyREPL().exec("print(1 + 1)").stdout == "2\n"
    with pytest.raises(ConfigError, match="fuel"):
        PythonREPL(exec_timeout=5.0)


# --- adapter calls, Context's host side, mapped options -----------------------


def test_adapter_complete_endpoint_and_close_against_a_mock_server() -> None:
    import importlib.util
    import threading
    from http.server import ThreadingHTTPServer
    from pathlib import Path

    from rlm_rs.adapters import GenericChatAdapter, OpenAICompatAdapter

    path = Path(__file__).resolve().parent.parent / "compat" / "run_pyrlm_examples.py"
    spec = importlib.util.spec_from_file_location("run_pyrlm_examples", path)
    assert spec is not None and spec.loader is not None
    runner = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(runner)
    server = ThreadingHTTPServer(("127.0.0.1", 0), runner.MockOpenAI)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/v1"
        adapter = GenericChatAdapter(base_url=base, model="m", api_key="k", max_retries=0)
        assert adapter.endpoint == base + "/chat/completions"
        reply = adapter.complete([{"role": "user", "content": "hi"}], max_tokens=5)
        assert isinstance(reply, ModelResponse)
        assert reply.text == "mock sub-answer"
        assert reply.usage == Usage(prompt_tokens=10, completion_tokens=5, total_tokens=15)
        assert OpenAICompatAdapter(model="m", base_url=base).endpoint == base
        adapter.close()
        with pytest.raises(ConfigError, match="role"):
            adapter.complete([{"role": "tool", "content": "x"}])
    finally:
        server.shutdown()


def test_context_text_and_slice() -> None:
    ctx = Context.from_documents(["ab", "cd"], separator="|")
    assert ctx.text == "ab|cd"
    assert (ctx.slice(1, 4), ctx.slice(-2), ctx.slice(3, 99)) == ("b|c", "cd", "cd")


def test_subcall_system_prompt_reaches_the_sub_model() -> None:
    sub = FakeAdapter(script=["pong"])
    root = FakeAdapter(script=[PROGRAM, "FINAL_VAR: reply"])
    RLM(root, subcall_adapter=sub, subcall_system_prompt="You are a strict classifier.").run("q", "c")
    assert sub.call_log[0][0] == {"role": "system", "content": "You are a strict classifier."}


def test_repl_error_limit_ends_a_failing_run() -> None:
    failing = "```repl\nx = 1 / 0\n```"
    root = FakeAdapter(script=[failing] * 3, rules=[FakeRule(matcher=lambda p: "answer now" in p.lower(), response="FINAL: gave up")])
    answer, trace = RLM(root, repl_error_limit=2, policy=Policy(max_steps=10)).run("q", "c")
    programs = [s for s in trace.steps if s.kind == "repl_exec"]
    assert len(programs) == 2 and all(s.error for s in programs)
    assert trace.finish.get("kind") != "answer"


def test_pyrlm_trace_viewer_is_refused_with_why() -> None:
    with pytest.raises(ImportError, match="no Textual trace viewer"):
        import rlm_rs.trace_viewer  # noqa: F401
