# Event, Lock, Semaphore and Queue as CPython 3.11 has them.
import asyncio

log = []


async def waiter(ev, name):
    log.append(name + " waits")
    r = await ev.wait()
    log.append(name + " woke " + str(r))


async def locked(lock, name):
    await lock.acquire()
    try:
        log.append(name + " in")
        await asyncio.sleep(0.01)
        log.append(name + " out")
    finally:
        lock.release()


async def limited(sem, name, state):
    await sem.acquire()
    state["now"] += 1
    state["max"] = max(state["max"], state["now"])
    await asyncio.sleep(0.01)
    state["now"] -= 1
    sem.release()
    return name


async def producer(q, n):
    for i in range(n):
        await q.put(i)
        log.append("put %d" % i)
    await q.put(None)


async def consumer(q, got):
    while True:
        item = await q.get()
        q.task_done()
        if item is None:
            return
        got.append(item)
        log.append("got %d" % item)


async def main():
    ev = asyncio.Event()
    ts = [asyncio.create_task(waiter(ev, n)) for n in "ab"]
    await asyncio.sleep(0)
    print(ev.is_set(), log)
    ev.set()
    await asyncio.gather(*ts)
    print(ev.is_set(), log)
    print(await ev.wait())
    log.clear()
    lock = asyncio.Lock()
    await asyncio.gather(locked(lock, "x"), locked(lock, "y"), locked(lock, "z"))
    print(lock.locked(), log)
    try:
        lock.release()
    except RuntimeError as e:
        print("RuntimeError", e)
    sem = asyncio.Semaphore(2)
    state = {"now": 0, "max": 0}
    print(await asyncio.gather(*[limited(sem, i, state) for i in range(5)]), state, sem.locked())
    log.clear()
    q = asyncio.Queue(maxsize=2)
    got = []
    await asyncio.gather(producer(q, 5), consumer(q, got))
    print(got, log, q.empty(), q.qsize(), q.full(), q.maxsize)
    await q.join()
    q2 = asyncio.Queue()
    try:
        q2.get_nowait()
    except asyncio.QueueEmpty:
        print("QueueEmpty")
    q2.put_nowait(1)
    print(q2.get_nowait())
    try:
        q2.task_done()
        q2.task_done()
    except ValueError as e:
        print("ValueError", e)
    try:
        await asyncio.wait_for(q2.get(), 0.01)
    except TimeoutError:
        print("get timed out", q2.empty())
    try:
        asyncio.Semaphore(-1)
    except ValueError as e:
        print("ValueError", e)


await main()
