//! Jobs over HTTP: submit, poll, complete; cancel in the middle of an
//! `llm_batch` (no further calls sent, spend settled); a full queue answers
//! 429 with Retry-After.

use crate::common;

use std::time::Duration;

use common::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_is_submitted_polled_and_answered() {
    let s = TestServer::start(demo_script()).await;
    let sid = s.create_session("jobs", &corpus_text()).await;
    let (status, job) =
        s.post("/api/jobs", json!({"session_id": sid, "user_query": DEMO_QUESTION})).await;
    assert_eq!(status, 200, "{job}");
    assert!(matches!(job["status"].as_str(), Some("PENDING" | "RUNNING")));
    let id = job["job_id"].as_str().unwrap();
    let done = s.wait_job(id, |st| st == "COMPLETE").await;
    assert!(done["answer"].as_str().unwrap().contains("amber-falcon-42"));
    let eid = done["execution_id"].as_str().unwrap();
    let (_, exec) = s.get(&format!("/api/executions/{eid}")).await;
    assert_eq!(exec["job_id"].as_str(), Some(id));
    assert_eq!(exec["status"], "completed");
    let (_, list) = s.get("/api/jobs").await;
    assert_eq!(list["total"], 1);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_a_job_mid_batch_stops_its_calls_and_settles_the_spend() {
    // 10 prompts answer at once, 190 hang: cancel while the batch is stuck.
    let mock = MockModel::start(|_, prompt| {
        let delay = if prompt.starts_with("fast") { 0 } else { 30_000 };
        MockReply { delay: Duration::from_millis(delay), ..MockReply::ok("ok") }
    })
    .await;
    let script = one_program_script(
        "result = llm_batch([f\"fast {i}\" for i in range(10)] + [f\"slow {i}\" for i in range(190)])",
    );
    let s = TestServer::start_with(script, |c| {
        mock.as_sub_model(c);
    })
    .await;
    let sid = s.create_session("cancel", "some context").await;
    let (_, job) = s.post("/api/jobs", json!({"session_id": sid, "user_query": "go"})).await;
    let id = job["job_id"].as_str().unwrap().to_string();
    // Wait until the fast calls have answered and the slow ones are in flight.
    for _ in 0..400 {
        if mock.count() >= 20 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let r = s.client.delete(s.url(&format!("/api/jobs/{id}"))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let cancelled: serde_json::Value = r.json().await.unwrap();
    assert_eq!(cancelled["status"], "CANCELLED", "{cancelled}");
    let sent = mock.count();
    assert!(sent < 200, "calls past the concurrency window were never sent ({sent})");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(mock.count(), sent, "no call was sent after the cancel");
    // The spend is settled: what the execution's trace records (the root
    // model's call, and each subcall whose end was recorded) is charged to
    // the execution and to the session, once.
    let eid = cancelled["execution_id"].as_str().unwrap();
    let (_, exec) = s.get(&format!("/api/executions/{eid}")).await;
    assert_eq!(exec["status"], "cancelled");
    assert_eq!(exec["finish"], "cancelled");
    let subcalls = exec["tree"]["tree"]["children"].as_array().unwrap();
    assert_eq!(subcalls.len(), 200, "every call of the batch is in the tree");
    // Each subcall's end is recorded as it ends: the ten fast ones answered
    // before the cancel and are charged; the cancelled ones are not.
    let finished = subcalls.iter().filter(|c| c["status"] == "completed").count() as u64;
    assert_eq!(finished, 10, "the fast calls finished before the cancel");
    assert_eq!(exec["subcalls"].as_u64().unwrap(), finished);
    assert!(exec["total_input_tokens"].as_u64().unwrap() > 0, "the root call is charged");
    let (_, session) = s.get(&format!("/api/sessions/{sid}")).await;
    assert_eq!(session["spend"]["executions"], 1);
    assert_eq!(session["spend"]["calls"], exec["subcalls"]);
    assert_eq!(session["spend"]["input_tokens"], exec["total_input_tokens"]);
    assert_eq!(session["spend"]["output_tokens"], exec["total_output_tokens"]);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_answers_429_with_retry_after() {
    let mock = MockModel::slow(Duration::from_secs(30)).await;
    let script = one_program_script("result = llm_query('wait')");
    let s = TestServer::start_with(script, |c| {
        mock.as_sub_model(c);
        c.jobs.workers = 1;
        c.jobs.queue_capacity = 1;
    })
    .await;
    let sid = s.create_session("queue", "ctx").await;
    let submit = || s.post("/api/jobs", json!({"session_id": sid, "user_query": "q"}));
    let (_, running) = submit().await;
    s.wait_job(running["job_id"].as_str().unwrap(), |st| st == "RUNNING").await;
    let (status, _) = submit().await;
    assert_eq!(status, 200, "one job may wait");
    let r = s
        .client
        .post(s.url("/api/jobs"))
        .json(&json!({"session_id": sid, "user_query": "q"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    let retry: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry >= 1);
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(body["detail"].as_str().unwrap().contains("queue is full"));
    // A pending job cancels at once and frees its place.
    let (_, list) = s.get("/api/jobs").await;
    let pending =
        list["jobs"].as_array().unwrap().iter().find(|j| j["status"] == "PENDING").unwrap();
    let r = s
        .client
        .delete(s.url(&format!("/api/jobs/{}", pending["job_id"].as_str().unwrap())))
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["status"], "CANCELLED");
    assert_eq!(submit().await.0, 200);
    s.stop().await;
}
