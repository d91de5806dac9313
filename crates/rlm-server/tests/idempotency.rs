//! `Idempotency-Key` on every creating POST (issues #55, #75), on the single
//! process (sled): a retry with the same key and body gets the first
//! response again and creates nothing; the same key with another body
//! answers 422; a synchronous execution's retry while it runs waits for its
//! end (it runs once), and its client going away does not cancel it; a
//! claim whose client went away before the answer is free at once; a
//! streamed execution's retry is sent to its events (303).

use crate::common;

use std::time::Duration;

use common::{TestServer, config};
use rlm_adapters::FakeScript;
use serde_json::{Value, json};

/// One root step, its reply `delay_ms` late: a program whose FINAL it
/// computes (an answer rests on evidence, issue #78).
fn slow_script(delay_ms: u64) -> FakeScript {
    let program = "```repl\nFINAL(len(context))\n```";
    serde_json::from_value(json!({
        "model": "slow",
        "replies": [{ "text": program, "delay_ms": delay_ms }],
        "when_exhausted": { "fixed": program }
    }))
    .unwrap()
}

async fn start(delay_ms: u64) -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let c = config(&dir, slow_script(delay_ms));
    TestServer::start_config(dir, c).await
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// POSTs `body` with the key; status, replayed?, body.
async fn keyed(server: &TestServer, path: &str, key: &str, body: &Value) -> (u16, bool, Value) {
    let response = client()
        .post(server.url(path))
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let replayed = response.headers().get("idempotent-replayed").is_some();
    (status, replayed, response.json().await.unwrap_or(Value::Null))
}

async fn total(server: &TestServer, path: &str) -> Value {
    let (status, listed) = server.get(path).await;
    assert_eq!(status, 200, "{listed}");
    listed["total"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_creation_creates_once() {
    let server = start(0).await;
    let body = json!({"name": "s", "context": "a small context"});
    let (status, replayed, first) = keyed(&server, "/api/sessions", "s-1", &body).await;
    assert_eq!((status, replayed), (200, false), "{first}");
    let (status, replayed, again) = keyed(&server, "/api/sessions", "s-1", &body).await;
    assert_eq!((status, replayed), (200, true));
    assert_eq!(again, first);
    assert_eq!(total(&server, "/api/sessions").await, 1);
    let other = json!({"name": "t", "context": "another context"});
    let (status, _, refused) = keyed(&server, "/api/sessions", "s-1", &other).await;
    assert_eq!((status, refused["code"].as_str()), (422, Some("unprocessable")), "{refused}");

    let sid = first["id"].as_str().unwrap();
    let job = json!({"session_id": sid, "user_query": "what does it say?"});
    let (_, _, submitted) = keyed(&server, "/api/jobs", "j-1", &job).await;
    let (status, replayed, resubmitted) = keyed(&server, "/api/jobs", "j-1", &job).await;
    assert_eq!((status, replayed), (200, true));
    assert_eq!(resubmitted["job_id"], submitted["job_id"]);
    assert_eq!(total(&server, "/api/jobs").await, 1);

    let execute = json!({"session_id": sid, "user_query": "and now?"});
    let (status, _, ran) = keyed(&server, "/api/execute", "e-1", &execute).await;
    assert_eq!(status, 200, "{ran}");
    let (_, replayed, rerun) = keyed(&server, "/api/execute", "e-1", &execute).await;
    assert!(replayed);
    assert_eq!(rerun["id"], ran["id"]);
    server.wait_job(submitted["job_id"].as_str().unwrap(), |s| s == "COMPLETE").await;
    assert_eq!(total(&server, &format!("/api/executions?session_id={sid}")).await, 2);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_while_the_first_runs_waits_for_its_end_and_a_stream_s_is_sent_to_its_events() {
    let server = start(1500).await;
    let execute = json!({"context": "ctx", "user_query": "slow?"});
    let first = {
        let url = server.url("/api/execute");
        let body = execute.clone();
        tokio::spawn(async move {
            client().post(url).header("Idempotency-Key", "slow").json(&body).send().await
        })
    };
    tokio::time::sleep(Duration::from_millis(400)).await;
    // The retry waits for the one execution and is answered with it.
    let (status, replayed, waited) = keyed(&server, "/api/execute", "slow", &execute).await;
    assert_eq!((status, replayed), (200, true), "{waited}");
    assert_eq!(waited["status"], "completed", "{waited}");
    let first: Value = first.await.unwrap().unwrap().json().await.unwrap();
    assert_eq!(first["id"], waited["id"]);
    assert_eq!(total(&server, "/api/executions").await, 1);

    let stream = json!({"context": "ctx", "user_query": "streamed?"});
    let response = client()
        .post(server.url("/api/execute/stream"))
        .header("Idempotency-Key", "stream-1")
        .json(&stream)
        .send()
        .await
        .unwrap();
    let id = response.headers()["x-execution-id"].to_str().unwrap().to_string();
    let _ = response.text().await.unwrap();
    let (status, replayed, moved) =
        keyed(&server, "/api/execute/stream", "stream-1", &stream).await;
    assert_eq!((status, replayed), (303, true), "{moved}");
    assert_eq!(moved["location"], format!("/api/executions/{id}/events"));
    server.stop().await;
}

/// An answer past the 4 MiB a stored response once could hold (issue #74:
/// such a key answered 500 and every retry ran the work again): the key
/// keeps the execution, and its replay is rendered from the record, whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_execution_with_a_large_answer_replays_it_whole() {
    let script: FakeScript = serde_json::from_value(json!({
        "model": "big",
        "when_exhausted": { "fixed": "```repl\nprint(context)\nFINAL(context * (6 * 1024 * 1024))\n```" }
    }))
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let c = config(&dir, script);
    let server = TestServer::start_config(dir, c).await;
    let body = json!({"context": "c", "user_query": "a big answer"});
    let (status, replayed, first) = keyed(&server, "/api/execute", "big-1", &body).await;
    assert_eq!((status, replayed), (200, false), "{first}");
    assert_eq!(first["final_result"].as_str().map(str::len), Some(6 << 20));
    let (status, replayed, again) = keyed(&server, "/api/execute", "big-1", &body).await;
    assert_eq!((status, replayed), (200, true));
    assert_eq!(again, first);
    assert_eq!(total(&server, "/api/executions").await, 1);
}

/// A keyed synchronous execution's client that goes away does not cancel
/// it (its key's retry is its client): the retry gets its answer, one
/// execution. Without a key, the client going away cancels it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keyed_execution_outlives_its_client_and_its_retry_gets_the_answer() {
    let server = start(1200).await;
    let execute = json!({"context": "ctx", "user_query": "gone?"});
    let gone = client()
        .post(server.url("/api/execute"))
        .header("Idempotency-Key", "gone")
        .json(&execute)
        .timeout(Duration::from_millis(300))
        .send()
        .await;
    assert!(gone.is_err_and(|e| e.is_timeout()), "the client gave up first");
    let (status, replayed, answer) = keyed(&server, "/api/execute", "gone", &execute).await;
    assert_eq!((status, replayed), (200, true), "{answer}");
    assert_eq!(answer["status"], "completed", "{answer}");
    assert_eq!(total(&server, "/api/executions").await, 1);

    let unkeyed = json!({"context": "ctx", "user_query": "unkeyed?"});
    let gone = client()
        .post(server.url("/api/execute"))
        .json(&unkeyed)
        .timeout(Duration::from_millis(300))
        .send()
        .await;
    assert!(gone.is_err());
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (_, listed) = server.get("/api/executions?limit=10").await;
    let cancelled = listed["executions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["user_query"] == "unkeyed?")
        .map(|e| e["status"].clone());
    assert_eq!(cancelled, Some(json!("cancelled")), "{listed}");
    server.stop().await;
}

/// A request whose client went away before it was answered gives its claim
/// up: the retry runs at once (never 409 for a request no one serves). A
/// multipart upload is claimed before its body streams in: its client
/// stops halfway.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_whose_client_went_away_is_free_at_once() {
    use tokio::io::AsyncWriteExt;
    let server = start(0).await;
    let boundary = "rlm-75";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.txt\"\r\n\
         Content-Type: text/plain\r\n\r\n"
    )
    .into_bytes();
    body.extend(std::iter::repeat_n(b'x', 64 * 1024));
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let addr = server.base.trim_start_matches("http://").to_string();
    let mut half = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /api/sessions HTTP/1.1\r\nHost: {addr}\r\nIdempotency-Key: half\r\n\
         Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    half.write_all(head.as_bytes()).await.unwrap();
    half.write_all(&body[..body.len() / 2]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(half);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let response = client()
        .post(server.url("/api/sessions"))
        .header("Idempotency-Key", "half")
        .header("Content-Type", &content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let made: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(status, 200, "{made}");
    assert_eq!(total(&server, "/api/sessions").await, 1);
    server.stop().await;
}
