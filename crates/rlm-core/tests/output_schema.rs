//! The output schema in the loop (issue #57): the root model sees the
//! schema; a FINAL that fails it is refused with the failing path and what
//! was expected, and the loop goes on; a dict FINAL is accepted as JSON text;
//! a run whose budget ends with no matching answer finishes `schema_failed`
//! with the last candidate; the closing reply and a sub-RLM are treated as
//! the module docs of `run_loop/schema.rs` say.

use std::sync::Arc;

use rlm_adapters::{FakeAdapter, ModelAdapter};
use rlm_core::{Finish, OutputSchema, Rlm, RunResult};
use serde_json::json;

fn city_schema() -> OutputSchema {
    OutputSchema::new(
        json!({"type": "object", "required": ["city", "population"],
               "properties": {"city": {"type": "string"}, "population": {"type": "integer"}}}),
        "of the test",
    )
    .unwrap()
}

fn run(replies: &[&str], max_steps: u64, schema: OutputSchema) -> (RunResult, Arc<FakeAdapter>) {
    let root = Arc::new(FakeAdapter::replies(replies.iter().copied()));
    let rlm = Rlm::builder()
        .root(Arc::clone(&root) as Arc<dyn ModelAdapter>)
        .budget(rlm_policy::BudgetLimits { max_steps: Some(max_steps), ..Default::default() })
        .output_schema(Some(schema))
        .build()
        .unwrap();
    let context =
        rlm_context::Context::from_text("Paris is the capital of France; 2102650 people.");
    (rlm.run_blocking("The capital and its population?", context).unwrap(), root)
}

fn refusals(result: &RunResult) -> usize {
    result
        .events
        .iter()
        .filter(|e| matches!(&e.kind, rlm_trace::EventKind::Error(err) if err.message.starts_with("FINAL refused by the output schema")))
        .count()
}

#[test]
fn the_repair_note_reaches_the_model_and_a_dict_final_is_json() {
    let (result, root) = run(
        &[
            "```repl\nprint(context[:40])\n```",
            "```repl\nFINAL({'city': 'Paris', 'population': '2102650'})\n```",
            "```repl\nFINAL({'city': 'Paris', 'population': 2102650})\n```",
        ],
        6,
        city_schema(),
    );
    assert_eq!(result.finish, Finish::Final, "{:?}", result.finish);
    assert_eq!(result.answer.as_deref(), Some(r#"{"city":"Paris","population":2102650}"#));
    assert_eq!(refusals(&result), 1);
    let requests = root.requests();
    // The schema is in the first user message.
    let first = &requests[0].messages[1].content;
    assert!(first.contains("The answer must be JSON matching this JSON Schema"), "{first}");
    assert!(first.contains("\"population\""), "{first}");
    // The refused FINAL's feedback names the path and what was expected.
    let feedback = &requests[2].messages.last().unwrap().content;
    assert!(
        feedback.contains("FINAL was not accepted: the answer must be JSON matching"),
        "{feedback}"
    );
    assert!(
        feedback.contains("at /population: \"2102650\" is not of type \"integer\""),
        "{feedback}"
    );
}

#[test]
fn json_text_and_a_fenced_answer_are_accepted() {
    let (result, _) = run(
        &[
            "```repl\nprint(context[:40])\n```",
            "```repl\nFINAL('```json\\n{\"city\": \"Paris\", \"population\": 2102650}\\n```')\n```",
        ],
        4,
        city_schema(),
    );
    assert_eq!(result.finish, Finish::Final, "{:?}", result.finish);
    assert_eq!(result.answer.as_deref(), Some(r#"{"city":"Paris","population":2102650}"#));
}

#[test]
fn a_budget_ending_without_a_valid_answer_is_schema_failed_with_the_candidate() {
    let (result, _) = run(
        &[
            "```repl\nprint(context[:40])\n```",
            "```repl\nFINAL('Paris, about two million')\n```",
            "```repl\nprint('still looking')\n```",
            // The closing call's reply: prose again.
            "Paris, about two million people.",
        ],
        3,
        city_schema(),
    );
    match &result.finish {
        Finish::SchemaFailed { reason } => {
            assert!(reason.contains("is not of type \"object\""), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(result.finish.as_str(), "schema_failed");
    assert!(result.answer.as_deref().is_some_and(|a| a.contains("Paris")), "{:?}", result.answer);
    assert!(refusals(&result) >= 1);
}

#[test]
fn a_valid_closing_reply_ends_finalized_as_json() {
    let (result, _) = run(
        &[
            "```repl\nprint(context[:40])\n```",
            "```repl\nprint('more')\n```",
            "FINAL({\"city\": \"Paris\", \"population\": 2102650})",
        ],
        2,
        city_schema(),
    );
    assert!(matches!(result.finish, Finish::Finalized { .. }), "{:?}", result.finish);
    assert_eq!(result.answer.as_deref(), Some(r#"{"city":"Paris","population":2102650}"#));
}

#[test]
fn without_a_schema_nothing_changes_and_a_string_schema_takes_text() {
    let root = Arc::new(FakeAdapter::replies([
        "```repl\nprint(context[:10], 1)\n```",
        "```repl\nFINAL({'a': 1})\n```",
    ]));
    let rlm = Rlm::builder().root(root).build().unwrap();
    let plain = rlm.run_blocking("q", rlm_context::Context::from_text("Paris")).unwrap();
    assert_eq!(plain.answer.as_deref(), Some("{'a': 1}"));
    let text = OutputSchema::new(json!({"type": "string"}), "of the test").unwrap();
    let (result, _) = run(&["```repl\nprint(context[:10])\n```", "FINAL('Paris')"], 4, text);
    assert_eq!(result.answer.as_deref(), Some("\"Paris\""));
    // Rlm::with_output_schema swaps the schema of an engine built without one.
    let root = Arc::new(FakeAdapter::replies([
        "```repl\nprint(context[:10])\n```",
        "```repl\nFINAL(7)\n```",
    ]));
    let rlm = Rlm::builder().root(root).build().unwrap();
    let integer = OutputSchema::new(json!({"type": "integer"}), "of the test").unwrap();
    let swapped = rlm.with_output_schema(Some(integer));
    assert!(swapped.output_schema().is_some() && rlm.output_schema().is_none());
    let r = swapped.run_blocking("q", rlm_context::Context::from_text("7")).unwrap();
    assert_eq!(r.answer.as_deref(), Some("7"));
}

#[test]
fn the_closing_call_is_held_to_the_schema_and_a_failing_closing_answer_is_re_asked_once() {
    // Issue #57 with #60: the closing call asks for the schema as its
    // constraint (providers with structured outputs hold the reply to it);
    // a closing answer that fails it gets the repair note once.
    let (result, root) = run(
        &[
            "```repl\nprint(context[:40])\n```",
            "```repl\nprint('more')\n```",
            // The closing reply: prose that fails the schema...
            "FINAL(\"Paris, about two million people\")",
            // ...and, told what is wrong, the JSON itself.
            "{\"city\": \"Paris\", \"population\": 2102650}",
        ],
        2,
        city_schema(),
    );
    assert!(matches!(result.finish, Finish::Finalized { .. }), "{:?}", result.finish);
    assert_eq!(result.answer.as_deref(), Some(r#"{"city":"Paris","population":2102650}"#));
    let requests = root.requests();
    assert_eq!(requests.len(), 4);
    let schema_text = city_schema().schema_text().to_string();
    for closing in &requests[2..] {
        assert_eq!(
            closing.params.constraint,
            Some(rlm_types::OutputConstraint::JsonSchema(schema_text.clone()))
        );
    }
    // The steps before were not held to it.
    assert!(!matches!(
        requests[0].params.constraint,
        Some(rlm_types::OutputConstraint::JsonSchema(_))
    ));
    let note = &requests[3].messages.last().unwrap().content;
    assert!(note.contains("FINAL was not accepted"), "{note}");
    assert!(note.contains("is not of type \"object\""), "{note}");
}
