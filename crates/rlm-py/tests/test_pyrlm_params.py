"""pyrlm-runtime's RLM parameters with its meaning: system_prompt,
conversation_history, retriever, event_listener, repl_backend,
parallel_subcalls, and require_repl_before_final's default."""

import dataclasses
import threading
import time

import pytest

from rlm_rs import RLM, Context
from rlm_rs.adapters import FakeAdapter
from rlm_rs.rlm import NO_ANSWER


def scripted_root(*programs):
    return FakeAdapter(script=list(programs) + ["FINAL_VAR: final_answer"])


# A program prints what the answer says first: an answer rests on evidence (issue #78).
PRINT_OK = "```repl\nprint('ok')\n```"


class Recorder:
    """A root model that records the messages it is sent, then answers from a script."""

    def __init__(self, *replies):
        self.replies = list(replies)
        self.seen = []

    def complete(self, messages, **params):
        self.seen.append(messages)
        return self.replies.pop(0)


def test_require_repl_before_final_defaults_to_false_as_in_pyrlm():
    # pyrlm's default (False) maps to guards.require_program = false: a FINAL
    # before any program is not refused for want of a program, the run ends
    # at once. But an answer that rests on no evidence is no answer (issue
    # #78, on every surface): nothing printed or computed 42, so the run ends
    # with no answer, the model's guess kept in the finish.
    answer, trace = RLM(FakeAdapter(script=["FINAL: 42"])).run("q", "ctx")
    assert answer == NO_ANSWER
    assert trace.finish["kind"] == "no_evidence" and trace.finish["guess"] == "42"
    assert [s.kind for s in trace.steps].count("root_call") == 1  # not asked again
    # Taking ungrounded answers (guards.accept_ungrounded) gives pyrlm's behaviour:
    # accepted at once.
    answer, trace = RLM(FakeAdapter(script=["FINAL: 42"]), config={"guards.accept_ungrounded": True}).run("q", "ctx")
    assert answer == "42"
    assert [s.kind for s in trace.steps].count("root_call") == 1  # accepted at once
    # Asked for, a FINAL before any program is refused and the model asked again
    # (a program of literals alone, such as `x = 2`, would not do: issue #60).
    script = ["FINAL: 1", "x = len(context)\nprint(x)", "FINAL: 3"]
    answer, trace = RLM(FakeAdapter(script=script), require_repl_before_final=True).run("q", "ctx")
    assert answer == "3"
    assert [s.kind for s in trace.steps].count("root_call") == 3


def test_system_prompt_replaces_the_root_system_message():
    root = Recorder(PRINT_OK, "FINAL: ok")
    answer, _ = RLM(root, system_prompt="You are terse. Functions:\n{{functions}}").run("q", "ctx")
    assert answer == "ok"
    system = root.seen[0][0]
    assert system["role"] == "system"
    assert system["content"].startswith("You are terse. Functions:\n")
    assert "llm_query" in system["content"]  # the placeholder was filled
    default = Recorder(PRINT_OK, "FINAL: ok")
    RLM(default).run("q", "ctx")
    assert default.seen[0][0]["content"] != system["content"]
    with pytest.raises(TypeError, match="system_prompt must be a str"):
        RLM(root, system_prompt=3)  # type: ignore[arg-type]


def test_event_listener_gets_each_event_as_a_dict_while_the_run_proceeds():
    events = []
    root_calls_seen_by_listener = []

    class Root:
        n = 0

        def complete(self, messages, **params):
            # Events of the first step reached the listener before the second call.
            root_calls_seen_by_listener.append(len(events))
            Root.n += 1
            return "final_answer = 'done'\nprint(final_answer)" if Root.n == 1 else "FINAL_VAR: final_answer"

    answer, trace = RLM(Root(), event_listener=events.append).run("q", "ctx")
    assert answer == "done"
    assert all(isinstance(e, dict) for e in events)
    assert events[0]["kind"]["type"] == "run_started"
    assert events[-1]["kind"]["type"] == "run_finished"
    assert [e["kind"]["type"] for e in events] == [e["kind"]["type"] for e in trace.events]
    assert root_calls_seen_by_listener[0] >= 1

    class Listener:
        def __init__(self):
            self.kinds = []

        def on_event(self, event):
            self.kinds.append(event["kind"]["type"])

    listener = Listener()
    RLM(scripted_root("final_answer = 1\nprint(final_answer)"), event_listener=listener).run("q", "ctx")
    assert listener.kinds[0] == "run_started" and "run_finished" in listener.kinds
    with pytest.raises(Exception, match="event_listener must be callable"):
        RLM(scripted_root(), event_listener=42)


def test_a_failing_event_listener_does_not_break_the_run(monkeypatch):
    seen = []
    monkeypatch.setattr("sys.unraisablehook", lambda u: seen.append(u.exc_value))

    def broken(event):
        raise ValueError("listener bug")

    answer, _ = RLM(scripted_root("final_answer = 'fine'\nprint(final_answer)"), event_listener=broken).run("q", "ctx")
    assert answer == "fine"
    assert seen and isinstance(seen[0], ValueError)


@dataclasses.dataclass
class Doc:
    doc_id: str
    content: str
    score: float
    metadata: dict


class ListRetriever:
    """pyrlm's RetrieverProtocol over a list of texts (word-overlap scores)."""

    def __init__(self, texts):
        self.docs = {f"d{i}": t for i, t in enumerate(texts)}
        self.calls = []

    def search(self, query, top_k=10, filters=None):
        self.calls.append(("search", query, top_k, filters))
        words = set(query.lower().split())
        hits = [Doc(i, t, float(len(words & set(t.lower().split()))), {"n": i}) for i, t in self.docs.items()]
        hits = [h for h in hits if h.score > 0]
        return sorted(hits, key=lambda h: -h.score)[:top_k]

    def vector_search(self, query, top_k=10, filters=None):
        self.calls.append(("vector_search", query, top_k, filters))
        return [{"doc_id": "d0", "preview": "vec", "score": 0.5, "metadata": {}}]

    def hybrid_search(self, query, top_k=10, filters=None):
        return self.search(query, top_k, filters)

    def get(self, doc_id):
        self.calls.append(("get", doc_id))
        if doc_id not in self.docs:
            raise KeyError(doc_id)
        return {"doc_id": doc_id, "content": self.docs[doc_id], "metadata": {"n": doc_id}}


def test_retriever_serves_the_programs_es_functions():
    retriever = ListRetriever(["the cat sat", "a dog barked loudly", "the dog slept"])
    program = (
        "hits = es_search('dog barked', 2, {'lang': 'en'})\n"
        "doc = es_get(hits[0]['doc_id'])\n"
        "v = es_vector_search('anything', 1)\n"
        "final_answer = doc['content'] + '|' + str(len(hits)) + '|' + v[0]['preview']"
    )
    answer, _ = RLM(scripted_root(program), retriever=retriever).run("q", "ctx")
    assert answer == "a dog barked loudly|2|vec"
    assert ("search", "dog barked", 2, {"lang": "en"}) in retriever.calls
    assert ("get", "d1") in retriever.calls
    # The retriever's exceptions are errors the program sees (and may catch).
    program = "try:\n    es_get('nope')\nexcept Exception as e:\n    final_answer = 'caught: ' + str(e)"
    answer, _ = RLM(scripted_root(program), retriever=retriever).run("q", "ctx")
    assert answer.startswith("caught: ") and "nope" in answer
    with pytest.raises(Exception, match="object has no search"):
        RLM(scripted_root(), retriever=object())


def test_repl_backend_accepts_pyrlms_values_and_says_which_sandbox_runs():
    for name in ("python", "monty"):
        rlm = RLM(scripted_root("final_answer = 'x'\nprint(final_answer)"), repl_backend=name)
        assert rlm.repl_backend == "rlm_rs" and rlm.requested_repl_backend == name
        assert rlm.run("q", "ctx")[0] == "x"
    with pytest.raises(ValueError, match="repl_backend must be one of"):
        RLM(scripted_root(), repl_backend="exec")


def test_conversation_history_true_is_accepted_false_is_refused_clearly():
    assert RLM(scripted_root("final_answer = 'x'\nprint(final_answer)"), conversation_history=True).run("q", "ctx")[0] == "x"
    with pytest.raises(ValueError, match="conversation_history=False is not supported"):
        RLM(scripted_root(), conversation_history=False)


class ConcurrencyProbe:
    """A sync sub-model that records how many of its calls overlap."""

    def __init__(self):
        self.lock = threading.Lock()
        self.now = 0
        self.peak = 0

    def complete(self, messages, **params):
        with self.lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
        time.sleep(0.15)
        with self.lock:
            self.now -= 1
        return "ok"


@pytest.mark.parametrize("parallel", [False, True])
def test_parallel_subcalls_sets_the_subcall_concurrency_limit(parallel):
    probe = ConcurrencyProbe()
    root = scripted_root("rs = llm_batch(['a', 'b', 'c', 'd'])\nfinal_answer = ','.join(rs)")
    answer, _ = RLM(root, subcall_adapter=probe, parallel_subcalls=parallel, max_concurrency=None if not parallel else 4).run("q", "ctx")
    assert answer == "ok,ok,ok,ok"
    if parallel:
        assert probe.peak > 1  # overlapping (how many depends on thread start-up)
    else:
        assert probe.peak == 1
    with pytest.raises(ValueError, match="conflicts with max_concurrency"):
        RLM(root, parallel_subcalls=False, max_concurrency=4)
