//! Fuzz target: structured programs (generated from the input bytes) run
//! under tight limits; asserts no panic and that fuel stays within bound.
//! Also feeds the raw bytes as source text, for parser/compiler robustness.
//! Run: `cargo +nightly fuzz run interp_programs` from the repository root.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rlm_interp::{Limits, Outcome, Interpreter, Value};

#[path = "../../crates/rlm-interp/tests/support/gen.rs"]
mod generator;

fn limits() -> Limits {
    Limits {
        fuel: 300_000,
        memory_bytes: 16 << 20,
        max_str_len: 1 << 20,
        max_collection_len: 100_000,
        max_call_depth: 100,
        max_nesting: 50,
        max_output_bytes: 1 << 20,
        regex_backtrack_limit: 10_000,
    }
}

fn run(src: &str) {
    let lim = limits();
    let mut s = Interpreter::new(lim.clone());
    let mut o = s.run_cell(src);
    let mut rounds = 0;
    while let Outcome::Suspended(calls) = o {
        for c in calls {
            assert!(s.answer(c.id, Ok(Value::str("ok"))).is_ok());
        }
        o = s.resume();
        rounds += 1;
        assert!(rounds < 100_000);
    }
    assert!(s.fuel_used() <= lim.fuel + lim.max_str_len as u64, "fuel over budget: {}", s.fuel_used());
}

fuzz_target!(|data: &[u8]| {
    run(&generator::program(data));
    if let Ok(text) = std::str::from_utf8(data) {
        run(text);
    }
});
