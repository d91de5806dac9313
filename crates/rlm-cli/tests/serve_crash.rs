//! Every acknowledged write survives `kill -9`: concurrent writers create
//! sessions, set `memory` keys and run executions against `rlm serve`; the
//! server is killed with SIGKILL at a pseudo-random moment; after a restart
//! on the same data directory, every write that was answered 2xx is there
//! (an execution answered `completed` is `completed`, with its answer).
//! Twenty rounds, each killed at a different moment.

use std::process::Child;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::serve_child;
use serve_child::start_serve;

use serde_json::{Value, json};

const ROUNDS: u64 = 20;
const WRITERS: usize = 6;

/// Starts `rlm serve` (the offline scripted model) on an ephemeral port.
fn start(data: &std::path::Path) -> (Child, String) {
    start_serve(|c| {
        c.arg("--data").arg(data).env("RLM_LOG", "warn");
    })
}

/// What the server acknowledged before it was killed.
#[derive(Default)]
struct Acknowledged {
    sessions: Vec<String>,
    /// (session, key, value)
    memory: Vec<(String, String, Value)>,
    /// (execution, final answer)
    executions: Vec<(String, Value)>,
}

/// A small deterministic generator (xorshift), so each round kills at its own moment.
fn next(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

/// One writer: session, memory keys and executions in a loop, until the
/// server stops answering. Records only what was answered with success.
async fn writer(client: reqwest::Client, base: String, n: usize, acked: Arc<Mutex<Acknowledged>>) {
    let mut session: Option<String> = None;
    for i in 0.. {
        let step = match &session {
            None => client
                .post(format!("{base}/api/sessions"))
                .json(&json!({"name": format!("w{n}"), "context": "alpha beta gamma"}))
                .send()
                .await
                .map(|r| (0, r)),
            Some(sid) if i % 3 == 1 => client
                .post(format!("{base}/api/execute"))
                .json(&json!({"session_id": sid, "user_query": "How many words?"}))
                .send()
                .await
                .map(|r| (1, r)),
            Some(sid) => client
                .post(format!("{base}/api/sessions/{sid}/memory"))
                .json(&json!({"key": format!("k{n}-{i}"), "value": [n, i]}))
                .send()
                .await
                .map(|r| (2, r)),
        };
        let Ok((kind, response)) = step else { return };
        if !response.status().is_success() {
            return;
        }
        let Ok(body) = response.json::<Value>().await else { return };
        let mut a = acked.lock().unwrap();
        match kind {
            0 => {
                let sid = body["id"].as_str().unwrap().to_string();
                a.sessions.push(sid.clone());
                session = Some(sid);
            }
            1 => {
                if body["status"] == "completed" {
                    let eid = body["id"].as_str().unwrap().to_string();
                    a.executions.push((eid, body["final_result"].clone()));
                }
            }
            _ => {
                let sid = session.clone().unwrap();
                a.memory.push((
                    sid,
                    body["key"].as_str().unwrap().to_string(),
                    body["value"].clone(),
                ));
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_write_survives_kill_9() {
    let data = tempfile::tempdir().unwrap();
    survives_kill_9(|| start(data.path())).await;
}

rlm_testenv::needs_postgres! {
    /// The same rounds with PostgreSQL as the store: a settlement is
    /// acknowledged only once the batch holding it has committed.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_acknowledged_write_survives_kill_9_on_postgresql() {
        let data = tempfile::tempdir().unwrap();
        let url = crate::cluster_env::database_url();
        let schema = crate::cluster_env::unique("crash");
        survives_kill_9(|| {
            start_serve(|c| {
                c.arg("--data").arg(data.path()).env("RLM_LOG", "warn");
                c.args(["--database-url", &url, "--database-schema", &schema]);
            })
        })
        .await;
        let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(connection);
        client.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).await.unwrap();
    }
}

/// [`ROUNDS`] rounds of [`WRITERS`] writers against the server `start`
/// starts, each killed with SIGKILL at its own moment and restarted: every
/// write answered 2xx in any round is there after it.
async fn survives_kill_9(start: impl Fn() -> (Child, String)) {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut total = Acknowledged::default();
    for round in 0..ROUNDS {
        let (mut server, base) = start();
        let acked = Arc::new(Mutex::new(Acknowledged::default()));
        let writers: Vec<_> = (0..WRITERS)
            .map(|n| tokio::spawn(writer(client.clone(), base.clone(), n, Arc::clone(&acked))))
            .collect();
        let kill_after = 50 + next(&mut seed) % 400;
        tokio::time::sleep(Duration::from_millis(kill_after)).await;
        server.kill().unwrap(); // SIGKILL: no shutdown code runs
        server.wait().unwrap();
        for w in writers {
            w.await.unwrap();
        }
        let acked = std::mem::take(&mut *acked.lock().unwrap());
        total.sessions.extend(acked.sessions);
        total.memory.extend(acked.memory);
        total.executions.extend(acked.executions);

        // Every write acknowledged in this round and the earlier ones is there.
        let (mut server, base) = start();
        for sid in &total.sessions {
            let r = client.get(format!("{base}/api/sessions/{sid}")).send().await.unwrap();
            assert_eq!(r.status(), 200, "round {round}: session {sid} was acknowledged, then lost");
        }
        let mut memories = std::collections::HashMap::new();
        for (sid, key, value) in &total.memory {
            if !memories.contains_key(sid) {
                let m: Value = client
                    .get(format!("{base}/api/sessions/{sid}/memory"))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                memories.insert(sid.clone(), m);
            }
            assert_eq!(
                &memories[sid]["memory"][key], value,
                "round {round}: memory {key} of {sid} was acknowledged, then lost"
            );
        }
        for (eid, answer) in &total.executions {
            let e: Value = client
                .get(format!("{base}/api/executions/{eid}"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert_eq!(e["status"], "completed", "round {round}: execution {eid}: {e}");
            assert_eq!(&e["final_result"], answer, "round {round}: execution {eid}");
        }
        server.kill().unwrap();
        server.wait().unwrap();
    }
    // The rounds did write: the test checked real acknowledgements.
    assert!(total.sessions.len() >= ROUNDS as usize, "{} sessions", total.sessions.len());
    assert!(!total.memory.is_empty() && !total.executions.is_empty());
}

/// A store whose files were cut short stops `rlm serve` at start with one
/// paragraph naming the folder and what to do, exit 2: never a panic.
#[test]
fn a_damaged_store_stops_rlm_serve_naming_the_folder() {
    let data = tempfile::tempdir().unwrap();
    let (mut child, _) = start(data.path());
    let _ = child.kill();
    let _ = child.wait();
    let conf = data.path().join("db/conf");
    let len = std::fs::metadata(&conf).unwrap().len();
    std::fs::OpenOptions::new().write(true).open(&conf).unwrap().set_len(len / 2).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rlm"))
        .args(["serve", "--bind", "127.0.0.1:0", "--data"])
        .arg(data.path())
        .env("RLM_LOG", "warn")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let folder = data.path().join("db").display().to_string();
    assert!(stderr.contains("is damaged") && stderr.contains(&folder), "{stderr}");
    assert!(stderr.contains("restore it from a backup"), "{stderr}");
    assert!(!stderr.contains("panicked") && !stderr.contains("bug in rlm"), "{stderr}");
}
