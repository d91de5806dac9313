//! What the server stored is checked before it is used. A context blob
//! whose bytes changed (same length, or not) or that is gone is refused
//! with a 409 naming the blob and what to do, never a server path, on
//! `/api` and on `/v1`. A store whose files were cut short (each file of a
//! real store truncated at 20 points over its length) either starts with
//! what survived or is refused with "the store at … is damaged", never a
//! panic.

use crate::common;

use std::path::{Path, PathBuf};

use common::*;
use rlm_server::Server;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

fn blob_of(s: &TestServer, text: &str) -> PathBuf {
    let name: String = Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    let path = s.dir.path().join("data/blobs").join(name);
    assert!(path.is_file(), "no blob at {}", path.display());
    path
}

/// Asks over session `sid` on `/api` and on `/v1`; both must refuse with
/// 409 `code`, naming no path of the server's.
async fn assert_refused(s: &TestServer, sid: &str, code: &str) {
    let (status, body) =
        s.post("/api/execute", json!({"session_id": sid, "user_query": "what is here?"})).await;
    assert_eq!((status, body["code"].as_str()), (409, Some(code)), "{body}");
    let detail = body["detail"].as_str().unwrap();
    let chat = json!({"model": format!("rlm:session/{sid}"),
        "messages": [{"role": "user", "content": "what is here?"}]});
    let (v1_status, v1) = s.post("/v1/chat/completions", chat).await;
    assert_eq!((v1_status, v1["error"]["code"].as_str()), (409, Some(code)), "{v1}");
    let root = s.dir.path().display().to_string();
    for text in [detail.to_string(), v1.to_string()] {
        assert!(!text.contains(&root) && !text.contains("/blobs"), "a server path: {text}");
        assert!(text.contains("blob "), "the blob is not named: {text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_or_missing_blob_is_refused_without_a_server_path() {
    let s = TestServer::start(demo_script()).await;
    // Used once (verified and mapped), then changed with its length kept.
    let same = "the first context, to be changed in place";
    let sid = s.create_session("same-length", same).await;
    let (status, ok) =
        s.post("/api/execute", json!({"session_id": sid, "user_query": "what is here?"})).await;
    assert_eq!(status, 200, "{ok}");
    let path = blob_of(&s, same);
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(&path, same.replace("first", "FIRST")).unwrap();
    assert_refused(&s, &sid, "context_damaged").await;
    // Grown by a byte.
    let longer = "the second context, to be grown";
    let sid = s.create_session("longer", longer).await;
    std::fs::write(blob_of(&s, longer), format!("{longer}!")).unwrap();
    assert_refused(&s, &sid, "context_damaged").await;
    // Gone.
    let gone = "the third context, to be deleted";
    let sid = s.create_session("gone", gone).await;
    std::fs::remove_file(blob_of(&s, gone)).unwrap();
    assert_refused(&s, &sid, "context_missing").await;
    // An untouched one still answers.
    let fine = "the fourth context, left alone";
    let sid = s.create_session("fine", fine).await;
    let (status, body) =
        s.post("/api/execute", json!({"session_id": sid, "user_query": "what is here?"})).await;
    assert_eq!(status, 200, "{body}");
    s.stop().await;
}

/// Every file under `dir`, with its length.
fn files(dir: &Path) -> Vec<(PathBuf, u64)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push((path.clone(), entry.metadata().unwrap().len()));
        }
    }
    out.sort();
    out
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_store_starts_with_what_survived_or_says_it_is_damaged() {
    let s = TestServer::start(demo_script()).await;
    let corpus = corpus_text();
    for n in 0..8 {
        let sid = s.create_session(&format!("s{n}"), &format!("{n}: {corpus}")).await;
        let (status, _) =
            s.post("/api/execute", json!({"session_id": sid, "user_query": DEMO_QUESTION})).await;
        assert_eq!(status, 200);
    }
    let dir = s.stop().await;
    let pristine = dir.path().join("pristine");
    copy_dir(&dir.path().join("data"), &pristine);
    let db_files: Vec<(PathBuf, u64)> =
        files(&pristine.join("db")).into_iter().filter(|(_, len)| *len > 0).collect();
    assert!(!db_files.is_empty());
    let (mut started, mut refused) = (0, 0);
    for (file, len) in &db_files {
        let relative = file.strip_prefix(&pristine).unwrap();
        for k in 0..20u64 {
            let at = len * k / 20;
            let data = dir.path().join("data");
            let _ = std::fs::remove_dir_all(&data);
            copy_dir(&pristine, &data);
            std::fs::OpenOptions::new()
                .write(true)
                .open(data.join(relative))
                .unwrap()
                .set_len(at)
                .unwrap();
            let mut c = config(&dir, demo_script());
            c.shutdown_grace = std::time::Duration::from_millis(100);
            match Server::start(c).await {
                Ok(server) => {
                    let base = format!("http://{}", server.addr());
                    let r = reqwest::get(format!("{base}/api/sessions")).await.unwrap();
                    let status = r.status().as_u16();
                    let body: Value = r.json().await.unwrap_or(Value::Null);
                    assert!(
                        status == 200 || body["detail"].as_str().is_some(),
                        "{} cut at {at}: {status} {body}",
                        relative.display()
                    );
                    server.stop().await.unwrap();
                    started += 1;
                }
                Err(e) => {
                    let message = e.to_string();
                    assert!(
                        message.contains("is damaged") && message.contains("db"),
                        "{} cut at {at}: {message}",
                        relative.display()
                    );
                    assert!(message.contains("restore it from a backup"), "{message}");
                    eprintln!("{} cut at {at}: {message}", relative.display());
                    refused += 1;
                }
            }
        }
    }
    eprintln!(
        "{} files x 20 cuts: {started} started, {refused} refused as damaged",
        db_files.len()
    );
}
