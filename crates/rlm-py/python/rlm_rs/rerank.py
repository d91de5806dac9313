"""pyrlm-runtime's rerankers and IR metrics (``pyrlm_runtime.rerank``).

* ``ndcg_at_k(ranked_doc_ids, qrels, k=10)``, ``recall_at_k(...)``: rlm-retrieval's
  (trec_eval's definitions). Equal to pyrlm's for binary judgments (0/1); for
  graded ones nDCG differs: trec_eval's gain is the grade, pyrlm's ``2**grade - 1``.
  Grades must be whole numbers (trec_eval's are integers): a fractional one is
  a ``ValueError``. Repeated ids in the ranking count once.
* ``ListwiseReranker``, ``TournamentReranker``: rlm-retrieval's, driven by a
  scheduler of their own over the given model (``FileCache`` as its cache),
  waiting without the GIL. ``rerank(query, candidates, top_k=10)`` returns the
  best ``top_k`` candidate dicts, best first, each with
  ``metadata["rerank_score"] = 1 / (rank + 1)`` (as pyrlm's). The passage shown
  is ``content``, else ``preview``. ``llm_calls`` and ``cache_hits`` count as
  pyrlm's. The ranking prompt is rlm-prompts' (``rerank_listwise.md``,
  ``rerank_select.md``) and the temperature 0: ``system_prompt=`` and another
  ``temperature`` are refused (``ConfigError``, saying why). ``cache_namespace``
  is accepted and not needed: cached replies are keyed by (model, request).
  The tournament's shuffle is seeded by ``shuffle_seed`` (``None``: seed 0).
  ``RerankerProtocol`` is the protocol a Python reranker follows.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Protocol, Sequence

from . import _native
from .cache import FileCache
from .errors import ConfigError


def _grades(qrels: Mapping[str, float]) -> Dict[str, int]:
    out: Dict[str, int] = {}
    for doc_id, grade in qrels.items():
        if float(grade) != int(grade):
            raise ValueError(f"qrels[{doc_id!r}] = {grade!r}: grades must be whole numbers")
        out[str(doc_id)] = int(grade)
    return out


def ndcg_at_k(ranked_doc_ids: Sequence[str], qrels: Mapping[str, float], k: int = 10) -> float:
    """nDCG@k of the ranking against graded judgments (0 when nothing is relevant)."""
    if k <= 0:
        return 0.0
    return _native.ndcg_at_k([str(d) for d in ranked_doc_ids], _grades(qrels), k)


def recall_at_k(ranked_doc_ids: Sequence[str], qrels: Mapping[str, float], k: int = 10) -> float:
    """Share of the relevant documents (grade > 0) found in the first ``k``."""
    if k <= 0:
        return 0.0
    return _native.recall_at_k([str(d) for d in ranked_doc_ids], _grades(qrels), k)


class RerankerProtocol(Protocol):
    """A reranker: ``rerank(query, hits, top_k=None) -> hits`` (best first)."""

    def rerank(self, query: str, hits: List[Any], top_k: Any = None) -> List[Any]: ...


def _check(temperature: float, system_prompt: Optional[str], name: str) -> None:
    if temperature != 0.0:
        raise ConfigError(f"{name}(temperature={temperature!r}) is not supported by rlm_rs: rlm-retrieval ranks at temperature 0")
    if system_prompt is not None:
        raise ConfigError(
            f"{name}(system_prompt=) is not supported by rlm_rs: the ranking prompt is rlm-prompts' "
            "(prompts/rerank_listwise.md, prompts/rerank_select.md), one text for every front end"
        )


def _passage(doc: Mapping[str, Any]) -> str:
    for key in ("content", "preview"):
        value = doc.get(key)
        if value:
            return str(value)
    return ""


class _Reranker:
    _native: Any

    def __init__(self) -> None:
        self.llm_calls = 0
        self.cache_hits = 0

    def rerank(self, query: str, candidates: List[Dict[str, Any]], *, top_k: int = 10) -> List[Dict[str, Any]]:
        """The best ``top_k`` of ``candidates`` for ``query``, best first."""
        if not candidates or top_k <= 0:
            return []
        pairs = [(str(doc.get("doc_id", i)), _passage(doc)) for i, doc in enumerate(candidates)]
        order, _calls, _unparsed, _failures = self._native.rerank(query, pairs, top_k)
        self.llm_calls, self.cache_hits = self._native.counts()
        result: List[Dict[str, Any]] = []
        for rank, index in enumerate(order):
            annotated = dict(candidates[index])
            metadata = dict(annotated.get("metadata") or {})
            metadata["rerank_score"] = 1.0 / (rank + 1)
            annotated["metadata"] = metadata
            result.append(annotated)
        return result


class ListwiseReranker(_Reranker):
    """Sliding windows of ``window_size`` candidates, moving up by ``step`` (see the module docs)."""

    def __init__(
        self,
        adapter: Any,
        *,
        window_size: int = 20,
        step: int = 10,
        max_passage_chars: int = 300,
        max_tokens: int = 200,
        temperature: float = 0.0,
        system_prompt: Optional[str] = None,
        cache: Optional[FileCache] = None,
        cache_namespace: str = "",
    ) -> None:
        if window_size <= 0:
            raise ValueError("window_size must be > 0")
        if step <= 0:
            raise ValueError("step must be > 0")
        if step > window_size:
            raise ValueError("step must be <= window_size")
        if max_passage_chars <= 0:
            raise ValueError("max_passage_chars must be > 0")
        _check(temperature, system_prompt, "ListwiseReranker")
        super().__init__()
        self._native = _native.Reranker.listwise(
            adapter,
            window_size=window_size,
            step=step,
            max_passage_chars=max_passage_chars,
            max_tokens=max_tokens,
            cache=cache._native if cache is not None else None,
        )


class TournamentReranker(_Reranker):
    """Batches of ``batch_size``, ``top_k_per_batch`` survivors each (see the module docs)."""

    def __init__(
        self,
        adapter: Any,
        *,
        batch_size: int = 20,
        top_k_per_batch: int = 4,
        max_passage_chars: int = 300,
        max_tokens: int = 200,
        temperature: float = 0.0,
        system_prompt: Optional[str] = None,
        cache: Optional[FileCache] = None,
        cache_namespace: str = "",
        shuffle_seed: Optional[int] = 42,
    ) -> None:
        if batch_size <= 1:
            raise ValueError("batch_size must be > 1")
        if top_k_per_batch <= 0:
            raise ValueError("top_k_per_batch must be > 0")
        if top_k_per_batch >= batch_size:
            raise ValueError("top_k_per_batch must be < batch_size")
        if max_passage_chars <= 0:
            raise ValueError("max_passage_chars must be > 0")
        _check(temperature, system_prompt, "TournamentReranker")
        super().__init__()
        self.rounds_run = 0
        self._native = _native.Reranker.tournament(
            adapter,
            batch_size=batch_size,
            keep_per_batch=top_k_per_batch,
            seed=int(shuffle_seed or 0) & 0xFFFF_FFFF_FFFF_FFFF,
            max_passage_chars=max_passage_chars,
            max_tokens=max_tokens,
            cache=cache._native if cache is not None else None,
        )


__all__ = ["ListwiseReranker", "RerankerProtocol", "TournamentReranker", "ndcg_at_k", "recall_at_k"]
