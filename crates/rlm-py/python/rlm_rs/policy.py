"""``Policy``: a run's budgets with pyrlm-runtime's names, and its counters.

The budgets (``max_steps``, ``max_subcalls``, ``max_recursion_depth``,
``max_total_tokens``, ``max_subcall_tokens``, ours: ``max_cost_usd``,
``max_wall_time_s``) are enforced by the runtime for the run's whole tree.
The counters (``steps``, ``subcalls``, ``total_tokens``, ``subcall_tokens``)
are pyrlm's: ``RLM.run`` adds what each run spent to the ``Policy`` it was
given (root model calls, sub-model calls, their tokens), so a ``Policy``
shared by several runs counts them all, as in pyrlm. The ``check_*`` /
``add_*`` methods are pyrlm's accounting, for code that drives a ``Policy``
itself: they raise ``MaxStepsExceeded`` & co. as pyrlm's do.

A budget reached inside a run never raises (in pyrlm neither, for the step
and token budgets: the run finalises gracefully); ``trace.finish["kind"]``
says how the run ended.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Optional


class PolicyError(RuntimeError):
    """A budget of a ``Policy`` was exceeded (raised by its ``check_*``/``add_*`` methods)."""


class MaxStepsExceeded(PolicyError):
    """``check_step`` past ``max_steps``."""


class MaxSubcallsExceeded(PolicyError):
    """``check_subcall`` past ``max_subcalls``."""


class MaxRecursionExceeded(PolicyError):
    """``check_subcall`` deeper than ``max_recursion_depth``."""


class MaxTokensExceeded(PolicyError):
    """``add_tokens``/``add_subcall_tokens``/``reserve_subcall_tokens`` past a token budget."""


@dataclass
class Policy:
    """Budgets for a run's whole tree (root loop, subcalls, sub-RLMs), and counters."""

    max_steps: int = 40
    max_subcalls: Optional[int] = 200
    max_recursion_depth: Optional[int] = 1
    max_total_tokens: Optional[int] = None
    max_subcall_tokens: Optional[int] = None
    steps: int = 0
    subcalls: int = 0
    total_tokens: int = 0
    subcall_tokens: int = 0
    max_cost_usd: Optional[float] = None
    max_wall_time_s: Optional[float] = None
    _reserved_total_tokens: int = field(default=0, init=False, repr=False, compare=False)
    _reserved_subcall_tokens: int = field(default=0, init=False, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)

    def check_step(self) -> None:
        """Counts a root step; ``MaxStepsExceeded`` when ``max_steps`` were already taken."""
        with self._lock:
            if self.steps >= self.max_steps:
                raise MaxStepsExceeded("max_steps exceeded")
            self.steps += 1

    def check_subcall(self, depth: int) -> None:
        """Counts a subcall at ``depth``; ``MaxRecursionExceeded`` / ``MaxSubcallsExceeded``."""
        with self._lock:
            if self.max_recursion_depth is not None and depth > self.max_recursion_depth:
                raise MaxRecursionExceeded("max_recursion_depth exceeded")
            if self.max_subcalls is not None and self.subcalls >= self.max_subcalls:
                raise MaxSubcallsExceeded("max_subcalls exceeded")
            self.subcalls += 1

    def account_subtree(self, *, subcalls: int) -> None:
        """Adds a child run's subcalls to this policy's count."""
        with self._lock:
            if subcalls > 0:
                self.subcalls += subcalls

    def add_tokens(self, tokens: int) -> None:
        """Counts root tokens; ``MaxTokensExceeded`` past ``max_total_tokens`` (not counted then)."""
        with self._lock:
            if tokens <= 0:
                return
            if self.max_total_tokens is not None and self.total_tokens + tokens > self.max_total_tokens:
                raise MaxTokensExceeded("max_total_tokens exceeded")
            self.total_tokens += tokens

    def add_subcall_tokens(self, tokens: int) -> None:
        """Counts subcall tokens (also in ``total_tokens``); ``MaxTokensExceeded`` past either budget."""
        with self._lock:
            if tokens <= 0:
                return
            self._check_tokens(self.subcall_tokens + tokens, self.total_tokens + tokens)
            self.subcall_tokens += tokens
            self.total_tokens += tokens

    def reserve_subcall_tokens(self, tokens: int) -> None:
        """Reserves tokens for a subcall in flight; ``MaxTokensExceeded`` if they do not fit."""
        with self._lock:
            if tokens <= 0:
                return
            self._check_tokens(
                self.subcall_tokens + self._reserved_subcall_tokens + tokens,
                self.total_tokens + self._reserved_total_tokens + tokens,
            )
            self._reserved_subcall_tokens += tokens
            self._reserved_total_tokens += tokens

    def release_subcall_tokens(self, tokens: int) -> None:
        """Returns a reservation unused; ``ValueError`` for more than was reserved."""
        with self._lock:
            if tokens <= 0:
                return
            if tokens > self._reserved_subcall_tokens or tokens > self._reserved_total_tokens:
                raise ValueError("cannot release more reserved subcall tokens than reserved")
            self._reserved_subcall_tokens -= tokens
            self._reserved_total_tokens -= tokens

    def finalize_subcall_tokens(self, reserved_tokens: int, actual_tokens: int) -> None:
        """Replaces a reservation by the tokens actually spent; ``MaxTokensExceeded`` when
        they overflow a budget (the reservation is released and nothing counted)."""
        with self._lock:
            if reserved_tokens < 0 or actual_tokens < 0:
                raise ValueError("token counts must be non-negative")
            if reserved_tokens > self._reserved_subcall_tokens:
                raise ValueError("reserved subcall token budget underflow")
            if reserved_tokens > self._reserved_total_tokens:
                raise ValueError("reserved total token budget underflow")
            self._reserved_subcall_tokens -= reserved_tokens
            self._reserved_total_tokens -= reserved_tokens
            self._check_tokens(
                self.subcall_tokens + actual_tokens + self._reserved_subcall_tokens,
                self.total_tokens + actual_tokens + self._reserved_total_tokens,
            )
            self.subcall_tokens += actual_tokens
            self.total_tokens += actual_tokens

    def _check_tokens(self, subcall_tokens: int, total_tokens: int) -> None:
        if self.max_subcall_tokens is not None and subcall_tokens > self.max_subcall_tokens:
            raise MaxTokensExceeded("max_subcall_tokens exceeded")
        if self.max_total_tokens is not None and total_tokens > self.max_total_tokens:
            raise MaxTokensExceeded("max_total_tokens exceeded")

    def record_run(self, *, steps: int, subcalls: int, total_tokens: int, subcall_tokens: int) -> None:
        """Adds a finished run's spend to the counters (``RLM.run`` calls it)."""
        with self._lock:
            self.steps += max(0, steps)
            self.subcalls += max(0, subcalls)
            self.total_tokens += max(0, total_tokens)
            self.subcall_tokens += max(0, subcall_tokens)


def estimate_tokens(text: str) -> int:
    """pyrlm's token estimate: a quarter of the characters, at least 1 for a non-empty text."""
    if not text:
        return 0
    return max(1, len(text) // 4)


__all__ = [
    "MaxRecursionExceeded",
    "MaxStepsExceeded",
    "MaxSubcallsExceeded",
    "MaxTokensExceeded",
    "Policy",
    "PolicyError",
    "estimate_tokens",
]
