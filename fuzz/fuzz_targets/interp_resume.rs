//! Fuzz target: suspend/resume. Programs that make many host calls (sync,
//! batched, gathered coroutines) are resumed with random replies (values of
//! every kind, host errors), in random order, sometimes partially; asserts no
//! panic and that every pending call can be answered exactly once.
//! Run: `cargo +nightly fuzz run interp_resume` from the repository root.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rlm_interp::{HostError, Limits, Outcome, Interpreter, Value};

const PROGRAMS: &[&str] = &[
    "r = llm_query('a')\nprint(r, type(r))",
    "rs = llm_batch(['a', 'b', 'c'])\nprint(rs)",
    "import asyncio\nasync def ask(q):\n    a = await llm_query_async(q)\n    b = llm_query(str(a))\n    return [a, b]\nprint(await asyncio.gather(*[ask(str(i)) for i in range(4)]))",
    "import asyncio\ntry:\n    r = await asyncio.gather(llm_query_async('x'), llm_query_async('y'))\nexcept RuntimeError as e:\n    print('err', e)",
    "import asyncio\nr = await asyncio.gather(llm_query_async('x'), llm_query_async('y'), return_exceptions=True)\nprint(r)",
    "out = []\nfor i in range(5):\n    try:\n        out.append(llm_query(f'q{i}'))\n    except Exception as e:\n        out.append(str(e))\nprint(out)\nFINAL(out)",
    "import asyncio\nasync def inner(x):\n    return await asyncio.gather(llm_query_async(x), llm_query_async(x + '!'))\nprint(await asyncio.gather(inner('a'), inner('b')))",
];

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else { return };
    let src = PROGRAMS[first as usize % PROGRAMS.len()];
    let mut s = Interpreter::new(Limits { fuel: 1_000_000, ..Limits::default() });
    let mut o = s.run_cell(src);
    let mut bytes = rest.iter().copied();
    let mut rounds = 0;
    while let Outcome::Suspended(mut calls) = o {
        rounds += 1;
        assert!(rounds < 10_000);
        // Random order, and sometimes answer only some of the calls.
        if let Some(b) = bytes.next() {
            if !calls.is_empty() {
                let k = b as usize % calls.len();
                calls.rotate_left(k);
            }
        }
        let take = match bytes.next() {
            Some(b) if !calls.is_empty() => 1 + b as usize % calls.len(),
            _ => calls.len(),
        };
        for c in calls.into_iter().take(take) {
            let reply = match bytes.next().unwrap_or(0) % 6 {
                0 => Ok(Value::str("reply")),
                1 => Ok(Value::Int(7)),
                2 => Ok(Value::None),
                3 => Ok(Value::list(vec![Value::str("x"), Value::Float(1.5)])),
                4 => Err(HostError::new("host failed")),
                _ => Ok(Value::str("é漢".repeat(100))),
            };
            assert!(s.answer(c.id, reply).is_ok(), "pending call could not be answered");
        }
        o = s.resume();
    }
    let _ = s.take_output();
});
