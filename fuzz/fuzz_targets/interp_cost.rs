//! Fuzz target (issue #77): a cost fuzzer in libFuzzer's form. The input's
//! bytes choose an entry of the fuel cost table (one of the cost fuzzer's
//! probes, `crates/rlm-interp/tests/support/cost_fuzz/probes.rs`) and an
//! input shape (size, Unicode category, needle density, element kind,
//! nesting, argument variant); the call runs once under a fuel cap, a
//! memory cap and a deadline. A finding (a panic, so libFuzzer keeps the
//! input) is a call whose wall time per fuel unit passes
//! `COST_FUZZ_THRESHOLD` (10) times the dispatch loop's, measured once per
//! process, or whose peak heap per byte charged passes
//! `COST_FUZZ_MEM_THRESHOLD` (4). Calls under 20 ms are not judged by time
//! (noise). Run: see fuzz/README.md.

#![no_main]

use std::sync::OnceLock;
use std::time::Duration;

use libfuzzer_sys::fuzz_target;

#[path = "../../crates/rlm-interp/tests/support/cost_fuzz/mod.rs"]
mod cost_fuzz;
#[path = "../../crates/rlm-interp/tests/support/counting_alloc.rs"]
mod counting_alloc;

use cost_fuzz::probes::PROBES;
use cost_fuzz::shape::Shape;
use cost_fuzz::trial::{TrialLimits, loop_ns_per_unit, run_trial};

#[global_allocator]
static ALLOC: counting_alloc::Counting = counting_alloc::Counting;

fn peak(f: &mut dyn FnMut()) -> u64 {
    let ((), p) = counting_alloc::peak_of(f);
    p as u64
}

fn threshold(var: &str, default: f64) -> f64 {
    std::env::var(var).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn loop_ns() -> f64 {
    static LOOP: OnceLock<f64> = OnceLock::new();
    *LOOP.get_or_init(|| loop_ns_per_unit(5))
}

fn byte(data: &[u8], i: usize) -> u64 {
    u64::from(data.get(i).copied().unwrap_or(0))
}

fuzz_target!(|data: &[u8]| {
    if PROBES.is_empty() {
        return;
    }
    let probe = &PROBES[((byte(data, 0) << 8 | byte(data, 1)) as usize) % PROBES.len()];
    let n = (byte(data, 2) << 16 | byte(data, 3) << 8 | byte(data, 4)) % probe.kind.max_n() + 1;
    let shape = Shape {
        n,
        fill: byte(data, 5) as usize,
        needle: byte(data, 6) as usize,
        gap: byte(data, 7) << 4 | byte(data, 8) >> 4,
        elem: byte(data, 9) as usize,
        depth: byte(data, 10),
        variant: byte(data, 11) as usize,
    }
    .clamped(probe.variants());
    let lim =
        TrialLimits { fuel: 5_000_000, memory_bytes: 64 << 20, deadline: Duration::from_secs(2) };
    let Some(t) = run_trial(probe, &shape, &lim, peak) else { return };
    let time_ratio = t.ns_per_unit() / loop_ns();
    if t.ns > 20_000_000 && time_ratio > threshold("COST_FUZZ_THRESHOLD", 10.0) {
        panic!(
            "{}: {time_ratio:.1}x the dispatch loop's time per fuel unit ({} ns, {} fuel, {})\n{:?}\n{}",
            probe.entry,
            t.ns,
            t.fuel,
            t.end.name(),
            shape,
            probe.program(&shape)
        );
    }
    let m = t.mem_ratio();
    if m > threshold("COST_FUZZ_MEM_THRESHOLD", 4.0) {
        panic!(
            "{}: peak heap {m:.1}x the bytes charged ({} B peak, {} B charged, {})\n{:?}\n{}",
            probe.entry,
            t.peak_bytes,
            t.charged_bytes,
            t.end.name(),
            shape,
            probe.program(&shape)
        );
    }
});
