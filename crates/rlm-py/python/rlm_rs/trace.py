"""The trace of a run: ``Trace.events`` (the runtime's trace events as dicts,
the source of truth) and ``Trace.steps`` (pyrlm-runtime's view of them: one
``Step`` per root-model call, program run and subcall). JSON-serialisable
with ``to_json`` / ``from_json``."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Optional


@dataclass
class Step:
    """One step of a run.

    ``kind`` is pyrlm-runtime's: ``root_call``, ``repl_exec``, ``subcall``,
    and ``sub_root_call`` / ``sub_repl_exec`` / ``sub_subcall`` inside a
    sub-RLM (``rlm_query``). ``depth`` is 0 for the top-level run.
    """

    step_id: int
    kind: str
    depth: int = 0
    code: Optional[str] = None
    stdout: Optional[str] = None
    error: Optional[str] = None
    prompt: Optional[str] = None
    output: Optional[str] = None
    model: Optional[str] = None


_KINDS = {"model_call": "root_call", "program": "repl_exec", "subcall": "subcall"}


@dataclass
class Trace:
    """What a run did: its events (dicts, in order) and the steps derived from them."""

    events: List[Dict[str, Any]] = field(default_factory=list)
    answer: Optional[str] = None
    finish: Dict[str, Any] = field(default_factory=dict)
    usage: Dict[str, Any] = field(default_factory=dict)
    root_steps: int = 0

    @property
    def steps(self) -> List[Step]:
        """pyrlm-runtime's steps, derived from the events."""
        steps: List[Step] = []
        open_steps: Dict[Any, Step] = {}
        depth_of: Dict[Any, int] = {}
        for ev in self.events:
            kind = ev.get("kind", {})
            name = kind.get("type", "")
            span = ev.get("span_id")
            parent = ev.get("parent_span_id")
            if name == "run_started":
                depth_of[span] = int(kind.get("depth", 0))
                continue
            base, _, phase = name.rpartition("_")
            if phase == "started" and base in _KINDS:
                depth = depth_of.get(parent, 0)
                depth_of[span] = depth
                step_kind = _KINDS[base]
                step = Step(
                    step_id=len(steps) + 1,
                    kind=("sub_" + step_kind) if depth > 0 else step_kind,
                    depth=depth,
                    code=kind.get("code"),
                    prompt=kind.get("prompt_preview"),
                    model=kind.get("model"),
                )
                steps.append(step)
                open_steps[span] = step
            elif phase == "finished" and span in open_steps:
                step = open_steps.pop(span)
                step.stdout = kind.get("stdout", step.stdout)
                step.output = kind.get("response_preview", step.output)
                outcome = kind.get("outcome")
                if outcome not in (None, "ok"):
                    # The error as the model read it (a program's traceback), else the outcome's name.
                    error = kind.get("error") or outcome
                    step.error = error if isinstance(error, str) else json.dumps(error)
        return steps

    def to_dict(self) -> Dict[str, Any]:
        return {
            "answer": self.answer,
            "finish": self.finish,
            "usage": self.usage,
            "root_steps": self.root_steps,
            "events": self.events,
            "steps": [asdict(s) for s in self.steps],
        }

    def to_json(self, indent: Optional[int] = None) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_json(cls, text: str) -> "Trace":
        d = json.loads(text)
        return cls(
            events=list(d.get("events", [])),
            answer=d.get("answer"),
            finish=dict(d.get("finish", {})),
            usage=dict(d.get("usage", {})),
            root_steps=int(d.get("root_steps", 0)),
        )
