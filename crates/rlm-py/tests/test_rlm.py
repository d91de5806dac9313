"""The RLM API: pyrlm-runtime's quickstart, Python adapters (sync and async),
asyncio and cancellation, Ctrl-C, trace, cache, policy, providers, bad input."""

import _thread
import asyncio
import json
import threading
import time

import pytest

import rlm_rs
from rlm_rs import RLM, Context, FileCache, Policy, Trace
from rlm_rs.adapters import Adapter, FakeAdapter, OpenAICompatAdapter


def test_pyrlm_runtime_offline_quickstart_with_only_the_imports_changed():
    # The README of pyrlm-runtime 1.0.2, "Run without external APIs", verbatim
    # below the imports (which were `from pyrlm_runtime import RLM, Context`
    # and `from pyrlm_runtime.adapters import FakeAdapter`).
    adapter = FakeAdapter(script=[
        "snippet = peek(80)\nsummary = llm_query(f'Summarize: {snippet}')\nanswer = f'Summary -> {summary}'",
        "FINAL_VAR: answer",
    ])
    adapter.add_rule("You are a sub-LLM", "[fake] short summary")

    context = Context.from_text("RLMs treat long prompts as environment state.")
    output, trace = RLM(adapter=adapter).run("Summarize this.", context)
    print(output)  # Summary -> [fake] short summary

    assert output == "Summary -> [fake] short summary"
    assert [s.kind for s in trace.steps] == ["root_call", "repl_exec", "subcall", "root_call", "repl_exec"]


def scripted_root(*programs):
    return FakeAdapter(script=list(programs) + ["FINAL_VAR: final_answer"])


def test_trace_has_steps_and_event_dicts_and_round_trips_through_json():
    root = scripted_root("print(len(context))\nfinal_answer = str(len(context))")
    answer, trace = RLM(root).run("How long?", Context.from_documents(["ab", "cd"]))
    assert answer == str(len("ab\n\n---\n\ncd"))
    assert trace.events[0]["kind"]["type"] == "run_started"
    assert trace.events[-1]["kind"]["type"] == "run_finished"
    repl = [s for s in trace.steps if s.kind == "repl_exec"]
    assert repl[0].code.startswith("print(len(context))") and repl[0].stdout == answer + "\n"
    text = json.dumps(trace.to_dict())
    again = Trace.from_json(trace.to_rlm_json())
    assert again.steps == trace.steps and again.answer == answer and json.dumps(again.to_dict()) == text
    # Setting `final_answer` ends the run (the auto-finalize variable).
    assert trace.finish == {"kind": "auto_variable"}
    assert trace.usage["root_calls"] == 1


class Recorder:
    """A sync Python adapter, as pyrlm-runtime's custom adapters are written."""

    model = "py-sync"

    def __init__(self, replies):
        self.replies = list(replies)
        self.seen = []

    def complete(self, messages, *, max_tokens=512, temperature=0.0):
        self.seen.append(messages)
        return self.replies.pop(0)


def test_sync_python_adapter_as_root_model():
    root = Recorder(["```repl\nfinal_answer = context.upper()\n```", "FINAL_VAR(final_answer)"])
    answer, trace = RLM(root).run("Shout it.", "hello")
    assert answer == "HELLO"
    assert root.seen[0][0]["role"] == "system" and root.seen[0][-1]["role"] == "user"
    assert trace.events[0]["kind"]["model"] == "python:py-sync"


class AsyncSub:
    """An `async def complete` sub-model that records how many calls overlap."""

    def __init__(self, delay=0.05):
        self.delay = delay
        self.active = self.peak = self.started = self.cancelled = 0

    async def complete(self, messages, **params):
        self.started += 1
        self.active += 1
        self.peak = max(self.peak, self.active)
        try:
            await asyncio.sleep(self.delay)
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        finally:
            self.active -= 1
        return {"text": "re:" + messages[-1]["content"], "usage": {"prompt_tokens": 3, "completion_tokens": 2}}


BATCH = "rs = llm_batch(['a', 'b', 'c', 'd'])\nprint(rs)\nfinal_answer = ','.join(rs)"


def test_async_python_adapter_serves_subcalls_concurrently():
    sub = AsyncSub()
    answer, trace = RLM(scripted_root(BATCH), subcall_adapter=sub).run("q", "ctx")
    assert answer == "re:a,re:b,re:c,re:d"
    assert sub.peak == 4  # all four in flight at once
    assert sum(1 for s in trace.steps if s.kind == "subcall") == 4


def test_sync_python_adapter_calls_overlap_without_the_gil():
    lock = threading.Lock()
    state = {"active": 0, "peak": 0}

    class BlockingClient:
        def complete(self, messages, **params):
            with lock:
                state["active"] += 1
                state["peak"] = max(state["peak"], state["active"])
            time.sleep(0.1)  # a blocking HTTP client releases the GIL the same way
            with lock:
                state["active"] -= 1
            return "re:" + messages[-1]["content"]

    answer, _ = RLM(scripted_root(BATCH), subcall_adapter=BlockingClient()).run("q", "ctx")
    assert answer == "re:a,re:b,re:c,re:d"
    assert state["peak"] > 1  # calls ran at the same time, each on its own thread


def test_recursive_subcalls_open_sub_rlms():
    def make_root():
        return FakeAdapter(script=[
            "final_answer = rlm_query('inner question', context[:3])",
            "final_answer = 'inner:' + context",
        ])

    answer, trace = RLM(make_root(), recursive_subcalls=True).run("q", "abcdef")
    assert answer == "inner:abc"
    assert "sub_root_call" in [s.kind for s in trace.steps]


def test_arun_with_async_adapter_on_the_callers_loop():
    sub = AsyncSub()

    async def main():
        loop = asyncio.get_running_loop()
        sub.loops = set()
        original = sub.complete

        async def complete(messages, **params):
            sub.loops.add(asyncio.get_running_loop())
            return await original(messages, **params)

        sub.complete = complete
        answer, _ = await RLM(scripted_root(BATCH), subcall_adapter=sub).arun("q", "ctx")
        return answer, sub.loops == {loop}

    answer, same_loop = asyncio.run(main())
    assert answer == "re:a,re:b,re:c,re:d" and same_loop and sub.peak == 4


def test_cancelling_arun_cancels_the_run_and_its_subcalls_in_flight():
    sub = AsyncSub(delay=30)
    root = scripted_root("first = llm_batch(['a', 'b', 'c'])\nsecond = llm_batch(['d', 'e'])\nfinal_answer = 'x'")

    async def main():
        task = asyncio.ensure_future(RLM(root, subcall_adapter=sub).arun("q", "ctx"))
        while sub.started < 3:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        while sub.cancelled < 3:
            await asyncio.sleep(0.01)

    asyncio.run(asyncio.wait_for(main(), 20))
    assert sub.started == 3 and sub.cancelled == 3  # the second batch never started


def test_keyboard_interrupt_mid_run_cancels_and_raises(sigint_raises):
    class SlowSync:
        calls = 0

        def complete(self, messages, **params):
            SlowSync.calls += 1
            time.sleep(0.2)
            return "y"

    root = scripted_root("rs = [llm_query(str(i)) for i in range(50)]\nfinal_answer = 'x'")
    timer = threading.Timer(0.3, _thread.interrupt_main)
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        RLM(root, subcall_adapter=SlowSync()).run("q", "ctx")
    timer.join()
    assert 1 <= SlowSync.calls < 50


def test_exceptions_inside_python_adapters():
    class Broken:
        def complete(self, messages, **params):
            raise RuntimeError("provider down")

    with pytest.raises(rlm_rs.ModelError, match="provider down"):
        RLM(Broken()).run("q", "ctx")
    # A failing sub-model is an error the program sees (and may handle).
    root = scripted_root("try:\n    llm_query('x')\nexcept Exception as e:\n    final_answer = 'handled: ' + str(e)")
    answer, _ = RLM(root, subcall_adapter=Broken()).run("q", "ctx")
    assert answer.startswith("handled: ") and "provider down" in answer

    class WrongType:
        def complete(self, messages, **params):
            return 42

    with pytest.raises(rlm_rs.ModelError, match="returned a 'int'"):
        RLM(WrongType()).run("q", "ctx")


def test_bad_arguments_are_clear_errors():
    with pytest.raises(rlm_rs.ConfigError, match="is not a model"):
        RLM(42)
    with pytest.raises(rlm_rs.ConfigError, match="provider:model"):
        RLM("no-provider")
    rlm = RLM(scripted_root("final_answer = 'x'"))
    with pytest.raises(TypeError, match="query must be a str"):
        rlm.run(5, "ctx")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="context must be"):
        rlm.run("q", 5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Context.from_documents([1, 2])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        FakeAdapter(script="not a list")  # type: ignore[arg-type]
    with pytest.raises(rlm_rs.ConfigError, match="bad rule pattern"):
        FakeAdapter().add_rule("(", "x", regex=True)
    with pytest.raises(rlm_rs.ConfigError):
        Context.from_file("/nonexistent/file.txt")
    with pytest.raises(rlm_rs.ConfigError, match="max_wall_time_s"):
        RLM(scripted_root(), policy=Policy(max_wall_time_s=-1))


def test_huge_context_string():
    text = ("line of text\n" * 400_000) + "NEEDLE=73\n"  # ~5 MB
    root = scripted_root("i = context.find('NEEDLE=')\nfinal_answer = context[i + 7:i + 9]")
    answer, _ = RLM(root).run("Find the needle.", text)
    assert answer == "73"


def test_policy_budget_ends_gracefully():
    root = FakeAdapter(script=["print(1)"] * 5 + ["FINAL(done)"])
    root.add_rule("final answer now", "FINAL(out of steps)")
    answer, trace = RLM(root, policy=Policy(max_steps=2)).run("q", "ctx")
    assert trace.finish["kind"] in ("finalized", "best_effort")
    assert trace.usage["steps"] <= 3


def test_file_cache_serves_repeated_subcalls(tmp_path):
    cache = FileCache(root=str(tmp_path / "cache"))
    sub = AsyncSub()
    program = "final_answer = llm_query('same prompt')"
    a1, _ = RLM(scripted_root(program), subcall_adapter=sub, cache=cache).run("q", "ctx")
    a2, trace = RLM(scripted_root(program), subcall_adapter=sub, cache=cache).run("q", "ctx")
    assert a1 == a2 == "re:same prompt"
    assert sub.started == 1
    cached = [e for e in trace.events if e["kind"]["type"] == "subcall_finished"]
    assert cached and cached[0]["kind"]["cached"] is True


def test_openai_compat_adapter_against_a_local_server():
    from http.server import BaseHTTPRequestHandler, HTTPServer

    requests = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            requests.append((self.path, self.headers.get("Authorization"), body))
            reply = "```repl\nfinal_answer = 'from server'\nprint(final_answer)\n```" if len(requests) == 1 else "FINAL_VAR(final_answer)"
            data = json.dumps({
                "id": "x", "object": "chat.completion", "model": body["model"],
                "choices": [{"index": 0, "message": {"role": "assistant", "content": reply}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
            }).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        adapter = OpenAICompatAdapter(model="tiny", base_url=f"http://127.0.0.1:{server.server_port}/v1", api_key="k")
        assert adapter.model_id == "openai:tiny"
        answer, _ = RLM(adapter).run("q", "ctx")
    finally:
        server.shutdown()
    assert answer == "from server"
    assert requests[0][0] == "/v1/chat/completions" and requests[0][1] == "Bearer k"
    assert requests[0][2]["model"] == "tiny"


def test_providers_by_model_string():
    assert Adapter("fake:echo").model_id == "fake:echo"
    answer, _ = RLM(scripted_root("final_answer = llm_query('ping')"), subcall_adapter="fake:echo").run("q", "c")
    assert answer == "ping"
