"""A Python ``retriever`` (pyrlm-runtime's ``RetrieverProtocol``) as the
backend of the programs' ``es_search``, ``es_vector_search``,
``es_hybrid_search`` and ``es_get``.

The object needs ``search``, ``vector_search`` and ``hybrid_search`` taking
``(query, top_k=..., filters=...)`` and returning a list of hits, and
``get(doc_id)`` returning one document. A hit or a document may be a dict, a
dataclass, or any object with the fields ``doc_id``, ``preview`` (or
``content``/``text``), ``score`` and ``metadata`` (``content`` for a
document). The runtime calls it from a worker thread.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Dict, List, Optional, Protocol


def _fields(item: Any) -> Dict[str, Any]:
    if isinstance(item, dict):
        return item
    if dataclasses.is_dataclass(item) and not isinstance(item, type):
        return dataclasses.asdict(item)
    return {k: getattr(item, k) for k in ("doc_id", "preview", "content", "text", "score", "metadata") if hasattr(item, k)}


def _text(d: Dict[str, Any], *keys: str) -> str:
    for k in keys:
        v = d.get(k)
        if v is not None:
            return str(v)
    return ""


def _metadata(d: Dict[str, Any]) -> Dict[str, Any]:
    m = d.get("metadata")
    return dict(m) if isinstance(m, dict) else {}


def _hit(item: Any) -> Dict[str, Any]:
    d = _fields(item)
    return {
        "doc_id": _text(d, "doc_id", "id"),
        "preview": _text(d, "preview", "content", "text"),
        "score": float(d.get("score") or 0.0),
        "metadata": _metadata(d),
    }


def call(retriever: Any, method: str, args: List[str]) -> str:
    """Calls ``retriever.<method>`` with the runtime's arguments; the result as JSON."""
    if method == "get":
        d = _fields(retriever.get(args[0]))
        doc = {"doc_id": _text(d, "doc_id", "id") or args[0], "content": _text(d, "content", "text"), "metadata": _metadata(d)}
        return json.dumps(doc, default=str)
    query, top_k, filters_json = args
    filters: Optional[Dict[str, Any]] = json.loads(filters_json) or None
    hits = getattr(retriever, method)(query, top_k=int(top_k), filters=filters)
    return json.dumps([_hit(h) for h in hits], default=str)


class _RefusedRetriever:
    _name = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from .errors import ConfigError

        raise ConfigError(
            f"{self._name} is not supported by rlm_rs yet: the runtime's Elasticsearch client "
            "(rlm-retrieval) is configured from rlm.toml for the rlm command and server and has "
            "no Python binding; pass RLM(retriever=) any object with search/vector_search/"
            "hybrid_search/get (e.g. one around the elasticsearch package)"
        )


class ElasticsearchRetriever(_RefusedRetriever):
    """Refused (``ConfigError``): the message says why."""

    _name = "ElasticsearchRetriever"


class AsyncElasticsearchRetriever(_RefusedRetriever):
    """Refused (``ConfigError``): the message says why."""

    _name = "AsyncElasticsearchRetriever"


class RetrieverProtocol(Protocol):
    """pyrlm's retriever: what ``RLM(retriever=)`` takes (see the module docs)."""

    def search(self, query: str, top_k: int = 10, filters: Optional[Dict[str, Any]] = None) -> List[Any]: ...

    def vector_search(self, query: str, top_k: int = 10, filters: Optional[Dict[str, Any]] = None) -> List[Any]: ...

    def hybrid_search(self, query: str, top_k: int = 10, filters: Optional[Dict[str, Any]] = None) -> List[Any]: ...

    def get(self, doc_id: str) -> Any: ...


class AsyncRetrieverProtocol(Protocol):
    """pyrlm's async retriever. ``RLM.run`` needs a synchronous one (as pyrlm's)."""

    async def search(self, query: str, top_k: int = 10, filters: Optional[Dict[str, Any]] = None) -> List[Any]: ...

    async def get(self, doc_id: str) -> Any: ...
