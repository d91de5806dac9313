//! Everything persists: restart the server on the same data directory and
//! the sessions, memory, executions, traces and jobs are there.

mod common;

use common::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_server_has_everything() {
    let s = TestServer::start(demo_script()).await;
    let sid = s.create_session("kept", &corpus_text()).await;
    s.post(&format!("/api/sessions/{sid}/memory"), json!({"key": "note", "value": "remember me"}))
        .await;
    let (_, exec) =
        s.post("/api/execute", json!({"session_id": sid, "user_query": DEMO_QUESTION})).await;
    let eid = exec["id"].as_str().unwrap().to_string();
    let (_, job) =
        s.post("/api/jobs", json!({"session_id": sid, "user_query": DEMO_QUESTION})).await;
    let jid = job["job_id"].as_str().unwrap().to_string();
    s.wait_job(&jid, |st| st == "COMPLETE").await;
    let (_, tree_before) = s.get(&format!("/api/executions/{eid}/tree")).await;
    let dir = s.stop().await;

    let c = config(&dir, demo_script());
    let s = TestServer::start_config(dir, c).await;
    let (status, session) = s.get(&format!("/api/sessions/{sid}")).await;
    assert_eq!(status, 200);
    assert_eq!(session["name"], "kept");
    assert_eq!(session["spend"]["executions"], 2);
    assert_eq!(
        s.get(&format!("/api/sessions/{sid}/memory")).await.1["memory"]["note"],
        "remember me"
    );
    assert_eq!(
        s.get(&format!("/api/sessions/{sid}/history")).await.1["turns"].as_array().unwrap().len(),
        2
    );
    let (_, again) = s.get(&format!("/api/executions/{eid}")).await;
    assert_eq!(again["final_result"], exec["final_result"]);
    assert_eq!(s.get(&format!("/api/executions/{eid}/tree")).await.1, tree_before);
    assert_eq!(s.get(&format!("/api/jobs/{jid}")).await.1["status"], "COMPLETE");
    // The stored context still serves executions.
    let (_, third) =
        s.post("/api/execute", json!({"session_id": sid, "user_query": DEMO_QUESTION})).await;
    assert_eq!(third["final_result"], exec["final_result"]);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_graceful_shutdown_interrupts_running_jobs_cleanly() {
    use std::time::Duration;
    let mock =
        MockModel::start(|_, _| MockReply { delay: Duration::from_secs(30), ..MockReply::ok("x") })
            .await;
    let env = mock.env();
    let script = one_program_script("result = llm_query('wait')");
    let s = TestServer::start_with(script.clone(), |c| {
        c.models.default_sub_model = Some("openai:mock-sub".into());
        c.models.env = env.clone();
    })
    .await;
    let sid = s.create_session("drain", "ctx").await;
    let (_, job) = s.post("/api/jobs", json!({"session_id": sid, "user_query": "q"})).await;
    let jid = job["job_id"].as_str().unwrap().to_string();
    s.wait_job(&jid, |st| st == "RUNNING").await;
    for _ in 0..200 {
        if mock.count() > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Shutdown waits its grace (300 ms here), then interrupts what still runs.
    let dir = s.stop().await;
    let mut c = config(&dir, script);
    c.models.default_sub_model = Some("openai:mock-sub".into());
    c.models.env = env;
    let s = TestServer::start_config(dir, c).await;
    let after = s.get(&format!("/api/jobs/{jid}")).await.1;
    assert_eq!(after["status"], "INTERRUPTED", "{after}");
    let eid = after["execution_id"].as_str().unwrap();
    assert_eq!(s.get(&format!("/api/executions/{eid}")).await.1["status"], "interrupted");
    s.stop().await;
}
