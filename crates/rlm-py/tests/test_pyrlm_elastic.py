"""pyrlm-runtime's ElasticsearchRetriever on rlm-retrieval's Elasticsearch
client (issue #38), against a mock Elasticsearch 8 (and an OpenAI-compatible
/embeddings endpoint) this test serves on 127.0.0.1: the requests it sends,
the hits it returns, the programs' es_* functions through RLM(retriever=),
and the refusals."""

from __future__ import annotations

import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Iterator, List, Tuple

import pytest

from rlm_rs import RLM, AsyncElasticsearchRetriever, ConfigError, ElasticsearchRetriever
from rlm_rs.adapters import FakeAdapter

DOCS = {
    "p1": {"content": "the cat sat on the mat", "lang": "en", "page_num": 1},
    "p2": {"content": "a dog barked loudly at night", "lang": "en", "page_num": 2},
}


class MockES(BaseHTTPRequestHandler):
    """`POST /<index>/_search` (match or knn: both hit lists by a word
    overlap), `GET /<index>/_doc/<id>`, `POST /v1/embeddings`."""

    requests: List[Tuple[str, str, Dict[str, Any]]] = []

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def _send(self, code: int, body: Dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> Dict[str, Any]:
        n = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(n) or b"{}")

    def do_GET(self) -> None:  # noqa: N802
        MockES.requests.append(("GET", self.path, {"auth": self.headers.get("Authorization")}))
        doc_id = self.path.rsplit("/", 1)[-1]
        if self.path.startswith("/docs/_doc/") and doc_id in DOCS:
            self._send(200, {"_index": "docs", "_id": doc_id, "found": True, "_source": DOCS[doc_id]})
        else:
            self._send(404, {"_index": "docs", "_id": doc_id, "found": False})

    def do_POST(self) -> None:  # noqa: N802
        body = self._body()
        MockES.requests.append(("POST", self.path, body))
        if self.path == "/v1/embeddings":
            self._send(200, {"data": [{"embedding": [0.1, 0.2, 0.3], "index": 0}], "model": body.get("model")})
            return
        if self.path != "/docs/_search":
            self._send(404, {"error": {"type": "not_found", "reason": self.path}})
            return
        text = json.dumps(body)
        hits = [
            {"_index": "docs", "_id": i, "_score": 2.0 - n, "_source": d}
            for n, (i, d) in enumerate(DOCS.items())
            if any(w in text for w in d["content"].split() if len(w) > 3) or "knn" in body
        ]
        self._send(200, {"hits": {"total": {"value": len(hits)}, "hits": hits}})


@pytest.fixture
def es() -> Iterator[str]:
    MockES.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), MockES)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_search_and_get_against_the_mock_cluster(es: str) -> None:
    r = ElasticsearchRetriever(es, "secret-key", "docs")
    hits = r.search("dog barked", top_k=2, filters={"lang": "en"})
    assert [h["doc_id"] for h in hits] == ["p2"]
    assert hits[0]["metadata"]["page_num"] == 2 and "barked" in hits[0]["preview"]
    method, path, body = MockES.requests[-1]
    assert (method, path, body["size"]) == ("POST", "/docs/_search", 2)
    assert {"term": {"lang": "en"}} in body["query"]["bool"]["filter"]
    doc = r.get("p1")
    assert doc["doc_id"] == "p1" and doc["content"] == "the cat sat on the mat"
    assert MockES.requests[-1][2]["auth"] == "ApiKey secret-key"
    with pytest.raises(ConfigError, match="no document with id 'missing'"):
        r.get("missing")


def test_vector_and_hybrid_search_embed_the_query(es: str) -> None:
    r = ElasticsearchRetriever(es, None, "docs", embedding_model="emb", embedding_base_url=es + "/v1",
                               embedding_api_key="k", client_rrf=True)
    assert [h["doc_id"] for h in r.vector_search("anything", top_k=2)] == ["p1", "p2"]
    embed = [b for m, p, b in MockES.requests if p == "/v1/embeddings"]
    assert embed and embed[0]["model"] == "emb"
    knn = [b for m, p, b in MockES.requests if p == "/docs/_search" and "knn" in b]
    assert knn[0]["knn"]["query_vector"] == pytest.approx([0.1, 0.2, 0.3])
    fused = r.hybrid_search("cat mat", top_k=2)
    assert fused[0]["doc_id"] == "p1"
    with pytest.raises(ConfigError, match="embedding"):
        ElasticsearchRetriever(es, None, "docs").vector_search("x")


def test_programs_es_functions_reach_the_cluster(es: str) -> None:
    program = (
        "hits = es_search('dog barked', 3)\n"
        "doc = es_get(hits[0]['doc_id'])\n"
        "final_answer = doc['content'] + '|' + str(len(hits))"
    )
    root = FakeAdapter(script=[f"```repl\n{program}\n```", "FINAL_VAR: final_answer"])
    answer, _ = RLM(root, retriever=ElasticsearchRetriever(es, None, "docs")).run("q", "ctx")
    assert answer == "a dog barked loudly at night|1"
    assert [p for _, p, _ in MockES.requests] == ["/docs/_search", "/docs/_doc/p2"]


def test_async_retriever(es: str) -> None:
    r = AsyncElasticsearchRetriever(es, None, "docs")

    async def both() -> Tuple[List[Dict[str, Any]], Dict[str, Any]]:
        return await r.search("dog barked"), await r.get("p1")

    hits, doc = asyncio.run(both())
    assert hits[0]["doc_id"] == "p2" and doc["content"].startswith("the cat")


def test_unmapped_fields_and_page_methods_are_refused_with_why(es: str) -> None:
    with pytest.raises(ConfigError, match="embedding_provider='vertexai'.*OpenAI-compatible"):
        ElasticsearchRetriever(es, None, "docs", embedding_provider="vertexai")
    ElasticsearchRetriever(es, None, "docs", embedding_provider="openai", verify_certs=True)
    with pytest.raises(TypeError, match="no_such"):
        ElasticsearchRetriever(es, None, "docs", no_such=1)
    with pytest.raises(ConfigError, match="logical-document"):
        ElasticsearchRetriever(es, None, "docs").get_logical_document("d")
