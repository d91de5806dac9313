"""``GenericChatAdapter`` with a ``payload_builder`` or ``response_parser``
(pyrlm's ``pyrlm_runtime.adapters.generic_chat``): the user's own request
and reply shapes, so the HTTP call is made here, in Python, and the runtime
calls this object's ``complete()`` as any Python model.

Without either callable, ``GenericChatAdapter`` returns the runtime's native
``Adapter`` instead (no Python per call). What pyrlm does, this does:

* ``payload_builder(messages, max_tokens, temperature, model) -> dict`` is
  the JSON body; ``response_parser(data) -> (text, Usage | None)`` reads the
  reply (the defaults are OpenAI's chat completions, as pyrlm's).
* HTTP 429, 500, 502, 503, 504 and network errors are retried up to
  ``max_retries`` times, ``retry_base_delay * 2**attempt`` seconds apart
  (capped at ``retry_max_delay``, with pyrlm's 0.5-1.5x jitter), or the
  server's ``Retry-After`` when longer (at most 300 s).
* A reply without usage gets pyrlm's estimate (four characters a token).
* Other error statuses raise at once; a reply that is not JSON, or that the
  parser cannot read, raises ``ValueError`` naming the endpoint.
"""

from __future__ import annotations

import json
import random
import time
import urllib.error
import urllib.request
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from .base import ModelResponse, Usage, estimate_usage

PayloadBuilder = Callable[[List[Dict[str, str]], int, Optional[float], Optional[str]], Dict[str, Any]]
ResponseParser = Callable[[Dict[str, Any]], Tuple[str, Optional[Usage]]]

_RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})
_RETRY_AFTER_MAX_SECONDS = 300.0


def default_payload_builder(
    messages: List[Dict[str, str]], max_tokens: int, temperature: Optional[float], model: Optional[str]
) -> Dict[str, Any]:
    """OpenAI's chat-completions body."""
    payload: Dict[str, Any] = {"messages": messages, "max_tokens": max_tokens}
    if temperature is not None:
        payload["temperature"] = temperature
    if model:
        payload["model"] = model
    return payload


def _text_of(content: Any) -> str:
    """A message's content as text: a string, or the text of its parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [p.get("text", "") if isinstance(p, dict) else str(p) for p in content]
        return "".join(parts)
    return "" if content is None else str(content)


def default_response_parser(data: Dict[str, Any]) -> Tuple[str, Optional[Usage]]:
    """OpenAI's chat-completions reply: the first choice's text, and its usage."""
    text = _text_of(data["choices"][0]["message"].get("content"))
    usage = data.get("usage")
    return text, Usage.from_dict(usage) if usage else None


class _RetriedStatus(Exception):
    """An HTTP status worth another attempt, with the server's Retry-After."""

    def __init__(self, status: int, retry_after: Optional[float]) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.retry_after = retry_after


def _retry_after(headers: Any) -> Optional[float]:
    raw = headers.get("Retry-After") if headers is not None else None
    try:
        seconds = float(str(raw).strip()) if raw else None
    except ValueError:
        return None
    if seconds is None or seconds < 0:
        return None
    return min(seconds, _RETRY_AFTER_MAX_SECONDS)


class CallbackChatAdapter:
    """A chat server whose request and reply shapes the user's callables
    define (see the module docs). ``RLM`` calls ``complete()``."""

    def __init__(
        self,
        *,
        endpoint: str,
        model: Optional[str],
        headers: Mapping[str, str],
        payload_builder: Optional[PayloadBuilder],
        response_parser: Optional[ResponseParser],
        timeout: float,
        max_retries: int,
        retry_base_delay: float,
        retry_max_delay: float,
    ) -> None:
        self.endpoint = endpoint
        self.model = model
        self.timeout = timeout
        self.payload_builder: PayloadBuilder = payload_builder or default_payload_builder
        self.response_parser: ResponseParser = response_parser or default_response_parser
        self._headers = {"Content-Type": "application/json", **dict(headers)}
        self.max_retries = max(0, int(max_retries))
        self.retry_base_delay = retry_base_delay
        self.retry_max_delay = retry_max_delay

    @property
    def headers(self) -> Dict[str, str]:
        return dict(self._headers)

    def close(self) -> None:
        """Nothing to release: each call opens its own connection."""

    def __enter__(self) -> "CallbackChatAdapter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def complete(
        self, messages: List[Dict[str, str]], *, max_tokens: int = 512, temperature: Optional[float] = 0.0
    ) -> ModelResponse:
        payload = self.payload_builder(messages, max_tokens, temperature, self.model)
        body = json.dumps(payload).encode()
        for attempt in range(self.max_retries + 1):
            try:
                return self._send(body, messages)
            except (_RetriedStatus, urllib.error.URLError, TimeoutError, ConnectionError) as e:
                if isinstance(e, urllib.error.HTTPError) or attempt >= self.max_retries:
                    raise
                delay = min(self.retry_base_delay * (2**attempt), self.retry_max_delay)
                delay *= 0.5 + random.random()
                if isinstance(e, _RetriedStatus) and e.retry_after is not None:
                    delay = max(delay, e.retry_after)
                time.sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _send(self, body: bytes, messages: List[Dict[str, str]]) -> ModelResponse:
        request = urllib.request.Request(self.endpoint, data=body, headers=self._headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as e:
            if e.code in _RETRIED_STATUSES:
                raise _RetriedStatus(e.code, _retry_after(e.headers)) from e
            raise
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as e:
            raise ValueError(f"Malformed JSON response from {self.endpoint}: {e}") from e
        try:
            text, usage = self.response_parser(data)
        except (KeyError, IndexError, TypeError) as e:
            raise ValueError(f"Unexpected response structure from {self.endpoint}: {e}") from e
        if usage is None:
            usage = estimate_usage("\n".join(m.get("content", "") for m in messages), text)
        return ModelResponse(text=text, usage=usage, model_id=self.model)


__all__ = ["CallbackChatAdapter", "default_payload_builder", "default_response_parser"]
