"""``FakeAdapter``: pyrlm-runtime's deterministic scripted model, in Python.

``FakeAdapter(rules=[FakeRule(...)], script=[...], model=None)``: each call
joins the messages' contents with newlines, answers with the first rule whose
``matcher`` accepts that text (a ``once`` rule is then dropped), else with the
next reply of the script; with neither it raises ``RuntimeError`` (under
``RLM.run`` that is a ``ModelError`` whose ``__cause__`` is this error).
``call_log`` holds the messages of every call, in order. ``complete()`` is
what ``RLM`` calls (from a runtime thread: the adapter is guarded by a lock),
and what a test may call directly.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, List, Optional

from ..errors import ConfigError
from .base import ModelResponse, Usage, estimate_usage


@dataclass
class FakeRule:
    """A rule: ``matcher(prompt) -> bool`` over the joined messages; ``response`` is the
    reply; ``once`` drops the rule after its first use; ``usage`` overrides the estimate."""

    matcher: Callable[[str], bool]
    response: str
    once: bool = False
    usage: Optional[Usage] = None


class FakeAdapter:
    """pyrlm's ``FakeAdapter`` (see the module docs)."""

    def __init__(
        self,
        *,
        rules: Optional[Iterable[FakeRule]] = None,
        script: Optional[Iterable[str]] = None,
        model: Optional[str] = None,
    ) -> None:
        if isinstance(script, (str, bytes)):
            raise TypeError("script must be a list of replies, not a str")
        self._rules: List[FakeRule] = list(rules or [])
        self._script: List[str] = list(script or [])
        self.model = model
        #: The messages of every call, in order (copies of the lists passed).
        self.call_log: List[List[Dict[str, str]]] = []
        self._lock = threading.Lock()

    def add_rule(
        self,
        pattern: str,
        response: str,
        *,
        regex: bool = False,
        once: bool = False,
        usage: Optional[Usage] = None,
    ) -> None:
        """Adds a rule answering ``response`` when ``pattern`` occurs in the prompt
        (a regular expression searched in it when ``regex``)."""
        matcher: Callable[[str], bool]
        if regex:
            try:
                compiled = re.compile(pattern)
            except re.error as e:
                raise ConfigError(f"bad rule pattern {pattern!r}: {e}") from e

            def matcher(prompt: str) -> bool:
                return compiled.search(prompt) is not None

        else:

            def matcher(prompt: str) -> bool:
                return pattern in prompt

        with self._lock:
            self._rules.append(FakeRule(matcher=matcher, response=response, once=once, usage=usage))

    @property
    def calls(self) -> int:
        """How many calls were made (``len(call_log)``)."""
        return len(self.call_log)

    def complete(
        self,
        messages: List[Dict[str, str]],
        *,
        max_tokens: int = 512,
        temperature: float = 0.0,
        **params: Any,
    ) -> ModelResponse:
        """The reply to ``messages``: the first matching rule, else the next scripted reply."""
        prompt = "\n".join(str(m.get("content", "")) for m in messages)
        with self._lock:
            self.call_log.append([dict(m) for m in messages])
            for rule in list(self._rules):
                if rule.matcher(prompt):
                    if rule.once:
                        self._rules.remove(rule)
                    return ModelResponse(
                        text=rule.response,
                        usage=rule.usage or estimate_usage(prompt, rule.response),
                        model_id=self.model,
                    )
            if self._script:
                reply = self._script.pop(0)
                return ModelResponse(text=reply, usage=estimate_usage(prompt, reply), model_id=self.model)
        raise RuntimeError("FakeAdapter has no matching rule or remaining script")


__all__ = ["FakeAdapter", "FakeRule"]
