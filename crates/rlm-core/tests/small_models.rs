//! The loop's help for models that follow instructions poorly (issue #19),
//! each driven by a scripted model: evidence first, teaching feedback, the
//! repeat escape and its fallback strategy, the short helpers, the compact
//! prompt profile and constrained decoding. The texts the model reads are
//! snapshot-tested as sent.

use crate::support;

use std::sync::Arc;

use rlm_adapters::FakeAdapter;
use rlm_context::Context;
use rlm_core::{Finish, Helps, LoopOptions, PromptProfile, Prompts, RepeatEscape, Rlm};
use rlm_types::{OutputConstraint, Role};
use support::logs::{service_log, truth};
use support::{repl, scripted};

const NEEDLE: &str = "The secret passphrase for the archive vault is cobalt-harbor-71.";
const QUESTION: &str = "What is the secret passphrase for the archive vault?";

/// Essays-like filler with one needle sentence in the middle.
fn haystack() -> Context {
    let filler = "Startups grow when founders talk to users and keep a secret or two. ".repeat(150);
    Context::from_text(format!("{filler}{NEEDLE} {filler}"))
}

fn rlm_with(root: Arc<FakeAdapter>, sub: Option<Arc<FakeAdapter>>, helps: Helps) -> Rlm {
    let mut b = Rlm::builder()
        .root(root)
        .prompts(Prompts::for_profile(PromptProfile::Compact))
        .options(LoopOptions { helps, ..LoopOptions::default() });
    if let Some(s) = sub {
        b = b.sub_model(s);
    }
    b.build().unwrap()
}

fn last_user(adapter: &FakeAdapter, i: usize) -> String {
    adapter.requests()[i].messages.last().unwrap().content.clone()
}

#[test]
fn evidence_first_shows_the_passages_and_lets_the_model_answer_from_them() {
    let root = support::root(&["FINAL(\"cobalt-harbor-71\")"]);
    let helps = Helps { evidence_passages: 2, ..Helps::none() };
    let r = rlm_with(root.clone(), None, helps).run_blocking(QUESTION, haystack()).unwrap();
    assert_eq!(r.answer.as_deref(), Some("cobalt-harbor-71"));
    assert_eq!(r.steps, 1, "the evidence counts as seen output: no program needed first");
    let first = last_user(&root, 0);
    assert!(first.contains(NEEDLE), "{first}");
    insta::assert_snapshot!("compact_first_user_with_evidence", first);
    let system = root.requests()[0]
        .messages
        .iter()
        .find(|m| m.role == Role::System)
        .unwrap()
        .content
        .clone();
    insta::assert_snapshot!("compact_system", system);

    // Off: no passages, and a FINAL before any program is refused as before.
    let root = support::root(&["FINAL(\"cobalt-harbor-71\")", &repl("print(1)"), "FINAL('x')"]);
    let r = rlm_with(root.clone(), None, Helps::none()).run_blocking(QUESTION, haystack()).unwrap();
    assert!(!last_user(&root, 0).contains(NEEDLE));
    assert_eq!(r.steps, 3);
}

#[test]
fn output_that_only_echoes_the_search_term_gets_the_text_around_the_hits() {
    let program = repl("import re\nm = re.findall('secret passphrase', context)\nprint(m[0])");
    let root = support::root(&[&program, "FINAL('cobalt-harbor-71')"]);
    let helps = Helps { teaching_feedback: true, ..Helps::none() };
    let r = rlm_with(root.clone(), None, helps).run_blocking(QUESTION, haystack()).unwrap();
    assert_eq!(r.answer.as_deref(), Some("cobalt-harbor-71"));
    let feedback = last_user(&root, 1);
    assert!(feedback.contains("cobalt-harbor-71"), "{feedback}");
    insta::assert_snapshot!("teaching_feedback", feedback);

    // Useful output is left alone; and with the help off nothing is added.
    let root = support::root(&[&repl("print(grep('passphrase', width=120)[0])"), "FINAL('x')"]);
    rlm_with(root.clone(), None, helps_teaching()).run_blocking(QUESTION, haystack()).unwrap();
    assert!(!last_user(&root, 1).contains("does not answer the question"));
    let root = support::root(&[&program, "FINAL('x')"]);
    rlm_with(root.clone(), None, Helps::none()).run_blocking(QUESTION, haystack()).unwrap();
    assert!(!last_user(&root, 1).contains("cobalt-harbor-71"));
}

#[test]
fn a_final_resting_on_the_teaching_notes_passages_is_taken() {
    // A FINAL with no program first is refused; the teaching note then shows
    // the context's text around the question's words, and the same FINAL,
    // now resting on text the runtime showed, ends the run.
    let answer = "FINAL(\"cobalt-harbor-71\")";
    let root = support::root(&[answer, answer]);
    let r =
        rlm_with(root.clone(), None, helps_teaching()).run_blocking(QUESTION, haystack()).unwrap();
    assert_eq!(r.answer.as_deref(), Some("cobalt-harbor-71"));
    assert_eq!(r.steps, 2);
    let feedback = last_user(&root, 1);
    assert!(feedback.contains("no program has computed or printed anything"), "{feedback}");
    assert!(feedback.contains("cobalt-harbor-71"), "{feedback}");

    // Without the help nothing of the context was shown: still refused.
    let root = support::root(&[answer, answer, &repl("print(1)"), "FINAL('x')"]);
    let r = rlm_with(root.clone(), None, Helps::none()).run_blocking(QUESTION, haystack()).unwrap();
    assert!(last_user(&root, 2).contains("no program has computed or printed anything"));
    assert_eq!(r.answer.as_deref(), Some("x"));
    assert_eq!(r.steps, 4);
}

fn helps_teaching() -> Helps {
    Helps { teaching_feedback: true, ..Helps::none() }
}

#[test]
fn a_repeated_program_is_not_rerun_but_reasked_at_a_higher_temperature() {
    let program = repl("print(len(context))");
    let root =
        support::root(&[&program, &program, &repl("print(grep('vault')[0])"), "FINAL('done')"]);
    let helps = Helps {
        repeat_escape: Some(RepeatEscape { temperature: 0.9, fallback_after: 3 }),
        ..Helps::none()
    };
    let r = rlm_with(root.clone(), None, helps).run_blocking(QUESTION, haystack()).unwrap();
    assert_eq!(r.answer.as_deref(), Some("done"));
    let requests = root.requests();
    assert_eq!(requests[1].params.temperature, None);
    assert_eq!(requests[2].params.temperature, Some(0.9), "the re-ask is hotter");
    assert_eq!(requests[3].params.temperature, None, "and only the re-ask");
    let reask = last_user(&root, 2);
    assert!(reask.contains("print(len(context))") && reask.contains("not run again"), "{reask}");
    insta::assert_snapshot!("repeat_reask", reask);
    // The repeat was not run: program spans for the first program, the grep
    // and the FINAL's evaluation (4 had the repeat run again).
    let programs = r
        .events
        .iter()
        .filter(|e| matches!(e.kind, rlm_trace::EventKind::ProgramStarted(_)))
        .count();
    assert_eq!(programs, 3);
}

#[test]
fn after_n_repeats_the_lookup_strategy_answers_from_verified_passages() {
    let program = repl("print('secret passphrase')");
    let root = support::root(&[&program, &program, &program]);
    // The sub-model answers only when its passage holds the needle; one
    // invented answer elsewhere is not confirmed by its passage.
    let sub = scripted(
        "sub",
        &[
            ("archive vault is cobalt", "The passphrase is cobalt-harbor-71."),
            ("Question:", "NOT FOUND"),
        ],
        &[],
        None,
    );
    let helps = Helps { repeat_escape: Some(RepeatEscape::default()), ..Helps::none() };
    let r = rlm_with(root.clone(), Some(sub.clone()), helps)
        .run_blocking(QUESTION, haystack())
        .unwrap();
    assert_eq!(r.answer.as_deref(), Some("The passphrase is cobalt-harbor-71."));
    assert!(matches!(r.finish, Finish::Final));
    assert_eq!(root.requests().len(), 3, "the third (second repeated) reply ran the strategy");
    let asked = sub.requests();
    assert!(!asked.is_empty() && asked.len() <= 4, "{} passages asked", asked.len());
    insta::assert_snapshot!("strategy_lookup_subcall", last_user(&sub, 0));
}

#[test]
fn an_unconfirmed_sub_answer_is_not_taken() {
    let program = repl("print(1)");
    let root = support::root(&[&program, &program, &program, "FINAL('gave up')"]);
    let sub = scripted("sub", &[("Question:", "The passphrase is ZZ-0000.")], &[], None);
    let helps = Helps { repeat_escape: Some(RepeatEscape::default()), ..Helps::none() };
    let r = rlm_with(root.clone(), Some(sub), helps).run_blocking(QUESTION, haystack()).unwrap();
    assert_eq!(r.answer.as_deref(), Some("gave up"));
    let feedback = last_user(&root, 3);
    assert!(
        feedback.contains("found no answer") && feedback.contains("own strategy"),
        "{feedback}"
    );
    insta::assert_snapshot!("strategy_ran_feedback", feedback);
}

#[test]
fn counting_questions_fall_back_to_chunked_counts() {
    let lines: String = (0..300)
        .map(|i| format!("2026-03-0{} | ERROR | LOGIN_FAILED | u{i}\n", 1 + i % 5))
        .collect();
    let program = repl("print(0)");
    let root = support::root(&[&program, &program, &program]);
    let sub = scripted("sub", &[("Reply with one integer", "7")], &[], None);
    let helps = Helps { repeat_escape: Some(RepeatEscape::default()), ..Helps::none() };
    let ctx = Context::from_text(lines.clone());
    let chunks = lines.chars().count().div_ceil(6000);
    let r = rlm_with(root, Some(sub.clone()), helps)
        .run_blocking("How many LOGIN_FAILED events are there?", ctx)
        .unwrap();
    assert_eq!(sub.requests().len(), chunks);
    assert_eq!(r.answer.as_deref(), Some((7 * chunks).to_string().as_str()));
}

#[test]
fn the_short_helpers_do_the_right_thing_by_default() {
    let ctx = Context::from_text(format!(
        "# header: time | event\n{}{}",
        "2026-03-01 | LOGIN_OK\n".repeat(5),
        "2026-03-02 | LOGIN_FAILED\n".repeat(3)
    ));
    let root = support::root(&[
        &repl(
            "print(count_lines(r'\\| LOGIN_FAILED$'))\nhits = grep('login_failed', width=40)\nprint(len(hits), repr(hits[0]))\nprint(answer_from_chunks('Which event failed?'))",
        ),
        "FINAL('ok')",
    ]);
    let sub = scripted("sub", &[("Which event failed", "LOGIN_FAILED")], &[], None);
    rlm_with(root.clone(), Some(sub), Helps::none()).run_blocking("q", ctx).unwrap();
    let out = last_user(&root, 1);
    assert!(out.contains("\n3\n"), "{out}");
    assert!(out.contains("3 '"), "{out}");
    assert!(out.contains("LOGIN_FAILED\n"), "{out}");
    // Bad arguments are errors the program sees, not panics.
    let root = support::root(&[&repl("count_lines('(')"), &repl("grep('')"), "FINAL('x')"]);
    rlm_with(root.clone(), None, Helps::none()).run_blocking("q", Context::from_text("a")).unwrap();
    assert!(last_user(&root, 1).contains("ValueError"), "{}", last_user(&root, 1));
    assert!(last_user(&root, 2).contains("grep() term is empty"), "{}", last_user(&root, 2));
}

#[test]
fn constrained_decoding_asks_for_the_reply_grammar_only_when_on() {
    let root = support::root(&[&repl("print(1)"), "FINAL('x')"]);
    let helps = Helps { constrain_root: true, ..Helps::none() };
    rlm_with(root.clone(), None, helps).run_blocking("q", haystack()).unwrap();
    match &root.requests()[0].params.constraint {
        Some(OutputConstraint::Grammar(g)) => {
            assert!(g.contains("```repl") && g.contains("FINAL("), "{g}")
        }
        other => panic!("no grammar: {other:?}"),
    }
    let root = support::root(&[&repl("print(1)"), "FINAL('x')"]);
    rlm_with(root.clone(), None, Helps::none()).run_blocking("q", haystack()).unwrap();
    assert_eq!(root.requests()[0].params.constraint, None);
}

/// The label a count the runtime shows carries (issue #39).
const COUNT_LABEL: &str = "check that this is what the question asks";

fn helps_counting() -> Helps {
    Helps { count_by_program: true, ..Helps::none() }
}

#[test]
fn counting_evidence_shows_the_lines_a_program_selects() {
    let log = service_log(3);
    let q = "How many LOGIN_FAILED events are logged from 2026-03-02 to 2026-03-03 (both days included)?";
    let n = truth(&log, "LOGIN_FAILED", "2026-03-02", "2026-03-03");
    assert!(n > 0);
    let count = repl(
        "print(count_lines(r\"\\bLOGIN_FAILED\\b\", since=\"2026-03-02\", until=\"2026-03-03\"))",
    );
    let root = support::root(&[&count, &format!("FINAL({n})")]);
    let r = rlm_with(root.clone(), None, helps_counting())
        .run_blocking(q, Context::from_text(log.clone()))
        .unwrap();
    assert_eq!(r.answer, Some(n.to_string()));
    let first = last_user(&root, 0);
    let from = first.find("Lines of the context matching").unwrap();
    let evidence = &first[from..first.find("\n\nWrite a").unwrap()];
    // Shown as the runtime's own search, never as the answer (issue #39).
    assert!(evidence.contains(&format!("(both included): {n}. ")), "{first}");
    assert!(evidence.contains(COUNT_LABEL) && !evidence.contains("FINAL"), "{first}");
    let shown = evidence.lines().filter(|l| l.starts_with("2026-")).count();
    assert_eq!(shown, n, "only the lines inside the window: {first}");
    // Nor does the message's closing line invite an answer from it.
    assert!(!first[from..].contains("FINAL("), "{first}");
    insta::assert_snapshot!("compact_first_user_with_count_evidence", first);
    // Off (the default): no count evidence.
    let root = support::root(&[&repl("print(1)"), "FINAL('x')"]);
    rlm_with(root.clone(), None, Helps::none()).run_blocking(q, Context::from_text(log)).unwrap();
    assert!(!last_user(&root, 0).contains("lines)"));
}

#[test]
fn a_printed_count_is_shown_the_lines_it_counts() {
    let log = service_log(4);
    let q = "Count the PAYMENT_FAILED entries between March 2, 2026 and March 3, 2026.";
    let n = truth(&log, "PAYMENT_FAILED", "2026-03-02", "2026-03-03");
    let root = support::root(&[&repl("print(8)"), "FINAL('8')"]);
    rlm_with(root.clone(), None, helps_counting())
        .run_blocking(q, Context::from_text(log))
        .unwrap();
    let feedback = last_user(&root, 1);
    assert!(feedback.contains("Your program printed 8."), "{feedback}");
    assert!(feedback.contains(&format!("(both included): {n} (")), "{feedback}");
    assert!(feedback.contains(COUNT_LABEL), "{feedback}");
    insta::assert_snapshot!("count_check_feedback", feedback);
}

#[test]
fn repeats_fall_back_to_counting_by_program_in_any_phrasing() {
    let log = service_log(8);
    let questions = [
        (
            "How many LOGIN_FAILED events are logged from 2026-03-04 to 2026-03-06 (both days included)? Answer with a number.",
            "LOGIN_FAILED",
            "2026-03-04",
            "2026-03-06",
        ),
        (
            "Count the PAYMENT_FAILED lines between 03/02/2026 and 03/05/2026.",
            "PAYMENT_FAILED",
            "2026-03-02",
            "2026-03-05",
        ),
        (
            "What is the number of LOGIN_FAILED events from 7 March 2026 to 3 March 2026?",
            "LOGIN_FAILED",
            "2026-03-03",
            "2026-03-07",
        ),
        (
            "how many times was PAYMENT_FAILED logged on Mar 6?",
            "PAYMENT_FAILED",
            "2026-03-06",
            "2026-03-06",
        ),
        ("How many LOGIN_FAILED events are there?", "LOGIN_FAILED", "2026-03-01", "2026-03-31"),
    ];
    for (q, event, lo, hi) in questions {
        let program = repl("print(0)");
        let root = support::root(&[&program, &program, &program]);
        // No rule: a sub-model call would fail the run. An exact plan needs none.
        let sub = scripted("sub", &[], &[], None);
        let helps = Helps { repeat_escape: Some(RepeatEscape::default()), ..helps_counting() };
        let r = rlm_with(root, Some(sub.clone()), helps)
            .run_blocking(q, Context::from_text(log.clone()))
            .unwrap();
        assert_eq!(r.answer, Some(truth(&log, event, lo, hi).to_string()), "{q}");
        assert!(sub.requests().is_empty(), "{q}");
    }
}

#[test]
fn uncertain_lines_are_confirmed_by_a_sub_model_and_counted_by_the_program() {
    let log = service_log(3);
    // "failures" is a word, not a name: every line with it is a candidate...
    let log = log.replace("FAILED", "FAILED failure");
    let q = "How many login failures were logged on 2026-03-02?";
    let root = support::root(&[&repl("print(0)"), &repl("print(0)"), &repl("print(0)")]);
    // ...and the sub-model keeps the login ones.
    let sub = scripted("sub", &[("LOGIN_FAILED", "yes"), ("Log line:", "no")], &[], None);
    let helps = Helps { repeat_escape: Some(RepeatEscape::default()), ..helps_counting() };
    let r = rlm_with(root, Some(sub.clone()), helps)
        .run_blocking(q, Context::from_text(log.clone()))
        .unwrap();
    let n = truth(&log, "LOGIN_FAILED failure", "2026-03-02", "2026-03-02");
    let candidates =
        log.lines().filter(|l| l.starts_with("2026-03-02") && l.contains("failure")).count();
    assert!(candidates > n, "the question's words also select other lines");
    assert_eq!(r.answer, Some(n.to_string()));
    assert_eq!(sub.requests().len(), candidates, "one yes/no per candidate line");
    insta::assert_snapshot!("strategy_count_confirm_subcall", last_user(&sub, 0));
}

#[test]
fn count_lines_and_find_lines_take_a_date_window() {
    let log = service_log(5);
    let n = truth(&log, "LOGIN_FAILED", "2026-03-02", "2026-03-04");
    let root = support::root(&[
        &repl(
            "print(count_lines('login_failed', since='2026-03-02', until='March 4, 2026'))\nlines = find_lines('LOGIN_FAILED', since='03/02/2026', until='2026-03-04')\nprint(len(lines), lines[0][:10])\nprint(count_lines('LOGIN_FAILED', since='2026-03-04T23:59:59'))",
        ),
        &repl("count_lines('x', since='someday')"),
        "FINAL('x')",
    ]);
    rlm_with(root.clone(), None, Helps::none())
        .run_blocking("q", Context::from_text(log.clone()))
        .unwrap();
    let out = last_user(&root, 1);
    let after = truth(&log, "LOGIN_FAILED", "2026-03-05", "2026-03-31");
    assert!(out.contains(&format!("{n}\n{n} 2026-03-0")), "{out}");
    assert!(out.contains(&format!("\n{after}\n")), "{out}");
    let out = last_user(&root, 2);
    assert!(out.contains("ValueError") && out.contains("is not a date"), "{out}");
}

fn rlm_steps(root: Arc<FakeAdapter>, helps: Helps, max_steps: u64) -> Rlm {
    Rlm::builder()
        .root(root)
        .prompts(Prompts::for_profile(PromptProfile::Compact))
        .options(LoopOptions { helps, ..LoopOptions::default() })
        .budget(rlm_policy::BudgetLimits { max_steps: Some(max_steps), ..Default::default() })
        .build()
        .unwrap()
}

#[test]
fn a_final_that_is_only_template_text_is_refused_and_reasked() {
    let log = service_log(8);
    let q = "How many PAYMENT_FAILED events are logged from 2026-03-04 to 2026-03-06 (both days included)?";
    let n = truth(&log, "PAYMENT_FAILED", "2026-03-04", "2026-03-06").to_string();
    let count =
        repl("print(count_lines(r'\\bPAYMENT_FAILED\\b', since='2026-03-04', until='2026-03-06'))");
    let placeholders = [
        "FINAL(\"the answer\")",
        "```repl\nFINAL(\"the answer\")\n```",
        "FINAL('answer')",
        "FINAL(\"<your answer>\")",
        "FINAL(<answer>)",
        "FINAL(\"<the answer itself>\")",
        "FINAL(\"...\")",
        "FINAL(\"\")",
        "FINAL(None)",
        "FINAL(\"None\")",
        "FINAL(\"Your answer\")",
    ];
    for placeholder in placeholders {
        let right = format!("FINAL(\"{n}\")");
        let root = support::root(&[&count, placeholder, &right]);
        let r = rlm_with(root.clone(), None, Helps::none())
            .run_blocking(q, Context::from_text(log.clone()))
            .unwrap();
        assert_eq!(r.answer.as_deref(), Some(n.as_str()), "{placeholder}");
        assert_eq!(r.steps, 3, "the refusal costs one step: {placeholder}");
        let note = last_user(&root, 2);
        assert!(note.contains("was not accepted") && note.contains("placeholder"), "{note}");
        assert!(note.contains(&format!("Your last program printed:\n{n}")), "{note}");
        if placeholder == "FINAL(\"the answer\")" {
            insta::assert_snapshot!("placeholder_refused_feedback", note);
        }
    }
    // A real answer that merely holds the word is taken at once.
    for answer in
        [format!("The answer is {n}"), format!("answer: {n}"), "No answer is in the text".into()]
    {
        let answer = answer.as_str();
        let root = support::root(&[&count, &format!("FINAL(\"{answer}\")")]);
        let r = rlm_with(root, None, Helps::none())
            .run_blocking(q, Context::from_text(log.clone()))
            .unwrap();
        assert_eq!(r.answer.as_deref(), Some(answer));
        assert_eq!(r.steps, 2);
    }
    // The guard can be turned off (the loop as it was).
    let root = support::root(&[&count, "FINAL(\"the answer\")"]);
    let r = Rlm::builder()
        .root(root)
        .options(LoopOptions { refuse_placeholder_final: false, ..LoopOptions::default() })
        .build()
        .unwrap()
        .run_blocking(q, Context::from_text(log))
        .unwrap();
    assert_eq!(r.answer.as_deref(), Some("the answer"));
}

#[test]
fn a_model_that_only_writes_placeholders_ends_at_the_step_budget_without_one() {
    let root =
        scripted("root", &[], &[&repl("print(len(context))")], Some("FINAL(\"the answer\")"));
    let r = rlm_steps(root.clone(), Helps::none(), 4).run_blocking(QUESTION, haystack()).unwrap();
    assert_eq!(r.answer, None, "template text is no answer, even at the end");
    assert!(matches!(r.finish, Finish::Finalized { .. }), "{:?}", r.finish);
    // Four steps, the closing call and its one re-ask (its reply was the
    // template's FINAL): the refusals did not loop past the budget.
    assert_eq!(root.requests().len(), 6);
}

#[test]
fn output_holding_the_answer_is_presented_as_evidence() {
    let grep = repl("print(grep(\"secret passphrase\"))");
    let helps = Helps { answer_from_output: true, ..Helps::none() };
    let root = support::root(&[&grep, "FINAL(\"cobalt-harbor-71\")"]);
    let r = rlm_with(root.clone(), None, helps.clone()).run_blocking(QUESTION, haystack()).unwrap();
    assert_eq!(r.answer.as_deref(), Some("cobalt-harbor-71"));
    let feedback = last_user(&root, 1);
    let evidence = &feedback[feedback.find("Evidence:").expect("evidence note")..];
    assert!(evidence.contains(NEEDLE) && evidence.contains(QUESTION), "{feedback}");
    insta::assert_snapshot!("answer_from_output_feedback", feedback);

    // Off: the same output, no evidence note.
    let root = support::root(&[&grep, "FINAL('x')"]);
    rlm_with(root.clone(), None, Helps::none()).run_blocking(QUESTION, haystack()).unwrap();
    assert!(!last_user(&root, 1).contains("Evidence:"));
    // Output with only one word of the question is not evidence.
    let root = support::root(&[&repl("print(grep('secret')[:2])"), "FINAL('x')"]);
    rlm_with(root.clone(), None, helps.clone()).run_blocking(QUESTION, haystack()).unwrap();
    assert!(!last_user(&root, 1).contains("Evidence:"), "{}", last_user(&root, 1));
    // A counting question is not answered by lines holding its words.
    let log = service_log(3);
    let root = support::root(&[&repl("print(find_lines('LOGIN_FAILED')[:3])"), "FINAL('1')"]);
    rlm_with(root.clone(), None, helps)
        .run_blocking("How many LOGIN_FAILED events are logged?", Context::from_text(log))
        .unwrap();
    assert!(!last_user(&root, 1).contains("Evidence:"), "{}", last_user(&root, 1));
}

#[test]
fn the_compact_profile_turns_on_the_measured_helps_and_the_full_one_none() {
    let compact = Helps::for_profile(PromptProfile::Compact);
    assert_eq!(Helps::for_profile(PromptProfile::Full), Helps::none());
    assert!(compact.count_by_program && compact.evidence_passages > 0);
    assert!(compact.retrieval_first_step > 0);
    // Not measured alone: off.
    assert!(!compact.teaching_feedback && compact.repeat_escape.is_none());
    assert!(!compact.constrain_root && !compact.answer_from_output);
    assert!(compact.bare_answer && compact.echo_last_expression && !compact.confirmed_repeat);

    // Evidence first: the needle is in the first message, and a FINAL from it ends the run.
    let root = support::root(&["FINAL(\"cobalt-harbor-71\")"]);
    let r =
        rlm_with(root.clone(), None, compact.clone()).run_blocking(QUESTION, haystack()).unwrap();
    assert_eq!((r.answer.as_deref(), r.steps), (Some("cobalt-harbor-71"), 1));
    assert!(last_user(&root, 0).contains(NEEDLE));
    // Counting by program: a counting question's first message has its
    // lines and their count, labelled as the runtime's own search.
    let log = service_log(3);
    let q = "How many LOGIN_FAILED events are logged from 2026-03-02 to 2026-03-03 (both days included)?";
    let n = truth(&log, "LOGIN_FAILED", "2026-03-02", "2026-03-03");
    let root = support::root(&[&repl(&format!("print({n})")), &format!("FINAL({n})")]);
    rlm_with(root.clone(), None, compact).run_blocking(q, Context::from_text(log)).unwrap();
    let first = last_user(&root, 0);
    assert!(
        first.contains(&format!("(both included): {n}. ")) && first.contains(COUNT_LABEL),
        "{first}"
    );
}

#[test]
fn the_answer_call_in_another_case_ends_the_run() {
    // Qwen2.5-Coder-1.5B answered `Final("...")` six times in a row at needle
    // 128K and lost the run to `NameError: name 'Final' is not defined`.
    for reply in ["Final(\"cobalt-harbor-71\")", "```python\nfinal(\"cobalt-harbor-71\")\n```"] {
        let root = support::root(&[reply]);
        let helps = Helps { evidence_passages: 2, ..Helps::none() };
        let r = rlm_with(root.clone(), None, helps).run_blocking(QUESTION, haystack()).unwrap();
        assert_eq!(r.answer.as_deref(), Some("cobalt-harbor-71"), "{reply}");
        assert_eq!(r.steps, 1, "{reply}");
        assert_eq!(root.requests().len(), 1, "{reply}");
    }
}

#[test]
fn the_last_call_takes_an_answer_call_written_as_a_code_block() {
    // The 1.5B model's reply to "the run must end now" was a fenced
    // `FINAL("...")` (no language, or `Final`): it is the answer, not code.
    for last in
        ["```\nFINAL(\"cobalt-harbor-71\")\n```", "```python\nFinal('cobalt-harbor-71')\n```"]
    {
        let found = repl("print([l for l in context.splitlines() if 'cobalt' in l])");
        let root = support::root(&[&found, last]);
        let r =
            rlm_steps(root.clone(), Helps::none(), 1).run_blocking(QUESTION, haystack()).unwrap();
        assert!(matches!(r.finish, Finish::Finalized { .. }), "{last}: {:?}", r.finish);
        assert_eq!(r.answer.as_deref(), Some("cobalt-harbor-71"), "{last}");
    }
}

#[test]
fn an_empty_fenced_block_at_the_last_call_is_no_answer() {
    // The 1.5B model's last reply was ```` ``` ```` / `repl` / ```` ``` ````,
    // and the text `repl` was taken as its answer.
    let root = support::root(&[&repl("print(1)"), "```\nrepl\n```"]);
    let r = rlm_steps(root.clone(), Helps::none(), 1).run_blocking(QUESTION, haystack()).unwrap();
    assert!(matches!(r.finish, Finish::Finalized { .. }), "{:?}", r.finish);
    assert_eq!(r.answer, None);
}

fn programs_run(r: &rlm_core::RunResult) -> usize {
    r.events.iter().filter(|e| matches!(e.kind, rlm_trace::EventKind::ProgramStarted(_))).count()
}

const WINDOW_Q: &str = "How many LOGIN_FAILED events are logged from 2026-03-04 to 2026-03-06 (both days included)? Answer with a number.";

#[test]
fn a_bare_answer_equal_to_the_runtimes_own_count_is_not_accepted() {
    // Issue #39: an answer equal to a count the runtime suggested is grounded
    // in nothing but the runtime's own regex. The first message shows the
    // count; a bare reply or a FINAL of it, with no program that printed it,
    // is not taken.
    let log = service_log(8);
    let n = truth(&log, "LOGIN_FAILED", "2026-03-04", "2026-03-06");
    let helps = Helps { bare_answer: true, ..helps_counting() };
    let printing = repl(&format!("print({n})"));
    let root = support::root(&[&n.to_string(), &format!("FINAL({n})"), &printing, &n.to_string()]);
    let r = rlm_with(root.clone(), None, helps.clone())
        .run_blocking(WINDOW_Q, Context::from_text(log.clone()))
        .unwrap();
    assert!(last_user(&root, 0).contains(&format!("(both included): {n}. ")), "shown");
    assert!(last_user(&root, 1).contains("no ```repl block"), "{}", last_user(&root, 1));
    let refused = last_user(&root, 2);
    assert!(refused.contains(&format!("FINAL({n}) was not taken")), "{refused}");
    assert!(refused.contains("only what its own search matched"), "{refused}");
    insta::assert_snapshot!("final_count_suggested_refused", refused);
    // Once a program printed it, the same bare count is the answer.
    assert_eq!(
        (r.answer.clone(), &r.finish, r.steps),
        (Some(n.to_string()), &Finish::BareAnswer, 4)
    );
    assert_eq!(programs_run(&r), 2, "the prose FINAL is evaluated as a program too");
}

#[test]
fn the_last_forced_call_does_not_take_the_runtimes_own_count_either() {
    // Issue #39, found by the Qwen2.5-Coder-1.5B grid re-run: FINAL(n) of the
    // count the first message showed was refused at every step, then taken by
    // the step budget's last call ("the run must end now"). The same rule holds
    // there: no program printed n, so n is no answer.
    let log = service_log(8);
    let n = truth(&log, "LOGIN_FAILED", "2026-03-04", "2026-03-06");
    let helps = helps_counting();
    let fin = format!("FINAL({n})");
    let root = support::root(&[&fin, &fin, &fin]);
    let r = rlm_steps(root.clone(), helps.clone(), 2)
        .run_blocking(WINDOW_Q, Context::from_text(log.clone()))
        .unwrap();
    assert!(last_user(&root, 0).contains(&format!("(both included): {n}. ")), "shown");
    assert_eq!(root.requests().len(), 3, "two steps, then the last call");
    assert!(matches!(r.finish, Finish::Finalized { .. }), "{:?}", r.finish);
    assert_eq!(r.answer, None, "the runtime's own count is not the answer");
    // Control: once a program printed the count, the last call's FINAL of it is taken.
    let printing = repl(&format!("print({n})"));
    let root = support::root(&[&fin, &printing, &fin]);
    let r =
        rlm_steps(root.clone(), helps, 2).run_blocking(WINDOW_Q, Context::from_text(log)).unwrap();
    assert!(matches!(r.finish, Finish::Finalized { .. }), "{:?}", r.finish);
    assert_eq!(r.answer, Some(n.to_string()));
}

#[test]
fn a_misread_question_gets_no_stated_count() {
    // Issue #39: a question about the log's users got a regex of two of its
    // identifiers and "(count: 0) ... or FINAL(...)"; Qwen2.5-Coder-1.5B
    // answered FINAL("0") in one step and the runtime took it.
    let log = service_log(8);
    let q = "How many users had a LOGIN_FAILED and then a PAYMENT_FAILED? Answer with a number.";
    let users = repl(
        "failed = set(l.split(' | ')[4] for l in find_lines(r\"LOGIN_FAILED\"))\npaid = set(l.split(' | ')[4] for l in find_lines(r\"PAYMENT_FAILED\"))\nprint(len(failed & paid))",
    );
    // The oracle: users with both events, by plain string comparison.
    let users_with = |event: &str| -> std::collections::BTreeSet<String> {
        log.lines()
            .filter(|l| l.contains(&format!("| {event} |")))
            .filter_map(|l| l.rsplit(" | ").next().map(str::to_string))
            .collect()
    };
    let k = users_with("LOGIN_FAILED").intersection(&users_with("PAYMENT_FAILED")).count();
    let root = support::root(&["FINAL(\"0\")", &users, &format!("FINAL(\"{k}\")")]);
    let compact = Helps::for_profile(PromptProfile::Compact);
    let r = rlm_with(root.clone(), None, compact)
        .run_blocking(q, Context::from_text(log.clone()))
        .unwrap();
    let first = last_user(&root, 0);
    assert!(!first.contains("Lines of the context matching"), "no count shown: {first}");
    assert!(!first.contains("count:") && !first.contains("lines matching"), "{first}");
    // The bare FINAL("0") is refused: no program printed it.
    let refused = last_user(&root, 1);
    assert!(refused.contains("FINAL(0) was not taken: no program of yours printed"), "{refused}");
    insta::assert_snapshot!("final_count_unprinted_refused", refused);
    // The program's printed count grounds the answer.
    assert!(last_user(&root, 2).contains(&format!("\n{k}\n")), "{}", last_user(&root, 2));
    assert_eq!((r.answer, r.finish, r.steps), (Some(k.to_string()), Finish::ProseFinal, 3));
}

#[test]
fn an_answer_a_program_printed_is_accepted_and_a_contradicting_one_refused() {
    let log = service_log(8);
    let n = truth(&log, "LOGIN_FAILED", "2026-03-04", "2026-03-06");
    let count = repl(
        "print(count_lines(r\"\\bLOGIN_FAILED\\b\", since=\"2026-03-04\", until=\"2026-03-06\"))",
    );
    let helps = Helps { bare_answer: true, ..helps_counting() };
    // A FINAL of the printed count is taken.
    let root = support::root(&[&count, &format!("FINAL(\"{n}\")")]);
    let r = rlm_with(root.clone(), None, helps.clone())
        .run_blocking(WINDOW_Q, Context::from_text(log.clone()))
        .unwrap();
    assert_eq!(
        (r.answer.clone(), &r.finish, r.steps),
        (Some(n.to_string()), &Finish::ProseFinal, 2)
    );
    // So is a bare reply of it.
    let root = support::root(&[&count, &n.to_string()]);
    let r = rlm_with(root, None, helps.clone())
        .run_blocking(WINDOW_Q, Context::from_text(log.clone()))
        .unwrap();
    assert_eq!((r.answer.clone(), &r.finish), (Some(n.to_string()), &Finish::BareAnswer));
    // A claim that contradicts the printed count is refused with a note.
    let root = support::root(&[&count, &format!("FINAL({})", n + 1), &format!("FINAL({n})")]);
    let r = rlm_with(root.clone(), None, helps.clone())
        .run_blocking(WINDOW_Q, Context::from_text(log.clone()))
        .unwrap();
    let note = last_user(&root, 2);
    assert!(
        note.contains(&format!("FINAL({}) was not taken: your program printed {n}.", n + 1)),
        "{note}"
    );
    insta::assert_snapshot!("final_count_contradicts_refused", note);
    assert_eq!((r.answer, r.steps), (Some(n.to_string()), 3));
    // A bare reply contradicting it is not taken either.
    let root = support::root(&[&count, &(n + 1).to_string(), &format!("FINAL({n})")]);
    let r = rlm_with(root, None, helps.clone())
        .run_blocking(WINDOW_Q, Context::from_text(log.clone()))
        .unwrap();
    assert_eq!((r.answer, r.finish, r.steps), (Some(n.to_string()), Finish::ProseFinal, 3));
    // A FINAL a program computed is the program's: not judged.
    let computed = repl(&format!("x = {}\nprint(x)\nFINAL(x - 1)", n + 1));
    let root = support::root(&[&computed]);
    let r = rlm_with(root, None, helps).run_blocking(WINDOW_Q, Context::from_text(log)).unwrap();
    assert_eq!((r.answer, r.finish), (Some(n.to_string()), Finish::Final));
}

#[test]
fn a_bare_answer_copied_from_the_evidence_is_the_answer() {
    let helps = Helps { evidence_passages: 2, bare_answer: true, ..Helps::none() };
    let root = support::root(&["cobalt-harbor-71"]);
    let r = rlm_with(root, None, helps.clone()).run_blocking(QUESTION, haystack()).unwrap();
    assert_eq!(
        (r.answer.as_deref(), &r.finish, r.steps),
        (Some("cobalt-harbor-71"), &Finish::BareAnswer, 1)
    );
    // Words of the question, or text never shown, are not an answer.
    for reply in ["secret passphrase", "amber-falcon-42", "I will search the context first."] {
        let root = support::root(&[reply, "FINAL('cobalt-harbor-71')"]);
        let r = rlm_with(root, None, helps.clone()).run_blocking(QUESTION, haystack()).unwrap();
        assert_eq!((r.finish, r.steps), (Finish::ProseFinal, 2), "{reply}");
    }
    // A text a program printed is shown too.
    let helps = Helps { bare_answer: true, ..Helps::none() };
    let program = repl("print(grep('passphrase', width=120)[0])");
    let root = support::root(&[&program, "cobalt-harbor-71"]);
    let r = rlm_with(root, None, helps).run_blocking(QUESTION, haystack()).unwrap();
    assert_eq!((r.answer.as_deref(), r.finish), (Some("cobalt-harbor-71"), Finish::BareAnswer));
}

#[test]
fn a_program_resent_after_its_count_was_confirmed_ends_the_run() {
    // The 1.5B model printed the right count (23), was shown that the
    // runtime's count agreed, and re-sent the same program until the time
    // budget ran out (logs 100K). Since issue #39 the ground is the count
    // the program printed, not the runtime's own count.
    let log = service_log(8);
    let n = truth(&log, "LOGIN_FAILED", "2026-03-04", "2026-03-06");
    let count = repl(
        "print(count_lines(r\"\\bLOGIN_FAILED\\b\", since=\"2026-03-04\", until=\"2026-03-06\"))",
    );
    let helps = Helps { confirmed_repeat: true, ..helps_counting() };
    let root = support::root(&[&count, &count]);
    let r = rlm_with(root.clone(), None, helps.clone())
        .run_blocking(WINDOW_Q, Context::from_text(log.clone()))
        .unwrap();
    assert_eq!(
        (r.answer.clone(), &r.finish, r.steps),
        (Some(n.to_string()), &Finish::ConfirmedCount, 2)
    );
    assert_eq!(programs_run(&r), 1, "the repeat is not run again");
    assert!(last_user(&root, 1).contains(&format!("Your program printed {n}.")));

    // The program's own output is the ground, not the runtime's count
    // (issue #39): any count re-sent ends the run with what it printed.
    let other = repl("print(count_lines(r\"\\bLOGIN_FAILED\\b\"))");
    let all = truth(&log, "LOGIN_FAILED", "2026-03-01", "2026-03-31");
    let root = support::root(&[&other, &other]);
    let r = rlm_with(root.clone(), None, helps)
        .run_blocking(WINDOW_Q, Context::from_text(log.clone()))
        .unwrap();
    assert_eq!(
        (r.answer.clone(), &r.finish, programs_run(&r)),
        (Some(all.to_string()), &Finish::ConfirmedCount, 1)
    );

    // Off: the loop's own repeat check (issue #78) does not run it again
    // either, and says which step ran it; the model then answers.
    let root = support::root(&[&count, &count, &repl(&format!("FINAL({n})"))]);
    let r = rlm_with(root.clone(), None, helps_counting())
        .run_blocking(WINDOW_Q, Context::from_text(log))
        .unwrap();
    assert_eq!((&r.finish, programs_run(&r)), (&Finish::Final, 2));
    assert!(last_user(&root, 2).contains("step 1 already ran the same program"));
}

#[test]
fn a_programs_last_expression_is_shown_as_pythons_prompt_shows_it() {
    // The 1.5B model ended programs with a bare `grep(...)`, whose hits were
    // lost: the feedback said there was no output.
    let helps = Helps { echo_last_expression: true, ..Helps::none() };
    let program = repl("hits = grep('passphrase', width=120)\nprint(len(hits))\nhits[0]");
    let root = support::root(&[&program, "FINAL('cobalt-harbor-71')"]);
    rlm_with(root.clone(), None, helps.clone()).run_blocking(QUESTION, haystack()).unwrap();
    let feedback = last_user(&root, 1);
    assert!(feedback.contains("1\n'"), "the count, then the hit's repr: {feedback}");
    assert!(feedback.contains("cobalt-harbor-71"), "{feedback}");
    insta::assert_snapshot!("echo_last_expression_feedback", feedback);

    // None is not shown (nor the None of a last `print(...)`).
    let program = repl("x = 5\nprint('done')\nNone");
    let root = support::root(&[&program, "FINAL('x')"]);
    rlm_with(root.clone(), None, helps).run_blocking(QUESTION, haystack()).unwrap();
    let feedback = last_user(&root, 1);
    assert!(feedback.contains("done") && !feedback.contains("None"), "{feedback}");

    // Off: the value is dropped, as before.
    let program = repl("grep('passphrase', width=120)[0]");
    let root = support::root(&[&program, "FINAL('x')"]);
    rlm_with(root.clone(), None, Helps::none()).run_blocking(QUESTION, haystack()).unwrap();
    assert!(!last_user(&root, 1).contains("cobalt-harbor-71"), "{}", last_user(&root, 1));
}
