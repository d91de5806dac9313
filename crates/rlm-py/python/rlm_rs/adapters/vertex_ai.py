"""``VertexAIAdapter`` (pyrlm's ``pyrlm_runtime.adapters.vertex_ai``): refused.

Google's Vertex SDK and credentials are not part of rlm_rs. Use
``Adapter("gemini:MODEL")`` (the Gemini API, ``GEMINI_API_KEY``) or an object with
``complete(messages, **params)`` around the Vertex SDK.
"""

from __future__ import annotations

from typing import Any

from .._native import Adapter
from ..errors import ConfigError


class VertexAIAdapter:
    """Refused: see the module docs. Constructing one raises ``ConfigError``."""

    def __new__(cls, *args: Any, **kwargs: Any) -> Adapter:  # type: ignore[misc]
        raise ConfigError(
            "VertexAIAdapter is not supported by rlm_rs: Google's Vertex SDK and credentials are "
            "not part of it; use Adapter('gemini:MODEL') (the Gemini API, GEMINI_API_KEY) or an "
            "object with complete(messages, **params) around the Vertex SDK"
        )


__all__ = ["VertexAIAdapter"]
