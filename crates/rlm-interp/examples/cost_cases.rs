//! Issue #77's named cases (`tests/support/cost_cases.rs`) under the default
//! `Limits`, one at a time: each one's wall time, ending, fuel-bound or not,
//! and heap peak (a counting global allocator) against the budget + 64 MiB.
//! The test `tests/cost_cases.rs` asserts the endings and peaks; the times
//! are for the benchmark doc (target: each under 2 s on the release build).
//!
//! `cargo run --release -p rlm-interp --example cost_cases [SUBSTR]`

#[path = "../tests/support/hostile.rs"]
mod hostile;

#[path = "../tests/support/counting_alloc.rs"]
mod counting_alloc;

#[path = "../tests/support/cost_cases.rs"]
mod cost_cases;

use cost_cases::{CASES, HEAP_SLACK};
use counting_alloc::{Counting, peak_of};
use rlm_interp::Limits;

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn main() {
    let only = std::env::args().nth(1).unwrap_or_default();
    println!("| case | wall s | ended | peak MiB | within budget + 64 MiB |");
    println!("|---|---:|---|---:|---|");
    for case in CASES.iter().filter(|c| c.name.contains(&only)) {
        let limits = Limits::default();
        let budget = limits.memory_bytes;
        let started = std::time::Instant::now();
        let (ending, peak) = peak_of(|| hostile::run_program(case.src, limits));
        let secs = started.elapsed().as_secs_f64();
        let ok = if case.want.contains(&ending.kind.as_str()) { "" } else { " (UNEXPECTED)" };
        println!(
            "| `{}` | {secs:.2} | {}{ok} | {:.1} | {} |",
            case.name,
            ending.kind,
            peak as f64 / (1 << 20) as f64,
            if peak <= budget + HEAP_SLACK { "yes" } else { "NO" }
        );
    }
}
