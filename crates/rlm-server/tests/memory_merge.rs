//! `memory` merges per key: concurrent edits of different keys all stay, and
//! a key set through the API while an execution of its session runs survives
//! the execution's settlement (the keys the execution changed take its values).

use crate::common;

use std::time::Duration;

use common::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_sets_of_different_keys_all_stay() {
    let s = TestServer::start(demo_script()).await;
    let sid = s.create_session("many", "some context").await;
    let sets = (0..50).map(|i| {
        let client = s.client.clone();
        let url = s.url(&format!("/api/sessions/{sid}/memory"));
        tokio::spawn(async move {
            client.post(url).json(&json!({"key": format!("k{i}"), "value": i})).send().await
        })
    });
    for set in sets.collect::<Vec<_>>() {
        assert_eq!(set.await.unwrap().unwrap().status(), 200);
    }
    let (_, memory) = s.get(&format!("/api/sessions/{sid}/memory")).await;
    let memory = memory["memory"].as_object().unwrap();
    assert_eq!(memory.len(), 50, "{memory:?}");
    for i in 0..50 {
        assert_eq!(memory[&format!("k{i}")], json!(i));
    }
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_set_while_an_execution_runs_survives_its_settlement() {
    // The program's one subcall answers after a while: the API edits land
    // while the execution is in flight.
    let mock = MockModel::start(|_, _| MockReply {
        delay: Duration::from_millis(1500),
        ..MockReply::ok("late")
    })
    .await;
    let script = one_program_script(
        "memory['from_program'] = 1\nmemory['both'] = 'program'\ndel memory['gone']\nresult = llm_query('wait')",
    );
    let s = TestServer::start_with(script, |c| {
        mock.as_sub_model(c);
    })
    .await;
    let sid = s.create_session("merge", "some context").await;
    for (key, value) in [("gone", json!(1)), ("both", json!("api-before")), ("kept", json!(2))] {
        let (status, _) = s
            .post(&format!("/api/sessions/{sid}/memory"), json!({"key": key, "value": value}))
            .await;
        assert_eq!(status, 200);
    }
    let (_, job) = s.post("/api/jobs", json!({"session_id": sid, "user_query": "go"})).await;
    let id = job["job_id"].as_str().unwrap().to_string();
    for _ in 0..400 {
        if mock.count() >= 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(mock.count(), 1, "the execution is waiting for its subcall");
    for (key, value) in [("from_api", json!(3)), ("both", json!("api-during"))] {
        let (status, _) = s
            .post(&format!("/api/sessions/{sid}/memory"), json!({"key": key, "value": value}))
            .await;
        assert_eq!(status, 200);
    }
    let done = s.wait_job(&id, |st| st == "COMPLETE" || st == "FAILED").await;
    assert_eq!(done["status"], "COMPLETE", "{done}");
    let (_, memory) = s.get(&format!("/api/sessions/{sid}/memory")).await;
    assert_eq!(
        memory["memory"],
        json!({"both": "program", "kept": 2, "from_program": 1, "from_api": 3}),
        "the execution's keys take its values, every other key stays"
    );
    s.stop().await;
}
