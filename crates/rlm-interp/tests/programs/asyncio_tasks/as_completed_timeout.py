# as_completed(aws, timeout=...) as 3.11: the awaitables left when the timeout
# comes each raise TimeoutError; a timeout that does not come changes nothing.
import asyncio
async def job(n, d):
    await asyncio.sleep(d)
    return n
async def main():
    out = []
    try:
        for f in asyncio.as_completed([job(1, 0.01), job(2, 0.05), job(3, 0.02)], timeout=0.03):
            out.append(await f)
    except TimeoutError as e:
        print("timeout", repr(e), out)
    out = []
    for f in asyncio.as_completed([job(1, 0.01), job(2, 0.02)], timeout=1):
        out.append(await f)
    print(out)
    it = asyncio.as_completed([job(1, 0.05), job(2, 0.06)], timeout=0.01)
    res = []
    for f in it:
        try:
            res.append(await f)
        except TimeoutError:
            res.append("T")
    print(res)
    try:
        for f in asyncio.as_completed([job(1, 0)], timeout="x"):
            await f
    except TypeError as e:
        print("TypeError", e)
    print(list(asyncio.as_completed([], timeout=1)))
asyncio.run(main())
