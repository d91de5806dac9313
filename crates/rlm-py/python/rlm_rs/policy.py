"""``Policy``: resource limits of a run, with pyrlm-runtime's names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass
class Policy:
    """Budgets for a run's whole tree (root loop, subcalls, sub-RLMs).

    Differences from pyrlm-runtime: reaching a budget never raises; the run
    ends with a graceful final answer (``trace.finish["kind"] == "finalized"``).
    ``max_cost_usd`` and ``max_wall_time_s`` are ours.
    """

    max_steps: int = 40
    max_subcalls: Optional[int] = 200
    max_recursion_depth: Optional[int] = 1
    max_total_tokens: Optional[int] = None
    max_subcall_tokens: Optional[int] = None
    max_cost_usd: Optional[float] = None
    max_wall_time_s: Optional[float] = None


class PolicyError(RuntimeError):
    """pyrlm-runtime's budget error. Never raised by rlm_rs: a budget reached
    ends the run with a graceful answer (``trace.finish["kind"]``); the classes
    exist so that code catching them runs unchanged."""


class MaxStepsExceeded(PolicyError):
    """pyrlm's step budget error (never raised here; see ``PolicyError``)."""


class MaxSubcallsExceeded(PolicyError):
    """pyrlm's subcall budget error (never raised here; see ``PolicyError``)."""


class MaxRecursionExceeded(PolicyError):
    """pyrlm's recursion depth error (never raised here; see ``PolicyError``)."""


class MaxTokensExceeded(PolicyError):
    """pyrlm's token budget error (never raised here; see ``PolicyError``)."""
