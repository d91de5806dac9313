"""pyrlm-runtime's adapter names against a local mock server (127.0.0.1,
started here): ``GenericChatAdapter`` and ``AzureOpenAIAdapter`` send what
pyrlm's would (path, auth header, extra headers), and the refused forms say
why."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, Iterator, List, Tuple

import pytest

from rlm_rs import RLM, ConfigError
from rlm_rs.adapters import AzureOpenAIAdapter, GenericChatAdapter, ModelResponse, Usage, VertexAIAdapter


def _send_json(handler: BaseHTTPRequestHandler, value: Any) -> None:
    data = json.dumps(value).encode()
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


# A run's first reply is a program (it prints), the next a FINAL: an answer
# rests on evidence (issue #78).
FIRST_PROGRAM = "```repl\nprint(context)\n```"


def _first_turn(messages: List[Any]) -> bool:
    """Whether a run's conversation has no reply of the model yet."""
    return not any(m.get("role") == "assistant" for m in messages)


@pytest.fixture
def server() -> Iterator[Tuple[str, List[Any]]]:
    requests: List[Any] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            reply = FIRST_PROGRAM if _first_turn(body.get("messages", [])) else "FINAL: mocked"
            _send_json(self, {
                "id": "x", "object": "chat.completion", "model": body.get("model", ""),
                "choices": [{"index": 0, "message": {"role": "assistant", "content": reply},
                             "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
            })

        def log_message(self, *args: Any) -> None:
            pass

    httpd = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}", requests
    finally:
        httpd.shutdown()


def test_generic_chat_adapter_posts_chat_completions(server):
    url, requests = server
    adapter = GenericChatAdapter(base_url=url + "/v1", model="tiny", api_key="k", headers={"X-Team": "t1"})
    answer, _ = RLM(adapter).run("q", "ctx")
    assert answer == "mocked"
    path, headers, body = requests[0]
    assert path == "/v1/chat/completions"
    assert headers["authorization"] == "Bearer k" and headers["x-team"] == "t1"
    assert body["model"] == "tiny"
    # endpoint= is the whole URL.
    RLM(GenericChatAdapter(endpoint=url + "/x/chat/completions", model="m")).run("q", "ctx")
    assert requests[-1][0] == "/x/chat/completions"


def test_azure_adapter_reads_pyrlm_environment(server, monkeypatch):
    url, requests = server
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", " sec ret ")
    monkeypatch.setenv("OPENAI_ENDPOINT", url)
    monkeypatch.delenv("AZURE_OPENAI_API_VERSION", raising=False)
    answer, _ = RLM(AzureOpenAIAdapter(model="dep1")).run("q", "ctx")
    assert answer == "mocked"
    path, headers, _ = requests[0]
    assert path == "/openai/deployments/dep1/chat/completions?api-version=2024-10-21"
    assert headers["api-key"] == "secret"  # pyrlm strips whitespace from the key
    RLM(AzureOpenAIAdapter(model="dep1", api_version="2025-01-01")).run("q", "ctx")
    assert requests[-1][0].endswith("api-version=2025-01-01")


def test_azure_adapter_without_key_or_endpoint_says_which(monkeypatch):
    monkeypatch.delenv("AZURE_OPENAI_API_KEY", raising=False)
    with pytest.raises(ConfigError, match="AZURE_OPENAI_API_KEY"):
        AzureOpenAIAdapter(model="d")
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "k")
    for name in ("OPENAI_ENDPOINT", "AZURE_OPENAI_ENDPOINT", "AZURE_ACCOUNT_NAME"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError, match="OPENAI_ENDPOINT or AZURE_ACCOUNT_NAME"):
        AzureOpenAIAdapter(model="d")


def test_refused_adapter_forms_say_why():
    with pytest.raises(ConfigError, match="does not end in /chat/completions"):
        GenericChatAdapter(base_url="http://127.0.0.1:9", path="/generate")
    with pytest.raises(ConfigError, match="api_transport='grpc'"):
        VertexAIAdapter("p", api_transport="grpc")


def test_a_python_adapter_may_return_pyrlm_model_responses():
    class Root:
        def complete(self, messages: Any, **_: Any) -> ModelResponse:
            text = FIRST_PROGRAM if _first_turn(messages) else "FINAL: typed"
            return ModelResponse(text=text, usage=Usage(3, 2, 5))

    answer, trace = RLM(Root()).run("q", "ctx")
    assert answer == "typed"


@pytest.fixture
def vertex(monkeypatch: Any) -> Iterator[List[Any]]:
    """A mock Vertex AI generateContent endpoint on 127.0.0.1: replies with
    the last user turn's words reversed, so each reply depends on its request."""
    requests: List[Any] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            last = body["contents"][-1]["parts"][0]["text"]
            _send_json(self, {
                "candidates": [{"content": {"role": "model", "parts": [{"text": " ".join(reversed(last.split()))}]},
                                "finishReason": "STOP"}],
                "usageMetadata": {"promptTokenCount": 7, "candidatesTokenCount": 3, "totalTokenCount": 10},
            })

        def log_message(self, *args: Any) -> None:
            pass

    httpd = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    monkeypatch.setenv("VERTEX_BASE_URL", f"http://127.0.0.1:{httpd.server_port}")
    monkeypatch.setenv("VERTEX_ACCESS_TOKEN", "tok")
    try:
        yield requests
    finally:
        httpd.shutdown()


def test_vertex_ai_adapter_calls_vertex_rest(vertex: List[Any]) -> None:
    adapter = VertexAIAdapter("proj-1", location="europe-west4", model="gemini-x", timeout=30)
    reply = adapter.complete(
        [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hello there"},
         {"role": "assistant", "content": "hi"}, {"role": "user", "content": "one two"}],
        max_tokens=50, temperature=0.0,
    )
    assert reply.text == "two one" and reply.usage.total_tokens == 10
    path, headers, body = vertex[0]
    assert path == "/v1/projects/proj-1/locations/europe-west4/publishers/google/models/gemini-x:generateContent"
    assert headers["authorization"] == "Bearer tok"
    assert [c["role"] for c in body["contents"]] == ["user", "model", "user"]
    assert "Be brief." in json.dumps(body["systemInstruction"])
    assert body["generationConfig"]["maxOutputTokens"] == 50


def test_vertex_ai_adapter_needs_a_token(monkeypatch: Any) -> None:
    monkeypatch.delenv("VERTEX_ACCESS_TOKEN", raising=False)
    monkeypatch.delenv("GOOGLE_OAUTH_ACCESS_TOKEN", raising=False)
    with pytest.raises(ConfigError, match="VERTEX_ACCESS_TOKEN"):
        VertexAIAdapter("p")


@pytest.fixture
def generate_server() -> Iterator[Tuple[str, List[Any]]]:
    """A server with its own protocol at /generate: it answers ``{"output":
    {"text": ...}}`` (no usage), and 503 with ``Retry-After: 0`` to the first
    request whose body asks for it. To a run's first turn (a system message,
    no reply yet) it answers a program, then ``FINAL: from`` and the first
    two letters of the last message, in lower case."""
    requests: List[Any] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            if body.get("fail_once") and sum(1 for r in requests if r[2].get("fail_once")) == 1:
                self.send_response(503)
                self.send_header("Retry-After", "0")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            messages = body["prompt_messages"]
            if messages[0]["role"] == "system" and _first_turn(messages):
                text = FIRST_PROGRAM
            else:
                text = "FINAL: from " + messages[-1]["content"][:2].lower()
            _send_json(self, {"output": {"text": text}})

        def log_message(self, *args: Any) -> None:
            pass

    httpd = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}", requests
    finally:
        httpd.shutdown()


def test_generic_chat_adapter_with_a_payload_builder_and_parser_speaks_their_protocol(generate_server):
    url, requests = generate_server

    def build(messages: Any, max_tokens: int, temperature: Any, model: Any) -> Any:
        return {"prompt_messages": messages, "limit": max_tokens, "engine": model, "fail_once": True}

    def parse(data: Any) -> Any:
        return data["output"]["text"], None

    adapter = GenericChatAdapter(
        base_url=url, path="/generate", model="m1", api_key="k", payload_builder=build,
        response_parser=parse, retry_base_delay=0.0,
    )
    reply = adapter.complete([{"role": "user", "content": "hello"}], max_tokens=7)
    assert reply.text == "FINAL: from he" and reply.usage.total_tokens > 0  # estimated, as pyrlm
    # The 503 was retried; both requests carried the built body and the key.
    assert len(requests) == 2
    path, headers, body = requests[-1]
    assert path == "/generate" and headers["authorization"] == "Bearer k"
    assert body["limit"] == 7 and body["engine"] == "m1"
    # As RLM's model: the run ends on the parsed reply.
    answer, _ = RLM(adapter).run("q", "ctx")
    assert answer.startswith("from ")


def test_a_custom_parser_that_cannot_read_the_reply_names_the_endpoint(server):
    url, _ = server
    adapter = GenericChatAdapter(base_url=url + "/v1", response_parser=lambda data: (data["nope"], None))
    with pytest.raises(ValueError, match="Unexpected response structure from http://127.0.0.1"):
        adapter.complete([{"role": "user", "content": "x"}])
