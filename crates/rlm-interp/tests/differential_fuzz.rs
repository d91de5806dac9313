//! Differential fuzzing against CPython 3.11 in the normal suite (issue #53,
//! item 5): well-typed programs from `support/diff_gen.rs` run in our
//! interpreter and in one persistent `python3` worker; every statement's
//! printed line must agree (value, or the exception's type), except the
//! divergences listed in `support/diff_check.rs`'s `KNOWN` (each documented
//! in docs/divergences.md). A fixed seed keeps the suite deterministic;
//! `RLM_DIFF_SEED=N` and `RLM_DIFF_CASES=N` explore further, and the ignored
//! `survey` test lists every divergence of many programs instead of stopping
//! at the first (`RLM_DIFF_CORPUS=DIR`: a fuzzer corpus's inputs instead). The long runs are the cargo-fuzz target
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

/// The survey's inputs: every file of `RLM_DIFF_CORPUS` (a fuzzer's
/// corpus, absolute path) if set, else `RLM_DIFF_CASES` random ones.
fn survey_inputs() -> Vec<Vec<u8>> {
    if let Ok(dir) = std::env::var("RLM_DIFF_CORPUS") {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .expect("RLM_DIFF_CORPUS is a directory")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        files.sort();
        return files.iter().filter_map(|f| std::fs::read(f).ok()).collect();
    }
    let mut state = env_or("RLM_DIFF_SEED", 53) | 1;
    // xorshift64: the survey needs no shrinking, only many inputs.
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..env_or("RLM_DIFF_CASES", 2000))
        .map(|_| {
            let len = (next() % 400) as usize;
            (0..len).map(|_| next() as u8).collect()
        })
        .collect()
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

    #[test]
    #[ignore = "a survey: RLM_DIFF_CASES programs (or RLM_DIFF_CORPUS's files), every divergence listed"]
    fn survey() {
        let inputs = survey_inputs();
        let (mut compared, mut limited, mut timeouts, mut found) = (0, 0, 0, Vec::new());
        for data in &inputs {
            let p = diff_gen::program(data);
            if let Ok(path) = std::env::var("RLM_DIFF_TRACE") {
                let _ = std::fs::write(path, &p.src);
            }
            let started = std::time::Instant::now();
            let Some(r) = diff_check::check(&p) else {
                found.push(format!("python3 worker died on:\n{}", p.src));
                continue;
            };
            if started.elapsed().as_secs() >= 2 {
                eprintln!("SLOW {:?}:\n{}", started.elapsed(), p.src);
            }
            compared += r.compared;
            limited += r.limited as usize;
            timeouts += r.timeout as usize;
            found.extend(r.divergences);
        }
        for d in &found {
            eprintln!("DIVERGENCE {d}");
        }
        eprintln!(
            "survey: {} programs, {compared} statements, {limited} limited, {timeouts} timeouts, {} divergent",
            inputs.len(),
            found.len()
        );
    }
}

rlm_testenv::needs_python3! {
    /// Replays a fuzzer input: `RLM_DIFF_REPLAY=$PWD/fuzz/artifacts/... cargo test
    /// -p rlm-interp --test differential_fuzz replay -- --ignored --nocapture`
    /// prints the program, each side's time and the divergences.
    #[test]
    #[ignore = "replays the input named by RLM_DIFF_REPLAY"]
    fn replay() {
        let path = std::env::var("RLM_DIFF_REPLAY").expect("RLM_DIFF_REPLAY names an input file");
        let data = std::fs::read(&path).expect("read the input");
        let p = diff_gen::program(&data);
        eprintln!("{}", p.src);
        let started = std::time::Instant::now();
        let theirs = diff_check::run_python(&p.src).expect("python3 runs the worker");
        let python = started.elapsed();
        let ours = diff_check::run_ours(&p.src);
        eprintln!("cpython {python:?}, ours {:?} (limit {:?})", started.elapsed() - python, ours.limit);
        let r = diff_check::compare(&p, &ours, &theirs);
        eprintln!("{r:#?}");
    }
}
