//! Cancellation and the wall-time limit reach inside a running program
//! (issue #33): a program that makes no host call and loops over a long
//! builtin (`hash` of a big tuple), under a fuel limit it would take days to
//! spend, is stopped by the execution's cancel (`KeyboardInterrupt`) and by
//! `max_wall_time` (the wall-time limit error, the cell rolled back). The
//! outcome is the test, not the time: without the interrupt check both runs
//! would never end (the server's shutdown waits on the same cancel).

use crate::support;

use std::time::Duration;

use rlm_context::Context;
use rlm_core::{Finish, Rlm, Session, SessionSettings};
use rlm_policy::BudgetLimits;
use rlm_trace::{EventKind, TraceEvent};
use support::{repl, root};

/// Each `hash(t)` reads a million items: one long builtin per iteration.
const HASH_LOOP: &str = "t = tuple(range(10**6))\nwhile True:\n    h = hash(t)";

fn rlm(budget: BudgetLimits) -> Rlm {
    let root = root(&[&repl(HASH_LOOP), "FINAL('stopped')"]);
    Rlm::builder()
        .root(root)
        .budget(budget)
        .interpreter_limits(rlm_interp::Limits {
            fuel: u64::MAX / 4,
            ..rlm_interp::Limits::default()
        })
        .build()
        .unwrap()
}

/// The error the loop's program ended with.
fn program_error(events: &[TraceEvent]) -> Option<String> {
    events.iter().find_map(|e| match &e.kind {
        EventKind::ProgramFinished(p) => p.error.clone(),
        _ => None,
    })
}

#[test]
fn cancelling_stops_a_program_looping_over_a_long_builtin() {
    let rlm = rlm(BudgetLimits::default());
    let session = Session::new(&rlm, Context::from_text("x"), SessionSettings::default());
    let rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let execution = rt.block_on(async {
        let handle = session.start("loop").unwrap();
        let canceller = handle.canceller();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            canceller.cancel();
        });
        handle.wait().await.unwrap()
    });
    assert_eq!(execution.finish, Finish::Cancelled);
    let error = program_error(&execution.events).unwrap_or_default();
    assert!(error.contains("KeyboardInterrupt"), "the program ended with: {error}");
}

#[test]
fn the_wall_time_limit_stops_a_program_looping_over_a_long_builtin() {
    let rlm = rlm(BudgetLimits {
        max_wall_time: Some(Duration::from_millis(300)),
        ..BudgetLimits::default()
    });
    let result = rlm.run_blocking("loop", Context::from_text("x")).unwrap();
    let error = program_error(&result.events).unwrap_or_default();
    // The wall-time limit error (uncatchable; the cell rolled back), with how
    // far the program got.
    assert!(error.contains("LimitError: wall time limit"), "the program ended with: {error}");
    assert!(error.contains("The wall time limit stopped this program at line 3"), "{error}");
}
