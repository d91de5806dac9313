"""pyrlm-runtime's SmartRouter (``pyrlm_runtime.router``), on the runtime's own
router (rlm-core's ``smart_router``): a context shorter than
``RouterConfig.baseline_threshold`` characters is answered by one direct model
call (rlm-prompts' ``direct.md``), a longer one by the RLM loop.

* ``SmartRouter(adapter, subcall_adapter=, config=, policy=, system_prompt=,
  fallback_code=, auto_finalize_var=, rlm_extra_kwargs=)`` and ``run(query,
  context, profile=None, force_method=None) -> RouterResult``: mapped.
  ``RouterResult.method`` is ``"baseline"`` when the runtime answered
  directly (``trace.finish["kind"] == "direct"``), else ``"rlm"``.
* ``ExecutionProfile``: accepted and reported in ``RouterResult.profile``; the
  runtime has one loop, so a profile changes nothing about the run.
* Refused (``ConfigError``, saying why) unless at pyrlm's default:
  ``RouterConfig(baseline_system_prompt=, auto_calibrate=True)``,
  ``SmartRouter(auto_finalize_reject_patterns=, logger=)``.
* ``TraceFormatter``: ``format(trace, title=)``, ``format_table(results)``,
  ``format_comparison(baseline, rlm)``: text views of our ``Trace`` (the
  wording is ours).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Dict, List, Optional, Tuple

from ._native import Context
from .errors import ConfigError
from .policy import Policy
from .rlm import RLM, _context
from .trace import Trace, TraceStep


#: The knob of rlm-config the threshold is (`router.smart_threshold_chars`).
_THRESHOLD_KNOB = "router.smart_threshold_chars"


class ExecutionProfile(Enum):
    """pyrlm's execution profiles (reported, not acted on: see the module docs)."""

    DETERMINISTIC_FIRST = "deterministic_first"
    SEMANTIC_BATCHES = "semantic_batches"
    HYBRID = "hybrid"
    VERIFY = "verify"


@dataclass
class RouterConfig:
    """``baseline_threshold``: contexts shorter than this many characters get one direct
    call. ``baseline_max_tokens`` is accepted and not used: the direct call is capped like
    every root call (``RLM(max_output_tokens=)`` through ``rlm_extra_kwargs``)."""

    baseline_threshold: int = 8000
    default_profile: ExecutionProfile = ExecutionProfile.DETERMINISTIC_FIRST
    baseline_max_tokens: int = 512
    baseline_system_prompt: Optional[str] = None
    auto_calibrate: bool = False
    _calibration_data: List[Tuple[int, bool, bool, float, float]] = field(default_factory=list)


@dataclass
class RouterResult:
    """What ``SmartRouter.run`` returns."""

    output: Optional[str]
    trace: Trace
    method: str
    profile: ExecutionProfile
    context_chars: int
    tokens_used: int
    elapsed: Optional[float] = None


class SmartRouter:
    """Routes a question to one direct call or to the RLM loop by context size."""

    def __init__(
        self,
        adapter: Any,
        *,
        subcall_adapter: Any = None,
        config: Optional[RouterConfig] = None,
        policy: Optional[Policy] = None,
        system_prompt: Optional[str] = None,
        fallback_code: Optional[str] = None,
        auto_finalize_var: Optional[str] = None,
        auto_finalize_reject_patterns: Optional[List[str]] = None,
        rlm_extra_kwargs: Optional[Dict[str, Any]] = None,
        logger: Any = None,
    ) -> None:
        self.config = config or RouterConfig()
        if self.config.baseline_system_prompt is not None:
            raise ConfigError(
                "RouterConfig(baseline_system_prompt=) is not supported by rlm_rs: the direct "
                "call's prompt is rlm-prompts' direct.md"
            )
        if self.config.auto_calibrate:
            raise ConfigError(
                "RouterConfig(auto_calibrate=True) is not supported by rlm_rs: the threshold is "
                "fixed (baseline_threshold=)"
            )
        if auto_finalize_reject_patterns is not None:
            raise ConfigError(
                "SmartRouter(auto_finalize_reject_patterns=) is not supported by rlm_rs: "
                "auto-finalize has no reject patterns here"
            )
        if logger is not None:
            raise ConfigError(
                "SmartRouter(logger=) is not supported by rlm_rs: every step is a trace event "
                "(result.trace.events)"
            )
        self.adapter = adapter
        self.subcall_adapter = subcall_adapter
        self.policy = policy
        self.system_prompt = system_prompt
        self.fallback_code = fallback_code
        self.auto_finalize_var = auto_finalize_var
        self.rlm_extra_kwargs: Dict[str, Any] = dict(rlm_extra_kwargs or {})

    def _rlm(self, threshold: Optional[int]) -> RLM:
        kwargs: Dict[str, Any] = dict(self.rlm_extra_kwargs)
        # The threshold is the knob every front end has (`rlm run
        # --smart-router N`, rlm.toml's `router.smart_threshold_chars`),
        # set through RLM's config= beside any knobs rlm_extra_kwargs gives.
        config: Dict[str, Any] = dict(kwargs.pop("config", None) or {})
        config.pop(_THRESHOLD_KNOB, None)
        if threshold is not None:
            config[_THRESHOLD_KNOB] = threshold
        return RLM(
            self.adapter,
            subcall_adapter=self.subcall_adapter,
            policy=self.policy,
            system_prompt=self.system_prompt,
            fallback_code=self.fallback_code,
            auto_finalize_var=self.auto_finalize_var,
            config=config,
            **kwargs,
        )

    def run(
        self,
        query: str,
        context: Any,
        *,
        profile: Optional[ExecutionProfile] = None,
        force_method: Optional[str] = None,
    ) -> RouterResult:
        """Answers ``query`` over ``context`` by one direct call or the RLM loop."""
        ctx: Context = _context(context)
        chars = ctx.len_chars()
        if force_method not in (None, "baseline", "rlm"):
            raise ValueError(f"force_method must be 'baseline' or 'rlm', got {force_method!r}")
        if force_method == "baseline":
            threshold: Optional[int] = chars + 1
        elif force_method == "rlm":
            threshold = None
        else:
            threshold = self.config.baseline_threshold
        started = time.perf_counter()
        answer, trace = self._rlm(threshold).run(query, ctx)
        elapsed = time.perf_counter() - started
        method = "baseline" if trace.finish.get("kind") == "direct" else "rlm"
        return RouterResult(
            output=answer,
            trace=trace,
            method=method,
            profile=profile or self.config.default_profile,
            context_chars=chars,
            tokens_used=trace.total_tokens,
            elapsed=elapsed,
        )


def _clip(text: Optional[str], width: int) -> str:
    one = " ".join((text or "").split())
    return one if len(one) <= width else one[: max(0, width - 3)] + "..."


@dataclass
class TraceFormatter:
    """Text views of traces and router results."""

    verbose: bool = False
    max_code_width: int = 60
    show_timing: bool = True

    def format(self, trace: Trace, title: Optional[str] = None) -> str:
        """One line per step, then a summary."""
        lines: List[str] = []
        if title:
            lines += [f"=== {title} ===", ""]
        lines += [self._format_step(s) for s in trace.steps]
        lines += ["", self._format_summary(trace)]
        return "\n".join(lines)

    def _format_step(self, step: TraceStep) -> str:
        width = 10_000 if self.verbose else self.max_code_width
        body = step.code if step.code is not None else (step.output or step.prompt_summary)
        parts = [f"[{step.step_id}] {step.kind}", _clip(body, width)]
        if step.usage is not None:
            parts.append(f"{step.usage.total_tokens} tok")
        if self.show_timing and step.elapsed is not None:
            parts.append(f"{step.elapsed:.2f}s")
        if step.cache_hit:
            parts.append("cached")
        if step.error:
            parts.append("error: " + _clip(step.error, width))
        return " | ".join(parts)

    def _format_summary(self, trace: Trace) -> str:
        steps = trace.steps
        kinds: Dict[str, int] = {}
        for s in steps:
            kinds[s.kind] = kinds.get(s.kind, 0) + 1
        counts = ", ".join(f"{k}={v}" for k, v in sorted(kinds.items()))
        return f"Summary: {len(steps)} steps ({counts}), {trace.total_tokens} tokens, {trace.cache_hits} cache hits"

    def format_table(self, results: List[RouterResult], headers: Optional[List[str]] = None) -> str:
        """One row per result: context size, method, profile, tokens, seconds, answer."""
        cols = headers or ["context_chars", "method", "profile", "tokens", "time", "output"]
        rows = [cols]
        for r in results:
            values = {
                "context_chars": str(r.context_chars),
                "method": r.method,
                "profile": r.profile.value,
                "tokens": str(r.tokens_used),
                "time": f"{r.elapsed:.2f}s" if r.elapsed is not None else "-",
                "output": _clip(r.output, 40),
            }
            rows.append([values.get(c, "") for c in cols])
        widths = [max(len(row[i]) for row in rows) for i in range(len(cols))]
        out = [" | ".join(cell.ljust(w) for cell, w in zip(row, widths)) for row in rows]
        out.insert(1, "-+-".join("-" * w for w in widths))
        return "\n".join(out)

    def format_comparison(self, baseline_result: RouterResult, rlm_result: RouterResult) -> str:
        """The two results side by side."""
        lines = ["=" * 60, "BASELINE vs RLM", "=" * 60]
        for name, r in (("baseline", baseline_result), ("rlm", rlm_result)):
            t = f"{r.elapsed:.2f}s" if r.elapsed is not None else "-"
            lines.append(f"{name:9} tokens={r.tokens_used} time={t} output={_clip(r.output, 60)}")
        return "\n".join(lines)


__all__ = ["ExecutionProfile", "RouterConfig", "RouterResult", "SmartRouter", "TraceFormatter"]
