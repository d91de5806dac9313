//! Structured subcalls (issue #57): `llm_query(prompt, schema=...)` and
//! `llm_batch(prompts, schema=...)` return parsed values. The request asks
//! for the schema as its constraint and in a note after the prompt; a reply
//! that does not match is re-asked once with what is wrong; a second miss
//! raises `ValueError` (or leaves an `LLMError` of kind `schema` in a
//! batch's slot); a bad schema raises before anything is sent; the trace
//! shows each subcall's schema.

use std::sync::Arc;

use rlm_adapters::{FakeAdapter, FakeReply, FakeRule, FakeScript, MatchTarget, ModelAdapter};
use rlm_core::{Rlm, RunResult};
use rlm_trace::EventKind;
use rlm_types::OutputConstraint;

const YEAR_SCHEMA: &str =
    "{'type': 'object', 'required': ['year'], 'properties': {'year': {'type': 'integer'}}}";

/// Runs `program` as the root's first reply; the second reply finishes with
/// what it printed. The sub-model answers by `sub`.
fn run(program: &str, sub: FakeAdapter) -> (RunResult, Arc<FakeAdapter>) {
    let root = Arc::new(FakeAdapter::replies([
        format!("```repl\n{program}\n```"),
        "```repl\nFINAL(shown)\n```".to_string(),
    ]));
    let sub = Arc::new(sub);
    let rlm = Rlm::builder()
        .root(root as Arc<dyn ModelAdapter>)
        .sub_model(Arc::clone(&sub) as Arc<dyn ModelAdapter>)
        .budget(rlm_policy::BudgetLimits { max_steps: Some(4), ..Default::default() })
        .build()
        .unwrap();
    let context = rlm_context::Context::from_text("Apollo 11 landed on the Moon in 1969.");
    (rlm.run_blocking("When did Apollo 11 land?", context).unwrap(), sub)
}

fn rule(pattern: &str, reply: &str) -> FakeRule {
    FakeRule {
        pattern: pattern.into(),
        target: MatchTarget::LastUser,
        reply: FakeReply::Text(reply.into()),
        times: None,
    }
}

fn scripted(rules: Vec<FakeRule>) -> FakeAdapter {
    FakeAdapter::scripted(FakeScript { rules, ..FakeScript::default() }).unwrap()
}

fn subcall_schemas(result: &RunResult) -> Vec<Option<String>> {
    result
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::SubcallStarted(s) => Some(s.schema.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_matching_reply_is_the_parsed_value_and_the_request_asks_for_the_schema() {
    let program = format!(
        "r = llm_query('When did Apollo 11 land? ' + context, schema={YEAR_SCHEMA})\nshown = f\"{{type(r).__name__}} {{r['year'] + 1}}\"\nprint(shown)"
    );
    let (result, sub) = run(&program, FakeAdapter::replies(["Here you go: {\"year\": 1969}"]));
    assert_eq!(result.answer.as_deref(), Some("dict 1970"), "{:?}", result.finish);
    let requests = sub.requests();
    assert_eq!(requests.len(), 1, "no re-ask for a matching reply");
    let schema =
        r#"{"properties":{"year":{"type":"integer"}},"required":["year"],"type":"object"}"#;
    assert_eq!(requests[0].params.constraint, Some(OutputConstraint::JsonSchema(schema.into())));
    let prompt = &requests[0].messages.last().unwrap().content;
    assert!(prompt.starts_with("When did Apollo 11 land? Apollo 11"), "{prompt}");
    assert!(
        prompt.contains(&format!(
            "Reply with JSON only, matching this JSON Schema:\n```json\n{schema}\n```"
        )),
        "{prompt}"
    );
    assert_eq!(subcall_schemas(&result), vec![Some(schema.to_string())]);
}

#[test]
fn a_reply_that_does_not_match_is_re_asked_once_with_what_is_wrong() {
    let sub = FakeAdapter::replies(["{\"year\": \"1969\"}", "{\"year\": 1969}"]);
    let program = format!("r = llm_query('When?', schema={YEAR_SCHEMA})\nshown = str(r['year'])");
    let (result, sub) = run(&program, sub);
    assert_eq!(result.answer.as_deref(), Some("1969"), "{:?}", result.finish);
    let requests = sub.requests();
    assert_eq!(requests.len(), 2);
    let repair = &requests[1];
    // The conversation goes on: the bad reply, then what is wrong with it.
    let n = repair.messages.len();
    assert_eq!(repair.messages[n - 2].content, "{\"year\": \"1969\"}");
    let note = &repair.messages[n - 1].content;
    assert!(
        note.starts_with("That reply is not JSON matching the schema:\n- at /year: "),
        "{note}"
    );
    assert!(note.contains("is not of type \"integer\""), "{note}");
    assert_eq!(repair.params.constraint, requests[0].params.constraint);
    // The model-facing texts, as sent (prompts/loop/notes.toml).
    let user_turns: Vec<String> = repair
        .messages
        .iter()
        .skip(1)
        .map(|m| format!("--- {:?} ---\n{}", m.role, m.content))
        .collect();
    insta::assert_snapshot!("subcall_schema_reask", user_turns.join("\n"));
    // Both calls are subcalls of the trace, each with its schema.
    let schemas = subcall_schemas(&result);
    assert_eq!(schemas.len(), 2);
    assert!(schemas.iter().all(Option::is_some));
}

#[test]
fn a_second_miss_raises_value_error_and_a_batch_keeps_an_llm_error() {
    let sub = FakeAdapter::replies(["no idea", "still no idea"]);
    let program = format!(
        "try:\n    llm_query('When?', schema={YEAR_SCHEMA})\n    shown = 'no error'\nexcept ValueError as e:\n    shown = str(e)"
    );
    let (result, sub) = run(&program, sub);
    let answer = result.answer.unwrap_or_default();
    assert!(
        answer.starts_with("the sub-model's reply did not match the schema, after one re-ask:"),
        "{answer}"
    );
    assert!(answer.contains("its reply: still no idea"), "{answer}");
    assert_eq!(sub.requests().len(), 2, "re-asked once, not more");

    // In a batch: the prompt that fails keeps an LLMError (kind `schema`),
    // the others their parsed values.
    let sub = scripted(vec![
        rule("^good", "{\"year\": 1969}"),
        rule("^bad", "nineteen sixty-nine"),
        rule("not JSON matching", "{\"year\": \"1969\"}"),
    ]);
    let program = format!(
        "rs = llm_batch(['good one', 'bad one'], schema={YEAR_SCHEMA})\nshown = f\"{{rs[0]['year']}} {{bool(rs[1])}} {{rs[1].kind}}\""
    );
    let (result, sub) = run(&program, sub);
    assert_eq!(result.answer.as_deref(), Some("1969 False schema"), "{:?}", result.finish);
    assert_eq!(sub.requests().len(), 3, "two prompts and one re-ask");
}

#[test]
fn a_bad_schema_raises_before_anything_is_sent() {
    let program = "errors = []\nfor s in [{'type': 3}, 42, '{nope']:\n    try:\n        llm_query('q', schema=s)\n    except (TypeError, ValueError) as e:\n        errors.append(type(e).__name__)\nshown = ' '.join(errors)";
    let (result, sub) = run(program, FakeAdapter::fixed("{}"));
    assert_eq!(result.answer.as_deref(), Some("ValueError TypeError ValueError"));
    assert_eq!(sub.requests().len(), 0);
}

#[test]
fn a_schema_given_as_json_text_and_a_list_schema_work_too() {
    let program = "r = llm_query('Years?', schema='{\"type\": \"array\", \"items\": {\"type\": \"integer\"}}')\nshown = str(sum(r))";
    let (result, _) = run(program, FakeAdapter::replies(["```json\n[1969, 1972]\n```"]));
    assert_eq!(result.answer.as_deref(), Some("3941"), "{:?}", result.finish);
}
