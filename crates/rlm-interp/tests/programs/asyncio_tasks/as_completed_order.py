# as_completed yields results in the order the work finishes.
import asyncio


async def job(name, delay):
    await asyncio.sleep(delay)
    return name


async def fails():
    await asyncio.sleep(0.015)
    raise KeyError("k")


async def main():
    out = []
    for aw in asyncio.as_completed([job("c", 0.03), job("a", 0.01), job("b", 0.02)]):
        out.append(await aw)
    print(out)
    for aw in asyncio.as_completed([job("x", 0.02), fails()]):
        try:
            print(await aw)
        except KeyError as e:
            print("error", repr(e))
    c = job("z", 0)
    try:
        list(asyncio.as_completed(c))
    except TypeError as e:
        print("TypeError", e)
    print(await c)


await main()
