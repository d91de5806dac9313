//! What one API key can take from the others (issue #54): the server-wide
//! sandbox memory bound (an execution whose budget does not fit waits, then
//! 429 with Retry-After), a key's share of the job queue (another key's
//! first job is accepted), and the quota on a session's `memory` (413 for a
//! write past it, a program's changes past it not kept, bounded pages).

use crate::common;

use std::time::{Duration, Instant};

use common::*;
use rlm_server::ApiKey;
use serde_json::{Value, json};

const ALICE: &str = "alice-token-0123456789abcdef";
const BOB: &str = "bob-token-0123456789abcdef01";

async fn send(
    s: &TestServer,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut r = s.client.request(method, s.url(path)).bearer_auth(token);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, headers, r.json().await.unwrap_or(Value::Null))
}

async fn post(s: &TestServer, token: &str, path: &str, body: Value) -> (u16, Value) {
    let (status, _, body) = send(s, token, reqwest::Method::POST, path, Some(body)).await;
    (status, body)
}

async fn session(s: &TestServer, token: &str) -> String {
    let (status, body) =
        post(s, token, "/api/sessions", json!({"name": "s", "context": "ctx"})).await;
    assert_eq!(status, 200, "{body}");
    body["id"].as_str().unwrap().to_string()
}

fn two_keys(c: &mut rlm_server::ServerConfig) {
    c.api_keys = ApiKey::parse_list(&format!("alice:{ALICE},bob:{BOB}")).unwrap();
}

/// Room for one execution's memory budget: a second execution waits the
/// wait bound, then is refused with 429 and Retry-After; once the first
/// ends, the next one runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_execution_past_the_memory_bound_waits_then_gets_429() {
    let mock = MockModel::slow(Duration::from_secs(4)).await;
    let script = one_program_script("result = llm_query('wait')");
    let s = TestServer::start_with(script, |c| {
        two_keys(c);
        mock.as_sub_model(c);
        c.limits.max_sandbox_memory = Some(c.limits.sandbox.memory_bytes as u64);
        c.limits.sandbox_memory_wait = Duration::from_millis(800);
    })
    .await;
    let sid = session(&s, ALICE).await;
    let first = {
        let (client, url) = (s.client.clone(), s.url("/api/execute"));
        let body = json!({"session_id": sid, "user_query": "q"});
        tokio::spawn(async move {
            client.post(url).bearer_auth(ALICE).json(&body).send().await.unwrap().status()
        })
    };
    while mock.count() == 0 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let other = session(&s, BOB).await;
    let asked = Instant::now();
    let (status, headers, body) = send(
        &s,
        BOB,
        reqwest::Method::POST,
        "/api/execute",
        Some(json!({"session_id": other, "user_query": "q"})),
    )
    .await;
    assert_eq!(status, 429, "{body}");
    assert!(asked.elapsed() >= Duration::from_millis(700), "it waited its bound first");
    let retry: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry >= 1);
    assert!(body["detail"].as_str().unwrap().contains("sandbox memory"), "{body}");
    assert_eq!(first.await.unwrap(), 200);
    let (status, body) =
        post(&s, BOB, "/api/execute", json!({"session_id": other, "user_query": "q"})).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("completed")), "{body}");
    s.stop().await;
}

/// Alice alone fills the job queue as far as her share goes; Bob's first
/// job is still accepted, and the queue's capacity still holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_key_never_refuses_another_keys_first_job() {
    let mock = MockModel::slow(Duration::from_secs(30)).await;
    let script = one_program_script("result = llm_query('wait')");
    let s = TestServer::start_with(script, |c| {
        two_keys(c);
        mock.as_sub_model(c);
        c.jobs.workers = 1;
        c.jobs.queue_capacity = 8;
    })
    .await;
    let alice = session(&s, ALICE).await;
    let job = json!({"session_id": alice, "user_query": "q"});
    let mut accepted = 0;
    let refusal = loop {
        let (status, body) = post(&s, ALICE, "/api/jobs", job.clone()).await;
        if status != 200 {
            break (status, body);
        }
        accepted += 1;
        assert!(accepted <= 8, "a key alone never takes the whole queue");
    };
    assert_eq!(refusal.0, 429, "{}", refusal.1);
    assert!(
        refusal.1["detail"].as_str().unwrap().contains("its share of the queue"),
        "{}",
        refusal.1
    );
    let bob = session(&s, BOB).await;
    let (status, body) =
        post(&s, BOB, "/api/jobs", json!({"session_id": bob, "user_query": "q"})).await;
    assert_eq!(status, 200, "Bob's first job: {body}");
    s.stop().await;
}

/// `POST …/memory` past the per-value or the per-session quota is 413 and
/// changes nothing; `GET …/memory` pages in key order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_writes_past_the_quota_are_413_and_reads_are_paged() {
    let s = TestServer::start_with(demo_script(), |c| {
        c.limits.max_memory_value_bytes = 1000;
        c.limits.max_session_memory_bytes = 2500;
    })
    .await;
    let sid = s.create_session("memory", "ctx").await;
    let path = format!("/api/sessions/{sid}/memory");
    let big = "x".repeat(1200);
    let (status, body) = s.post(&path, json!({"key": "big", "value": big})).await;
    assert_eq!(status, 413, "{body}");
    assert!(body["detail"].as_str().unwrap().contains("memory value"), "{body}");
    for key in ["c", "a", "b"] {
        let (status, body) = s.post(&path, json!({"key": key, "value": "y".repeat(700)})).await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, body) = s.post(&path, json!({"key": "d", "value": "y".repeat(700)})).await;
    assert_eq!(status, 413, "{body}");
    assert!(body["detail"].as_str().unwrap().contains("session's memory"), "{body}");
    // Replacing a key counts the new value instead of the old one.
    let (status, _) = s.post(&path, json!({"key": "a", "value": "z".repeat(900)})).await;
    assert_eq!(status, 200);
    let (_, page) = s.get(&format!("{path}?limit=2")).await;
    let keys: Vec<&String> = page["memory"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["a", "b"]);
    assert_eq!(page["next_cursor"], "b");
    let (_, page) = s.get(&format!("{path}?limit=2&cursor=b")).await;
    let keys: Vec<&String> = page["memory"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["c"]);
    assert!(page.get("next_cursor").is_none(), "{page}");
    s.stop().await;
}

/// A program that puts more in `memory` than the quota allows: its
/// execution ends as it would, its changes to `memory` are not kept, and
/// its record says why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_programs_memory_past_the_quota_is_not_kept() {
    let script =
        one_program_script("memory['kept'] = 1\nmemory['huge'] = 'x' * 5000\nresult = 'ok'");
    let s = TestServer::start_with(script, |c| {
        c.limits.max_memory_value_bytes = 1000;
    })
    .await;
    let sid = s.create_session("memory", "ctx").await;
    let (status, body) =
        s.post("/api/execute", json!({"session_id": sid, "user_query": "q"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["final_result"], "ok", "{body}");
    let error = body["error_message"].as_str().unwrap_or_default();
    assert!(error.contains("memory was not saved"), "{body}");
    let (_, stored) = s.get(&format!("/api/executions/{}", body["id"].as_str().unwrap())).await;
    assert_eq!(stored["error_message"], body["error_message"], "the note is stored");
    let (_, memory) = s.get(&format!("/api/sessions/{sid}/memory")).await;
    assert_eq!(memory["memory"], json!({}), "{memory}");
    s.stop().await;
}
