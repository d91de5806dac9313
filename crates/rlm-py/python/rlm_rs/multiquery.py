"""pyrlm-runtime's query rewriting (``pyrlm_runtime.multiquery``).

* ``QueryRewriter(adapter, n=5, system_prompt=..., max_tokens=400, cache=None,
  cache_namespace="")``: rlm-retrieval's, driven by a scheduler of its own
  over the given model (``FileCache`` as its cache). ``rewrite(query)`` returns
  up to ``n`` distinct reformulations (the query excluded; a reply that is not
  JSON is read line by line) and never raises, as pyrlm's: a failed call gives
  ``[]``. ``calls`` and ``cache_hits`` count as pyrlm's. The query goes to the
  model as ``Query: <query>``. ``cache_namespace`` is accepted and not needed:
  cached replies are keyed by (model, request).
* ``union_pool(pools, id_key="doc_id")``: several result lists merged, each
  document once (its first occurrence), in order of first appearance (as pyrlm's).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Set

from . import _native
from .cache import FileCache
from .errors import ConfigError


class QueryRewriter:
    """Reformulations of a query by a model (see the module docs)."""

    def __init__(
        self,
        adapter: Any,
        *,
        n: int = 5,
        system_prompt: str,
        max_tokens: int = 400,
        cache: Optional[FileCache] = None,
        cache_namespace: str = "",
    ) -> None:
        if n <= 0:
            raise ValueError("n must be > 0")
        if not system_prompt:
            raise ValueError("system_prompt must be a non-empty string")
        self._n = n
        self._native = _native.QueryRewriter(
            adapter,
            n=n,
            system_prompt=system_prompt,
            max_tokens=max_tokens,
            cache=cache._native if cache is not None else None,
        )

    @property
    def n(self) -> int:
        return self._n

    @property
    def calls(self) -> int:
        """Model calls made (cache hits excluded)."""
        return int(self._native.counts()[0])

    @property
    def cache_hits(self) -> int:
        return int(self._native.counts()[1])

    def rewrite(self, query: str) -> List[str]:
        """Up to ``n`` reformulations of ``query``; ``[]`` when the call fails."""
        if not query.strip():
            return []
        try:
            return list(self._native.rewrite(query))
        except ConfigError:
            return []


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
