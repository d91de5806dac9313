# Interleaving as CPython: a task started inside a task, an uncaught error in a task never awaited, a cancelled waiter of a Lock, an error out of the cell.
import asyncio
log = []


async def a():
    log.append("a1")
    await asyncio.sleep(0)
    log.append("a2")


async def b():
    log.append("b1")
    t = asyncio.create_task(a())
    log.append("b2")
    await t
    log.append("b3")


async def boom():
    await asyncio.sleep(0)
    raise ValueError("from task")


t = asyncio.create_task(b())
await asyncio.sleep(0)
log.append("main")
await t
print(log)
x = asyncio.create_task(boom())
await asyncio.sleep(0)
await asyncio.sleep(0)
print(x.done())
r = await asyncio.gather(*[asyncio.sleep(0, i) for i in range(3)])
print(r)
ev = asyncio.Event()


async def setter():
    await asyncio.sleep(0.01)
    ev.set()


asyncio.create_task(setter())
print(await asyncio.wait_for(ev.wait(), 1))
lock = asyncio.Lock()
await lock.acquire()
print(lock.locked())
waiter = asyncio.create_task(lock.acquire())
await asyncio.sleep(0)
waiter.cancel()
await asyncio.sleep(0)
lock.release()
print(lock.locked(), waiter.cancelled())
await boom()
