"""Models, named as in ``pyrlm_runtime.adapters``.

* ``FakeAdapter(rules=, script=, model=)`` (``rlm_rs.adapters.fake``), pyrlm's scripted
  model in Python: ``add_rule(pattern, response, regex=False, once=False, usage=None)``,
  ``FakeRule(matcher, response, once, usage)``, ``call_log`` (the messages of every
  call), ``complete(messages, max_tokens=, temperature=)`` returning a ``ModelResponse``.
  Rules are matched against all messages joined with newlines, before the script.
  ``NativeFakeAdapter(script=, model=)`` is the runtime's own scripted model (no Python
  call per reply; ``add_rule`` with patterns, no ``call_log``), for benchmarks.
* ``OpenAICompatAdapter(model=..., base_url=..., api_key=...)``.
* ``AzureOpenAIAdapter(model=..., api_version=None, timeout=180.0)``: pyrlm's
  environment (``AZURE_OPENAI_API_KEY``, ``OPENAI_ENDPOINT`` or ``AZURE_ACCOUNT_NAME``,
  ``AZURE_OPENAI_API_VERSION``).
* ``GenericChatAdapter(endpoint= or base_url=, model=, api_key=, headers=, timeout=,
  max_retries=, retry_base_delay=, retry_max_delay=)``: a server speaking OpenAI's chat
  completions, called by the runtime. With ``payload_builder`` / ``response_parser``
  (pyrlm's custom request and reply shapes) it is a ``CallbackChatAdapter``
  (``rlm_rs.adapters.generic_chat``), which makes the call in Python.
* ``VertexAIAdapter(project_id, location=, model=...)`` (``rlm_rs.adapters.vertex_ai``):
  Vertex AI's REST API called by the runtime, with a token from ``VERTEX_ACCESS_TOKEN``.
* ``Adapter("provider:model")``: any provider the runtime knows (``openai:``,
  ``anthropic:``, ``azure:``, ``gemini:``, ``ollama:``, ``llamacpp:``, ``vllm:``,
  ``openrouter:``, ``fake:echo``...), keys from the environment.
* Any object with ``complete(messages, **params)`` (sync or ``async def``)
  returning a ``str``, an object with ``.text`` (pyrlm's ``ModelResponse``, also
  here) or a dict with ``"text"``.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Optional

from .._native import (
    Adapter,
    azure_openai_adapter,
    generic_chat_adapter,
    openai_compat_adapter,
)
from .._native import FakeAdapter as NativeFakeAdapter
from ..errors import ConfigError
from .base import ModelAdapter, ModelResponse, Usage, estimate_usage
from .fake import FakeAdapter, FakeRule
from .generic_chat import CallbackChatAdapter


def OpenAICompatAdapter(
    model: str, base_url: Optional[str] = None, api_key: Optional[str] = None
) -> Adapter:
    """An OpenAI-compatible server (OpenAI, Ollama, vLLM, LM Studio, llama.cpp...).

    ``base_url`` defaults to ``LLM_BASE_URL`` / ``OPENAI_BASE_URL`` or OpenAI's,
    ``api_key`` to ``LLM_API_KEY`` / ``OPENAI_API_KEY``.
    """
    return openai_compat_adapter(model, base_url=base_url, api_key=api_key)


class AzureOpenAIAdapter:
    """Azure OpenAI's deployment ``model``, configured from pyrlm's environment
    variables. A class by name (``AzureOpenAIAdapter | None`` annotations work);
    constructing it returns the runtime's ``Adapter``."""

    def __new__(cls, *, model: str, api_version: Optional[str] = None, timeout: float = 180.0) -> Adapter:  # type: ignore[misc]
        return azure_openai_adapter(model, api_version=api_version, timeout=timeout)


class GenericChatAdapter:
    """A chat-completions server at ``endpoint`` (or ``base_url`` + ``path``).
    A class by name; constructing it returns the runtime's ``Adapter``, or a
    ``CallbackChatAdapter`` when ``payload_builder``/``response_parser`` is given."""

    def __new__(  # type: ignore[misc]
        cls,
        *,
        endpoint: Optional[str] = None,
        base_url: Optional[str] = None,
        path: str = "/chat/completions",
        model: Optional[str] = None,
        api_key: Optional[str] = None,
        headers: Optional[Mapping[str, str]] = None,
        payload_builder: Optional[Callable[..., Any]] = None,
        response_parser: Optional[Callable[..., Any]] = None,
        timeout: float = 60.0,
        max_retries: int = 3,
        retry_base_delay: float = 1.0,
        retry_max_delay: float = 30.0,
    ) -> "Adapter | CallbackChatAdapter":
        if payload_builder is not None or response_parser is not None:
            if endpoint is None:
                if not base_url:
                    raise ConfigError("GenericChatAdapter needs endpoint= or base_url=")
                endpoint = f"{base_url.rstrip('/')}/{path.lstrip('/')}"
            all_headers = dict(headers or {})
            if api_key:
                all_headers["Authorization"] = f"Bearer {api_key}"
            return CallbackChatAdapter(
                endpoint=endpoint,
                model=model,
                headers=all_headers,
                payload_builder=payload_builder,
                response_parser=response_parser,
                timeout=timeout,
                max_retries=max_retries,
                retry_base_delay=retry_base_delay,
                retry_max_delay=retry_max_delay,
            )
        return generic_chat_adapter(
            endpoint=endpoint,
            base_url=base_url,
            path=path,
            model=model,
            api_key=api_key,
            headers=list((headers or {}).items()),
            timeout=timeout,
            max_retries=max_retries,
            retry_base_delay=retry_base_delay,
            retry_max_delay=retry_max_delay,
        )


from .vertex_ai import VertexAIAdapter  # noqa: E402  (its own module, as pyrlm's)


__all__ = [
    "Adapter",
    "AzureOpenAIAdapter",
    "CallbackChatAdapter",
    "FakeAdapter",
    "FakeRule",
    "GenericChatAdapter",
    "ModelAdapter",
    "ModelResponse",
    "NativeFakeAdapter",
    "OpenAICompatAdapter",
    "Usage",
    "VertexAIAdapter",
    "estimate_usage",
]
