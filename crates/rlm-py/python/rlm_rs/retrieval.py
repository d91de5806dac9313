"""A Python ``retriever`` (pyrlm-runtime's ``RetrieverProtocol``) as the
backend of the programs' ``es_search``, ``es_vector_search``,
``es_hybrid_search`` and ``es_get``.

The object needs ``search``, ``vector_search`` and ``hybrid_search`` taking
``(query, top_k=..., filters=...)`` and returning a list of hits, and
``get(doc_id)`` returning one document. A hit or a document may be a dict, a
dataclass, or any object with the fields ``doc_id``, ``preview`` (or
``content``/``text``), ``score`` and ``metadata`` (``content`` for a
document). The runtime calls it from a worker thread.

``ElasticsearchRetriever`` / ``AsyncElasticsearchRetriever``: pyrlm's, on
rlm-retrieval's Elasticsearch 8 client (BM25 ``match``, ``knn`` over
``vector_field`` with the query embedded by an OpenAI-compatible
``/embeddings`` endpoint, hybrid by the server's ``rrf`` retriever or, with
``client_rrf=True``, fused here). Hits are ``{doc_id, preview, score,
metadata}`` (no ``content``: ``get`` returns it); ``get`` returns ``{doc_id,
content, metadata}``. pyrlm's fields it does not map (``embedding_provider``,
``es_proxy``, ``preview_length``...) are refused with why unless given
pyrlm's default; ``get_pages``/``get_logical_document`` are refused.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import json
import os
from typing import Any, Callable, Dict, List, NoReturn, Optional, Protocol, Tuple, TypeVar

from . import _native

_T = TypeVar("_T")


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


#: pyrlm's ElasticsearchRetriever fields this binding does not map: ``name ->
#: (pyrlm's default, why)``. Passing the default is accepted.
_REFUSED_ES: Dict[str, Tuple[Any, str]] = {
    "embedding_provider": ("openai", "embeddings come from an OpenAI-compatible /embeddings endpoint (embedding_base_url=)"),
    "embedding_ssl_verify": (True, "certificates are always verified"),
    "embedding_api_transport": ("rest", "embeddings are fetched over REST"),
    "es_proxy": (None, "the client takes the proxy from HTTPS_PROXY/HTTP_PROXY"),
    "verify_certs": (True, "certificates are always verified"),
    "preview_length": (500, "the preview is rlm-retrieval's (a fixed window around the query's words)"),
    "cache_results": (False, "results are not cached; every search asks the cluster"),
}


class ElasticsearchRetriever:
    """pyrlm's ``ElasticsearchRetriever`` on rlm-retrieval's Elasticsearch 8
    client (see the module docs). Given as ``RLM(retriever=)``, the programs'
    ``es_*`` functions call the Rust client directly."""

    def __init__(
        self,
        host: str,
        api_key: Optional[str] = None,
        index: str = "",
        content_field: str = "content",
        vector_field: str = "embedding",
        embedding_model: Optional[str] = None,
        embedding_api_key: Optional[str] = None,
        embedding_base_url: str = "https://api.openai.com/v1",
        cache_embeddings: bool = True,
        embedding_cache_size: int = 1024,
        result_cache_size: int = 256,
        result_cache_ttl: int = 300,
        client_rrf: bool = False,
        **pyrlm_options: Any,
    ) -> None:
        unknown = sorted(set(pyrlm_options) - set(_REFUSED_ES))
        if unknown:
            raise TypeError(f"ElasticsearchRetriever() got an unexpected keyword argument {unknown[0]!r}")
        for name, value in pyrlm_options.items():
            default, why = _REFUSED_ES[name]
            if value != default:
                from .errors import ConfigError

                raise ConfigError(f"ElasticsearchRetriever({name}={value!r}) is not supported by rlm_rs: {why}")
        if cache_embeddings and embedding_cache_size <= 0:
            raise ValueError("embedding_cache_size must be > 0 when cache_embeddings is enabled")
        if not index:
            raise ValueError("index must be given")
        self.host = host
        self.index = index
        self.content_field = content_field
        self.vector_field = vector_field
        self.embedding_model = embedding_model
        key = embedding_api_key or os.environ.get("OPENAI_API_KEY")
        self._native = _native.ElasticRetriever(
            host,
            index,
            api_key=api_key or None,
            text_field=content_field,
            vector_field=vector_field,
            embedding_model=embedding_model,
            embedding_base_url=embedding_base_url,
            embedding_api_key=key,
            client_rrf=client_rrf,
        )

    def __repr__(self) -> str:
        return f"ElasticsearchRetriever(host={self.host!r}, index={self.index!r})"

    @staticmethod
    def _filters(filters: Optional[Dict[str, Any]]) -> Optional[str]:
        return json.dumps(filters) if filters else None

    def search(self, query: str, *, top_k: int = 10, filters: Optional[Dict[str, Any]] = None) -> List[Dict[str, Any]]:
        """BM25 hits: ``{doc_id, preview, score, metadata}`` dicts."""
        return list(json.loads(self._native.search(query, top_k, self._filters(filters))))

    def vector_search(
        self, query: str, *, top_k: int = 10, filters: Optional[Dict[str, Any]] = None
    ) -> List[Dict[str, Any]]:
        """kNN hits over the query's embedding (needs ``embedding_model``)."""
        return list(json.loads(self._native.vector_search(query, top_k, self._filters(filters))))

    def hybrid_search(
        self, query: str, *, top_k: int = 10, filters: Optional[Dict[str, Any]] = None
    ) -> List[Dict[str, Any]]:
        """BM25 and kNN fused by reciprocal rank (the server's ``rrf``, or here with ``client_rrf=True``)."""
        return list(json.loads(self._native.hybrid_search(query, top_k, self._filters(filters))))

    def get(self, doc_id: str) -> Dict[str, Any]:
        """One document: ``{doc_id, content, metadata}``."""
        doc: Dict[str, Any] = json.loads(self._native.get(doc_id))
        return doc

    def clear_cache(self) -> None:
        """pyrlm's: nothing is cached here (results are not; embeddings are the endpoint's)."""

    def _refused(self, name: str) -> NoReturn:
        from .errors import ConfigError

        raise ConfigError(
            f"ElasticsearchRetriever.{name} is not supported by rlm_rs: rlm-retrieval's client "
            "has no page or logical-document model; use get(doc_id) per page"
        )

    def get_pages(self, *args: Any, **kwargs: Any) -> NoReturn:
        """Refused (``ConfigError``): the message says why."""
        self._refused("get_pages")

    def get_pages_text(self, *args: Any, **kwargs: Any) -> NoReturn:
        """Refused (``ConfigError``): the message says why."""
        self._refused("get_pages_text")

    def get_logical_document(self, *args: Any, **kwargs: Any) -> NoReturn:
        """Refused (``ConfigError``): the message says why."""
        self._refused("get_logical_document")


class AsyncElasticsearchRetriever(ElasticsearchRetriever):
    """pyrlm's async retriever: the same client, each call awaited on the
    loop's default executor (the wait releases the GIL)."""

    async def search(  # type: ignore[override]
        self, query: str, *, top_k: int = 10, filters: Optional[Dict[str, Any]] = None
    ) -> List[Dict[str, Any]]:
        return await _off_loop(ElasticsearchRetriever.search, self, query, top_k=top_k, filters=filters)

    async def vector_search(  # type: ignore[override]
        self, query: str, *, top_k: int = 10, filters: Optional[Dict[str, Any]] = None
    ) -> List[Dict[str, Any]]:
        return await _off_loop(ElasticsearchRetriever.vector_search, self, query, top_k=top_k, filters=filters)

    async def hybrid_search(  # type: ignore[override]
        self, query: str, *, top_k: int = 10, filters: Optional[Dict[str, Any]] = None
    ) -> List[Dict[str, Any]]:
        return await _off_loop(ElasticsearchRetriever.hybrid_search, self, query, top_k=top_k, filters=filters)

    async def get(self, doc_id: str) -> Dict[str, Any]:  # type: ignore[override]
        return await _off_loop(ElasticsearchRetriever.get, self, doc_id)


async def _off_loop(fn: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, functools.partial(fn, *args, **kwargs))


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
