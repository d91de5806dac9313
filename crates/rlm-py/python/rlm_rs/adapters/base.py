"""pyrlm-runtime's adapter vocabulary (``pyrlm_runtime.adapters.base``):
``Usage``, ``ModelResponse``, the ``ModelAdapter`` protocol a Python model
follows, and ``estimate_usage`` (pyrlm's four-characters-a-token estimate).
A Python adapter may return a ``ModelResponse``; its ``usage`` is what the
runtime counts against ``Policy(max_total_tokens=)``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Protocol

from ..policy import estimate_tokens



@dataclass(frozen=True)
class Usage:
    """Token counts of one reply, as pyrlm's ``Usage``."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Usage":
        prompt = int(data.get("prompt_tokens", 0) or 0)
        completion = int(data.get("completion_tokens", 0) or 0)
        total = int(data.get("total_tokens", 0) or prompt + completion)
        return cls(prompt_tokens=prompt, completion_tokens=completion, total_tokens=total)

    def to_dict(self) -> Dict[str, int]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
        }


@dataclass(frozen=True)
class ModelResponse:
    """A reply, as pyrlm's ``ModelResponse`` (what a Python adapter may return)."""

    text: str
    usage: Usage
    model_id: Optional[str] = None
    meta: Optional[Dict[str, Any]] = None


class ModelAdapter(Protocol):
    """What ``RLM`` accepts as a model besides the runtime's own adapters."""

    def complete(
        self,
        messages: List[Dict[str, str]],
        *,
        max_tokens: int = 512,
        temperature: float = 0.0,
    ) -> ModelResponse: ...


def estimate_usage(prompt: str, completion: str) -> Usage:
    """``Usage`` estimated from the texts (pyrlm's ``estimate_usage``)."""
    p = estimate_tokens(prompt)
    c = estimate_tokens(completion)
    return Usage(prompt_tokens=p, completion_tokens=c, total_tokens=p + c)


__all__ = ["ModelAdapter", "ModelResponse", "Usage", "estimate_tokens", "estimate_usage"]
