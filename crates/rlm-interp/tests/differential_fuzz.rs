//! Differential fuzzing against CPython 3.11 in the normal suite (issue #53,
//! item 5): well-typed programs from `support/diff_gen.rs` run in our
//! interpreter and in one persistent `python3` worker; every statement's
//! printed line must agree (value, or the exception's type), except the
//! divergences listed in `support/diff_check.rs`'s `KNOWN` (each documented
//! in docs/divergences.md). A fixed seed keeps the suite deterministic;
//! `RLM_DIFF_SEED=N` and `RLM_DIFF_CASES=N` explore further, and
//! `differential_survey.rs` (feature `diff-survey`) lists every divergence of
//! many programs, or replays one fuzzer input. The long runs are the cargo-fuzz target
//! `interp_differential` (fuzz/README.md).

#[path = "support/diff_check.rs"]
mod diff_check;
#[path = "support/diff_gen.rs"]
mod diff_gen;
#[path = "support/hostile_gen.rs"]
mod hostile_gen;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn runner(cases: u32) -> TestRunner {
    let seed = env_or("RLM_DIFF_SEED", 53);
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let config = Config { cases, failure_persistence: None, ..Config::default() };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes))
}

rlm_testenv::needs_python3! {
    #[test]
    fn generated_programs_match_cpython() {
        let compared = std::cell::Cell::new(0usize);
        let known = std::cell::Cell::new(0usize);
        // Programs our run ended on a limit (compared up to it), and those
        // CPython ran out of time on (not compared).
        let limited = std::cell::Cell::new(0usize);
        let timeouts = std::cell::Cell::new(0usize);
        let cases = env_or("RLM_DIFF_CASES", 128) as u32;
        let result = runner(cases).run(&vec(any::<u8>(), 0..400), |data| {
            let p = diff_gen::program(&data);
            let r = diff_check::check(&p).expect("python3 runs the worker");
            compared.set(compared.get() + r.compared);
            known.set(known.get() + r.known.len());
            limited.set(limited.get() + r.limited as usize);
            timeouts.set(timeouts.get() + r.timeout as usize);
            if !r.divergences.is_empty() {
                let d = r.divergences.join("\n");
                return Err(TestCaseError::fail(format!("{d}\n--- program ---\n{}", p.src)));
            }
            Ok(())
        });
        eprintln!(
            "differential_fuzz: {} statements compared, {} known divergences met, \
             {} programs ended on a limit, {} timed out in CPython",
            compared.get(),
            known.get(),
            limited.get(),
            timeouts.get()
        );
        if let Err(e) = result {
            panic!("{e}");
        }
    }
}
