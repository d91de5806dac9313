//! Small models (issue #78), each driven by a scripted model:
//! - no answer without evidence on any path that ends a run: a FINAL in a
//!   program or in prose, an answer-ready or auto-finalize variable, the
//!   closing call after the step budget, the forced ending after replies
//!   without programs, the time budget, the fallback program and a partial
//!   answer. An invented number ends the run `no_evidence` with no answer,
//!   the guess kept; the same number printed by a program is taken;
//! - the loop notices a repeat: a program that would print what it printed
//!   is not run again, with a note naming the step (firmer the second time);
//! - a degenerate reply is broken out of: the next call is held to a
//!   ```repl block where the provider decodes under a grammar, else sent at
//!   another temperature, and the trace says which;
//! - the closing call sees a digest of the distinct outputs, not the
//!   transcript that repeats them.

use crate::support;

use std::sync::Arc;
use std::time::Duration;

use rlm_adapters::FakeAdapter;
use rlm_context::Context;
use rlm_core::{Finish, Helps, LoopOptions, Rlm, RunResult};
use rlm_policy::BudgetLimits;
use rlm_trace::EventKind;
use rlm_types::OutputConstraint;
use support::repl;

const QUESTION: &str = "What did the order cost?";
/// The context: the cost is 9,870; the scripts invent 11,050.
const CONTEXT: &str = "order 7: cost 9,870 euros\norder 8: shipped\n";

fn context() -> Context {
    Context::from_text(CONTEXT)
}

fn options() -> LoopOptions {
    LoopOptions { helps: Helps::none(), ..LoopOptions::default() }
}

fn run(replies: &[&str], options: LoopOptions, budget: BudgetLimits) -> RunResult {
    let root = Arc::new(FakeAdapter::replies(replies.iter().copied()).with_model_name("root"));
    Rlm::builder()
        .root(root)
        .options(options)
        .budget(budget)
        .build()
        .unwrap()
        .run_blocking(QUESTION, context())
        .unwrap()
}

fn steps(n: u64) -> BudgetLimits {
    BudgetLimits { max_steps: Some(n), ..BudgetLimits::default() }
}

/// Every ending path, as a script: what a program shows first (`shown`),
/// then how the run ends with `answer` (an invented number, or one shown).
fn paths(shown: &str, answer: &str) -> Vec<(&'static str, Vec<String>, LoopOptions, BudgetLimits)> {
    let look = repl(&format!("print({shown:?})"));
    let many = BudgetLimits::default();
    vec![
        (
            "a FINAL in a program",
            vec![look.clone(), repl(&format!("FINAL({answer:?})"))],
            options(),
            many.clone(),
        ),
        (
            "a FINAL in prose",
            vec![look.clone(), format!("It is FINAL({answer})")],
            options(),
            many.clone(),
        ),
        (
            "an answer-ready variable",
            vec![
                look.clone(),
                repl(&format!("answer['content'] = {answer:?}\nanswer['ready'] = True")),
            ],
            options(),
            many.clone(),
        ),
        (
            "an auto-finalize variable",
            vec![look.clone(), repl(&format!("final_answer = {answer:?}"))],
            options(),
            many.clone(),
        ),
        (
            "the closing call after the step budget",
            vec![look.clone(), format!("FINAL({answer:?})")],
            options(),
            steps(1),
        ),
        (
            "a partial answer when the closing call fails",
            // One step: the program leaves a partial answer, the closing
            // call finds the script exhausted (a model error).
            vec![repl(&format!("print({shown:?})\nanswer['content'] = {answer:?}"))],
            options(),
            steps(1),
        ),
        (
            "the forced ending after replies without programs",
            vec![
                look.clone(),
                "thinking".into(),
                "still thinking".into(),
                "more thinking".into(),
                format!("FINAL({answer:?})"),
            ],
            options(),
            many.clone(),
        ),
        (
            "the fallback program",
            vec![look.clone(), "no program here".into()],
            LoopOptions {
                fallback_program: Some(format!("FINAL({answer:?})")),
                max_invalid_replies: 1,
                ..options()
            },
            many,
        ),
    ]
}

fn refused(r: &RunResult) -> bool {
    r.events.iter().any(
        |e| matches!(&e.kind, EventKind::Error(err) if err.message.starts_with("answer refused")),
    )
}

#[test]
fn no_ending_path_gives_an_answer_absent_from_the_evidence() {
    for invented in ["11,050", "The total is 11050 euros.", "It went to Zephyr7"] {
        for (path, replies, options, budget) in paths("order 7: cost 9,870 euros", invented) {
            let replies: Vec<&str> = replies.iter().map(String::as_str).collect();
            let r = run(&replies, options, budget);
            assert_eq!(r.answer, None, "{path}: {invented}: {:?}", r.finish);
            let Finish::NoEvidence { guess, reason } = &r.finish else {
                panic!("{path}: {invented}: {:?}", r.finish)
            };
            assert!(
                guess.contains(invented.trim_end_matches('.')) || invented.contains(guess.as_str()),
                "{path}: the guess is kept: {guess}"
            );
            assert!(reason.contains("no program printed or computed"), "{path}: {reason}");
            assert!(refused(&r), "{path}: the trace says so");
        }
    }
}

#[test]
fn the_same_answer_printed_by_a_program_ends_every_path() {
    for (path, replies, options, budget) in paths("order 7: cost 11,050 euros", "11,050") {
        let replies: Vec<&str> = replies.iter().map(String::as_str).collect();
        let r = run(&replies, options, budget);
        assert_eq!(r.answer.as_deref(), Some("11,050"), "{path}: {:?}", r.finish);
        assert!(!matches!(r.finish, Finish::NoEvidence { .. }), "{path}");
    }
}

#[test]
fn a_computed_answer_is_its_own_evidence_and_the_operator_may_take_ungrounded_ones() {
    // Computed from the context, never printed: evidence of itself.
    let r = run(&[&repl("FINAL(context.split()[3])")], options(), BudgetLimits::default());
    assert_eq!(r.answer.as_deref(), Some("9,870"));
    // A literal bound in one step is still a literal in the next.
    let r = run(
        &[&repl("total = '11,050'\nprint(len(context))"), &repl("FINAL(total)")],
        options(),
        BudgetLimits::default(),
    );
    assert!(matches!(r.finish, Finish::NoEvidence { .. }), "{:?}", r.finish);
    // The knob takes the ungrounded answer.
    let accept = LoopOptions { accept_ungrounded: true, ..options() };
    let r = run(&[&repl("print(1)"), &repl("FINAL('11,050')")], accept, BudgetLimits::default());
    assert_eq!(r.answer.as_deref(), Some("11,050"));
}

fn programs_run(r: &RunResult) -> usize {
    r.events.iter().filter(|e| matches!(e.kind, EventKind::ProgramStarted(_))).count()
}

fn last_user(root: &FakeAdapter, i: usize) -> String {
    root.requests()[i].messages.last().unwrap().content.clone()
}

#[test]
fn a_program_that_would_print_what_it_printed_is_not_run_again() {
    let grep_a = repl("print([l for l in context.splitlines() if 'order 7' in l])");
    let grep_b = repl("print([l for l in context.splitlines() if 'shipped' in l])");
    let root = Arc::new(FakeAdapter::replies([
        grep_a.as_str(),
        grep_b.as_str(),
        grep_a.as_str(),
        grep_b.as_str(),
        grep_a.as_str(),
        "FINAL('9,870')",
    ]));
    let r = Rlm::builder().root(root.clone()).options(options()).build().unwrap();
    let r = r.run_blocking(QUESTION, context()).unwrap();
    assert_eq!(r.answer.as_deref(), Some("9,870"));
    // The two programs, and the FINAL's evaluation: the repeats did not run.
    assert_eq!(programs_run(&r), 3, "the alternating repeats did not run");
    let first = last_user(&root, 3);
    assert!(first.contains("step 1 already ran the same program"), "{first}");
    insta::assert_snapshot!("repeat_note", first);
    assert!(last_user(&root, 4).contains("step 2 already ran"), "{}", last_user(&root, 4));
    let firmer = last_user(&root, 5);
    assert!(firmer.contains("3 times, and step 1 already ran it"), "{firmer}");
    insta::assert_snapshot!("repeat_note_firmer", firmer);
    for note in [first, firmer] {
        assert!(!note.contains("9,870") && !note.contains("order 7"), "no value in a note: {note}");
    }

    // A program that binds a variable runs every time.
    let counting = repl("n = len(context)\nprint(n)");
    let root =
        Arc::new(FakeAdapter::replies([counting.as_str(), counting.as_str(), "FINAL('done')"]));
    let rlm = Rlm::builder().root(root).options(options()).build().unwrap();
    assert_eq!(programs_run(&rlm.run_blocking(QUESTION, context()).unwrap()), 3);
}

#[test]
fn a_degenerate_reply_is_broken_out_of_by_a_grammar_or_a_temperature() {
    // The 1.5B model's reply was a fence holding only `re`, sent again each time.
    let degenerate = "```re\n```";
    for grammar in [false, true] {
        let adapter =
            FakeAdapter::replies([degenerate, degenerate, &repl("print(1)"), "FINAL('done')"]);
        let root = Arc::new(if grammar { adapter.with_grammar() } else { adapter });
        let rlm = Rlm::builder().root(root.clone()).options(options()).build().unwrap();
        let r = rlm.run_blocking(QUESTION, context()).unwrap();
        assert_eq!(r.answer.as_deref(), Some("done"));
        let requests = root.requests();
        assert_eq!(requests[1].params.temperature, None, "the first repeat is not yet known");
        let third = &requests[2].params;
        if grammar {
            let held = matches!(&third.constraint, Some(OutputConstraint::Grammar(g)) if g.contains("repl"));
            assert!(held, "held to a ```repl block: {:?}", third.constraint);
            assert_eq!(third.temperature, None);
        } else {
            assert_eq!(third.temperature, Some(0.8));
        }
        assert_eq!(requests[3].params.temperature, None, "only that call");
        let how = if grammar { "held to a ```repl block" } else { "sent at temperature 0.8" };
        assert!(
            r.events
                .iter()
                .any(|e| matches!(&e.kind, EventKind::Error(err) if err.message.contains(how))),
            "the trace says how: {how}"
        );
    }
}

#[test]
fn a_degenerate_reply_at_the_invalid_streak_s_limit_still_gets_its_held_step() {
    // The 0.5B model's run: a bare "3", then the same number three times over;
    // the third invalid reply reaches `max_invalid_replies` (3) as it repeats.
    let root = Arc::new(
        FakeAdapter::replies([
            "3",
            "3.0000000000000001",
            "3.0000000000000001",
            &repl("print(3)"),
            "FINAL('3')",
        ])
        .with_grammar(),
    );
    let rlm = Rlm::builder().root(root.clone()).options(options()).build().unwrap();
    let r = rlm.run_blocking(QUESTION, context()).unwrap();
    assert_eq!(r.answer.as_deref(), Some("3"), "{:?}", r.finish);
    let requests = root.requests();
    let held = &requests[3].params;
    assert!(
        matches!(&held.constraint, Some(OutputConstraint::Grammar(g)) if g.contains("repl")),
        "the fourth call is the held step: {:?}",
        held.constraint
    );
    // An invalid reply after the held step ends the run as before.
    let root =
        Arc::new(FakeAdapter::replies(["3", "3.1", "3.1", "3.1", "FINAL('3')"]).with_grammar());
    let rlm = Rlm::builder().root(root.clone()).options(options()).build().unwrap();
    let r = rlm.run_blocking(QUESTION, context()).unwrap();
    assert_eq!(r.answer, None, "no program ran: {:?}", r.finish);
    assert_eq!(root.requests().len(), 5, "the held step, then the closing call");
}

#[test]
fn the_closing_call_sees_each_distinct_output_once_with_its_step() {
    let a = repl("print('cost 9,870')");
    let b = repl("print('order 8 shipped')");
    let root = Arc::new(FakeAdapter::replies([
        a.as_str(),
        b.as_str(),
        &repl("print('cost 9,870', '')"),
        "FINAL('9,870')",
    ]));
    let rlm =
        Rlm::builder().root(root.clone()).options(options()).budget(steps(3)).build().unwrap();
    let r = rlm.run_blocking(QUESTION, context()).unwrap();
    assert_eq!(r.answer.as_deref(), Some("9,870"));
    let closing = root.requests().last().unwrap().messages.clone();
    assert_eq!(
        closing.len(),
        3,
        "the system prompt, the question, the digest with the closing prompt"
    );
    let digest = &closing[2].content;
    assert_eq!(digest.matches("cost 9,870").count(), 1, "{digest}");
    assert!(digest.contains("--- step 1 ---") && digest.contains("--- step 2 ---"), "{digest}");
    assert!(!digest.contains("--- step 3 ---"), "step 3 printed what step 1 did: {digest}");
    insta::assert_snapshot!("closing_digest", digest);
}

#[test]
fn a_run_resumed_from_its_checkpoint_keeps_its_evidence() {
    let sink = Arc::new(rlm_core::MemoryCheckpoints::default());
    let first = Arc::new(FakeAdapter::replies([&repl("print('cost 11,050')") as &str]));
    let rlm = Rlm::builder().root(first).options(options()).build().unwrap();
    let _ = tokio::runtime::Runtime::new().unwrap().block_on(rlm.run_durable(
        QUESTION,
        context(),
        Arc::clone(&sink) as _,
    ));
    let checkpoint = sink.last().expect("a checkpoint after step 1");
    let second = Arc::new(FakeAdapter::replies(["FINAL('11,050')"]));
    let rlm = Rlm::builder().root(second).options(options()).build().unwrap();
    let r = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(rlm.resume(checkpoint, context(), sink as _))
        .unwrap();
    assert_eq!(r.answer.as_deref(), Some("11,050"), "{:?}", r.finish);
}

#[test]
fn the_time_budget_s_closing_answer_needs_evidence_too() {
    let program = repl("print(context[:12])");
    let rules = [("The run must end now", "FINAL('11,050')"), (".", program.as_str())];
    let root = support::scripted_delayed("slow", &rules, 250);
    let budget = BudgetLimits {
        max_wall_time: Some(Duration::from_millis(1500)),
        ..BudgetLimits::default()
    };
    let r = Rlm::builder().root(root).options(options()).budget(budget).build().unwrap();
    let r = r.run_blocking(QUESTION, context()).unwrap();
    assert!(
        matches!(&r.finish, Finish::NoEvidence { reason, .. } if reason.contains("finalized")),
        "{:?}",
        r.finish
    );
}
