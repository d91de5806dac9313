import asyncio
async def fail(msg):
    raise ValueError(msg)
async def ok():
    return "fine"
try:
    await asyncio.gather(ok(), fail("bad chunk"))
except ValueError as e:
    print(type(e).__name__, e)
res = await asyncio.gather(ok(), fail("x"), return_exceptions=True)
print(res[0], type(res[1]).__name__, res[1])
