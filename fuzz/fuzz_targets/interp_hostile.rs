//! Fuzz target (issue #33): whole hostile programs generated from the input
//! bytes by `crates/rlm-interp/tests/support/hostile_gen.rs` (every builtin,
//! method and module function; loops up to 10^6; huge literals; deep and
//! shared nesting), run under the DEFAULT limits with a smaller fuel.
//! Oracle: no panic or abort (stack overflow included), the run ends, fuel
//! stays within its bound, and the memory the session holds stays within its
//! budget. Real memory is libFuzzer's `-rss_limit_mb` (see fuzz/README.md),
//! wall time its `-timeout`.
//! Run: `cargo +nightly fuzz run interp_hostile` from `fuzz/`'s parent.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rlm_interp::{Limits, Outcome, Interpreter, Value};

#[path = "../../crates/rlm-interp/tests/support/hostile_gen.rs"]
mod hostile_gen;

/// A fuel error ends long runs fast; every other limit is the default.
const FUEL: u64 = 2_000_000;

fuzz_target!(|data: &[u8]| {
    let src = hostile_gen::program(data);
    let limits = Limits { fuel: FUEL, ..Limits::default() };
    let mut s = Interpreter::new(limits.clone());
    let mut o = s.run_cell(&src);
    let mut rounds = 0;
    while let Outcome::Suspended(calls) = o {
        for c in calls {
            assert!(s.answer(c.id, Ok(Value::str("ok"))).is_ok());
        }
        o = s.resume();
        rounds += 1;
        // Every round runs at least one instruction: fuel bounds them.
        assert!(rounds <= FUEL, "too many host-call rounds");
    }
    if let Outcome::Error(e) = &o {
        assert!(e.kind != rlm_interp::ErrorKind::Syntax, "generator made invalid code: {e:?}\n{src}");
    }
    assert!(s.fuel_used() <= FUEL + limits.max_str_len as u64, "fuel {} over budget", s.fuel_used());
    let held = s.synced_memory_bytes();
    let slack = (4u64 << 20).max(limits.memory_bytes as u64 / 2);
    assert!(held <= limits.memory_bytes as u64 + slack, "{held} bytes held over the budget");
});
