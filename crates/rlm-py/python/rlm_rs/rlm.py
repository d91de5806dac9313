"""``RLM``: pyrlm-runtime's entry point over the Rust runtime."""

from __future__ import annotations

import json
from typing import Any, Optional, Tuple, Union

from ._native import Context, Engine, FileCache, Limits
from .policy import Policy
from .trace import Trace


class RLM:
    """A Recursive Language Model: the root model writes programs that explore
    the context in a sandbox and call sub-models.

    Parameters follow pyrlm-runtime's ``RLM``. Where ours differ:

    * Programs are written in our DSL (a strict subset of Python 3) and run in
      a sandbox with fuel and memory limits (``limits``), never with ``exec``.
    * ``require_repl_before_final`` defaults to ``True`` (a FINAL before any
      program has run is refused: the model cannot have seen the data).
    * ``llm_query`` is always a plain subcall; recursion is ``rlm_query``,
      allowed to ``max_recursion_depth`` levels when ``recursive_subcalls``.
    * ``llm_batch`` / ``asyncio.gather`` subcalls always run concurrently
      (at most ``max_concurrency`` at once); ``parallel_subcalls`` is accepted
      for compatibility and changes nothing.
    * ``compaction=True`` summarises old turns at ``compaction_threshold_pct``
      of the root model's window (default 0.8).
    * A budget reached never raises: the run ends with a graceful answer.
    * ``async def complete`` adapters run on the event loop of the latest
      ``arun`` (on a background loop for ``run``): do not share one ``RLM``
      between runs on different event loops at the same time.
    """

    def __init__(
        self,
        adapter: Any,
        *,
        subcall_adapter: Any = None,
        cache: Optional[FileCache] = None,
        policy: Optional[Policy] = None,
        max_output_tokens: Optional[int] = None,
        recursive_subcalls: bool = False,
        max_recursion_depth: int = 2,
        parallel_subcalls: bool = True,
        compaction: bool = False,
        compaction_threshold_pct: float = 0.0,
        require_repl_before_final: Optional[bool] = None,
        require_subcall_before_final: bool = False,
        invalid_response_limit: Optional[int] = None,
        fallback_code: Optional[str] = None,
        auto_finalize_var: Optional[str] = None,
        limits: Optional[Limits] = None,
        max_concurrency: Optional[int] = None,
    ) -> None:
        policy = policy or Policy()
        # Levels of sub-RLMs `rlm_query` may open (0: it is a plain subcall).
        depth = 0
        if recursive_subcalls:
            depth = max_recursion_depth
            if policy.max_recursion_depth is not None:
                depth = min(depth, policy.max_recursion_depth)
        ratio = None
        if compaction:
            ratio = compaction_threshold_pct if compaction_threshold_pct > 0 else 0.8
        self.parallel_subcalls = parallel_subcalls
        self._engine = Engine(
            adapter,
            subcall_adapter=subcall_adapter,
            cache=cache,
            max_steps=policy.max_steps,
            max_subcalls=policy.max_subcalls,
            max_total_tokens=policy.max_total_tokens,
            max_subcall_tokens=policy.max_subcall_tokens,
            max_cost_usd=policy.max_cost_usd,
            max_wall_time_s=policy.max_wall_time_s,
            max_output_tokens=max_output_tokens,
            recursion_depth=depth,
            compaction=ratio,
            require_program_before_final=require_repl_before_final,
            require_subcall_before_final=require_subcall_before_final,
            invalid_response_limit=invalid_response_limit,
            fallback_code=fallback_code,
            auto_finalize_var=auto_finalize_var,
            limits=limits,
            max_concurrency=max_concurrency,
        )

    def run(self, query: str, context: Union[Context, str]) -> Tuple[Optional[str], Trace]:
        """Answers ``query`` over ``context``; returns ``(answer, trace)``.

        Blocks without holding the GIL. Ctrl-C cancels the run (and its
        subcalls in flight) and raises ``KeyboardInterrupt``. A failing root
        model raises ``ModelError``.
        """
        return _result(self._engine.run(_str(query), _context(context)))

    async def arun(self, query: str, context: Union[Context, str]) -> Tuple[Optional[str], Trace]:
        """``run`` for asyncio. Cancelling the task cancels the run and its
        subcalls in flight. ``async def complete`` adapters run on this loop."""
        out = await self._engine.arun(_str(query), _context(context))
        return _result(out)


def _str(query: Any) -> str:
    if not isinstance(query, str):
        raise TypeError(f"query must be a str, not {type(query).__name__}")
    return query


def _context(context: Any) -> Context:
    if isinstance(context, Context):
        return context
    if isinstance(context, str):
        return Context.from_text(context)
    raise TypeError(f"context must be a Context or a str, not {type(context).__name__}")


def _result(out: Tuple[Optional[str], str, str, int, str]) -> Tuple[Optional[str], Trace]:
    answer, finish, events, steps, usage = out
    trace = Trace(
        events=json.loads(events),
        answer=answer,
        finish=json.loads(finish),
        usage=json.loads(usage),
        root_steps=steps,
    )
    return answer, trace
