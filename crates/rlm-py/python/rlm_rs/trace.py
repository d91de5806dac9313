"""The trace of a run: ``Trace.events`` (the runtime's trace events as dicts,
the source of truth) and ``Trace.steps`` (pyrlm-runtime's ``TraceStep`` view
of them: one step per root-model call, program run and subcall, with usage,
elapsed seconds and cache hits).

``to_json`` writes pyrlm-runtime's trace JSON (a list of steps, the same
text pyrlm's ``Trace.to_json`` writes for the same steps); ``to_rlm_json``
writes ours (events, answer, finish, usage, and the steps). ``from_json``
reads both. A ``Trace`` read from pyrlm's JSON has steps and no events.
"""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass
from typing import Any, Dict, List, Optional

from .adapters.base import Usage


@dataclass
class TraceStep:
    """One step of a run, with pyrlm-runtime's fields.

    ``kind``: ``root_call``, ``repl_exec``, ``subcall``, and ``sub_root_call``
    / ``sub_repl_exec`` / ``sub_subcall`` inside a sub-RLM (``rlm_query``);
    pyrlm's other kinds (``recursive_subcall``, ``compaction``...) are read
    from its JSON. ``depth`` is 0 for the top-level run. ``prompt_summary``
    is the start of the prompt, ``output`` of the reply (the runtime keeps
    previews of both). ``elapsed`` is in seconds; ``cache_hit`` says the
    reply came from the ``FileCache``; ``parallel_index`` is the position in
    an ``llm_batch``. ``input_hash``/``output_hash``/``cache_key``/
    ``parallel_group_id``/``parallel_total`` are read from pyrlm's JSON; the
    runtime does not produce them (None).
    """

    step_id: int
    kind: str
    depth: int = 0
    prompt_summary: Optional[str] = None
    code: Optional[str] = None
    output: Optional[str] = None
    stdout: Optional[str] = None
    error: Optional[str] = None
    usage: Optional[Usage] = None
    model: Optional[str] = None
    elapsed: Optional[float] = None
    cache_hit: bool = False
    input_hash: Optional[str] = None
    output_hash: Optional[str] = None
    cache_key: Optional[str] = None
    parallel_group_id: Optional[str] = None
    parallel_index: Optional[int] = None
    parallel_total: Optional[int] = None

    @property
    def prompt(self) -> Optional[str]:
        """``prompt_summary`` (the name of rlm_rs 0.1's field)."""
        return self.prompt_summary

    def to_dict(self) -> Dict[str, Any]:
        """pyrlm's JSON object of the step."""
        data = asdict(self)
        data["usage"] = self.usage.to_dict() if self.usage is not None else None
        return data

    @classmethod
    def from_dict(cls, item: Dict[str, Any]) -> "TraceStep":
        """A step from pyrlm's JSON object (or ours)."""
        usage = item.get("usage")
        return cls(
            step_id=int(item["step_id"]),
            kind=str(item["kind"]),
            depth=int(item.get("depth") or 0),
            prompt_summary=item.get("prompt_summary", item.get("prompt")),
            code=item.get("code"),
            output=item.get("output"),
            stdout=item.get("stdout"),
            error=item.get("error"),
            usage=Usage.from_dict(usage) if isinstance(usage, dict) and usage else None,
            model=item.get("model"),
            elapsed=item.get("elapsed"),
            cache_hit=bool(item.get("cache_hit", False)),
            input_hash=item.get("input_hash"),
            output_hash=item.get("output_hash"),
            cache_key=item.get("cache_key"),
            parallel_group_id=item.get("parallel_group_id"),
            parallel_index=item.get("parallel_index"),
            parallel_total=item.get("parallel_total"),
        )


#: rlm_rs 0.1's name of ``TraceStep``.
Step = TraceStep

_KINDS = {"model_call": "root_call", "program": "repl_exec", "subcall": "subcall"}


def _usage(raw: Any) -> Optional[Usage]:
    if not isinstance(raw, dict):
        return None
    prompt = int(raw.get("prompt_tokens", 0) or 0)
    completion = int(raw.get("completion_tokens", 0) or 0)
    return Usage(prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion)


def _seconds(ms: Any) -> Optional[float]:
    return float(ms) / 1000.0 if isinstance(ms, (int, float)) else None


class StepBuilder:
    """Turns trace events (dicts, in order) into ``TraceStep`` s as they come:
    ``feed(event)`` returns the step an event finished, if any."""

    def __init__(self, keep_steps: bool = True) -> None:
        #: The steps so far, in start order (empty unless ``keep_steps``).
        self.steps: List[TraceStep] = []
        self._keep = keep_steps
        self._count = 0
        self._open: Dict[Any, TraceStep] = {}
        self._depth: Dict[Any, int] = {}

    def feed(self, ev: Dict[str, Any]) -> Optional[TraceStep]:
        kind = ev.get("kind", {})
        if not isinstance(kind, dict):
            return None
        name = str(kind.get("type", ""))
        span = ev.get("span_id")
        parent = ev.get("parent_span_id")
        if name == "run_started":
            self._depth[span] = int(kind.get("depth", 0) or 0)
            return None
        if name == "run_finished":
            self._depth.pop(span, None)
            return None
        base, _, phase = name.rpartition("_")
        if phase == "started" and base in _KINDS:
            depth = self._depth.get(parent, 0)
            step_kind = _KINDS[base]
            batch_index = kind.get("batch_index")
            self._count += 1
            step = TraceStep(
                step_id=self._count,
                kind=("sub_" + step_kind) if depth > 0 else step_kind,
                depth=depth,
                code=kind.get("code"),
                prompt_summary=kind.get("prompt_preview"),
                model=kind.get("model"),
                parallel_index=int(batch_index) if isinstance(batch_index, int) else None,
            )
            if self._keep:
                self.steps.append(step)
            self._open[span] = step
            return None
        if phase == "finished" and span in self._open:
            step = self._open.pop(span)
            step.stdout = kind.get("stdout", step.stdout)
            step.output = kind.get("response_preview", step.output)
            step.usage = _usage(kind.get("usage")) or step.usage
            step.elapsed = _seconds(kind.get("latency_ms", kind.get("duration_ms")))
            step.cache_hit = bool(kind.get("cached", False))
            outcome = kind.get("outcome")
            if outcome not in (None, "ok"):
                # The error as the model read it (a program's traceback), else the outcome's name.
                error = kind.get("error") or outcome
                step.error = error if isinstance(error, str) else json.dumps(error)
            return step
        return None


class Trace:
    """What a run did: its events (dicts, in order) and the steps derived from them.

    ``Trace(steps=[...])`` (pyrlm's constructor) holds the given steps;
    ``add(step)`` appends one (thread-safe).
    """

    def __init__(
        self,
        steps: Optional[List[TraceStep]] = None,
        *,
        events: Optional[List[Dict[str, Any]]] = None,
        answer: Optional[str] = None,
        finish: Optional[Dict[str, Any]] = None,
        usage: Optional[Dict[str, Any]] = None,
        root_steps: int = 0,
    ) -> None:
        self._steps: Optional[List[TraceStep]] = list(steps) if steps is not None else None
        self.events: List[Dict[str, Any]] = list(events or [])
        self.answer = answer
        self.finish: Dict[str, Any] = dict(finish or {})
        self.usage: Dict[str, Any] = dict(usage or {})
        self.root_steps = root_steps
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Trace(steps={len(self.steps)}, events={len(self.events)}, answer={self.answer!r})"

    @property
    def steps(self) -> List[TraceStep]:
        """pyrlm-runtime's steps: the ones given or added, else derived from the events."""
        if self._steps is not None:
            return self._steps
        builder = StepBuilder()
        for ev in self.events:
            builder.feed(ev)
        return builder.steps

    def add(self, step: TraceStep) -> None:
        """Appends a step (pyrlm's ``Trace.add``)."""
        with self._lock:
            if self._steps is None:
                self._steps = self.steps
            self._steps.append(step)

    @property
    def total_tokens(self) -> int:
        """Tokens of every step (root calls and subcalls)."""
        return sum(s.usage.total_tokens for s in self.steps if s.usage is not None)

    @property
    def cache_hits(self) -> int:
        """Steps whose reply came from the cache."""
        return sum(1 for s in self.steps if s.cache_hit)

    def to_dict(self) -> Dict[str, Any]:
        return {
            "answer": self.answer,
            "finish": self.finish,
            "usage": self.usage,
            "root_steps": self.root_steps,
            "events": self.events,
            "steps": [s.to_dict() for s in self.steps],
        }

    def to_json(self) -> str:
        """pyrlm-runtime's trace JSON: a list of steps (as pyrlm's ``to_json``)."""
        return json.dumps([s.to_dict() for s in self.steps], ensure_ascii=True, indent=2)

    def to_pyrlm_json(self) -> str:
        """``to_json`` (rlm_rs 0.2's name)."""
        return self.to_json()

    def to_rlm_json(self, indent: Optional[int] = None) -> str:
        """Our JSON: an object with the events, answer, finish, usage and steps."""
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_json(cls, text: str) -> "Trace":
        """Reads our JSON (an object) or pyrlm-runtime's (a list of steps)."""
        d = json.loads(text)
        if isinstance(d, list):
            return cls(steps=[TraceStep.from_dict(item) for item in d])
        if not isinstance(d, dict):
            raise ValueError(f"a trace's JSON is an object or a list of steps, not {type(d).__name__}")
        steps = None
        if not d.get("events") and d.get("steps"):
            steps = [TraceStep.from_dict(item) for item in d["steps"]]
        return cls(
            steps=steps,
            events=list(d.get("events", [])),
            answer=d.get("answer"),
            finish=dict(d.get("finish", {})),
            usage=dict(d.get("usage", {})),
            root_steps=int(d.get("root_steps", 0)),
        )


__all__ = ["Step", "StepBuilder", "Trace", "TraceStep"]
