"""pyrlm-runtime's ``RichTraceListener`` (``pyrlm_runtime.rich_trace``): an
``RLMEventListener`` printing each event of a run as it happens, with Rich
when it is installed (``console=`` a ``rich.console.Console``), else as plain
lines on stdout. The layout is ours.
"""

from __future__ import annotations

import threading
from typing import Any, Optional

from .events import RLMEvent


class RichTraceListener:
    """Prints run events (see the module docs)."""

    def __init__(self, console: Any = None, max_output_length: int = 2000) -> None:
        if console is None:
            try:
                from rich.console import Console  # type: ignore[import-not-found]

                console = Console()
            except ImportError:
                console = None
        self.console = console
        self.max_output_length = max_output_length
        self._lock = threading.Lock()

    def _print(self, text: str) -> None:
        if self.console is not None:
            self.console.print(text, markup=False, highlight=False)
        else:
            print(text, flush=True)

    def _clip(self, text: Optional[str]) -> str:
        text = text or ""
        n = self.max_output_length
        return text if len(text) <= n else text[:n] + f"... [{len(text) - n} more chars]"

    def handle(self, event: RLMEvent) -> None:
        """Prints one event."""
        with self._lock:
            if event.kind == "run_started":
                self._print(f"== run started: {event.query!r} ({event.repl_backend})")
            elif event.kind == "step_completed" and event.step is not None:
                s = event.step
                head = f"-- [{s.step_id}] {s.kind} (depth {s.depth})"
                if s.elapsed is not None:
                    head += f" {s.elapsed:.2f}s"
                if s.usage is not None:
                    head += f" {s.usage.total_tokens} tok"
                if s.cache_hit:
                    head += " cached"
                self._print(head)
                for label, value in (("code", s.code), ("stdout", s.stdout), ("output", s.output), ("error", s.error)):
                    if value:
                        self._print(f"   {label}: {self._clip(value)}")
            elif event.kind == "run_finished":
                self._print(
                    f"== run finished: {self._clip(event.output)!r} "
                    f"({event.total_steps} steps, {event.tokens_used} tokens)"
                )


__all__ = ["RichTraceListener"]
