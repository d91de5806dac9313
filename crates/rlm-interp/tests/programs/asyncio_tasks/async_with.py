# `async with` over the DSL's asynchronous context managers: Lock,
# Semaphore, asyncio.timeout; leaving by return, break, continue and an
# exception; several items; a value that is no manager.
import asyncio


async def main():
    lock = asyncio.Lock()
    async with lock as x:
        print("held", lock.locked(), x)
    print("released", lock.locked())

    try:
        async with lock:
            raise ValueError("inside")
    except ValueError as e:
        print("error", e, "released", lock.locked())

    for i in range(4):
        async with lock:
            if i == 1:
                continue
            if i == 3:
                break
            print("loop", i, lock.locked())
    print("after loop", lock.locked())

    async def ret():
        async with lock:
            return "from inside"
    print(await ret(), lock.locked())

    sem = asyncio.Semaphore(2)
    order = []

    async def worker(i):
        async with sem:
            order.append(("in", i))
            await asyncio.sleep(0.01)
            order.append(("out", i))
        return i

    print(await asyncio.gather(*[worker(i) for i in range(5)]))
    print(order)

    async def contender(name):
        async with lock:
            print(name, "has the lock")
            await asyncio.sleep(0.001)
        print(name, "let go")
    await asyncio.gather(contender("a"), contender("b"), contender("c"))

    # Two managers in one statement: entered left to right, left right to left.
    async with lock, sem as s:
        print("both", lock.locked(), sem.locked(), s)
    print("neither", lock.locked(), sem.locked())

    # asyncio.timeout
    try:
        async with asyncio.timeout(0.01) as cm:
            print(repr(cm)[:16])
            await asyncio.sleep(0.05)
            print("not reached")
    except TimeoutError as e:
        print("timed out", repr(e), cm.expired(), repr(cm))
    async with asyncio.timeout(0.05) as cm:
        await asyncio.sleep(0.01)
    print(cm.expired(), repr(cm))
    async with asyncio.timeout(None) as cm:
        await asyncio.sleep(0.02)
    print(cm.when(), repr(cm))
    try:
        async with asyncio.timeout(0):
            print("body runs")
            await asyncio.sleep(0)
            print("not reached")
    except TimeoutError:
        print("zero timeout")
    try:
        async with asyncio.timeout(-1):
            pass
        print("no await, no timeout")
    except TimeoutError:
        print("not reached")
    async with asyncio.timeout(0.01) as cm:
        cm.reschedule(None)
        await asyncio.sleep(0.02)
    print("rescheduled", cm.expired())
    try:
        cm.reschedule(0.01)
    except RuntimeError as e:
        print("RuntimeError", e)
    try:
        asyncio.timeout(0.01).reschedule(1)
    except RuntimeError as e:
        print("RuntimeError", e)
    # A timeout inside wait_for's task, and one around a task's cancel.
    async def sleeper():
        async with asyncio.timeout(0.005):
            await asyncio.sleep(0.03)
    try:
        await sleeper()
    except TimeoutError:
        print("inner timeout")
    t = asyncio.create_task(sleeper())
    await asyncio.sleep(0.001)
    t.cancel()
    try:
        await t
    except asyncio.CancelledError:
        print("cancelled, not timed out", t.cancelled())
    # The error a block raises passes through a timeout that did not fire.
    try:
        async with asyncio.timeout(0.03):
            raise KeyError("k")
    except KeyError as e:
        print("KeyError", e)

    for v in [5, "s", None]:
        try:
            async with v:
                pass
        except TypeError as e:
            print("TypeError", e)


asyncio.run(main())
