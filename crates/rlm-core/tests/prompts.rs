//! Every prompt the loop sends, as the model receives it (captured from
//! scripted runs, so rendering, tool lists and context metadata are all real),
//! snapshot-tested: a change to `prompts/` shows up here for review.

use crate::support;

use std::sync::Arc;

use rlm_adapters::FakeAdapter;
use rlm_context::{Context, Document, Encoding};
use rlm_core::{LoopOptions, Rlm, Tool};
use rlm_types::Role;
use support::{repl, scripted};

fn corpus() -> Context {
    Context::from_documents(vec![
        Document::named("notes/a.txt", "Alpha notes: the launch is on Tuesday.\n"),
        Document::named("notes/b.txt", "Beta notes: the budget is 1200 EUR.\n"),
    ])
}

fn weather() -> Tool {
    Tool::typed(
        "weather",
        "weather(city: str) -> str",
        "today's weather in a city",
        |(c,): (String,)| Ok(format!("sunny in {c}")),
    )
}

fn system_and_user(adapter: &FakeAdapter, i: usize) -> (String, String) {
    let r = &adapter.requests()[i];
    let sys = r.messages.iter().find(|m| m.role == Role::System).map(|m| m.content.clone());
    (sys.unwrap_or_default(), r.messages.last().unwrap().content.clone())
}

#[test]
fn root_prompts_as_sent() {
    let root = support::root(&[
        "",
        &repl("print(peek(30))\nprint(ask('When is the launch?', context[:60]))"),
        "FINAL('Tuesday')",
    ]);
    let sub =
        Arc::new(FakeAdapter::fixed("Tuesday").with_model_name("sub").with_context_window(32_000));
    let rlm =
        Rlm::builder().root(root.clone()).sub_model(sub.clone()).tool(weather()).build().unwrap();
    let r = rlm.run_blocking("When is the launch?", corpus()).unwrap();
    assert_eq!(r.answer.as_deref(), Some("Tuesday"));

    let (system, first_user) = system_and_user(&root, 0);
    insta::assert_snapshot!("system", system);
    insta::assert_snapshot!("first_user", first_user);
    insta::assert_snapshot!("invalid_reply", system_and_user(&root, 1).1);
    insta::assert_snapshot!("feedback", system_and_user(&root, 2).1);
    let (sub_system, ask) = system_and_user(&sub, 0);
    insta::assert_snapshot!("subcall_system", sub_system);
    insta::assert_snapshot!("ask", ask);

    // The root system prompt stays compact (the issue's target: <= 1,500 tokens).
    let tokens = Encoding::O200kBase.count(&system).expect("tokenizer");
    assert!(tokens <= 1500, "system prompt is {tokens} tokens");
    eprintln!("system prompt: {tokens} tokens (o200k_base), {} chars", system.chars().count());
}

#[test]
fn finalize_compaction_direct_and_sub_rlm_prompts() {
    // finalize_now: a one-step budget.
    let root = scripted(
        "root",
        &[("The run must end now", "FINAL('x')")],
        &[&repl("answer['content'] = 'half'")],
        None,
    );
    let rlm = Rlm::builder()
        .root(root.clone())
        .budget(rlm_policy::BudgetLimits {
            max_steps: Some(1),
            soft_limit_ratio: 1.0,
            ..Default::default()
        })
        .build()
        .unwrap();
    rlm.run_blocking("When is the launch?", corpus()).unwrap();
    let last = root.requests().len() - 1;
    insta::assert_snapshot!("finalize_now", system_and_user(&root, last).1);

    // compaction + compacted.
    let big = repl("print('launch ' * 700)");
    let root = scripted(
        "root",
        &[("Summarise the work so far", "- nothing yet")],
        &[&big, &big, &big, &big, &repl("FINAL('done')")],
        None,
    );
    let options = LoopOptions { root_window_tokens: Some(3000), ..LoopOptions::default() };
    Rlm::builder()
        .root(root.clone())
        .options(options)
        .build()
        .unwrap()
        .run_blocking("When?", corpus())
        .unwrap();
    let requests = root.requests();
    let summarise = requests
        .iter()
        .find(|r| r.messages.last().unwrap().content.starts_with("Summarise the work so far"))
        .expect("a compaction call");
    let text = summarise.messages.last().unwrap().content.clone();
    // The transcript is long and repetitive: keep its frame.
    let frame: String = text.lines().take(8).collect::<Vec<_>>().join("\n");
    insta::assert_snapshot!("compaction", frame);
    let compacted = requests
        .iter()
        .find(|r| r.messages[1].content.contains("Summary of the earlier steps"))
        .expect("a compacted history");
    insta::assert_snapshot!("compacted_first_user", compacted.messages[1].content.clone());

    // direct (SmartRouter).
    let root = support::root(&["Tuesday"]);
    Rlm::builder()
        .root(root.clone())
        .smart_router(10_000)
        .build()
        .unwrap()
        .run_blocking("When is the launch?", corpus())
        .unwrap();
    insta::assert_snapshot!("direct", system_and_user(&root, 0).1);

    // sub_rlm: the system prompt of a run at depth 1.
    let root = scripted(
        "root",
        &[
            ("Question: top", &repl("FINAL(rlm_query('When is the launch?', context))")),
            ("Question: When is the launch", &repl("FINAL('Tuesday')")),
        ],
        &[],
        None,
    );
    Rlm::builder().root(root.clone()).build().unwrap().run_blocking("top", corpus()).unwrap();
    let sys = system_and_user(&root, 1).0;
    let note = sys.split("\n\n").last().unwrap().to_string();
    insta::assert_snapshot!("sub_rlm_note", note);
}

/// The output schema's two notes as sent (issue #57): after the question in
/// the first user message, and in the feedback to a FINAL that fails it.
#[test]
fn output_schema_prompts_as_sent() {
    let root = support::root(&[
        &repl("print(peek(40))"),
        &repl("FINAL({'day': 2})"),
        &repl("FINAL({'day': 'Tuesday'})"),
    ]);
    let schema = serde_json::json!({"type": "object", "required": ["day"],
        "properties": {"day": {"type": "string"}}});
    let rlm = Rlm::builder()
        .root(root.clone())
        .output_schema(Some(rlm_core::OutputSchema::new(schema, "of the test").unwrap()))
        .build()
        .unwrap();
    let r = rlm.run_blocking("When is the launch?", corpus()).unwrap();
    assert_eq!(r.answer.as_deref(), Some(r#"{"day":"Tuesday"}"#));
    insta::assert_snapshot!("first_user_with_output_schema", system_and_user(&root, 0).1);
    insta::assert_snapshot!("final_schema_invalid", system_and_user(&root, 2).1);

    // A direct (SmartRouter) answer: the schema after the context, the reply read as JSON.
    let root = support::root(&["```json\n{\"day\": \"Tuesday\"}\n```"]);
    let schema = serde_json::json!({"type": "object", "required": ["day"]});
    let r = Rlm::builder()
        .root(root.clone())
        .smart_router(10_000)
        .output_schema(Some(rlm_core::OutputSchema::new(schema, "of the test").unwrap()))
        .build()
        .unwrap()
        .run_blocking("When is the launch?", corpus())
        .unwrap();
    assert_eq!(r.answer.as_deref(), Some(r#"{"day":"Tuesday"}"#));
    insta::assert_snapshot!("direct_with_output_schema", system_and_user(&root, 0).1);
}

/// The batch cap's error as the model reads it (issue #74): a batch of three
/// against a cap of two ends the program, and the feedback shows why and
/// how to send the prompts in smaller batches.
#[test]
fn batch_too_large_as_sent() {
    let root = support::root(&[
        &repl("answers = llm_batch([f'When is launch {i}?' for i in range(3)])"),
        "FINAL('Tuesday')",
    ]);
    let sub = Arc::new(FakeAdapter::fixed("Tuesday").with_model_name("sub"));
    let rlm = Rlm::builder()
        .root(root.clone())
        .sub_model(sub.clone())
        .map_options(|o| o.max_batch = 2)
        .build()
        .unwrap();
    rlm.run_blocking("When is the launch?", corpus()).unwrap();
    assert_eq!(sub.calls(), 0);
    insta::assert_snapshot!("batch_too_large", system_and_user(&root, 1).1);
}
