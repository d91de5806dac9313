//! Issue #58: what `rlm run` sends over OTLP/HTTP, as a receiver sees it
//! (an HTTP server in the test on 127.0.0.1 keeping every request; the
//! protobuf decoded with opentelemetry-proto): the standard variables are
//! obeyed (`OTEL_EXPORTER_OTLP_HEADERS` on every request, `OTEL_SERVICE_NAME`
//! on every resource), and the metrics mirroring `rlm serve`'s Prometheus
//! series (`/v1/metrics`) count what our own trace says: one execution, its
//! tokens, its subcalls. Phoenix (tests/phoenix.rs) takes traces only.

use std::process::Command;

use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::metrics::v1::{Metric, metric, number_data_point};
use opentelemetry_proto::tonic::resource::v1::Resource;
use prost::Message as _;
use serde_json::Value;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const QUESTION: &str = "Which service logged the most errors, and what is the vault passphrase?";
const SERVICE: &str = "rlm-under-test";

fn text(value: &Option<AnyValue>) -> Option<&str> {
    match value.as_ref()?.value.as_ref()? {
        any_value::Value::StringValue(s) => Some(s),
        _ => None,
    }
}

fn attribute<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a str> {
    attributes.iter().find(|kv| kv.key == key).and_then(|kv| text(&kv.value))
}

fn service(resource: &Option<Resource>) -> Option<&str> {
    attribute(&resource.as_ref()?.attributes, "service.name")
}

/// A counter's points: (attribute `key`'s value, the point's integer).
fn sum_points<'a>(metric: &'a Metric, key: &str) -> Vec<(Option<&'a str>, i64)> {
    let Some(metric::Data::Sum(sum)) = &metric.data else { panic!("{} is no sum", metric.name) };
    sum.data_points
        .iter()
        .map(|p| {
            let value = match p.value {
                Some(number_data_point::Value::AsInt(n)) => n,
                other => panic!("{}: {other:?}", metric.name),
            };
            (attribute(&p.attributes, key), value)
        })
        .collect()
}

fn histogram_count(metric: &Metric) -> u64 {
    let Some(metric::Data::Histogram(h)) = &metric.data else { panic!("{}", metric.name) };
    h.data_points.iter().map(|p| p.count).sum()
}

/// `rlm run` with the scripted model exporting to `endpoint`; its trace.
fn rlm_run(endpoint: &str, dir: &std::path::Path) -> Vec<Value> {
    let trace = dir.join("run.jsonl");
    let out = Command::new(env!("CARGO_BIN_EXE_rlm"))
        .current_dir(rlm_testenv::workspace_dir())
        .args(["run", QUESTION, "--context", "examples/corpus", "--model", "scripted"])
        .args(["--otlp-endpoint", endpoint, "--trace"])
        .arg(&trace)
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
        .env_remove("OTEL_EXPORTER_OTLP_PROTOCOL")
        .env_remove("OTEL_TRACES_SAMPLER")
        .env_remove("OTEL_METRICS_EXPORTER")
        .env("OTEL_EXPORTER_OTLP_HEADERS", "x-api-key=sekret")
        .env("OTEL_SERVICE_NAME", SERVICE)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let jsonl = std::fs::read_to_string(trace).unwrap();
    jsonl.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn rlm_run_exports_traces_and_metrics_with_the_standard_variables() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let receiver = rt.block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("POST")).respond_with(ResponseTemplate::new(200)).mount(&server).await;
        server
    });
    let dir = tempfile::tempdir().unwrap();
    let events = rlm_run(&receiver.uri(), dir.path());
    let requests = rt.block_on(receiver.received_requests()).unwrap();
    for request in &requests {
        assert_eq!(request.headers["x-api-key"], "sekret", "OTEL_EXPORTER_OTLP_HEADERS");
        assert_eq!(request.headers["content-type"], "application/x-protobuf");
    }
    let bodies = |path: &str| -> Vec<&[u8]> {
        requests.iter().filter(|r| r.url.path() == path).map(|r| r.body.as_slice()).collect()
    };

    let mut spans = 0;
    for body in bodies("/v1/traces") {
        for resource in ExportTraceServiceRequest::decode(body).unwrap().resource_spans {
            assert_eq!(service(&resource.resource), Some(SERVICE));
            spans += resource.scope_spans.iter().map(|s| s.spans.len()).sum::<usize>();
        }
    }
    let count = |kind: &str| events.iter().filter(|e| e["kind"]["type"] == kind).count();
    let opened =
        events.iter().filter(|e| e["kind"]["type"].as_str().unwrap().ends_with("_started"));
    assert!(spans > opened.count(), "every span of ours and the steps: {spans}");

    let mut metrics: Vec<Metric> = Vec::new();
    for body in bodies("/v1/metrics") {
        for resource in ExportMetricsServiceRequest::decode(body).unwrap().resource_metrics {
            assert_eq!(service(&resource.resource), Some(SERVICE));
            metrics.extend(resource.scope_metrics.into_iter().flat_map(|s| s.metrics));
        }
    }
    let metric = |name: &str| {
        metrics.iter().rev().find(|m| m.name == name).unwrap_or_else(|| panic!("no {name}"))
    };
    assert_eq!(sum_points(metric("rlm.executions"), "rlm.outcome"), vec![(Some("ok"), 1)]);
    assert_eq!(histogram_count(metric("rlm.execution.duration")), 1);
    let root_usage =
        &events.iter().rfind(|e| e["kind"]["type"] == "run_finished").unwrap()["kind"]["usage"];
    let mut tokens = sum_points(metric("rlm.tokens"), "gen_ai.token.type");
    tokens.sort();
    assert_eq!(
        tokens,
        vec![
            (Some("input"), root_usage["prompt_tokens"].as_i64().unwrap()),
            (Some("output"), root_usage["completion_tokens"].as_i64().unwrap()),
        ]
    );
    let subcalls: i64 = sum_points(metric("rlm.subcalls"), "rlm.result").iter().map(|p| p.1).sum();
    assert!(subcalls > 0);
    assert_eq!(subcalls, count("subcall_finished") as i64);
    let calls = count("model_call_finished") + count("subcall_finished");
    assert!(histogram_count(metric("gen_ai.client.token.usage")) as usize <= 2 * calls);
    assert!(histogram_count(metric("gen_ai.client.token.usage")) > 0);
}
