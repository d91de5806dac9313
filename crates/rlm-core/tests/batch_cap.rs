//! Issue #74: one batch of a program may start at most `budgets.max_batch`
//! sub-model calls (default [`rlm_config::DEFAULT_MAX_BATCH`]). Past it,
//! every form of a batch (`llm_batch` and its aliases, its awaitable form,
//! an `asyncio.gather` of `llm_query`, `ask_chunks`) raises a `ValueError`
//! naming the cap and what to do, before any prompt is sent, counted or
//! charged to the budget; a batch within it is served as before.

use crate::support;

use std::sync::Arc;

use rlm_adapters::FakeAdapter;
use rlm_context::Context;
use rlm_core::{LoopOptions, Rlm, RunResult};
use rlm_policy::BudgetLimits;
use rlm_trace::EventKind;
use support::{repl, root};

/// Runs `program` with a sub-model answering "pong", batches capped at
/// `max_batch` and `max_subcalls` calls in the whole run.
fn run(
    program: &str,
    max_batch: Option<usize>,
    max_subcalls: u64,
) -> (RunResult, Arc<FakeAdapter>) {
    let sub = Arc::new(FakeAdapter::fixed("pong").with_model_name("sub"));
    let mut builder = Rlm::builder()
        .root(root(&[&repl(program), "FINAL('the program did not finish')"]))
        .sub_model(sub.clone())
        .budget(BudgetLimits { max_subcalls: Some(max_subcalls), ..BudgetLimits::default() });
    if let Some(cap) = max_batch {
        builder = builder.map_options(|o| o.max_batch = cap);
    }
    let r = builder
        .build()
        .expect("an rlm")
        .run_blocking("q", Context::from_text("a small context"))
        .expect("a run");
    (r, sub)
}

/// What the run's programs printed, and the error of any that failed.
fn output(r: &RunResult) -> String {
    r.events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ProgramFinished(p) => {
                Some(format!("{}{}", p.stdout, p.error.as_deref().unwrap_or_default()))
            }
            _ => None,
        })
        .collect()
}

fn subcalls_started(r: &RunResult) -> usize {
    r.events.iter().filter(|e| matches!(e.kind, EventKind::SubcallStarted(_))).count()
}

#[test]
fn every_form_of_a_batch_past_the_cap_raises_before_anything_is_sent() {
    // Four calls against a cap of three, in each form; then a batch of
    // three, which the budget of three subcalls must still admit: the
    // refused batches charged nothing.
    let program = "\
import asyncio
tries = [
    ('llm_batch', lambda: llm_batch([f'p{i}' for i in range(4)])),
    ('llm_query_batched', lambda: llm_query_batched(['a', 'b', 'c', 'd'])),
    ('ask_chunks', lambda: ask_chunks('q?', ['w', 'x', 'y', 'z'])),
]
for name, go in tries:
    try:
        go()
        print(name, 'served')
    except ValueError as e:
        print(name, 'refused:', str(e).replace('\\n', ' | '))
try:
    await asyncio.gather(*[llm_query(f'g{i}') for i in range(4)])
    print('gather served')
except ValueError as e:
    print('gather refused:', str(e).replace('\\n', ' | '))
try:
    await llm_batch_async(['1', '2', '3', '4'])
    print('llm_batch_async served')
except ValueError as e:
    print('llm_batch_async refused:', str(e).replace('\\n', ' | '))
rs = llm_batch(['x', 'y', 'z'])
FINAL(f'{len(rs)} {rs[0]}')";
    let (r, sub) = run(program, Some(3), 3);
    assert_eq!(r.answer.as_deref(), Some("3 pong"), "{:?}\n{}", r.finish, output(&r));
    let out = output(&r);
    let refused: Vec<&str> = out.lines().filter(|l| l.contains("refused:")).collect();
    assert_eq!(refused.len(), 5, "{out}");
    for line in &refused {
        assert!(line.contains("4 sub-model calls at once"), "{line}");
        assert!(line.contains("over the limit of 3 per batch (max_batch)"), "{line}");
        assert!(line.contains("so none was sent"), "{line}");
        assert!(line.contains("llm_batch(prompts[i:i + 3])"), "{line}");
    }
    assert!(out.contains("llm_batch refused: llm_batch() asked for 4"), "{out}");
    assert!(out.contains("ask_chunks refused: ask_chunks() asked for 4"), "{out}");
    assert!(out.contains("gather refused: llm_query() asked for 4"), "{out}");
    // Only the last batch reached the sub-model, the trace and the usage.
    assert_eq!(sub.calls(), 3);
    assert_eq!(subcalls_started(&r), 3);
    assert_eq!(r.usage.subcalls, 3);
}

#[test]
fn the_default_cap_admits_its_count_and_refuses_one_more() {
    assert_eq!(LoopOptions::default().max_batch as u64, rlm_config::DEFAULT_MAX_BATCH);
    let cap = LoopOptions::default().max_batch;
    let program = format!(
        "\
rs = llm_batch([f'p{{i}}' for i in range({cap})])
try:
    llm_batch([f'q{{i}}' for i in range({})])
except ValueError as e:
    print(e)
FINAL(f'{{len(rs)}}')",
        cap + 1
    );
    let (r, sub) = run(&program, None, 10_000);
    assert_eq!(r.answer.as_deref(), Some(cap.to_string().as_str()), "{:?}", r.finish);
    assert!(output(&r).contains(&format!("over the limit of {cap} per batch")), "{}", output(&r));
    assert_eq!(sub.calls(), cap as u64);
}

#[test]
fn an_uncaught_refusal_ends_the_program_with_the_error() {
    let (r, sub) = run("rs = llm_batch(['a', 'b', 'c'])\nprint('never')", Some(2), 100);
    let error = r
        .events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::ProgramFinished(p) => p.error.clone(),
            _ => None,
        })
        .unwrap_or_default();
    assert!(error.contains("ValueError"), "{error}");
    assert!(error.contains("llm_batch() asked for 3 sub-model calls at once"), "{error}");
    assert!(!output(&r).contains("never"));
    assert_eq!(sub.calls(), 0);
}
