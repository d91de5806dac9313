"""Event-loop helpers the native module calls (kept in Python: plain asyncio)."""

from __future__ import annotations

import asyncio
import concurrent.futures
from typing import Any, Awaitable, List


async def _gather(coros: List[Awaitable[Any]]) -> List[Any]:
    return await asyncio.gather(*coros, return_exceptions=True)


def run_together(coros: List[Awaitable[Any]]) -> List[Any]:
    """Runs ``coros`` concurrently on a private event loop; exceptions are returned, not raised."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(_gather(coros))
    finally:
        loop.close()


_BACKGROUND: "asyncio.AbstractEventLoop | None" = None
_BACKGROUND_LOCK = __import__("threading").Lock()


def background_loop() -> asyncio.AbstractEventLoop:
    """An event loop running forever in a daemon thread: where coroutines of
    ``async def complete`` adapters run when ``RLM.run`` (not ``arun``) drives them."""
    global _BACKGROUND
    import threading

    with _BACKGROUND_LOCK:
        if _BACKGROUND is None or _BACKGROUND.is_closed():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="rlm-rs-asyncio", daemon=True).start()
            _BACKGROUND = loop
        return _BACKGROUND


def submit(coro: Awaitable[Any], loop: asyncio.AbstractEventLoop, done: Any) -> Any:
    """Schedules ``coro`` on ``loop`` from another thread; ``done(future)`` is
    called when it ends. Cancelling the returned future cancels the task."""
    fut: "concurrent.futures.Future[Any]" = asyncio.run_coroutine_threadsafe(coro, loop)  # type: ignore[arg-type]
    fut.add_done_callback(done)
    return fut
