//! Differential fuzzing's tools for a person, not the suite (built only with
//! `--features diff-survey`, so the suite has no ignored tests):
//!
//! - `survey`: `RLM_DIFF_CASES` generated programs (`RLM_DIFF_SEED`), or every
//!   file of `RLM_DIFF_CORPUS` (a fuzzer corpus, absolute path), every
//!   divergence listed instead of stopping at the first:
//!   `cargo test -p rlm-interp --features diff-survey --test differential_survey survey -- --nocapture`
//! - `replay`: `RLM_DIFF_REPLAY=$PWD/fuzz/artifacts/...` prints the program, each
//!   side's time and the divergences.

#[path = "support/diff_check.rs"]
mod diff_check;
#[path = "support/diff_gen.rs"]
mod diff_gen;
#[path = "support/hostile_gen.rs"]
mod hostile_gen;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
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
    /// -p rlm-interp --features diff-survey --test differential_survey replay -- --nocapture`
    /// prints the program, each side's time and the divergences.
    #[test]
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
