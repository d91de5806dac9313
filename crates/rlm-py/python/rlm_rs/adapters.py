"""Models, named as in ``pyrlm_runtime.adapters``.

* ``FakeAdapter(script=[...])`` with ``add_rule(pattern, response, regex=False, once=False)``:
  rules are matched against all messages joined with newlines, before the script.
* ``OpenAICompatAdapter(model=..., base_url=..., api_key=...)``.
* ``Adapter("provider:model")``: any provider the runtime knows (``openai:``,
  ``anthropic:``, ``azure:``, ``gemini:``, ``ollama:``, ``llamacpp:``, ``vllm:``,
  ``openrouter:``, ``fake:echo``...), keys from the environment.
* Any object with ``complete(messages, **params)`` (sync or ``async def``)
  returning a ``str``, an object with ``.text`` or a dict with ``"text"``.
"""

from __future__ import annotations

from typing import Optional

from ._native import Adapter, FakeAdapter, openai_compat_adapter


def OpenAICompatAdapter(
    model: str, base_url: Optional[str] = None, api_key: Optional[str] = None
) -> Adapter:
    """An OpenAI-compatible server (OpenAI, Ollama, vLLM, LM Studio, llama.cpp...).

    ``base_url`` defaults to ``LLM_BASE_URL`` / ``OPENAI_BASE_URL`` or OpenAI's,
    ``api_key`` to ``LLM_API_KEY`` / ``OPENAI_API_KEY``.
    """
    return openai_compat_adapter(model, base_url=base_url, api_key=api_key)


__all__ = ["Adapter", "FakeAdapter", "OpenAICompatAdapter"]
