# Cancelling a task throws CancelledError into its coroutine: its finally and
# except CancelledError run (wait_for's timeout, task.cancel, the loop's end).
import asyncio


async def guarded(name, delay):
    try:
        await asyncio.sleep(delay)
        print(name, "finished")
        return name
    except asyncio.CancelledError:
        print(name, "got CancelledError")
        raise
    finally:
        print(name, "finally")


async def main():
    try:
        await asyncio.wait_for(guarded("a", 1), 0.1)
    except asyncio.TimeoutError as e:
        print("timeout", type(e).__name__)
    t = asyncio.create_task(guarded("b", 1))
    await asyncio.sleep(0)
    print("cancel", t.cancel("stop"))
    try:
        await t
    except asyncio.CancelledError as e:
        print("awaited cancelled", e.args, t.cancelled())
    u = asyncio.create_task(guarded("c", 1))
    print("cancel before start", u.cancel())
    try:
        await u
    except asyncio.CancelledError:
        print("c never ran", u.cancelled())
    print(isinstance(asyncio.CancelledError(), Exception))
    asyncio.create_task(guarded("left", 5))
    await asyncio.sleep(0)
    print("main ends")


await main()
