"""Event-loop helpers the native module calls (kept in Python: plain asyncio)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
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


async def _host_call(sandbox: Any, call: Any) -> Any:
    func = sandbox._function(call.name)
    if func is None:
        return RuntimeError(f"no function is registered for '{call.name}' in this sandbox")
    return await func(*call.args, **call.kwargs)


async def _off_loop(sandbox: Any, method: Any, *args: Any, **kwargs: Any) -> Any:
    """Calls ``method`` (``start``/``resume``) on an executor thread: the
    program computes on the sandbox's own thread while this loop runs. If the
    awaiting task is cancelled, the program is cancelled too and waited for
    (it stops within its next cancel check), then the cancellation goes on."""
    loop = asyncio.get_running_loop()
    fut = loop.run_in_executor(None, functools.partial(method, *args, **kwargs))
    try:
        return await asyncio.shield(fut)
    except asyncio.CancelledError:
        sandbox.cancel()
        try:
            await fut
        except BaseException:
            pass
        raise


async def sandbox_arun(sandbox: Any, code: str, inputs: Any) -> Any:
    """``Sandbox.arun``: drives ``start``/``resume`` off the event loop,
    awaiting the suspended calls (``async def`` host functions) together on
    the running loop. An exception from a call is raised inside the program;
    cancellation stops the program and propagates."""
    from ._native import Suspension

    try:
        step = await _off_loop(sandbox, sandbox.start, code, inputs=inputs)
        while isinstance(step, Suspension):
            calls = list(step.calls)
            results = await asyncio.gather(*(_host_call(sandbox, c) for c in calls), return_exceptions=True)
            step = await _off_loop(sandbox, sandbox.resume, {c.id: r for c, r in zip(calls, results)})
    except BaseException:
        sandbox._abandon()
        raise
    return step
