//! The event loop's virtual clock (`vm/clock.rs`): sleeps CPython would
//! really wait out (or never end: `sleep(1e300)`, `sleep(inf)`) end at once
//! here, in the order of their delays, and host calls take no virtual time.
//! The cases CPython can run quickly are in `tests/programs/fidelity_asyncio.py`.

#[path = "support/replies.rs"]
mod replies;

use replies::run;
use rlm_interp::{Interpreter, Limits, Outcome};

#[test]
fn huge_and_infinite_sleeps_end_at_once() {
    let (_, out) = run("import asyncio, math\n\
         print(await asyncio.sleep(1e300, 'a'), await asyncio.sleep(math.inf, 'b'))\n\
         print(await asyncio.sleep(10**18, 'c'), await asyncio.sleep(1, 'd'))\n");
    assert_eq!(out, "a b\nc d\n");
}

#[test]
fn gathered_sleeps_wake_in_delay_order() {
    let (_, out) = run("import asyncio, math\nlog = []\n\
         async def s(n, d):\n    await asyncio.sleep(d)\n    log.append(n)\n    return n\n\
         print(await asyncio.gather(s('inf', math.inf), s('big', 1e300), s('ten', 10), s('one', 1)))\n\
         print(log)\n");
    assert_eq!(out, "['inf', 'big', 'ten', 'one']\n['one', 'ten', 'big', 'inf']\n");
}

#[test]
fn a_cell_starts_its_clock_at_zero() {
    // After `sleep(inf)` the next cell's short sleep still beats its deadline.
    let mut s = Interpreter::new(Limits::default());
    assert!(matches!(
        s.run_cell("import asyncio\nawait asyncio.sleep(float('inf'))\n"),
        Outcome::Done
    ));
    let o = s.run_cell("print(await asyncio.wait_for(asyncio.sleep(1, 'ok'), 2))\n");
    assert!(matches!(o, Outcome::Done), "ended with {o:?}");
    assert_eq!(s.take_output(), "ok\n");
}

#[test]
fn host_calls_take_no_virtual_time() {
    let (batches, out) = run("import asyncio\n\
         print(await asyncio.wait_for(llm_query_async('a'), 0.001))\n\
         print(await asyncio.gather(asyncio.sleep(5, 's'), llm_query('b'), asyncio.wait_for(llm_query_async('c'), 1)))\n");
    assert_eq!(batches, vec![1, 2]);
    assert_eq!(out, "reply:a\n['s', 'reply:b', 'reply:c']\n");
}

#[test]
fn a_timed_out_host_call_is_never_sent() {
    let (batches, out) = run("import asyncio\n\
         try:\n    await asyncio.wait_for(llm_query_async('a'), 0)\nexcept TimeoutError:\n    print('timeout')\n");
    assert!(batches.is_empty());
    assert_eq!(out, "timeout\n");
}

#[test]
fn many_finished_wait_fors_run_through_the_sweep() {
    // Each finished wait_for leaves a deadline that never fires; the heap
    // sweeps them whenever it doubled: this runs the sweep many times.
    let (_, out) = run("import asyncio\nt = 0\n\
         async def one(i):\n    return i\n\
         for i in range(3000):\n    t += await asyncio.wait_for(one(i), 10)\nprint(t)\n");
    assert_eq!(out, "4498500\n");
}
