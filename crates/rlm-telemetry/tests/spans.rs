//! Our trace events become the OpenTelemetry tree the module docs of
//! `rlm_telemetry::spans` describe, with GenAI/OpenInference attributes and
//! our own timestamps, through the SDK's batch processor (an exporter that
//! keeps what it gets stands in for the receiver; tests/phoenix.rs in rlm-cli
//! sends to a real one). The SDK's own in-memory exporter is behind its
//! `testing` feature, which turns on features the rest of the workspace does
//! not build (rlm-py's suite-features check).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use opentelemetry::trace::{SpanId, Status};
use opentelemetry::{Array, Value};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use rlm_telemetry::{Telemetry, TraceParent};
use rlm_trace::*;
use rlm_types::Usage;

/// Keeps every span it is given.
#[derive(Debug, Clone, Default)]
struct KeepingExporter(Arc<Mutex<Vec<SpanData>>>);

impl SpanExporter for KeepingExporter {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        self.0.lock().unwrap().extend(batch);
        Ok(())
    }
}

fn usage(prompt: u64, completion: u64) -> Usage {
    Usage { prompt_tokens: prompt, completion_tokens: completion, cached_tokens: 0 }
}

fn call(text: &str, prompt: u64, completion: u64) -> CallFinished {
    CallFinished {
        outcome: SpanOutcome::Ok,
        response_preview: text.into(),
        usage: usage(prompt, completion),
        cost_usd: 0.5,
        latency_ms: 3,
        cached: false,
        deduped: false,
        error: None,
    }
}

/// One root run: step 1 (a model call, a program with a subcall that runs
/// a nested run, and a retry on the subcall), step 2 (a model call answering).
fn record(recorder: &TraceRecorder) {
    let run = recorder.start_run(
        None,
        RunStarted {
            query: "secret question".into(),
            model: "openai:gpt-5-mini".into(),
            ..Default::default()
        },
    );
    let m1 = recorder.start_model_call(
        run,
        ModelCallStarted {
            model: "openai:gpt-5-mini".into(),
            iteration: 1,
            prompt_preview: "the prompt".into(),
            prompt_messages: 2,
        },
    );
    recorder.finish_model_call(m1, call("```repl\nllm_query('x')\n```", 100, 20));
    let program =
        recorder.start_program(run, ProgramStarted { iteration: 1, code: "llm_query('x')".into() });
    let sub = recorder.start_subcall(
        program,
        SubcallStarted {
            model: "openai:gpt-5-nano".into(),
            prompt_preview: "x".into(),
            ..Default::default()
        },
    );
    recorder.retry(sub, Retry { attempt: 1, reason: "rate_limited".into(), delay_ms: 5 });
    let nested = recorder.start_run(
        Some(sub),
        RunStarted {
            query: "x".into(),
            model: "openai:gpt-5-nano".into(),
            depth: 1,
            ..Default::default()
        },
    );
    let m = recorder.start_model_call(
        nested,
        ModelCallStarted { model: "openai:gpt-5-nano".into(), iteration: 1, ..Default::default() },
    );
    recorder.finish_model_call(m, call("FINAL('y')", 7, 3));
    recorder.finish_run(
        nested,
        RunFinished {
            outcome: SpanOutcome::Ok,
            iterations: 1,
            usage: usage(7, 3),
            cost_usd: 0.5,
            duration_ms: 1,
        },
    );
    recorder.finish_subcall(sub, call("y", 7, 3));
    let tool = recorder.start_tool_call(
        program,
        ToolCallStarted {
            tool: "lookup".into(),
            server: Some("weather".into()),
            arguments_preview: "[\"Paris\"]".into(),
        },
    );
    recorder.finish_tool_call(
        tool,
        ToolCallFinished {
            outcome: SpanOutcome::Error,
            result_preview: String::new(),
            latency_ms: 4,
            error: Some("mcp server 'weather' tool 'lookup': timed out after 30 s".into()),
        },
    );
    recorder.finish_program(
        program,
        ProgramFinished {
            outcome: SpanOutcome::Ok,
            stdout: "y".into(),
            error: None,
            fuel_used: 42,
            memory_bytes: 1024,
            duration_ms: 2,
        },
    );
    let m2 = recorder.start_model_call(
        run,
        ModelCallStarted { model: "openai:gpt-5-mini".into(), iteration: 2, ..Default::default() },
    );
    recorder.finish_model_call(m2, call("FINAL('done')", 130, 10));
    recorder.final_answer(run, FinalAnswer { answer: "done".into() });
    recorder.finish_run(
        run,
        RunFinished {
            outcome: SpanOutcome::Ok,
            iterations: 2,
            usage: usage(237, 33),
            cost_usd: 1.5,
            duration_ms: 9,
        },
    );
}

fn exported(
    capture_content: bool,
    parent: Option<TraceParent>,
) -> (Vec<SpanData>, Vec<TraceEvent>) {
    let exporter = KeepingExporter::default();
    let telemetry = Telemetry::with_exporter(exporter.clone(), "memory".into(), capture_content);
    let recorder = TraceRecorder::new();
    recorder.add_listener(telemetry.listener(parent));
    record(&recorder);
    telemetry.flush();
    let spans = exporter.0.lock().unwrap().clone();
    (spans, recorder.events())
}

fn attr<'a>(span: &'a SpanData, key: &str) -> Option<&'a Value> {
    span.attributes.iter().find(|kv| kv.key.as_str() == key).map(|kv| &kv.value)
}

fn int(span: &SpanData, key: &str) -> i64 {
    match attr(span, key) {
        Some(Value::I64(n)) => *n,
        other => panic!("{}: {key} is {other:?}", span.name),
    }
}

fn text(span: &SpanData, key: &str) -> String {
    attr(span, key).map(|v| v.as_str().into_owned()).unwrap_or_default()
}

/// Each span's name with its children's, indented: the tree as text.
fn tree(spans: &[SpanData]) -> String {
    let ids: HashMap<SpanId, &SpanData> =
        spans.iter().map(|s| (s.span_context.span_id(), s)).collect();
    fn walk(span: &SpanData, spans: &[SpanData], depth: usize, out: &mut String) {
        out.push_str(&format!(
            "{}{} [{}]\n",
            "  ".repeat(depth),
            span.name,
            span.attributes
                .iter()
                .find(|kv| kv.key.as_str() == "openinference.span.kind")
                .map(|kv| kv.value.as_str().into_owned())
                .unwrap_or_default()
        ));
        let mut children: Vec<&SpanData> =
            spans.iter().filter(|c| c.parent_span_id == span.span_context.span_id()).collect();
        children.sort_by_key(|c| c.start_time);
        for c in children {
            walk(c, spans, depth + 1, out);
        }
    }
    let mut out = String::new();
    for root in spans.iter().filter(|s| !ids.contains_key(&s.parent_span_id)) {
        walk(root, spans, 0, &mut out);
    }
    out
}

#[test]
fn a_run_is_one_trace_shaped_like_our_own() {
    let (spans, events) = exported(false, None);
    assert_eq!(
        tree(&spans),
        "rlm run [CHAIN]\n  step 1 [CHAIN]\n    chat gpt-5-mini [LLM]\n    program [TOOL]\n      chat gpt-5-nano [LLM]\n        rlm run (depth 1) [CHAIN]\n          step 1 [CHAIN]\n            chat gpt-5-nano [LLM]\n      execute_tool lookup [TOOL]\n  step 2 [CHAIN]\n    chat gpt-5-mini [LLM]\n"
    );
    let trace_id = spans[0].span_context.trace_id();
    assert!(spans.iter().all(|s| s.span_context.trace_id() == trace_id), "one trace");
    // Every span of ours is there once, with our timestamps.
    for event in &events {
        let opens = matches!(event.kind.role(), EventRole::Opens(_));
        let mirrored: Vec<&SpanData> = spans
            .iter()
            .filter(|s| {
                !s.name.starts_with("step") && int(s, "rlm.span_id") == event.span_id.0 as i64
            })
            .collect();
        if opens {
            assert_eq!(mirrored.len(), 1, "{event:?}");
            let start = mirrored[0].start_time.duration_since(std::time::UNIX_EPOCH).unwrap();
            assert_eq!(start.as_micros() as u64, event.ts);
        }
        if let EventRole::Closes(_) = event.kind.role() {
            let end = mirrored[0].end_time.duration_since(std::time::UNIX_EPOCH).unwrap();
            assert_eq!(end.as_micros() as u64, event.ts);
        }
    }
}

#[test]
fn calls_carry_the_genai_attributes_and_our_token_counts() {
    let (spans, events) = exported(false, None);
    for event in &events {
        let (EventKind::ModelCallFinished(c) | EventKind::SubcallFinished(c)) = &event.kind else {
            continue;
        };
        let span = spans
            .iter()
            .find(|s| attr(s, "rlm.span_id") == Some(&Value::I64(event.span_id.0 as i64)))
            .unwrap();
        assert_eq!(text(span, "openinference.span.kind"), "LLM");
        assert_eq!(text(span, "gen_ai.operation.name"), "chat");
        assert_eq!(text(span, "gen_ai.provider.name"), "openai");
        assert!(text(span, "gen_ai.request.model").starts_with("gpt-5-"));
        assert_eq!(int(span, "gen_ai.usage.input_tokens"), c.usage.prompt_tokens as i64);
        assert_eq!(int(span, "gen_ai.usage.output_tokens"), c.usage.completion_tokens as i64);
        assert_eq!(int(span, "llm.token_count.total"), c.usage.total() as i64);
        assert_eq!(
            attr(span, "gen_ai.response.finish_reasons"),
            Some(&Value::Array(Array::String(vec!["stop".into()])))
        );
        assert_eq!(attr(span, "input.value"), None, "no content unless asked");
        assert_eq!(attr(span, "output.value"), None);
    }
    let program = spans.iter().find(|s| s.name == "program").unwrap();
    assert_eq!(text(program, "rlm.program.code"), "llm_query('x')");
    assert_eq!(int(program, "rlm.program.fuel_used"), 42);
    assert_eq!(int(program, "rlm.program.memory_bytes"), 1024);
    assert_eq!(text(program, "rlm.outcome"), "ok");
    let retried = spans
        .iter()
        .find(|s| s.name == "chat gpt-5-nano" && s.events.len() == 1)
        .expect("the retry is an event of its subcall");
    assert_eq!(retried.events.events[0].name, "retry");
    let root = spans.iter().find(|s| s.name == "rlm run").unwrap();
    assert_eq!(int(root, "rlm.usage.input_tokens"), 237);
    assert_eq!(root.status, Status::Ok);
}

#[test]
fn a_tool_call_is_a_tool_span_naming_its_mcp_server() {
    let (spans, _) = exported(false, None);
    let tool = spans.iter().find(|s| s.name == "execute_tool lookup").unwrap();
    assert_eq!(text(tool, "openinference.span.kind"), "TOOL");
    assert_eq!(text(tool, "gen_ai.operation.name"), "execute_tool");
    assert_eq!(text(tool, "gen_ai.tool.name"), "lookup");
    assert_eq!(text(tool, "mcp.server.name"), "weather");
    assert_eq!(text(tool, "rlm.outcome"), "error");
    assert_eq!(attr(tool, "input.value"), None, "no content unless asked");
    assert!(
        matches!(&tool.status, Status::Error { description } if description.contains("timed out"))
    );
}

#[test]
fn content_only_when_captured_and_a_remote_parent_is_kept() {
    let parent =
        TraceParent::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").unwrap();
    let (spans, _) = exported(true, Some(parent));
    let root = spans.iter().find(|s| s.name == "rlm run").unwrap();
    assert_eq!(root.span_context.trace_id(), parent.trace_id);
    assert_eq!(root.parent_span_id, parent.span_id);
    assert!(spans.iter().all(|s| s.span_context.trace_id() == parent.trace_id));
    assert_eq!(text(root, "input.value"), "secret question");
    assert_eq!(text(root, "output.value"), "done");
    let first = spans
        .iter()
        .find(|s| s.name == "chat gpt-5-mini" && text(s, "input.value") == "the prompt");
    assert!(first.is_some(), "prompt text sent when captured");
}

#[test]
fn a_receiver_that_is_down_costs_the_run_nothing_and_drops_are_counted() {
    let settings = rlm_telemetry::TelemetrySettings {
        endpoint: Some("http://127.0.0.1:9".into()),
        capture_content: false,
    };
    let telemetry =
        Telemetry::from_settings(&settings).unwrap().expect("an endpoint turns export on");
    let recorder = TraceRecorder::new();
    recorder.add_listener(telemetry.listener(None));
    let started = std::time::Instant::now();
    record(&recorder);
    assert!(
        started.elapsed() < std::time::Duration::from_millis(200),
        "recording never waits for the receiver"
    );
    telemetry.flush();
    assert_eq!(telemetry.dropped_spans(), 11, "every span of the failed export counted");
    assert!(
        Telemetry::from_settings(&Default::default()).unwrap().is_none()
            || std::env::var_os("OTEL_EXPORTER_OTLP_ENDPOINT").is_some()
    );
}

#[test]
fn a_trace_chosen_ahead_has_the_run_as_its_root() {
    let chosen = TraceParent::of_request(Some("not a traceparent"));
    assert_eq!(chosen.span_id, SpanId::INVALID, "a bad header is ignored: a fresh trace");
    let (spans, _) = exported(false, Some(chosen));
    let root = spans.iter().find(|s| s.name == "rlm run").unwrap();
    assert_eq!(root.span_context.trace_id(), chosen.trace_id);
    assert_eq!(root.parent_span_id, SpanId::INVALID);
    assert_eq!(chosen.trace_id_hex().len(), 32);
}

/// Attempt 1 of a durable run: steps 1 and 2 started, then its process
/// dies (step 2 and the run never end). Returns its events.
fn first_attempt(recorder: &TraceRecorder) -> Vec<TraceEvent> {
    let run = recorder.start_run(
        None,
        RunStarted { query: "q".into(), model: "openai:gpt-5-mini".into(), ..Default::default() },
    );
    for iteration in 1..=2 {
        let model = "openai:gpt-5-mini".into();
        let m = recorder
            .start_model_call(run, ModelCallStarted { model, iteration, ..Default::default() });
        recorder.finish_model_call(m, call("```repl\nx = 1\n```", 10, 2));
    }
    recorder.events()
}

/// A durable run resumed by another process (a worker taking over a dead
/// one's job): the new recorder continues the first attempt's events, and
/// the run goes on in a new run span of the same trace, under the same
/// parent, linked to the first attempt's run span (the parent of the
/// first attempt's exported step 1).
#[test]
fn a_resumed_run_links_to_its_first_attempt() {
    let parent =
        TraceParent::parse("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01").unwrap();
    let exporter = KeepingExporter::default();
    let telemetry = Telemetry::with_exporter(exporter.clone(), "memory".into(), false);
    let first = TraceRecorder::new();
    first.add_listener(telemetry.listener(Some(parent)));
    let events = first_attempt(&first);
    telemetry.flush();
    let step_1 = exporter.0.lock().unwrap().iter().find(|s| s.name == "step 1").cloned();
    let first_run_span = step_1.expect("step 1 ended when step 2 began").parent_span_id;

    // Attempt 2, in "another process": a recorder and listener of its own.
    let second = TraceRecorder::new();
    second.add_listener(telemetry.listener(Some(parent)));
    assert!(second.continue_from(events.clone()));
    let run = second.root_run_span().unwrap();
    let m = second.start_model_call(
        run,
        ModelCallStarted { model: "openai:gpt-5-mini".into(), iteration: 2, ..Default::default() },
    );
    second.finish_model_call(m, call("FINAL('done')", 12, 3));
    second.finish_run(
        run,
        RunFinished {
            outcome: SpanOutcome::Ok,
            iterations: 2,
            usage: usage(32, 7),
            cost_usd: 0.0,
            duration_ms: 5,
        },
    );
    telemetry.flush();
    let spans = exporter.0.lock().unwrap().clone();
    let resumed = spans.iter().find(|s| s.name == "rlm run").expect("the resumed run's span");
    assert_eq!(resumed.span_context.trace_id(), parent.trace_id, "the same trace");
    assert_eq!(resumed.parent_span_id, parent.span_id, "under the same parent");
    assert_ne!(resumed.span_context.span_id(), first_run_span);
    let links = &resumed.links.links;
    assert_eq!(links.len(), 1, "{links:?}");
    assert_eq!(links[0].span_context.span_id(), first_run_span, "linked to the first attempt");
    assert_eq!(links[0].span_context.trace_id(), parent.trace_id);
    assert_eq!(int(resumed, "rlm.resumed_from_seq"), events.len() as i64);
    let step_2 = spans.iter().filter(|s| s.name == "step 2").collect::<Vec<_>>();
    assert_eq!(step_2.len(), 1, "attempt 1's step 2 never ended; attempt 2's did");
    assert_eq!(step_2[0].parent_span_id, resumed.span_context.span_id());
}
