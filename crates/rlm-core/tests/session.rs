//! The `Session` seam: executions one after another with a cumulative
//! budget, `memory` and history kept across them, cancellation, and state
//! that survives a trip through another process.

mod support;

use rlm_context::Context;
use rlm_core::{
    Finish, Rlm, Session, SessionError, SessionLimits, SessionResource, SessionSettings,
};
use support::{repl, root};

fn assert_send_sync<T: Send + Sync + Clone>() {}

#[test]
fn a_session_is_a_send_sync_handle() {
    assert_send_sync::<Session>();
}

#[test]
fn three_executions_then_the_cumulative_budget_refuses_the_fourth() {
    // Each execution: two root calls (a program, then FINAL).
    let root = root(&[
        &repl("memory['n'] = memory.get('n', 0) + 1\nprint(memory['n'])"),
        "FINAL('one')",
        &repl("memory['n'] = memory.get('n', 0) + 1\nprint(memory['n'])"),
        "FINAL('two')",
        &repl("memory['n'] = memory.get('n', 0) + 1\nprint(memory['n'])"),
        "FINAL('three')",
    ]);
    let rlm = Rlm::builder().root(root).build().unwrap();
    let settings = SessionSettings {
        limits: SessionLimits { max_calls: Some(6), ..Default::default() },
        ..Default::default()
    };
    let session = Session::new(&rlm, Context::from_text("some text"), settings);
    for expected in ["one", "two", "three"] {
        let e = session.execute_blocking("q").unwrap();
        assert_eq!((e.answer.as_deref(), &e.finish), (Some(expected), &Finish::ProseFinal));
    }
    assert_eq!(session.usage().calls(), 6);
    assert_eq!(session.memory().get("n"), Some(&serde_json::json!(3)));
    match session.execute_blocking("q") {
        Err(SessionError::BudgetExhausted { resource: SessionResource::Calls, used, limit }) => {
            assert_eq!((used, limit), (6.0, 6.0));
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(session.history().len(), 3);
}
