//! `rlm serve` killed with SIGKILL in the middle of a job, then restarted on
//! the same data directory: the job reports INTERRUPTED (never RUNNING), its
//! execution `interrupted`, and every other session is intact.

use std::process::Child;
use std::time::Duration;

use crate::serve_child;
use serve_child::start_serve;

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Starts `rlm serve` on an ephemeral port; returns the child and its base URL.
fn start(data: &std::path::Path, model_url: &str) -> (Child, String) {
    start_serve(|c| {
        c.arg("--data").arg(data).args(["--sub-model", "openai:mock-sub"]);
        c.env("OPENAI_BASE_URL", model_url).env("OPENAI_API_KEY", "sk-test-0123456789");
    })
}

async fn get(client: &reqwest::Client, url: String) -> Value {
    client.get(url).send().await.unwrap().json().await.unwrap()
}

async fn post(client: &reqwest::Client, url: String, body: Value) -> Value {
    let r = client.post(url).json(&body).send().await.unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    r.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_running_when_the_server_is_killed_is_reported_interrupted() {
    // Sub-model calls hang, so the job is mid-`llm_batch` when the kill comes.
    let model = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(60)))
        .mount(&model)
        .await;
    let model_url = format!("{}/v1", model.uri());
    let data = tempfile::tempdir().unwrap();
    let corpus = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples/corpus/service_logs.txt"),
    )
    .unwrap();
    let client = reqwest::Client::new();
    let (mut server, base) = start(data.path(), &model_url);

    let a = post(&client, format!("{base}/api/sessions"), json!({"name": "a", "context": corpus}))
        .await;
    let b = post(
        &client,
        format!("{base}/api/sessions"),
        json!({"name": "b", "context": "other text"}),
    )
    .await;
    let (a, b) = (a["id"].as_str().unwrap().to_string(), b["id"].as_str().unwrap().to_string());
    post(
        &client,
        format!("{base}/api/sessions/{b}/memory"),
        json!({"key": "k", "value": [1, 2, 3]}),
    )
    .await;
    let job = post(
        &client,
        format!("{base}/api/jobs"),
        json!({"session_id": a, "user_query": "Which service logged the most errors?"}),
    )
    .await;
    let jid = job["job_id"].as_str().unwrap().to_string();
    for _ in 0..400 {
        let received = model.received_requests().await.map_or(0, |r| r.len());
        if received > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let running = get(&client, format!("{base}/api/jobs/{jid}")).await;
    assert_eq!(running["status"], "RUNNING", "{running}");
    let eid = running["execution_id"].as_str().unwrap().to_string();
    // The batch's subcalls are in its trace (each span opens as its call
    // starts); sled writes to disk every 200 ms, so wait past one flush.
    for _ in 0..400 {
        let exec = get(&client, format!("{base}/api/executions/{eid}")).await;
        if exec["tree"]["tree"]["children"].as_array().is_some_and(|c| !c.is_empty()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    server.kill().unwrap(); // SIGKILL: no shutdown code runs
    server.wait().unwrap();

    let (mut server, base) = start(data.path(), &model_url);
    let after = get(&client, format!("{base}/api/jobs/{jid}")).await;
    assert_eq!(after["status"], "INTERRUPTED", "{after}");
    assert!(after["error"].as_str().unwrap().contains("interrupted"));
    assert!(after["finished_at"].is_string());
    let exec = get(&client, format!("{base}/api/executions/{eid}")).await;
    assert_eq!(exec["status"], "interrupted", "{exec}");
    // What the execution did before the kill was stored as it happened.
    assert!(exec["tree"]["tree"]["children"].as_array().is_some_and(|c| !c.is_empty()), "{exec}");
    // Every session is intact.
    let sessions = get(&client, format!("{base}/api/sessions")).await;
    assert_eq!(sessions["total"], 2);
    let b_now = get(&client, format!("{base}/api/sessions/{b}")).await;
    assert_eq!(b_now["name"], "b");
    assert_eq!(
        get(&client, format!("{base}/api/sessions/{b}/memory")).await["memory"]["k"],
        json!([1, 2, 3])
    );
    let a_now = get(&client, format!("{base}/api/sessions/{a}")).await;
    assert_eq!(a_now["context_metadata"]["size"], corpus.chars().count() as u64);
    server.kill().unwrap();
    server.wait().unwrap();
}
