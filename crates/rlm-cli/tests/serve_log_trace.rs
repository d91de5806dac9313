//! Issue #58: `rlm serve`'s JSON log lines written while an execution runs
//! carry its OpenTelemetry trace id (`span.otel_trace_id`, with
//! `span.execution`), the trace an incoming `traceparent` named and the
//! response's `x-rlm-otel-trace-id` header says; so logs join traces.
//! Export goes to a receiver that is not there (port 9): runs go on.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::serve_child;

const QUESTION: &str = "Which service logged the most errors, and what is the vault passphrase?";
const PARENT_TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

fn execute(base: &str) -> (String, String) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let context = std::fs::read_to_string(
        rlm_testenv::workspace_dir().join("examples/corpus/service_logs.txt"),
    )
    .unwrap();
    runtime.block_on(async {
        let response = reqwest::Client::new()
            .post(format!("{base}/api/execute"))
            .header("traceparent", format!("00-{PARENT_TRACE}-00f067aa0ba902b7-01"))
            .json(&serde_json::json!({"context": context, "user_query": QUESTION}))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{}", response.status());
        let header = response.headers()["x-rlm-otel-trace-id"].to_str().unwrap().to_string();
        let execution: Value = response.json().await.unwrap();
        (header, execution["id"].as_str().unwrap().to_string())
    })
}

#[test]
fn an_executions_json_log_lines_carry_its_otel_trace_id() {
    let dir = tempfile::tempdir().unwrap();
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let kept = Arc::clone(&lines);
    let (mut child, base) = serve_child::spawn_serve(
        |c| {
            c.arg("--data").arg(dir.path()).args(["--otlp-endpoint", "http://127.0.0.1:9"]);
            c.env("RUST_LOG", "info");
        },
        move |line| kept.lock().unwrap().push(line.to_string()),
    )
    .unwrap_or_else(|_| panic!("rlm serve did not start"));
    let (header, id) = execute(&base);
    assert_eq!(header, PARENT_TRACE);
    // The execution's lines: those its task logged (its span names it).
    let started = Instant::now();
    let ours = loop {
        let json: Vec<Value> = lines
            .lock()
            .unwrap()
            .iter()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .collect();
        let ours: Vec<Value> =
            json.into_iter().filter(|l| l["span"]["execution"] == id.as_str()).collect();
        if ours.iter().any(|l| l["fields"]["message"] == "execution finished") {
            break ours;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "no `execution finished` line");
        std::thread::sleep(Duration::from_millis(100));
    };
    for line in &ours {
        assert_eq!(line["span"]["otel_trace_id"], PARENT_TRACE, "{line}");
    }
    let _ = child.kill();
    let _ = child.wait();
}
