//! The cost fuzzer's corpus (issue #77, `examples/cost_fuzz.rs`) replayed:
//! every committed program (the worst input found per cost-table entry, for
//! time and for memory) parses and runs to a result or a clean limit error,
//! under limits small enough for a debug build (no timing is asserted).

#[path = "support/cost_fuzz/mod.rs"]
mod cost_fuzz;

use std::path::Path;
use std::rc::Rc;
use std::time::{Duration, Instant};

use rlm_interp::{ErrorKind, HostStop, Interpreter, Limits, Outcome};

use cost_fuzz::corpus::load_all;
use cost_fuzz::probes::PROBES;

fn run(program: &str) -> Result<(), String> {
    let mut s =
        Interpreter::new(Limits { fuel: 500_000, memory_bytes: 24 << 20, ..Limits::default() });
    let start = Instant::now();
    s.set_interrupt_check(Some((
        10_000,
        Rc::new(move || (start.elapsed() > Duration::from_secs(5)).then_some(HostStop::Deadline)),
    )));
    match s.run_cell(program) {
        Outcome::Done | Outcome::Final(_) => Ok(()),
        Outcome::Error(e) if matches!(e.kind, ErrorKind::Limit(_)) => Ok(()),
        Outcome::Error(e) => Err(format!("{}: {}", e.type_name, e.message)),
        Outcome::Suspended(_) => Err("suspended".into()),
    }
}

#[test]
fn every_corpus_program_runs_to_a_result_or_a_limit() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cost_corpus");
    let records = load_all(&dir);
    assert!(!records.is_empty(), "no corpus in {}", dir.display());
    let mut programs = Vec::new();
    for r in &records {
        assert!(PROBES.iter().any(|p| p.entry == r.entry), "{}: no probe", r.entry);
        for (what, best) in [("time", &r.time), ("memory", &r.mem)] {
            if let Some(b) = best {
                programs.push((format!("{} ({what})", r.entry), b.program.clone()));
            }
        }
    }
    // Two threads, each with its own sessions (the suite's debug build is
    // slow and the programs independent).
    let half = programs.len().div_ceil(2);
    let failures: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = programs
            .chunks(half.max(1))
            .map(|chunk| {
                scope.spawn(move || {
                    let mut failed = Vec::new();
                    for (name, program) in chunk {
                        let t = Instant::now();
                        if let Err(e) = run(program) {
                            failed.push(format!("{name}: {e}"));
                        }
                        if std::env::var_os("COST_CORPUS_TIMES").is_some() {
                            eprintln!("{:>8.1} ms  {name}", t.elapsed().as_secs_f64() * 1e3);
                        }
                    }
                    failed
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("a corpus thread panicked")).collect()
    });
    assert!(
        failures.is_empty(),
        "{} of {} programs failed:\n{}",
        failures.len(),
        programs.len(),
        failures.join("\n")
    );
}
