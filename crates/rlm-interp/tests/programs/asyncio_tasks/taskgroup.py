# asyncio.TaskGroup as 3.11 runs it: waits for its tasks, cancels the rest at
# the first failure, raises ExceptionGroup; the body's own error; nesting;
# the parent cancelled from outside; create_task in the wrong state.
import asyncio


async def ok(n, d):
    await asyncio.sleep(d)
    print("ok", n)
    return n * 10


async def bad(n, d, kind=ValueError):
    await asyncio.sleep(d)
    print("bad", n)
    raise kind(n)


async def slow(n):
    try:
        await asyncio.sleep(0.1)
        print("slow done", n)
    finally:
        print("slow finally", n)


def show(eg):
    print(type(eg).__name__, "|", str(eg), "|", repr(eg))
    print("  message:", eg.message, "exceptions:", eg.exceptions, "args:", eg.args)


async def main():
    me = asyncio.current_task()
    async with asyncio.TaskGroup() as tg:
        t1 = tg.create_task(ok(1, 0.002))
        t2 = tg.create_task(ok(2, 0.001))
        print("inside", repr(tg))
    print("results", t1.result(), t2.result(), repr(tg), me.cancelling())

    # The first failure cancels the sibling (its finally runs) and the body.
    try:
        async with asyncio.TaskGroup() as tg:
            s = tg.create_task(slow(1))
            tg.create_task(bad(2, 0.001))
            tg.create_task(bad(3, 0.001, TypeError))
            await asyncio.sleep(0.05)
            print("not reached")
    except ExceptionGroup as eg:
        show(eg)
        print("sibling cancelled:", s.cancelled(), "cancelling:", me.cancelling())
    print("cancelling after", me.cancelling(), me.uncancel(), me.cancelling())

    # The body's own error joins the group, last.
    try:
        async with asyncio.TaskGroup() as tg:
            s = tg.create_task(slow(4))
            await asyncio.sleep(0)
            raise KeyError("body")
    except ExceptionGroup as eg:
        show(eg)
        print("sibling cancelled:", s.cancelled())

    # A failure after the body ended.
    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(bad(5, 0.001))
            tg.create_task(ok(6, 0.0005))
        print("not reached")
    except ExceptionGroup as eg:
        show(eg)
    print("cancelling", me.cancelling(), me.uncancel())

    # Nested groups: the inner group's ExceptionGroup is a member of the outer's.
    try:
        async with asyncio.TaskGroup() as outer:
            outer.create_task(slow(7))

            async def inner_job():
                async with asyncio.TaskGroup() as inner:
                    inner.create_task(bad(8, 0.001))
                    inner.create_task(slow(9))

            outer.create_task(inner_job())
    except ExceptionGroup as eg:
        show(eg)
        inner = eg.exceptions[0]
        show(inner)
        print(eg.split(ValueError))
        print(eg.subgroup(KeyError), eg.subgroup(lambda e: isinstance(e, ValueError)))
    me.uncancel()

    # The parent cancelled from outside: the children are cancelled and the
    # CancelledError goes on.
    async def parent():
        try:
            async with asyncio.TaskGroup() as tg:
                tg.create_task(slow(10))
                await asyncio.sleep(0.1)
        except asyncio.CancelledError:
            print("parent got CancelledError")
            raise

    p = asyncio.create_task(parent())
    await asyncio.sleep(0.005)
    p.cancel()
    try:
        await p
    except asyncio.CancelledError:
        print("parent cancelled:", p.cancelled())

    # Wrong states.
    tg = asyncio.TaskGroup()
    c = ok(0, 0)
    try:
        tg.create_task(c)
    except RuntimeError as e:
        print("RuntimeError", e)
    async with tg:
        tg.create_task(c)
    try:
        tg.create_task(c)
    except RuntimeError as e:
        print("RuntimeError", e)
    try:
        async with tg:
            pass
    except RuntimeError as e:
        print("RuntimeError", e)
    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(42)
    except ExceptionGroup as eg:
        show(eg)

    # Empty group, and a group whose tasks all succeed after the body raised
    # an error that is not theirs.
    async with asyncio.TaskGroup():
        pass
    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(ok(11, 0))
            raise ValueError("only the body")
    except ExceptionGroup as eg:
        show(eg)


asyncio.run(main())
