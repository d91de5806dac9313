//! Issue #58: outgoing provider requests carry the W3C `traceparent` of the
//! span that makes them, when runs are exported as OpenTelemetry traces.
//! A real HTTP mock provider on 127.0.0.1 (rlm-testenv's) behind the real
//! OpenAI-compatible adapter is both the root model and the sub-model; the
//! mock keeps each request's header. Every request (root calls and
//! subcalls) carries a valid `traceparent` in the run's trace (the id our
//! trace names, `run_started.otel_trace_id`), each from its own span; with
//! export off, none does.

use std::collections::HashSet;
use std::sync::Arc;

use rlm_adapters::{EnvVars, ModelAdapter, adapter_from_model_string};
use rlm_context::Context;
use rlm_core::{Rlm, RunResult, Telemetry, TraceParent};
use rlm_telemetry::TelemetrySettings;
use rlm_testenv::mock_openai::{MockConfig, MockOpenAi};
use rlm_trace::EventKind;

/// The mock's one reply: to the root, a program that makes two subcalls
/// and answers; to a subcall, just text.
const PROGRAM: &str =
    "```repl\na = llm_query('first')\nb = llm_batch(['second', 'third'])\nFINAL('done')\n```";

fn serve() -> (tokio::runtime::Runtime, MockOpenAi) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let config = MockConfig { reply: PROGRAM.into(), ..MockConfig::default() };
    let mock = rt.block_on(MockOpenAi::start(config)).expect("the mock provider");
    (rt, mock)
}

fn model(mock: &MockOpenAi, name: &str) -> Arc<dyn ModelAdapter> {
    let env = EnvVars::from_pairs([
        ("OPENAI_BASE_URL", format!("{}/v1", mock.uri())),
        ("OPENAI_API_KEY", "sk-test-0000000000000000".to_string()),
    ]);
    adapter_from_model_string(&format!("openai:{name}"), &env).expect("the openai adapter")
}

fn run(mock: &MockOpenAi, telemetry: Option<Telemetry>) -> RunResult {
    let rlm = Rlm::builder()
        .root(model(mock, "otel-root"))
        .sub_model(model(mock, "otel-sub"))
        .telemetry(telemetry)
        .build()
        .expect("an rlm");
    rlm.run_blocking("q", Context::from_text("a small context")).expect("a run")
}

/// Export on, to a receiver that is not there (port 9 refuses): spans are
/// dropped and counted, the trace ids are chosen all the same.
fn telemetry() -> Telemetry {
    let settings =
        TelemetrySettings { endpoint: Some("http://127.0.0.1:9".into()), capture_content: false };
    Telemetry::from_settings(&settings).expect("telemetry").expect("export on")
}

#[test]
fn provider_requests_carry_the_traceparent_of_their_span() {
    let (_rt, mock) = serve();
    let result = run(&mock, Some(telemetry()));
    assert_eq!(result.answer.as_deref(), Some("done"), "{:?}", result.finish);
    let trace_id = result
        .events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::RunStarted(r) => r.otel_trace_id.clone(),
            _ => None,
        })
        .expect("the run names its trace");
    let headers = mock.traceparents();
    assert_eq!(headers.len(), 4, "one root call, three subcalls: {headers:?}");
    let mut spans = HashSet::new();
    for header in &headers {
        let header = header.as_deref().expect("every request carries a traceparent");
        let parent = TraceParent::parse(header).expect("a valid traceparent");
        assert_eq!(parent.trace_id_hex(), trace_id, "in the run's trace");
        assert!(parent.sampled);
        spans.insert(parent.span_id);
    }
    assert_eq!(spans.len(), headers.len(), "each request from its own span");
}

#[test]
fn without_export_no_request_carries_a_traceparent() {
    let (_rt, mock) = serve();
    let result = run(&mock, None);
    assert_eq!(result.answer.as_deref(), Some("done"), "{:?}", result.finish);
    let headers = mock.traceparents();
    assert_eq!(headers.len(), 4);
    assert!(headers.iter().all(Option::is_none), "{headers:?}");
}
