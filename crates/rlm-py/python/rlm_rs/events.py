"""pyrlm-runtime's run events (``pyrlm_runtime.events``): ``RLMEvent`` and
the ``RLMEventListener`` protocol (an object with ``handle(event)``).

``RLM(event_listener=obj)`` with an object that has ``handle`` (and no
``on_event``) gets pyrlm's events: ``run_started`` (query, context metadata,
``repl_backend="rlm_rs"``) when a top-level run starts, ``step_completed``
(a ``TraceStep``) as each root call, program run and subcall finishes, and
``run_finished`` (output, steps, tokens, seconds) when ``run``/``arun``
returns. The first two come from a runtime thread while the run proceeds;
an exception ``handle`` raises goes to ``sys.unraisablehook`` and the run
goes on. A callable, or an object with ``on_event``, gets the runtime's
trace events as dicts instead.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Dict, Optional, Protocol

from .trace import StepBuilder, Trace, TraceStep


@dataclass(frozen=True)
class RLMEvent:
    """One event of a run: ``kind`` is ``run_started``, ``step_completed`` or ``run_finished``."""

    kind: str
    query: Optional[str] = None
    step: Optional[TraceStep] = None
    context_metadata: Optional[Dict[str, Any]] = None
    repl_backend: Optional[str] = None
    output: Optional[str] = None
    total_steps: Optional[int] = None
    tokens_used: Optional[int] = None
    elapsed: Optional[float] = None


class RLMEventListener(Protocol):
    """What ``RLM(event_listener=)`` calls with each ``RLMEvent``."""

    def handle(self, event: RLMEvent) -> None: ...


class ListenerBridge:
    """The runtime's trace events (dicts) turned into ``RLMEvent`` s for a
    ``handle`` listener. Callable: ``RLM`` passes it to the runtime."""

    def __init__(self, listener: Any) -> None:
        self.listener = listener
        self._builder = StepBuilder(keep_steps=False)
        self._lock = threading.Lock()
        # Top-level run span -> its query, for the step events.
        self._queries: Dict[Any, str] = {}
        self._query: Optional[str] = None

    def __call__(self, ev: Dict[str, Any]) -> None:
        kind = ev.get("kind", {})
        name = kind.get("type") if isinstance(kind, dict) else None
        with self._lock:
            step = self._builder.feed(ev)
            if name == "run_started" and int(kind.get("depth", 0) or 0) == 0:
                self._query = str(kind.get("query", ""))
            query = self._query
        if name == "run_started" and int(kind.get("depth", 0) or 0) == 0:
            self.listener.handle(
                RLMEvent(
                    kind="run_started",
                    query=query,
                    context_metadata={
                        "context_chars": kind.get("context_chars"),
                        "num_documents": kind.get("context_documents"),
                        "model": kind.get("model"),
                    },
                    repl_backend="rlm_rs",
                )
            )
        if step is not None:
            self.listener.handle(RLMEvent(kind="step_completed", query=query, step=step))

    def finished(self, query: str, answer: Optional[str], trace: Trace) -> None:
        """Emits ``run_finished`` for a run that returned."""
        steps = trace.steps
        elapsed = None
        for ev in reversed(trace.events):
            kind = ev.get("kind", {})
            if isinstance(kind, dict) and kind.get("type") == "run_finished":
                ms = kind.get("duration_ms")
                elapsed = float(ms) / 1000.0 if isinstance(ms, (int, float)) else None
                break
        self.listener.handle(
            RLMEvent(
                kind="run_finished",
                query=query,
                output=answer,
                total_steps=len(steps),
                tokens_used=sum(s.usage.total_tokens for s in steps if s.usage is not None),
                elapsed=elapsed,
            )
        )


def wants_bridge(listener: Any) -> bool:
    """A listener with pyrlm's ``handle`` and not our ``on_event``, and not callable."""
    return (
        listener is not None
        and hasattr(listener, "handle")
        and not hasattr(listener, "on_event")
        and not callable(listener)
    )


__all__ = ["ListenerBridge", "RLMEvent", "RLMEventListener"]
