# create_task schedules at once: fire-and-forget tasks run, in CPython's start order.
import asyncio

log = []


async def work(i):
    log.append(i)
    await asyncio.sleep(0)
    log.append(i * 10)
    return i


async def main():
    started = []
    t1 = asyncio.create_task(work(1))
    t2 = asyncio.ensure_future(work(2))
    t3 = asyncio.create_task(work(3))
    print(type(t1).__name__, t1.done())
    await asyncio.sleep(0)
    started = list(log)
    r = [await t3, await t1, await t2]
    print(started, r, log)
    fire = asyncio.create_task(work(4))
    await asyncio.sleep(0.01)
    print(fire.done(), fire.result(), log)


await main()
