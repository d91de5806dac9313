# A failed gather leaves its siblings running (CPython does not cancel them);
# return_exceptions collects the errors; gather(c, c) awaits c once.
import asyncio

log = []


async def ok(name, delay):
    await asyncio.sleep(delay)
    log.append(name)
    return name


async def bad(delay):
    await asyncio.sleep(delay)
    raise ValueError("bad %s" % delay)


async def main():
    try:
        await asyncio.gather(ok("x", 0.02), bad(0.01), ok("y", 0.03))
    except ValueError as e:
        print("gather raised", e, list(log))
    await asyncio.sleep(0.05)
    print("siblings ran on", log)
    r = await asyncio.gather(ok("p", 0.01), bad(0.02), ok("q", 0), return_exceptions=True)
    print([type(x).__name__ for x in r], r[0], r[2], str(r[1]))
    c = ok("same", 0)
    print(await asyncio.gather(c, c))
    print(await asyncio.gather())
    g = asyncio.gather(ok("g1", 0.01), ok("g2", 0.02))
    print(type(g).__name__, g.done())
    print(await g, g.done())
    t = asyncio.create_task(ok("t", 0.01))
    print(await asyncio.gather(t, t, ok("u", 0)))
    g2 = asyncio.gather(ok("c1", 1), ok("c2", 1))
    await asyncio.sleep(0)
    print("cancel gather", g2.cancel())
    try:
        await g2
    except asyncio.CancelledError:
        print("gather cancelled", g2.cancelled())
    r = await asyncio.gather(bad(0), asyncio.sleep(0, "s"), return_exceptions=True)
    print(r)


await main()
