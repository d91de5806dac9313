//! Small models (issue #60), each driven by a scripted model: a FINAL of a
//! literal is no evidence (`guards.require_program` refuses it until a
//! program has computed or printed something: `run_loop/evidence.rs`), and
//! the closing call gets an answer, not another program, in time
//! (`run_loop/closing.rs`).

use crate::support;

use std::sync::Arc;
use std::time::Duration;

use rlm_adapters::FakeAdapter;
use rlm_context::Context;
use rlm_core::{Finish, Helps, LoopOptions, Rlm};
use rlm_policy::BudgetLimits;
use rlm_types::OutputConstraint;
use support::{repl, root};

const REFUSED: &str = "no program has computed or printed anything";

fn context() -> Context {
    Context::from_text("region,total\nnorth,40000\nsouth,52865\n".repeat(20))
}

fn rlm(root: Arc<FakeAdapter>) -> Rlm {
    Rlm::builder()
        .root(root)
        .options(LoopOptions { helps: Helps::none(), ..LoopOptions::default() })
        .build()
        .unwrap()
}

fn last_user(adapter: &FakeAdapter, i: usize) -> String {
    adapter.requests()[i].messages.last().unwrap().content.clone()
}

#[test]
fn a_first_final_of_a_literal_is_refused_in_every_shape() {
    for shape in [
        "FINAL(\"10,000\")".to_string(),
        "Final(\"10,000\")".to_string(),
        repl("Final(\"10,000\")"),
        repl("answer = '10,000'\nFINAL_VAR('answer')"),
        repl("x = 5\nFINAL(x)"),
        repl("total = 10000\nFinal(f'{total:,}')"),
    ] {
        let total = "print(sum(int(l.split(',')[1]) for l in context.splitlines()[1:3]))";
        let root = root(&[&shape, &repl(total), "FINAL('92,865')"]);
        let r = rlm(root.clone()).run_blocking("What is the total?", context()).unwrap();
        assert_eq!(r.answer.as_deref(), Some("92,865"), "{shape}");
        assert_eq!(r.steps, 3, "{shape}: refused, then a program, then the answer");
        let note = last_user(&root, 1);
        assert!(note.contains(REFUSED), "{shape}: {note}");
        assert!(
            !note.contains("10,000") || note.contains("```"),
            "the note suggests no value: {note}"
        );
    }
}

#[test]
fn a_literal_the_model_has_seen_printed_is_evidence_from_the_next_step() {
    let same_program = repl("print('10,000')\nFINAL('10,000')");
    let root = root(&[&same_program, "FINAL('10,000')"]);
    let r = rlm(root.clone()).run_blocking("What is the total?", context()).unwrap();
    assert!(last_user(&root, 1).contains(REFUSED), "printed in the same program: not yet seen");
    assert_eq!(r.steps, 2);
    assert_eq!(r.answer.as_deref(), Some("10,000"));
}

#[test]
fn a_final_of_a_computed_value_is_taken_at_once() {
    let root = root(&[&repl("n = context.count('north')\nFINAL(n)")]);
    let r = rlm(root).run_blocking("How many north rows?", context()).unwrap();
    assert_eq!(r.steps, 1);
    assert_eq!(r.answer.as_deref(), Some("20"));
}

#[test]
fn the_guard_off_lets_a_literal_final_through_to_the_evidence_rule() {
    // The program guard off, a first-step literal FINAL reaches the end of
    // the run, where the evidence rule (issue #78) still refuses a number
    // nothing printed: no answer, the guess kept. Taking ungrounded answers
    // takes it.
    let options = |accept_ungrounded| LoopOptions {
        helps: Helps::none(),
        require_program_before_final: false,
        accept_ungrounded,
        ..LoopOptions::default()
    };
    let rlm = Rlm::builder().root(root(&["FINAL(\"10,000\")"])).options(options(false));
    let r = rlm.build().unwrap().run_blocking("What is the total?", context()).unwrap();
    assert_eq!((r.steps, r.answer.as_deref()), (1, None));
    assert!(
        matches!(&r.finish, Finish::NoEvidence { guess, .. } if guess == "10,000"),
        "{:?}",
        r.finish
    );
    let rlm = Rlm::builder().root(root(&["FINAL(\"10,000\")"])).options(options(true));
    let r = rlm.build().unwrap().run_blocking("What is the total?", context()).unwrap();
    assert_eq!((r.steps, r.answer.as_deref()), (1, Some("10,000")));
}

/// A root model whose every reply takes `delay_ms`: programs while it
/// explores, a program again at the closing call, and the answer when
/// asked once more for the answer alone.
fn slow_explorer(delay_ms: u64) -> Arc<FakeAdapter> {
    let closing = repl("print(context.find('south'))");
    let exploring = repl("print(context[:40])");
    let rules = [
        ("nothing more runs now", "FINAL('south had 52,865')"),
        ("The run must end now", closing.as_str()),
        (".", exploring.as_str()),
    ];
    support::scripted_delayed("slow", &rules, delay_ms)
}

fn closing_requests(adapter: &FakeAdapter) -> Vec<rlm_types::CompletionRequest> {
    adapter
        .requests()
        .into_iter()
        .filter(|r| matches!(&r.params.constraint, Some(OutputConstraint::Grammar(g)) if !g.contains("repl")))
        .collect()
}

#[test]
fn a_program_in_reply_to_the_closing_call_is_refused_and_the_answer_asked_for() {
    let root = slow_explorer(0);
    let rlm = Rlm::builder()
        .root(root.clone())
        .options(LoopOptions { helps: Helps::none(), ..LoopOptions::default() })
        .budget(BudgetLimits { max_steps: Some(3), ..BudgetLimits::default() })
        .build()
        .unwrap();
    let r = rlm.run_blocking("Which region had the larger total?", context()).unwrap();
    assert!(matches!(r.finish, Finish::Finalized { .. }), "{:?}", r.finish);
    assert_eq!(r.answer.as_deref(), Some("south had 52,865"));
    let closing = closing_requests(&root);
    assert_eq!(closing.len(), 2, "the closing call and its one re-ask, held to the answer call");
    let reask = closing[1].messages.last().unwrap().content.clone();
    assert!(reask.contains("nothing more runs now"), "{reask}");
    insta::assert_snapshot!("closing_reask", reask);
}

#[test]
fn the_closing_call_is_made_while_it_still_fits_in_the_time_budget() {
    // Each reply takes 300 ms; the run has 2.4 s. The run closes once the
    // time left is under three replies (one more step would leave no room
    // for the closing call and its re-ask), so both are answered in time.
    let root = slow_explorer(300);
    let rlm = Rlm::builder()
        .root(root.clone())
        .options(LoopOptions { helps: Helps::none(), ..LoopOptions::default() })
        .budget(BudgetLimits {
            max_wall_time: Some(Duration::from_millis(2400)),
            ..BudgetLimits::default()
        })
        .build()
        .unwrap();
    let r = rlm.run_blocking("Which region had the larger total?", context()).unwrap();
    let Finish::Finalized { reason } = &r.finish else { panic!("{:?}", r.finish) };
    assert!(reason.contains("a reply takes about"), "closed for the time left: {reason}");
    assert_eq!(r.answer.as_deref(), Some("south had 52,865"));
    assert_eq!(closing_requests(&root).len(), 2);
}

#[test]
fn a_closing_reply_that_copies_the_closing_prompt_is_no_answer() {
    // A 1.5B model's closing reply (issue #57's real-model round trip):
    // FINAL of the runtime's own words. It is not taken; with no program
    // answer to fall back on, the run ends without one.
    let root = Arc::new(FakeAdapter::replies([
        "```repl\nprint(context[:30])\n```",
        "FINAL(\"The run must end now: the steps budget is spent. Do not write code.\")",
    ]));
    let rlm = Rlm::builder()
        .root(root)
        .options(LoopOptions { helps: Helps::none(), ..LoopOptions::default() })
        .budget(BudgetLimits { max_steps: Some(1), ..BudgetLimits::default() })
        .build()
        .unwrap();
    let r = rlm.run_blocking("Who do pages go to first?", context()).unwrap();
    assert!(matches!(r.finish, Finish::Finalized { .. }), "{:?}", r.finish);
    assert_eq!(r.answer, None);
    assert!(r.events.iter().any(|e| matches!(&e.kind,
        rlm_trace::EventKind::Error(err) if err.message.contains("copied the closing prompt"))));
}

#[test]
fn a_closing_reply_of_the_templates_final_is_asked_again_for_the_answer() {
    // Issue #60's grid, the 0.5B model: its program printed the count, and
    // its closing reply was the closing prompt's own `FINAL("<the answer
    // itself>")`. That is no answer: it is asked once more, without a value
    // suggested, and the answer it then gives is taken.
    let (r, reask) = answer_after_one_reask("FINAL(\"<the answer itself>\")");
    assert!(reask.contains("the template's words"), "{reask}");
    insta::assert_snapshot!("closing_template_reask", reask);
    assert!(r.events.iter().any(|e| matches!(&e.kind,
        rlm_trace::EventKind::Error(err) if err.message.contains("the template's FINAL"))));
}

#[test]
fn a_closing_reply_that_is_the_closing_reason_word_for_word_is_no_answer() {
    // Issue #60's grid, the 0.5B model: its closing answer was the reason
    // the closing prompt gave, shorter than a sentence but all of it copied.
    // Asked once more, it copied the re-ask's words: still no answer.
    let root = Arc::new(FakeAdapter::replies([
        "```repl\nprint(context[:30])\n```",
        "FINAL(\"the steps budget is spent\")",
        "FINAL(\"Put the answer you found in the output\")",
    ]));
    let rlm = Rlm::builder()
        .root(root.clone())
        .options(LoopOptions { helps: Helps::none(), ..LoopOptions::default() })
        .budget(BudgetLimits { max_steps: Some(1), ..BudgetLimits::default() })
        .build()
        .unwrap();
    let r = rlm.run_blocking("Who do pages go to first?", context()).unwrap();
    assert!(matches!(r.finish, Finish::Finalized { .. }), "{:?}", r.finish);
    assert_eq!(r.answer, None);
    assert_eq!(closing_requests(&root).len(), 2, "the closing call and its one re-ask");
}

#[test]
fn a_closing_reply_that_copies_the_closing_prompt_is_asked_again_for_the_answer() {
    // Issue #60's grid again, the 0.5B model at HEAD: its program printed the
    // count six times, and its closing reply copied the closing reason. A copy
    // is no answer, as a program or the template's FINAL is: it gets the one
    // re-ask, which names no value, and the answer it then gives is taken.
    let (r, reask) = answer_after_one_reask("FINAL(\"the steps budget is spent\")");
    assert!(reask.contains("repeats this prompt's words"), "{reask}");
    insta::assert_snapshot!("closing_copied_prompt_reask", reask);
    assert!(r.events.iter().any(|e| matches!(&e.kind,
        rlm_trace::EventKind::Error(err) if err.message.contains("the closing prompt copied"))));
}

/// A one-step run whose program counts (it prints 20), whose closing reply
/// is `closing` (no answer) and whose reply to the one re-ask is
/// `FINAL("20")`: the run and the re-ask as sent, checked to be finalized
/// with `20` after exactly one re-ask that suggests no value.
fn answer_after_one_reask(closing: &str) -> (rlm_core::RunResult, String) {
    let root = Arc::new(FakeAdapter::replies([
        "```repl\nprint(context.count('south'))\n```",
        closing,
        "FINAL(\"20\")",
    ]));
    let rlm = Rlm::builder()
        .root(root.clone())
        .options(LoopOptions { helps: Helps::none(), ..LoopOptions::default() })
        .budget(BudgetLimits { max_steps: Some(1), ..BudgetLimits::default() })
        .build()
        .unwrap();
    let r = rlm.run_blocking("How many times does south appear?", context()).unwrap();
    assert!(matches!(r.finish, Finish::Finalized { .. }), "{:?}", r.finish);
    assert_eq!(r.answer.as_deref(), Some("20"));
    let closing = closing_requests(&root);
    assert_eq!(closing.len(), 2, "the closing call and its one re-ask");
    let reask = closing[1].messages.last().unwrap().content.clone();
    assert!(!reask.contains("20"), "the re-ask suggests no value: {reask}");
    (r, reask)
}

/// A closing reply whose FINAL is an expression over the program's variables
/// (`FINAL(f"...")`, as a step's prose FINAL would be) answers with its
/// value, computed in the sandbox; one over a variable no program made is no
/// answer, never the expression's own text (the guide's `--max-steps 1` run
/// had answered `f"{errors.most_common(1)[0][0]} logged ..."`, exit 0).
#[test]
fn a_closing_final_of_an_expression_is_its_value_and_never_its_code() {
    let closing = |expr: &str| {
        let root = Arc::new(FakeAdapter::replies([
            "```repl\nsouth = context.count('south')\nprint(south)\n```".to_string(),
            format!("The count is above.\nFINAL({expr})"),
        ]));
        Rlm::builder()
            .root(root)
            .options(LoopOptions { helps: Helps::none(), ..LoopOptions::default() })
            .budget(BudgetLimits { max_steps: Some(1), ..BudgetLimits::default() })
            .build()
            .unwrap()
            .run_blocking("How many times does south appear?", context())
            .unwrap()
    };
    let r = closing("f\"south appears {south} times\"");
    assert!(matches!(r.finish, Finish::Finalized { .. }), "{:?}", r.finish);
    assert_eq!(r.answer.as_deref(), Some("south appears 20 times"));
    let r = closing("f\"south appears {nowhere} times\"");
    assert!(matches!(r.finish, Finish::Finalized { .. }), "{:?}", r.finish);
    assert_eq!(r.answer, None, "the expression failed: no answer, and not its text");
}
