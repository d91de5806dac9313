"""pyrlm-runtime's rerankers and IR metrics (``pyrlm_runtime.rerank``).

* ``ndcg_at_k(ranked_doc_ids, qrels, k=10)``, ``recall_at_k(...)``: rlm-retrieval's
  (trec_eval's definitions). Equal to pyrlm's for binary judgments (0/1); for
  graded ones nDCG differs: trec_eval's gain is the grade, pyrlm's ``2**grade - 1``.
  Grades must be whole numbers (trec_eval's are integers): a fractional one is
  a ``ValueError``. Repeated ids in the ranking count once.
* ``ListwiseReranker``, ``TournamentReranker``: refused (``ConfigError``). They
  exist in the Rust runtime (rlm-retrieval), driven by its subcall scheduler;
  that binding is not exposed to Python yet. ``RerankerProtocol`` is the
  protocol a Python reranker follows.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Protocol, Sequence

from . import _native
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


_WHY = (
    "is not supported by rlm_rs yet: the reranker exists in the Rust runtime (rlm-retrieval), "
    "driven by its subcall scheduler, and has no Python binding; rerank in Python, or let the "
    "program call llm_query over the hits"
)


class ListwiseReranker:
    """Refused (``ConfigError``): see the module docs."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise ConfigError(f"ListwiseReranker {_WHY}")


class TournamentReranker:
    """Refused (``ConfigError``): see the module docs."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise ConfigError(f"TournamentReranker {_WHY}")


__all__ = ["ListwiseReranker", "RerankerProtocol", "TournamentReranker", "ndcg_at_k", "recall_at_k"]
