//! The `Session` seam: executions one after another with a cumulative
//! budget, `memory` and history kept across them, cancellation in the middle
//! of a batch, streamed root-model text, and state that survives a trip
//! through another process.

use crate::support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rlm_context::Context;
use rlm_core::{
    Finish, Rlm, Session, SessionError, SessionLimits, SessionResource, SessionSettings,
    SessionState,
};
use rlm_sched::SchedulerConfig;
use rlm_trace::{EventKind, ModelDelta, SpanOutcome, TraceEvent, TraceListener};
use support::{repl, root, scripted_delayed};

fn assert_send_sync<T: Send + Sync + Clone>() {}

#[test]
fn a_session_is_a_send_sync_handle() {
    assert_send_sync::<Session>();
}

/// The three executions every test here starts with: each stores a fact in
/// `memory` (two root calls each: a program, then FINAL).
fn three_questions() -> Vec<String> {
    let mut replies = Vec::new();
    for (i, fact) in
        ["the launch is on Tuesday", "the budget is 1200 EUR", "Ada leads"].iter().enumerate()
    {
        replies.push(repl(&format!(
            "memory.setdefault('facts', []).append({fact:?})\nprint(len(memory['facts']))"
        )));
        replies.push(format!("FINAL('noted {}')", i + 1));
    }
    replies
}

fn session_over(rlm: &Rlm, settings: SessionSettings) -> Session {
    Session::new(rlm, Context::from_text("notes of the project meeting"), settings)
}

#[test]
fn three_executions_then_the_cumulative_budget_refuses_the_fourth() {
    let replies = three_questions();
    let root = root(&replies.iter().map(String::as_str).collect::<Vec<_>>());
    let rlm = Rlm::builder().root(root).build().unwrap();
    let settings = SessionSettings {
        limits: SessionLimits { max_calls: Some(6), ..Default::default() },
        ..Default::default()
    };
    let session = session_over(&rlm, settings);
    for expected in ["noted 1", "noted 2", "noted 3"] {
        let e = session.execute_blocking("remember this").unwrap();
        assert_eq!((e.answer.as_deref(), &e.finish), (Some(expected), &Finish::ProseFinal));
    }
    assert_eq!(session.usage().calls(), 6);
    assert_eq!(session.usage().executions, 3);
    assert_eq!(session.memory()["facts"].as_array().map(Vec::len), Some(3));
    match session.execute_blocking("and now?") {
        Err(SessionError::BudgetExhausted { resource: SessionResource::Calls, used, limit }) => {
            assert_eq!((used, limit), (6.0, 6.0));
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    // A refused execution leaves no trace in the session.
    assert_eq!((session.history().len(), session.usage().executions), (3, 3));
}

/// Counts finished subcalls and cancels the execution once `after` are done.
struct CancelAfter {
    finished: AtomicUsize,
    after: usize,
    canceller: Mutex<Option<rlm_core::Canceller>>,
}

impl TraceListener for CancelAfter {
    fn on_event(&self, e: &TraceEvent) {
        if let EventKind::SubcallFinished(c) = &e.kind
            && c.outcome == SpanOutcome::Ok
            && self.finished.fetch_add(1, Ordering::SeqCst) + 1 == self.after
            && let Some(c) = self.canceller.lock().unwrap().as_ref()
        {
            c.cancel();
        }
    }
}

#[test]
fn cancelling_in_the_middle_of_a_200_call_batch_stops_the_calls_and_settles_the_spend() {
    let sub = scripted_delayed("sub", &[("q", "an answer")], 40);
    let root =
        root(&[&repl("answers = llm_batch([f'q{i}' for i in range(200)])\nFINAL(len(answers))")]);
    let rlm = Rlm::builder()
        .root(root)
        .sub_model(sub.clone())
        .scheduler(SchedulerConfig { max_concurrency: 8, ..Default::default() })
        .build()
        .unwrap();
    let session = session_over(&rlm, SessionSettings::default());
    let rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let execution = rt.block_on(async {
        let handle = session.start("ask about everything").unwrap();
        let watcher = Arc::new(CancelAfter {
            finished: AtomicUsize::new(0),
            after: 24,
            canceller: Mutex::new(Some(handle.canceller())),
        });
        handle.subscribe(watcher);
        handle.wait().await.unwrap()
    });
    assert_eq!(execution.finish, Finish::Cancelled);
    let sent = sub.calls();
    assert!((24..200).contains(&sent), "{sent} calls were sent");
    // Nothing more goes out once the run is cancelled.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(sub.calls(), sent, "no call was sent after the cancellation");

    // Every subcall span is closed: the finished ones ok, the others cancelled.
    let mut outcomes = std::collections::BTreeMap::<&str, u64>::new();
    let mut started = 0;
    for e in &execution.events {
        match &e.kind {
            EventKind::SubcallStarted(_) => started += 1,
            EventKind::SubcallFinished(c) => *outcomes.entry(c.outcome.as_str()).or_default() += 1,
            _ => {}
        }
    }
    assert_eq!(started, 200);
    let ok = outcomes.get("ok").copied().unwrap_or(0);
    assert_eq!(ok + outcomes.get("cancelled").copied().unwrap_or(0), 200, "{outcomes:?}");
    assert!(ok >= 24, "{outcomes:?}");
    // The spend is settled: no reservation left, and exactly the finished calls charged.
    assert_eq!((execution.usage.in_flight, execution.usage.reserved_tokens), (0, 0));
    assert_eq!(execution.usage.subcalls, ok);
    assert_eq!(session.usage().subcalls, ok);
    assert_eq!(session.usage().cancelled, 1);
    let run_end = execution.events.iter().rev().find_map(|e| match &e.kind {
        EventKind::RunFinished(r) => Some(r.outcome),
        _ => None,
    });
    assert_eq!(run_end, Some(SpanOutcome::Cancelled));
    rlm_trace::Trace::from_events(execution.events.clone()).expect("a consistent trace");
}

/// Collects streamed text.
#[derive(Default)]
struct Deltas(Mutex<Vec<ModelDelta>>);

impl TraceListener for Deltas {
    fn on_event(&self, _: &TraceEvent) {}
    fn on_delta(&self, d: &ModelDelta) {
        self.0.lock().unwrap().push(d.clone());
    }
}

#[test]
fn the_root_models_reply_streams_to_listeners_and_is_stored_once() {
    let root = root(&[
        &repl("print('looking at the notes')"),
        "The notes say the launch is on Tuesday. FINAL('Tuesday')",
    ]);
    let rlm = Rlm::builder().root(root).build().unwrap();
    let session = session_over(&rlm, SessionSettings::default());
    let live = Arc::new(Deltas::default());
    session.add_listener(live.clone());
    let e = session.execute_blocking("when is the launch?").unwrap();
    assert_eq!(e.answer.as_deref(), Some("Tuesday"));
    let deltas = live.0.lock().unwrap().clone();
    assert!(deltas.len() > 4, "word by word: {deltas:?}");
    // Per model call, the pieces rebuild the stored reply exactly.
    for event in &e.events {
        if let EventKind::ModelCallFinished(c) = &event.kind {
            let text: String = deltas
                .iter()
                .filter(|d| d.span_id == event.span_id)
                .map(|d| d.text.as_str())
                .collect();
            assert_eq!(text, c.response_preview);
        }
    }
    // The stored trace holds the reply once, not the pieces.
    let stored = serde_json::to_string(&e.events).unwrap();
    assert_eq!(stored.matches("The notes say the launch").count(), 1);
}

#[test]
fn listeners_given_to_the_builder_see_session_executions_once() {
    let root = root(&[&repl("print('hi')"), "FINAL('done')"]);
    let from_builder = Arc::new(Seqs::default());
    let rlm = Rlm::builder().root(root).listener(from_builder.clone()).build().unwrap();
    let session = session_over(&rlm, SessionSettings::default());
    let e = session.execute_blocking("q").unwrap();
    assert_eq!(e.answer.as_deref(), Some("done"));
    let seen = from_builder.0.lock().unwrap().clone();
    let stored: Vec<u64> = e.events.iter().map(|ev| ev.seq).collect();
    assert_eq!(seen, stored, "every stored event, once, in order");
}

/// Records the `seq` of every event it is sent.
#[derive(Default)]
struct Seqs(Mutex<Vec<u64>>);

impl TraceListener for Seqs {
    fn on_event(&self, e: &TraceEvent) {
        self.0.lock().unwrap().push(e.seq);
    }
}

#[test]
fn any_number_of_listeners_see_every_event_and_late_ones_replay_what_they_missed() {
    let sub = scripted_delayed("sub", &[("q", "an answer")], 20);
    let root = root(&[&repl("print(llm_batch(['q1', 'q2', 'q3']))"), "FINAL('done')"]);
    let rlm = Rlm::builder().root(root).sub_model(sub).build().unwrap();
    let session = session_over(&rlm, SessionSettings::default());
    let whole_session = Arc::new(Seqs::default());
    session.add_listener(whole_session.clone());
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let (early, late, execution) = rt.block_on(async {
        let handle = session.start("ask").unwrap();
        let early: Vec<Arc<Seqs>> = (0..3).map(|_| Arc::new(Seqs::default())).collect();
        for l in &early {
            handle.subscribe(l.clone());
        }
        // Subscribed once the run has ended: everything is replayed.
        while !handle.events().iter().any(|e| matches!(e.kind, EventKind::RunFinished(_))) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let late = Arc::new(Seqs::default());
        handle.subscribe(late.clone());
        (early, late, handle.wait().await.unwrap())
    });
    let all: Vec<u64> = execution.events.iter().map(|e| e.seq).collect();
    assert!(all.len() > 10, "{all:?}");
    for l in early.iter().chain([&late, &whole_session]) {
        assert_eq!(*l.0.lock().unwrap(), all, "in order, no gap, no duplicate");
    }
}

/// The fourth question, in a fresh process: `RLM_SESSION_CHILD` names the
/// saved state; the child restores it, asks, checks, and writes its answer.
const CHILD: &str = "RLM_SESSION_CHILD";

fn fourth_question_rlm() -> (Rlm, Arc<rlm_adapters::FakeAdapter>) {
    let root = root(&[
        &repl("print(len(memory['facts']), memory['facts'][0])"),
        "FINAL('3 facts; the first: the launch is on Tuesday')",
    ]);
    (Rlm::builder().root(root.clone()).build().unwrap(), root)
}

#[test]
fn state_is_restored_in_a_fresh_process_and_the_fourth_question_uses_memory_and_history() {
    if let Ok(dir) = std::env::var(CHILD) {
        let dir = std::path::PathBuf::from(dir);
        let state: SessionState =
            serde_json::from_slice(&std::fs::read(dir.join("state.json")).unwrap()).unwrap();
        let (rlm, root) = fourth_question_rlm();
        let session =
            Session::restore(&rlm, Context::from_text("notes of the project meeting"), state)
                .unwrap();
        let e = session.execute_blocking("what do you remember?").unwrap();
        // The model was shown the earlier questions and answers...
        let first = &root.requests()[0].messages[1].content;
        assert!(first.contains("Earlier questions in this session"), "{first}");
        assert!(first.contains("Answer: noted 3"), "{first}");
        // ...and the program read `memory`.
        assert!(e.events.iter().any(|ev| matches!(&ev.kind,
            EventKind::ProgramFinished(p) if p.stdout.starts_with("3 the launch is on Tuesday"))));
        std::fs::write(dir.join("answer.json"), serde_json::to_vec(&session.state()).unwrap())
            .unwrap();
        return;
    }
    let replies = three_questions();
    let root = root(&replies.iter().map(String::as_str).collect::<Vec<_>>());
    let rlm = Rlm::builder().root(root).build().unwrap();
    let session =
        session_over(&rlm, SessionSettings { name: "meeting".into(), ..Default::default() });
    for _ in 0..3 {
        session.execute_blocking("remember this").unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("state.json"), serde_json::to_vec(&session.state()).unwrap())
        .unwrap();
    // The test's name in its binary: its module path without the binary's name.
    let module = module_path!().split_once("::").map_or("", |(_, m)| m);
    let name = format!(
        "{module}::state_is_restored_in_a_fresh_process_and_the_fourth_question_uses_memory_and_history"
    );
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args([name.as_str(), "--exact", "--test-threads=1"])
        .env(CHILD, dir.path())
        .status()
        .unwrap();
    assert!(status.success(), "the child process failed");
    let after: SessionState =
        serde_json::from_slice(&std::fs::read(dir.path().join("answer.json")).unwrap()).unwrap();
    assert_eq!(after.id, session.id().clone());
    assert_eq!(after.settings.name, "meeting");
    assert_eq!(after.history.len(), 4);
    assert_eq!(
        after.history[3].answer.as_deref(),
        Some("3 facts; the first: the launch is on Tuesday")
    );
    assert_eq!(after.usage.executions, 4);
    assert_eq!(after.executions.len(), 4);
    assert_eq!(after.memory["facts"].as_array().map(Vec::len), Some(3));
}

#[tokio::test]
async fn an_execution_started_under_a_chosen_id_is_named_by_it_in_the_history() {
    let rlm = Rlm::builder().root(root(&["FINAL('done')"])).build().unwrap();
    let session = session_over(&rlm, SessionSettings::default());
    let id = rlm_core::ExecutionId("chosen-by-the-server".into());
    let handle = session.start_with_id(id.clone(), "anything").unwrap();
    assert_eq!(handle.id(), &id);
    let execution = handle.wait().await.unwrap();
    assert_eq!(execution.id, id);
    assert_eq!(session.history()[0].execution_id, id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn executions_started_together_run_one_at_a_time_in_the_order_they_were_started() {
    // Each program counts its execution in `memory`: executions that
    // overlapped would read the same count at their start. Several rounds,
    // since an order left to the scheduler comes out right most times.
    const STARTS: usize = 8;
    let step = repl("memory['n'] = memory.get('n', 0) + 1\nFINAL(str(memory['n']))");
    for round in 0..20 {
        let steps = vec![step.as_str(); STARTS];
        let rlm = Rlm::builder().root(root(&steps)).build().unwrap();
        let session = session_over(&rlm, SessionSettings::default());
        let ids: Vec<String> = (0..STARTS).map(|i| format!("e{i}")).collect();
        let handles: Vec<_> = ids
            .iter()
            .map(|id| session.start_with_id(rlm_core::ExecutionId(id.clone()), "count").unwrap())
            .collect();
        let mut answers = Vec::new();
        // Waited for last first: each still ends in its turn.
        for handle in handles.into_iter().rev() {
            let e = handle.wait().await.unwrap();
            answers.push((e.id.0, e.answer));
        }
        answers.reverse();
        let expected: Vec<(String, Option<String>)> =
            ids.iter().zip(1..).map(|(id, n)| (id.clone(), Some(n.to_string()))).collect();
        assert_eq!(answers, expected, "round {round}");
        let history: Vec<String> =
            session.history().into_iter().map(|t| t.execution_id.0).collect();
        assert_eq!(history, ids, "round {round}");
    }
}
