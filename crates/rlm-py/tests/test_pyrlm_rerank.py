"""pyrlm-runtime's rerankers and query rewriter on rlm-retrieval's (issue #38):
the same candidates and the same scripted model replies give the same
ordering, annotations and counters as pyrlm's own classes; a FileCache serves
a repeated call; what is refused says why."""

from __future__ import annotations

import re
from typing import Any, Dict, List

import pytest
from pyrlm_runtime.adapters import FakeAdapter as PyrlmFake
from pyrlm_runtime.adapters.base import ModelResponse as PyrlmResponse
from pyrlm_runtime.adapters.base import Usage as PyrlmUsage
from pyrlm_runtime.multiquery import QueryRewriter as PyrlmRewriter
from pyrlm_runtime.rerank import ListwiseReranker as PyrlmListwise
from pyrlm_runtime.rerank import TournamentReranker as PyrlmTournament

from rlm_rs import ConfigError, FileCache, ListwiseReranker, QueryRewriter, TournamentReranker
from rlm_rs.adapters import FakeAdapter


def docs(n: int) -> List[Dict[str, Any]]:
    return [
        {"doc_id": f"d{i}", "content": f"passage number {i}", "score": 1.0 / (i + 1), "metadata": {"i": i}}
        for i in range(1, n + 1)
    ]


def test_listwise_orders_as_pyrlms() -> None:
    reply = "[3] > [1] > [4] > [2]"
    ours = ListwiseReranker(FakeAdapter(script=[reply]))
    theirs = PyrlmListwise(PyrlmFake(script=[reply]))
    got = ours.rerank("which passage?", docs(4), top_k=3)
    want = theirs.rerank("which passage?", docs(4), top_k=3)
    assert [d["doc_id"] for d in got] == ["d3", "d1", "d4"]
    assert got == want
    assert ours.llm_calls == theirs.llm_calls == 1
    assert ours.rerank("q", [], top_k=3) == [] and ours.rerank("q", docs(2), top_k=0) == []


def test_listwise_windows_move_up_the_list() -> None:
    # Windows of 2, step 1 over 3 candidates: the last window first
    # (bottom-up), then the first; each reply swaps its window.
    ours = ListwiseReranker(FakeAdapter(script=["[2] > [1]"] * 4), window_size=2, step=1)
    theirs = PyrlmListwise(PyrlmFake(script=["[2] > [1]"] * 4), window_size=2, step=1)
    got = ours.rerank("q", docs(3), top_k=3)
    want = theirs.rerank("q", docs(3), top_k=3)
    assert [d["doc_id"] for d in got] == [d["doc_id"] for d in want]
    assert ours.llm_calls == theirs.llm_calls


class ByNumber:
    """A judge that reads the numbered passages it is shown and ranks them
    by the number in their text, highest first (so its ranking does not
    depend on the order or the batches the reranker shows them in)."""

    def __init__(self) -> None:
        self.calls = 0

    def complete(self, messages: Any, **params: Any) -> PyrlmResponse:
        self.calls += 1
        text = messages[-1]["content"]
        shown = re.findall(r"\[(\d+)\][^\[]*?passage number (\d+)", text)
        ranking = " > ".join(f"[{i}]" for i, _ in sorted(shown, key=lambda p: -int(p[1])))
        return PyrlmResponse(text=ranking, usage=PyrlmUsage(1, 1, 2))


def test_tournament_ranks_as_pyrlms() -> None:
    # A pool that fits one batch: one ranking call, the same order as pyrlm's.
    ours = TournamentReranker(ByNumber(), batch_size=5, top_k_per_batch=2)
    theirs = PyrlmTournament(ByNumber(), batch_size=5, top_k_per_batch=2)
    got, want = ours.rerank("q", docs(4), top_k=4), theirs.rerank("q", docs(4), top_k=4)
    assert [d["doc_id"] for d in got] == [d["doc_id"] for d in want] == ["d4", "d3", "d2", "d1"]
    assert got[0]["metadata"] == want[0]["metadata"] == {"i": 4, "rerank_score": 1.0}
    # 9 candidates in batches of 4, 2 kept each: the rounds depend on each
    # side's shuffle (different generators), but the best never loses a batch.
    ours = TournamentReranker(ByNumber(), batch_size=4, top_k_per_batch=2)
    theirs = PyrlmTournament(ByNumber(), batch_size=4, top_k_per_batch=2)
    got, want = ours.rerank("q", docs(9), top_k=3), theirs.rerank("q", docs(9), top_k=3)
    assert got[0]["doc_id"] == want[0]["doc_id"] == "d9" and len(got) == len(want) == 3
    assert ours.llm_calls > 1


def test_rerank_calls_are_served_by_the_cache(tmp_path: Any) -> None:
    cache = FileCache(str(tmp_path / "c"))
    adapter = FakeAdapter(script=["[2] > [1]", "[1] > [2]"])
    reranker = ListwiseReranker(adapter, cache=cache)
    first = reranker.rerank("q", docs(2))
    again = reranker.rerank("q", docs(2))
    assert [d["doc_id"] for d in first] == [d["doc_id"] for d in again] == ["d2", "d1"]
    assert (reranker.llm_calls, reranker.cache_hits, adapter.calls) == (1, 1, 1)


def test_rerankers_validate_and_refuse_as_documented() -> None:
    with pytest.raises(ValueError, match="step must be <= window_size"):
        ListwiseReranker(FakeAdapter(), window_size=2, step=3)
    with pytest.raises(ValueError, match="top_k_per_batch must be < batch_size"):
        TournamentReranker(FakeAdapter(), batch_size=4, top_k_per_batch=4)
    with pytest.raises(ConfigError, match="temperature 0"):
        ListwiseReranker(FakeAdapter(), temperature=0.5)
    with pytest.raises(ConfigError, match="rerank_listwise.md"):
        TournamentReranker(FakeAdapter(), system_prompt="rank these")


def test_query_rewriter_as_pyrlms() -> None:
    reply = '{"rewrites": ["first reformulation", "second reformulation", "third one here"]}'
    system = 'Reply with {"rewrites": [...]}'
    ours = QueryRewriter(FakeAdapter(script=[reply]), n=2, system_prompt=system)
    theirs = PyrlmRewriter(PyrlmFake(script=[reply]), n=2, system_prompt=system)
    assert ours.rewrite("the query") == theirs.rewrite("the query") == ["first reformulation", "second reformulation"]
    assert (ours.n, ours.calls, ours.cache_hits) == (2, 1, 0) == (theirs.n, theirs.calls, theirs.cache_hits)
    adapter = FakeAdapter(script=["- a rewrite by line\n- another by line"])
    lines = QueryRewriter(adapter, n=5, system_prompt=system)
    assert lines.rewrite("q") == ["a rewrite by line", "another by line"]
    assert adapter.call_log[0][0] == {"role": "system", "content": system}
    with pytest.raises(ValueError, match="system_prompt"):
        QueryRewriter(FakeAdapter(), system_prompt="")


def test_query_rewriter_never_raises() -> None:
    class Failing:
        def complete(self, messages: Any, **params: Any) -> str:
            raise RuntimeError("provider down")

    assert QueryRewriter(Failing(), system_prompt="s").rewrite("q") == []
