# Issue #76: 40k tasks each awaiting sleep(0) twice (CPython 3.11: ~0.5 s CPU).
# `cargo build --release -p rlm-interp --example run_file`, then
# `$CARGO_TARGET_DIR/release/examples/run_file crates/rlm-interp/benches/tasks_40k.py`.
import asyncio


async def step(i):
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    return i


async def main():
    tasks = [asyncio.create_task(step(i)) for i in range(40000)]
    rs = await asyncio.gather(*tasks)
    print(len(rs), sum(rs))


await main()
