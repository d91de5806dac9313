//! Fuzz target (issue #53, item 5): differential fuzzing against CPython
//! 3.11. The input bytes drive `crates/rlm-interp/tests/support/diff_gen.rs`
//! to a well-typed program (one printed line per statement); it runs in our
//! interpreter under the default limits and in ONE persistent `python3`
//! worker per fuzz process (`driver.py --serve`); any line that differs and
//! is not a known divergence (`diff_check.rs`'s `KNOWN`, documented in
//! docs/divergences.md) panics, leaving the input as a crash artifact. A
//! run our interpreter ends on a limit compares the lines before it.
//! Run: `cargo +nightly fuzz run interp_differential` (see fuzz/README.md).

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../crates/rlm-interp/tests/support/diff_check.rs"]
mod diff_check;
#[path = "../../crates/rlm-interp/tests/support/diff_gen.rs"]
mod diff_gen;
#[path = "../../crates/rlm-interp/tests/support/hostile_gen.rs"]
mod hostile_gen;

unsafe extern "C" {
    fn atexit(f: extern "C" fn()) -> i32;
}

fuzz_target!(
    init: {
        // libFuzzer ends with exit(): reap the worker then, so the CPU it
        // used is counted by whoever waits for this process.
        // SAFETY: registers a plain function that locks a mutex and waits.
        unsafe { atexit(diff_check::reap_worker) };
    },
    |data: &[u8]| {
        let p = diff_gen::program(data);
        let Some(r) = diff_check::check(&p) else {
            panic!("python3 did not run the worker");
        };
        if !r.divergences.is_empty() {
            // A crash skips atexit: reap the worker first, so its CPU counts.
            diff_check::reap_worker();
            panic!("divergence from CPython:\n{}\n--- program ---\n{}", r.divergences.join("\n"), p.src);
        }
    }
);
