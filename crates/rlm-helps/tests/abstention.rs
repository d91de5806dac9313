//! Issue #39's abstention measure as a test: over the held-out set
//! (`heldout/abstention.toml`, questions the helps must not answer), no help
//! states a count or text as the answer; and a question the counting help
//! can express still gets its count, labelled as the runtime's own search.

#[path = "../examples/abstention/eval.rs"]
mod eval;

use rlm_context::Context;
use rlm_helps::{HelpPrompts, RunHelps, Switches};

#[test]
fn no_help_states_an_answer_to_a_held_out_question() {
    let rows = eval::run().unwrap();
    assert!(rows.len() >= 40, "the held-out set has {} questions", rows.len());
    for kind in ["two-properties", "comparison", "which", "negation", "range"] {
        assert!(rows.iter().any(|(q, _)| q.kind == kind), "no {kind} question");
    }
    let wrong: Vec<String> = rows
        .iter()
        .filter(|(_, said)| said.contains(&eval::Said::Wrong))
        .map(|(q, said)| format!("{said:?} {}", q.text))
        .collect();
    assert!(wrong.is_empty(), "wrong statements:\n{}", wrong.join("\n"));
    let table = eval::table(&rows);
    assert!(
        table.contains(&format!("| count (first message) | {n} | {n} |", n = rows.len())),
        "{table}"
    );
}

#[test]
fn a_question_the_count_help_expresses_gets_a_labelled_count() {
    let (_, corpus) = eval::paths();
    let text = std::fs::read_to_string(corpus.join("service_logs.txt")).unwrap();
    // The oracle: lines whose level is ERROR, by plain string comparison.
    let n = text.lines().filter(|l| l.split_whitespace().nth(1) == Some("ERROR")).count();
    assert!(n > 0);
    let context = Context::from_text(text);
    let q = "How many ERROR lines are in the log?";
    assert_eq!(eval::judge(&context, q)[0], eval::Said::Labelled);
    let prompts = HelpPrompts::default();
    let switches = Switches { count_by_program: true, ..Switches::default() };
    let (_, shown) = RunHelps::first_message(&prompts, switches, &context, q, true, || None);
    let shown = shown.unwrap();
    assert!(
        shown.starts_with(&format!(
            "Lines of the context matching r\"\\bERROR\\b\": {n}, the first 20 shown."
        )),
        "{shown}"
    );
}
