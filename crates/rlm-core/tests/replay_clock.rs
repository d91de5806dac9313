//! Deterministic replay of runs that ended by the clock (issue #81): a run
//! recorded against a slow model, which closed early because the time left
//! no longer fitted another step, or whose time ran out during a call, is
//! replayed from its recording (whose calls take no time) to the same
//! requests, answer and finish. The recording carries each exchange's time
//! on the run's clock, and a cut call as cut; the replay moves its clock to
//! those times (rlm-types' `RunClock`, rlm-adapters' recording).

use crate::support;

use std::sync::Arc;
use std::time::Duration;

use rlm_adapters::{ModelAdapter, Recorder, RecordingWriter, ReplayBook, Replayer};
use rlm_context::Context;
use rlm_core::{Helps, LoopOptions, Rlm, RunResult};
use rlm_policy::BudgetLimits;
use support::repl;

fn context() -> Context {
    Context::from_text("region,total\nnorth,40000\nsouth,52865\n".repeat(20))
}

/// A root model whose every reply takes `delay_ms`: programs while it
/// explores, the answer when asked for it alone.
fn slow_model(delay_ms: u64) -> Arc<dyn ModelAdapter> {
    let exploring = repl("print(context.count('south'))");
    let rules = [
        ("nothing more runs now", "FINAL('south appears 20 times')"),
        ("The run must end now", "FINAL('south appears 20 times')"),
        (".", exploring.as_str()),
    ];
    support::scripted_delayed("slow", &rules, delay_ms)
}

fn run(root: Arc<dyn ModelAdapter>, timeout: Duration) -> RunResult {
    Rlm::builder()
        .root(root)
        .options(LoopOptions { helps: Helps::none(), ..LoopOptions::default() })
        .budget(BudgetLimits { max_wall_time: Some(timeout), ..BudgetLimits::default() })
        .build()
        .unwrap()
        .run_blocking("How many times does south appear?", context())
        .unwrap()
}

/// The run recorded live, then replayed: both results and the recording.
fn recorded_and_replayed(delay_ms: u64, timeout: Duration) -> (RunResult, RunResult, String) {
    let writer = RecordingWriter::in_memory("recording", "");
    let recorder = Recorder::new(slow_model(delay_ms), writer.clone());
    let live = run(Arc::new(recorder), timeout);
    let text = writer.text().unwrap();
    let book = Arc::new(ReplayBook::parse(&text, "recording").unwrap());
    let replayer = Replayer::new(book.session(), "fake:slow".parse().unwrap(), None, false);
    let replayed = run(Arc::new(replayer), timeout);
    (live, replayed, text)
}

fn same_run(live: &RunResult, replayed: &RunResult) {
    assert_eq!(replayed.answer, live.answer);
    assert_eq!(replayed.finish, live.finish);
    assert_eq!(replayed.steps, live.steps);
    assert_eq!(replayed.usage.root_calls, live.usage.root_calls, "the same calls, none missing");
}

#[test]
fn a_run_that_closed_early_for_the_time_left_replays_to_the_same_close() {
    // Each call takes 300 ms of a 1.5 s budget: after the second, the time
    // left is under three calls' worth, and the run closes rather than step.
    let (live, replayed, recording) = recorded_and_replayed(300, Duration::from_millis(1_500));
    assert!(live.finish.as_str() == "finalized", "{:?}", live.finish);
    assert_eq!(live.answer.as_deref(), Some("south appears 20 times"));
    assert!(recording.contains("\"at_ms\""), "each exchange has its time: {recording}");
    assert!(recording.contains("\"decided_ms\""), "and the values decided by: {recording}");
    same_run(&live, &replayed);
}

#[test]
fn a_run_whose_time_ran_out_during_a_call_replays_to_the_same_end() {
    // The second call would take 700 ms more than the budget has: it is cut,
    // written as cut, and the replay's clock reaches the same end there.
    let (live, replayed, recording) = recorded_and_replayed(700, Duration::from_millis(1_000));
    assert!(recording.contains("\"cut\":true"), "the cut call is in the recording: {recording}");
    assert!(live.answer.is_none() || live.finish.as_str() != "final", "{:?}", live.finish);
    same_run(&live, &replayed);
}
