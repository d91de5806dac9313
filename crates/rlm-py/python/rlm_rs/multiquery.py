"""pyrlm-runtime's query rewriting (``pyrlm_runtime.multiquery``).

* ``QueryRewriter``: refused (``ConfigError``): it exists in the Rust runtime
  (rlm-retrieval's ``QueryRewriter``, driven by its subcall scheduler) and has no
  Python binding yet.
* ``union_pool(pools, id_key="doc_id")``: several result lists merged, each
  document once (its first occurrence), in order of first appearance (as pyrlm's).
"""

from __future__ import annotations

from typing import Any, Dict, List, Sequence, Set

from .errors import ConfigError


class QueryRewriter:
    """Refused (``ConfigError``): see the module docs."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise ConfigError(
            "QueryRewriter is not supported by rlm_rs yet: it exists in the Rust runtime "
            "(rlm-retrieval), driven by its subcall scheduler, and has no Python binding; "
            "rewrite queries with llm_query in the program"
        )


def union_pool(pools: Sequence[Sequence[Dict[str, Any]]], *, id_key: str = "doc_id") -> List[Dict[str, Any]]:
    """Merges result lists: each document once (its first occurrence), in order of first appearance."""
    seen: Set[str] = set()
    out: List[Dict[str, Any]] = []
    for pool in pools:
        for doc in pool:
            doc_id = str(doc[id_key])
            if doc_id not in seen:
                seen.add(doc_id)
                out.append(doc)
    return out


__all__ = ["QueryRewriter", "union_pool"]
