# The task and future API: workers over a Queue with join, a Semaphore around host calls, done callbacks, current_task, results and exceptions of done tasks, a cancel the coroutine swallows, nested gathers.
import asyncio


async def worker(name, q, out):
    while True:
        item = await q.get()
        r = await llm_query("item %s" % item)
        out.append((name, item, r))
        q.task_done()


async def main():
    q = asyncio.Queue()
    out = []
    for i in range(5):
        q.put_nowait(i)
    ws = [asyncio.create_task(worker("w%d" % i, q, out)) for i in range(2)]
    await q.join()
    for w in ws:
        w.cancel()
    rs = await asyncio.gather(*ws, return_exceptions=True)
    print(sorted(x[1:] for x in out), [type(r).__name__ for r in rs])
    sem = asyncio.Semaphore(2)

    async def limited(i):
        await sem.acquire()
        try:
            return await llm_query("q%d" % i)
        finally:
            sem.release()

    print(await asyncio.gather(*[limited(i) for i in range(4)]))
    t = asyncio.create_task(asyncio.sleep(0.01, "r"))
    t.add_done_callback(lambda f: print("callback", f.result()))
    print(await t)
    await asyncio.sleep(0)
    print(asyncio.current_task().get_name() != "", type(asyncio.current_task()).__name__)

    async def failing():
        raise KeyError("x")

    f = asyncio.create_task(failing())
    await asyncio.sleep(0)
    print(f.done(), repr(f.exception()))
    try:
        f.result()
    except KeyError as e:
        print("KeyError", e)
    c = asyncio.create_task(asyncio.sleep(1))
    await asyncio.sleep(0)
    c.cancel()
    try:
        await c
    except asyncio.CancelledError:
        print("cancelled", c.cancelled())
    try:
        c.exception()
    except asyncio.CancelledError:
        print("exception() raises CancelledError")
    fut = asyncio.Future()
    print(fut.done())
    fut.set_result(5)
    print(await fut, fut.result())
    try:
        fut.set_result(6)
    except asyncio.InvalidStateError as e:
        print("InvalidStateError")

    async def inner():
        try:
            await asyncio.sleep(1)
        except asyncio.CancelledError:
            print("inner cancelled")
            return "swallowed"

    t = asyncio.create_task(inner())
    await asyncio.sleep(0)
    t.cancel()
    print(await t, t.cancelled())
    g = asyncio.gather(asyncio.sleep(0.01, 1), asyncio.gather(asyncio.sleep(0.02, 2), asyncio.sleep(0, 3)))
    print(await g)
    try:
        await asyncio.wait_for(asyncio.gather(asyncio.sleep(1), asyncio.sleep(2)), 0.01)
    except TimeoutError:
        print("gather timed out")


await main()
