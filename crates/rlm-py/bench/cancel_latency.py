"""How fast cancellation stops a computing program, and what the GIL-free
sandbox gives other threads (issue #38). Prints medians for BENCHMARKS.md.

Run against an installed wheel: ``python crates/rlm-py/bench/cancel_latency.py [repeats]``.
``RLM_BENCH_FUEL`` bounds the looping programs (default 10**12: they never end
by themselves); against a build without the cancellation (to compare), set it
to a few seconds' worth so a stop that never comes shows as that time. Cases
whose API the installed build lacks (``Sandbox.cancel``, ``RLM.cancel``) are
skipped.

* stop latency: from the cancel (Ctrl-C as ``_thread.interrupt_main``, a
  task's ``cancel()``, ``Sandbox.cancel()`` / ``RLM.cancel()`` from a timer
  thread) to the caller getting control back, for a program looping with
  10**12 fuel (it never ends by itself);
* two threads: the wall time of one 0.25 s program run on one thread, and
  of two such programs (two sandboxes) on two threads at once;
* loop ticks: ``asyncio.sleep(0)`` rounds the event loop makes while
  ``Sandbox.arun`` runs a 0.25 s program.
"""

import _thread
import asyncio
import os
import signal
import statistics
import sys
import threading
import time

from rlm_rs import RLM, Limits, Sandbox, errors
from rlm_rs.adapters import FakeAdapter

LOOP = "i = 0\nwhile True:\n    i += 1"
ENDLESS = Limits(fuel=int(os.environ.get("RLM_BENCH_FUEL", 10**12)))
Cancelled = getattr(errors, "Cancelled", None)
DELAY = 0.2


def stamped(action):
    """Runs ``action`` after DELAY on a timer thread; returns a list the time of the cancel lands in."""
    at = []

    def fire():
        at.append(time.perf_counter())
        action()

    t = threading.Timer(DELAY, fire)
    t.start()
    return at, t


def sync_ctrl_c_sandbox():
    sb = Sandbox(limits=ENDLESS)
    at, t = stamped(_thread.interrupt_main)
    try:
        sb.run(LOOP)
    except (KeyboardInterrupt, errors.FuelExhausted):
        pass
    end = time.perf_counter()
    t.join()
    return end - at[0]


def sync_ctrl_c_rlm():
    rlm = RLM(FakeAdapter(script=[LOOP]), limits=ENDLESS)
    at, t = stamped(_thread.interrupt_main)
    try:
        rlm.run("q", "c")
    except KeyboardInterrupt:
        pass
    # A run that ignored the interrupt ends when its fuel does.
    end = time.perf_counter()
    t.join()
    return end - at[0]


def thread_cancel_sandbox():
    sb = Sandbox(limits=ENDLESS)
    at, t = stamped(sb.cancel)
    try:
        sb.run(LOOP)
    except Cancelled:
        pass
    end = time.perf_counter()
    t.join()
    return end - at[0]


def thread_cancel_rlm():
    rlm = RLM(FakeAdapter(script=[LOOP]), limits=ENDLESS)
    at, t = stamped(rlm.cancel)
    rlm.run("q", "c")
    end = time.perf_counter()
    t.join()
    return end - at[0]


def asyncio_cancel_sandbox():
    """From task.cancel() to the next arun on the same sandbox starting (the program stopped)."""
    sb = Sandbox(limits=ENDLESS)

    async def main():
        task = asyncio.ensure_future(sb.arun(LOOP))
        await asyncio.sleep(DELAY)
        start = time.perf_counter()
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
        await sb.arun("1")
        return time.perf_counter() - start

    # The cancelled program's thread may go on until its fuel ends.

    return asyncio.run(main())


def asyncio_cancel_rlm():
    """From task.cancel() to the native run's run_finished event."""
    ended = threading.Event()
    at = []

    def listener(event):
        if event.get("kind", {}).get("type") == "run_finished":
            at.append(time.perf_counter())
            ended.set()

    rlm = RLM(FakeAdapter(script=[LOOP]), limits=ENDLESS, event_listener=listener)

    async def main():
        task = asyncio.ensure_future(rlm.arun("q", "c"))
        await asyncio.sleep(DELAY)
        start = time.perf_counter()
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
        return start

    start = asyncio.run(main())
    ended.wait(60)
    return at[0] - start


def fuel_for(seconds):
    """Fuel a loop spends in about ``seconds`` on this machine and build."""
    sb = Sandbox(limits=Limits(fuel=50_000_000))
    t0 = time.perf_counter()
    try:
        sb.run(LOOP)
    except errors.FuelExhausted:
        pass
    return int(50_000_000 * seconds / (time.perf_counter() - t0))


def run_one(fuel):
    try:
        Sandbox(limits=Limits(fuel=fuel)).run(LOOP)
    except errors.FuelExhausted:
        pass


def two_threads(fuel):
    t0 = time.perf_counter()
    run_one(fuel)
    one = time.perf_counter() - t0
    threads = [threading.Thread(target=run_one, args=(fuel,)) for _ in range(2)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return one, time.perf_counter() - t0


def loop_ticks(fuel):
    ticks = 0

    async def ticker():
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    async def main():
        t = asyncio.ensure_future(ticker())
        await asyncio.sleep(0)
        try:
            await Sandbox(limits=Limits(fuel=fuel)).arun(LOOP)
        except errors.FuelExhausted:
            pass
        t.cancel()

    asyncio.run(main())
    return ticks


def main():
    signal.signal(signal.SIGINT, signal.default_int_handler)
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 9
    cases = [
        ("Sandbox.run, Ctrl-C", sync_ctrl_c_sandbox),
        ("RLM.run, Ctrl-C", sync_ctrl_c_rlm),
        ("Sandbox.run, cancel() from a thread", thread_cancel_sandbox),
        ("RLM.run, RLM.cancel() from a thread", thread_cancel_rlm),
        ("Sandbox.arun, task.cancel() (until the next arun starts)", asyncio_cancel_sandbox),
        ("RLM.arun, task.cancel() (until the native run ends)", asyncio_cancel_rlm),
    ]
    if Cancelled is None:
        cases = [c for c in cases if "cancel()" not in c[0] or "task" in c[0]]
    print(f"stop latency, median of {repeats} (ms):")
    for name, case in cases:
        samples = [case() * 1000 for _ in range(repeats)]
        print(f"  {name}: median {statistics.median(samples):.1f}, max {max(samples):.1f}")
    fuel = fuel_for(0.25)
    pairs = [two_threads(fuel) for _ in range(max(3, repeats // 3))]
    one = statistics.median(p[0] for p in pairs)
    two = statistics.median(p[1] for p in pairs)
    print(f"two threads: one 0.25 s program {one * 1000:.0f} ms, two at once on two threads {two * 1000:.0f} ms, ratio {two / one:.2f}x")
    ticks = [loop_ticks(fuel) for _ in range(3)]
    print(f"event-loop ticks during a 0.25 s Sandbox.arun: median {statistics.median(ticks):.0f}")


if __name__ == "__main__":
    main()
