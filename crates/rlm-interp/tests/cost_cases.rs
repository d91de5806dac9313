//! Issue #77's named cases (`support/cost_cases.rs`) under the default
//! `Limits`: each must end with its right answer or a clean limit error of
//! the kind named, and the heap's peak while it runs (a counting global
//! allocator, as in `real_heap.rs`) must stay within the memory budget plus
//! 64 MiB. A case marked with a debug fuel (a fuel-bound one whose 200 M
//! units would take minutes in the debug build) runs with that fuel here
//! and ends on it sooner. Wall times are the release example's
//! (`examples/cost_cases.rs`), not asserted.

#[path = "support/hostile.rs"]
mod hostile;

#[path = "support/counting_alloc.rs"]
mod counting_alloc;

#[path = "support/cost_cases.rs"]
mod cost_cases;

use cost_cases::{CASES, HEAP_SLACK};
use counting_alloc::{Counting, peak_of};
use rlm_interp::Limits;

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[test]
fn named_cases_end_cleanly_within_budget_plus_64_mib() {
    let mut failures = Vec::new();
    for case in CASES {
        let mut limits = Limits::default();
        if cfg!(debug_assertions)
            && let Some(fuel) = case.debug_fuel
        {
            limits.fuel = fuel;
        }
        let budget = limits.memory_bytes;
        let (ending, peak) = peak_of(|| hostile::run_program(case.src, limits));
        eprintln!("{}: {} ({}), peak {} MiB", case.name, ending.kind, ending.detail, peak >> 20);
        if !case.want.contains(&ending.kind.as_str()) {
            failures.push(format!(
                "{}: expected {}, got {} ({})",
                case.name,
                case.want.join("|"),
                ending.kind,
                ending.detail
            ));
        }
        if peak > budget + HEAP_SLACK {
            failures.push(format!(
                "{}: heap peaked at {peak} bytes, budget {budget} + {HEAP_SLACK}",
                case.name
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
