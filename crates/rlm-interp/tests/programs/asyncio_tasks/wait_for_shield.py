# wait_for cancels its work at the timeout (its finally runs) and raises
# TimeoutError; shield keeps the inner task running when the outer is cancelled.
import asyncio

log = []


async def slow(name, delay):
    try:
        await asyncio.sleep(delay)
        log.append(name + " done")
        return name
    finally:
        log.append(name + " finally")


async def main():
    print(await asyncio.wait_for(slow("fast", 0.01), 1))
    try:
        await asyncio.wait_for(slow("late", 1), 0.02)
    except TimeoutError:
        print("timed out", log)
    try:
        await asyncio.wait_for(slow("zero", 1), 0)
    except TimeoutError:
        print("zero timeout", log)
    inner = asyncio.create_task(slow("inner", 0.05))
    try:
        await asyncio.wait_for(asyncio.shield(inner), 0.01)
    except TimeoutError:
        print("shielded timeout", inner.done(), inner.cancelled())
    print(await inner, log)
    s = asyncio.shield(slow("s", 0.01))
    print(type(s).__name__, await s)


await main()
