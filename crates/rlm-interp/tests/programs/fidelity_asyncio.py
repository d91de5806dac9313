# asyncio on a virtual clock: sleep advances the loop's time instead of
# waiting (huge delays end at once), wait_for times out when its work needs
# more time than its timeout, and gathered sleeps wake in delay order.
import asyncio
import math


async def show(label, aw):
    try:
        r = await aw
        print(label, repr(r))
    except Exception as e:
        print(label, type(e).__name__, repr(str(e)))


async def quick():
    return 5


async def sleeper(name, delay, log):
    await asyncio.sleep(delay)
    log.append(name)
    return name


async def slow_then(value):
    await asyncio.sleep(0.05)
    return value


async def fails():
    await asyncio.sleep(0.03)
    raise ValueError("inside")


async def main():
    await show("neg", asyncio.sleep(-1))
    await show("zero", asyncio.sleep(0))
    await show("zero r", asyncio.sleep(0, result="r"))
    await show("small r", asyncio.sleep(0.001, result="r"))
    await show("kw r", asyncio.sleep(delay=0.001, result=[1, 2]))
    await show("int", asyncio.sleep(0, "zero int"))
    await show("bool", asyncio.sleep(False, "b"))
    await show("-inf", asyncio.sleep(-math.inf, "-inf"))
    await show("nan", asyncio.sleep(math.nan))
    await show("str", asyncio.sleep("x"))
    await show("none", asyncio.sleep(None))
    await show("list", asyncio.sleep([1]))
    for bad in [lambda: asyncio.sleep(), lambda: asyncio.sleep(1, 2, 3), lambda: asyncio.sleep(1, delay=2), lambda: asyncio.sleep(1, x=2)]:
        try:
            bad()
        except TypeError as e:
            print("sleep args", e)
    s = asyncio.sleep(0, "once")
    await show("first", s)
    await show("reuse", s)
    print(type(asyncio.sleep(0)).__name__)

    await show("wf0 sleep0", asyncio.wait_for(asyncio.sleep(0), 0))
    await show("wf-1", asyncio.wait_for(asyncio.sleep(0), -1))
    await show("wf0 quick", asyncio.wait_for(quick(), 0))
    await show("wf-inf quick", asyncio.wait_for(quick(), -math.inf))
    await show("wf quick", asyncio.wait_for(quick(), 1))
    await show("wf none", asyncio.wait_for(quick(), None))
    await show("wf kw", asyncio.wait_for(quick(), timeout=2))
    await show("wf nan quick", asyncio.wait_for(quick(), math.nan))
    await show("wf nan sleep", asyncio.wait_for(asyncio.sleep(0.01), math.nan))
    await show("wf str", asyncio.wait_for(quick(), "x"))
    await show("wf big", asyncio.wait_for(asyncio.sleep(1e10), 0.01))
    await show("wf inf sleep", asyncio.wait_for(asyncio.sleep(math.inf), 0.01))
    await show("wf ok", asyncio.wait_for(asyncio.sleep(0.01, "done"), 1))
    await show("wf inf", asyncio.wait_for(asyncio.sleep(0.01, "done"), math.inf))
    await show("wf 1e300", asyncio.wait_for(asyncio.sleep(0.01, "done"), 1e300))
    await show("wf int", asyncio.wait_for(5, 1))
    await show("wf int none", asyncio.wait_for(5, None))
    await show("wf coro slow", asyncio.wait_for(slow_then("late"), 0.005))
    await show("wf coro fast", asyncio.wait_for(slow_then("ok"), 0.5))
    await show("wf raises", asyncio.wait_for(fails(), 0.5))
    await show("wf raises late", asyncio.wait_for(fails(), 0.001))
    await show("wf nested", asyncio.wait_for(asyncio.wait_for(slow_then("in"), 0.5), 0.005))
    await show("wf nested inner", asyncio.wait_for(asyncio.wait_for(slow_then("in"), 0.005), 0.5))
    await show("wf chain none", asyncio.wait_for(asyncio.wait_for(asyncio.wait_for(quick(), None), None), None))
    await show("wf gather", asyncio.wait_for(asyncio.gather(slow_then(1), quick()), 0.5))
    await show("wf gather late", asyncio.wait_for(asyncio.gather(slow_then(1), quick()), 0.005))
    await show("wf empty gather 0", asyncio.wait_for(asyncio.gather(), 0))
    try:
        asyncio.wait_for(quick())
    except TypeError as e:
        print("wait_for args", e)
    c = quick()
    await show("wf0 closes", asyncio.wait_for(c, 0))
    await show("closed", c)

    log = []
    r = await asyncio.gather(sleeper("c", 0.03, log), sleeper("a", 0.01, log), sleeper("b", 0.02, log), sleeper("z", 0, log))
    print("gather", r, log)
    log = []
    r = await asyncio.gather(
        asyncio.wait_for(sleeper("x", 1e300, log), 0.01),
        asyncio.wait_for(sleeper("y", math.inf, log), 0.02),
        sleeper("w", 0.005, log),
        return_exceptions=True,
    )
    print("gather huge", [type(x).__name__ if isinstance(x, Exception) else x for x in r], log)
    log = []
    r = await asyncio.gather(asyncio.sleep(0.02, "s2"), asyncio.sleep(0.01, "s1"), asyncio.wait_for(slow_then("t"), 0.005), return_exceptions=True)
    print("gather timed", [type(x).__name__ if isinstance(x, Exception) else x for x in r])
    log = []
    try:
        await asyncio.wait_for(asyncio.gather(sleeper("p", 0.01, log), sleeper("q", 0.05, log)), 0.03)
    except TimeoutError:
        print("timeout after", log)
    await asyncio.sleep(0.05)
    print("later", log)
    total = 0
    for i in range(200):
        total += await asyncio.wait_for(asyncio.sleep(0, i), 1)
    print("loop", total)


asyncio.run(main())
