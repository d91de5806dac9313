//! Everything persists: restart the server on the same data directory and
//! the sessions, memory, executions, traces and jobs are there.

use crate::common;

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
    let mock = MockModel::slow(Duration::from_secs(30)).await;
    let script = one_program_script("result = llm_query('wait')");
    let s = TestServer::start_with(script.clone(), |c| {
        mock.as_sub_model(c);
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
    mock.as_sub_model(&mut c);
    let s = TestServer::start_config(dir, c).await;
    let after = s.get(&format!("/api/jobs/{jid}")).await.1;
    assert_eq!(after["status"], "INTERRUPTED", "{after}");
    let eid = after["execution_id"].as_str().unwrap();
    assert_eq!(s.get(&format!("/api/executions/{eid}")).await.1["status"], "interrupted");
    s.stop().await;
}

/// Sets a file's modification time `ago` in the past.
fn age(path: &std::path::Path, ago: std::time::Duration) {
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(std::time::SystemTime::now() - ago).unwrap();
}

/// Issue #36: the sweep at start deletes a blob no record references once
/// it is older than the grace period (a crash between a blob and its
/// record), and keeps a referenced one, however old, and a young orphan
/// (an upload in flight may be about to reference it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_start_up_sweep_removes_old_orphan_blobs_only() {
    use rlm_server::blobs::{BlobStore, FolderBlobs};
    use std::time::Duration;
    let s = TestServer::start(demo_script()).await;
    let sid = s.create_session("kept", &corpus_text()).await;
    let (_, first) =
        s.post("/api/execute", json!({"session_id": sid, "user_query": DEMO_QUESTION})).await;
    let dir = s.stop().await;
    let folder = dir.path().join("data/blobs");
    let blobs = FolderBlobs::open(folder.clone()).unwrap();
    let referenced = blobs.list(10, std::time::SystemTime::UNIX_EPOCH).unwrap();
    assert_eq!(referenced.len(), 1, "the session's context is one blob");
    let orphan = blobs.put(b"a context whose session record a crash lost").unwrap();
    let young = blobs.put(b"an upload about to be referenced").unwrap();
    let two_hours = Duration::from_secs(7200);
    age(&folder.join(&orphan), two_hours);
    age(&folder.join(&referenced[0]), two_hours);

    let c = config(&dir, demo_script());
    assert_eq!(c.blobs.grace, Duration::from_secs(3600));
    let s = TestServer::start_config(dir, c).await;
    let mut swept = false;
    for _ in 0..400 {
        if !blobs.contains(&orphan).unwrap() {
            swept = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(swept, "the start-up sweep never deleted the old orphan");
    assert!(blobs.contains(&referenced[0]).unwrap());
    assert!(blobs.contains(&young).unwrap());
    let (_, again) =
        s.post("/api/execute", json!({"session_id": sid, "user_query": DEMO_QUESTION})).await;
    assert_eq!(again["final_result"], first["final_result"]);
    s.stop().await;
}

/// Issue #36: a data folder from before the blob store (a session whose
/// context is `contexts/{uuid}.txt`) keeps working: executions read the
/// file where it is, and deleting the session deletes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_context_file_from_before_the_blob_store_keeps_working() {
    use rlm_server::store::prelude::*;
    use rlm_server::store::{ContextRef, DocumentRef, SledStore};
    let s = TestServer::start(demo_script()).await;
    let sid = s.create_session("new", &corpus_text()).await;
    let (_, expected) =
        s.post("/api/execute", json!({"session_id": sid, "user_query": DEMO_QUESTION})).await;
    let dir = s.stop().await;
    let data = dir.path().join("data");
    let text = corpus_text();
    let legacy = "3f2a6b1e-0000-4000-8000-000000000001.txt";
    std::fs::create_dir_all(data.join("contexts")).unwrap();
    std::fs::write(data.join("contexts").join(legacy), &text).unwrap();
    let old_id = {
        let store = SledStore::open(&data.join("db")).unwrap();
        let mut record = store.get_session(sid.parse().unwrap()).await.unwrap().unwrap();
        record.id = uuid::Uuid::new_v4();
        record.state = rlm_server::store::new_session_state(record.id);
        let chars = text.chars().count() as u64;
        record.context = Some(ContextRef {
            file: legacy.into(),
            blob: None,
            bytes: text.len() as u64,
            chars,
            hash: blake3::hash(text.as_bytes()).to_hex().to_string(),
            documents: vec![DocumentRef { name: None, bytes: text.len() as u64, chars }],
            separator: "\n\n".into(),
        });
        store.put_session(&record).await.unwrap();
        record.id
    };
    let c = config(&dir, demo_script());
    let s = TestServer::start_config(dir, c).await;
    let (status, old) =
        s.post("/api/execute", json!({"session_id": old_id, "user_query": DEMO_QUESTION})).await;
    assert_eq!(status, 200, "{old}");
    assert_eq!(old["final_result"], expected["final_result"]);
    let r = s.client.delete(s.url(&format!("/api/sessions/{old_id}"))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(!data.join("contexts").join(legacy).exists());
    s.stop().await;
}

/// `POST /api/execute` stores a short execution once, at its end, but one
/// that runs on is stored while it runs: listed as running (so a restart
/// after a crash marks it `interrupted`), then settled as usual.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_unannounced_execution_is_stored_while_it_runs() {
    use std::time::Duration;
    let mock = MockModel::slow(Duration::from_secs(3)).await;
    let script = one_program_script("result = llm_query('wait')");
    let s = TestServer::start_with(script, |c| {
        mock.as_sub_model(c);
    })
    .await;
    let sid = s.create_session("long", "ctx").await;
    let client = reqwest::Client::new();
    let ask = client
        .post(s.url("/api/execute"))
        .json(&json!({"session_id": sid, "user_query": "q"}))
        .send();
    let answer = tokio::spawn(ask);
    // Wait (on state, with a deadline) until the store lists it running.
    let mut running = None;
    for _ in 0..250 {
        let (_, listed) = s.get(&format!("/api/executions?session_id={sid}")).await;
        if let Some(e) = listed["executions"].as_array().and_then(|a| a.first()) {
            running = Some(e.clone());
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let running = running.expect("the running execution was never listed");
    assert_eq!(running["status"], "running", "{running}");
    let eid = running["id"].as_str().unwrap().to_string();
    let done: serde_json::Value = answer.await.unwrap().unwrap().json().await.unwrap();
    assert_eq!(done["id"].as_str(), Some(eid.as_str()));
    let (_, ended) = s.get(&format!("/api/executions/{eid}")).await;
    assert_eq!(ended["status"], done["status"]);
    assert_ne!(ended["status"], "running");
    s.stop().await;
}
