"""Cancellation that reaches the interpreter, the GIL released while it runs,
and sandboxes used from other threads (issue #38).

Each stop is asserted by what it shows, not by a clock: the programs loop with
more fuel than they could spend in the test's lifetime (10**12 units: hours),
so a run that ends at all was stopped. The latencies are measured by
``bench/cancel_latency.py`` (BENCHMARKS.md).
"""

import _thread
import asyncio
import threading

import pytest

from rlm_rs import RLM, Limits, Sandbox, errors
from rlm_rs.adapters import FakeAdapter

LOOP = "i = 0\nwhile True:\n    i += 1"
ENDLESS = Limits(fuel=10**12)


def test_sandbox_stops_on_ctrl_c_and_stays_usable(sigint_raises):
    sb = Sandbox(limits=ENDLESS)
    timer = threading.Timer(0.2, _thread.interrupt_main)
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        sb.run(LOOP)
    timer.join()
    assert sb.run("i > 0").result is True


def test_rlm_run_stops_on_ctrl_c(sigint_raises):
    rlm = RLM(FakeAdapter(script=[LOOP]), limits=ENDLESS)
    timer = threading.Timer(0.2, _thread.interrupt_main)
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        rlm.run("q", "c")
    timer.join()


def test_sandbox_arun_cancel_stops_the_program():
    sb = Sandbox(limits=ENDLESS)

    async def main():
        task = asyncio.ensure_future(sb.arun(LOOP))
        await asyncio.sleep(0.2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # The program was stopped, not left running: the next one runs now.
        return await sb.arun("i > 0")

    assert asyncio.run(main()).result is True


def test_rlm_arun_cancel_stops_the_native_run():
    ended = threading.Event()

    def listener(event):
        if event.get("kind", {}).get("type") == "run_finished":
            ended.set()

    rlm = RLM(FakeAdapter(script=[LOOP]), limits=ENDLESS, event_listener=listener)

    async def main():
        task = asyncio.ensure_future(rlm.arun("q", "c"))
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    # The native run ends (its program stopped) instead of burning its fuel.
    assert ended.wait(60)


def test_rlm_cancel_from_another_thread_ends_the_run():
    rlm = RLM(FakeAdapter(script=[LOOP]), limits=ENDLESS)
    timer = threading.Timer(0.2, rlm.cancel)
    timer.start()
    answer, trace = rlm.run("q", "c")
    timer.join()
    assert trace.finish["kind"] == "cancelled"


def test_sandbox_cancel_from_another_thread():
    sb = Sandbox(limits=ENDLESS)
    timer = threading.Timer(0.2, sb.cancel)
    timer.start()
    with pytest.raises(errors.Cancelled):
        sb.run(LOOP)
    timer.join()
    # A cancel stops only what was running or queued before it.
    assert sb.run("i > 0").result is True


def test_sandbox_used_from_other_threads():
    sb = Sandbox(functions={"double": lambda x: 2 * x})
    sb.run("base = 20")
    out = {}

    def work(n):
        out[n] = sb.run("double(base) + n", inputs={"n": n}).result

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert out == {n: 40 + n for n in range(4)}


def test_run_releases_the_gil():
    # While one thread's program computes, this thread's Python runs.
    sb = Sandbox(limits=ENDLESS)
    timer = threading.Timer(0.3, sb.cancel)
    done = threading.Event()
    ticks = 0

    def work():
        try:
            sb.run(LOOP)
        except errors.Cancelled:
            pass
        done.set()

    worker = threading.Thread(target=work)
    worker.start()
    timer.start()
    while not done.is_set():
        ticks += 1
    worker.join()
    timer.join()
    assert ticks > 1000


def test_arun_computes_off_the_event_loop():
    sb = Sandbox(limits=Limits(fuel=20_000_000))
    ticks = 0

    async def ticker():
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    async def main():
        t = asyncio.ensure_future(ticker())
        await asyncio.sleep(0)
        with pytest.raises(errors.FuelExhausted):
            await sb.arun(LOOP)
        t.cancel()

    asyncio.run(main())
    assert ticks > 10


def test_sandbox_used_from_its_own_host_function_is_an_error():
    holder = {}

    def reenter():
        holder["sb"].run("1")

    sb = Sandbox(functions={"reenter": reenter})
    holder["sb"] = sb
    with pytest.raises(ValueError, match="own host functions"):
        sb.run("reenter()")
    holder.clear()


def test_run_serves_async_host_functions_inside_a_running_loop():
    # The program runs on the sandbox's thread, where no loop is running.
    async def inc(x):
        await asyncio.sleep(0.01)
        return x + 1

    sb = Sandbox(functions={"inc": inc})

    async def main():
        return sb.run("[inc(1), inc(2)]").result

    assert asyncio.run(main()) == [2, 3]
