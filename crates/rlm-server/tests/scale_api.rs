//! Issue #35 item 3 through the HTTP API: the history paged by cursor (the
//! session's state keeps a bounded window), cursor paging of the list
//! endpoints (jobs included), `DELETE /api/executions/{id}` leaving lists and
//! statistics, the retention sweeper, and the per-key quotas (sessions, context bytes, concurrent
//! uploads) answered with JSON 429/413, with uploads streamed to disk; and
//! (issue #36) a large inline context through a cluster's blob store.

use crate::common;

use std::time::Duration;

use common::*;
use serde_json::{Value, json};

fn final_at_once() -> rlm_adapters::FakeScript {
    toml::from_str("model = \"final\"\nwhen_exhausted = { fixed = \"FINAL(ok)\" }\n").unwrap()
}

async fn execute(s: &TestServer, sid: &str, query: &str) -> Value {
    let (status, body) =
        s.post("/api/execute", json!({"session_id": sid, "user_query": query})).await;
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_history_pages_by_cursor_past_the_window() {
    let s = TestServer::start(final_at_once()).await;
    let sid = s.create_session("long", "some context").await;
    let turns = rlm_server::store::HISTORY_WINDOW + 8;
    for n in 0..turns {
        execute(&s, &sid, &format!("question {n}")).await;
    }
    let (_, session) = s.get(&format!("/api/sessions/{sid}")).await;
    assert_eq!(session["history_turns"], turns);
    let mut queries = Vec::new();
    let mut path = format!("/api/sessions/{sid}/history?limit=7");
    loop {
        let (status, page) = s.get(&path).await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["total"], turns);
        for t in page["turns"].as_array().unwrap() {
            queries.push(t["query"].as_str().unwrap().to_string());
        }
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/api/sessions/{sid}/history?limit=7&cursor={c}"),
            None => break,
        }
    }
    let expected: Vec<String> = (0..turns).map(|n| format!("question {n}")).collect();
    assert_eq!(queries, expected);
    let (status, body) = s.get(&format!("/api/sessions/{sid}/history?cursor=x")).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("bad_request")), "{body}");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_page_by_cursor_and_a_deleted_execution_leaves_lists_and_stats() {
    let s = TestServer::start(final_at_once()).await;
    let sid = s.create_session("lists", "some context").await;
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(execute(&s, &sid, &format!("q{n}")).await["id"].as_str().unwrap().to_string());
    }
    ids.reverse();
    let (_, first) = s.get("/api/executions?limit=2").await;
    assert_eq!(first["total"], 5);
    let cursor = first["next_cursor"].as_str().unwrap().to_string();
    let (_, second) = s.get(&format!("/api/executions?limit=2&cursor={cursor}")).await;
    let listed: Vec<&str> = first["executions"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second["executions"].as_array().unwrap())
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, ids[..4].iter().map(String::as_str).collect::<Vec<_>>());
    let (status, body) = s.get("/api/executions?cursor=0123").await;
    assert_eq!(status, 400, "{body}");
    assert!(body["detail"].is_string(), "{body}");

    // Jobs page too.
    for n in 0..3 {
        let (status, _) =
            s.post("/api/jobs", json!({"session_id": sid, "user_query": format!("j{n}")})).await;
        assert_eq!(status, 200);
    }
    let (_, jobs) = s.get("/api/jobs?limit=2").await;
    assert_eq!((jobs["total"].as_u64(), jobs["jobs"].as_array().unwrap().len()), (Some(3), 2));
    let cursor = jobs["next_cursor"].as_str().unwrap().to_string();
    let (_, rest) = s.get(&format!("/api/jobs?limit=2&cursor={cursor}")).await;
    assert_eq!((rest["jobs"].as_array().unwrap().len(), &rest["next_cursor"]), (1, &Value::Null));
    for j in jobs["jobs"].as_array().unwrap().iter().chain(rest["jobs"].as_array().unwrap()) {
        s.wait_job(j["job_id"].as_str().unwrap(), |st| st == "COMPLETE").await;
    }

    // Delete one execution: gone from the list, the stats and the store.
    let (_, before) = s.get(&format!("/api/stats?session_id={sid}")).await;
    assert_eq!(before["total_executions"], 8);
    let r = s.client.delete(s.url(&format!("/api/executions/{}", ids[0]))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = s.client.delete(s.url(&format!("/api/executions/{}", ids[0]))).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let (status, _) = s.get(&format!("/api/executions/{}", ids[0])).await;
    assert_eq!(status, 404);
    let (_, after) = s.get(&format!("/api/stats?session_id={sid}")).await;
    assert_eq!(after["total_executions"], 7);
    assert_eq!(after["per_session"][0]["executions"], 7);
    let (_, list) = s.get("/api/executions?limit=100").await;
    assert_eq!(list["total"], 7);
    assert!(list["executions"].as_array().unwrap().iter().all(|e| e["id"] != ids[0].as_str()));
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quotas_answer_429_and_413_with_json_bodies() {
    let s = TestServer::start_with(final_at_once(), |c| {
        c.limits.max_sessions_per_key = Some(2);
        c.limits.max_context_bytes_per_key = Some(1000);
    })
    .await;
    let first = s.create_session("a", &"x".repeat(600)).await;
    let (status, body) =
        s.post("/api/sessions", json!({"name": "b", "context": "y".repeat(600)})).await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["code"], "too_large");
    s.create_session("b", "small").await;
    let (status, body) = s.post("/api/sessions", json!({"name": "c", "context": "z"})).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["code"], "too_many_requests");
    // Deleting frees both the session and its bytes.
    let r = s.client.delete(s.url(&format!("/api/sessions/{first}"))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    s.create_session("c", &"w".repeat(900)).await;
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_creates_never_pass_the_quotas_together() {
    let s = TestServer::start_with(final_at_once(), |c| {
        c.limits.max_sessions_per_key = Some(3);
        c.limits.max_context_bytes_per_key = Some(10_000);
    })
    .await;
    // 16 creates at once, each checked before its body is stored: only 3 fit.
    let mut tasks = Vec::new();
    for i in 0..16 {
        let (client, url) = (s.client.clone(), s.url("/api/sessions"));
        tasks.push(tokio::spawn(async move {
            let body = json!({"name": format!("s{i}"), "context": "c".repeat(100)});
            client.post(url).json(&body).send().await.unwrap().status().as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|&&c| c == 200).count(), 3, "{statuses:?}");
    assert!(statuses.iter().all(|&c| c == 200 || c == 429), "{statuses:?}");
    let (_, list) = s.get("/api/sessions").await;
    assert_eq!(list["total"], 3, "{list}");
    s.stop().await;
    // The byte quota the same way: 4 contexts of 4,000 bytes at once, 2 fit in 10,000.
    let s = TestServer::start_with(final_at_once(), |c| {
        c.limits.max_context_bytes_per_key = Some(10_000);
    })
    .await;
    let mut tasks = Vec::new();
    for i in 0..4 {
        let (client, url) = (s.client.clone(), s.url("/api/sessions"));
        tasks.push(tokio::spawn(async move {
            let body = json!({"name": format!("b{i}"), "context": "b".repeat(4000)});
            client.post(url).json(&body).send().await.unwrap().status().as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    statuses.sort();
    assert_eq!(statuses, [200, 200, 413, 413]);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_stream_to_disk_and_a_second_concurrent_upload_gets_429() {
    let s = TestServer::start_with(final_at_once(), |c| c.limits.max_uploads_per_key = 1).await;
    // A multi-megabyte file whose characters straddle the chunks: streamed,
    // counted and hashed as a whole.
    let text = "héllo wörld ✓ ".repeat(300_000);
    let form = reqwest::multipart::Form::new()
        .text("name", "big")
        .part("file", reqwest::multipart::Part::text(text.clone()).file_name("big.txt"));
    let r = s.client.post(s.url("/api/sessions")).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let session: Value = r.json().await.unwrap();
    assert_eq!(session["context_metadata"]["bytes"], text.len());
    assert_eq!(session["context_metadata"]["size"], text.chars().count());
    // The hash is the context's blob name: SHA-256 of the whole text.
    let sha256: String = {
        use sha2::Digest;
        sha2::Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
    };
    assert_eq!(session["context_metadata"]["hash"], sha256.as_str());
    assert_eq!(session["context_metadata"]["hash_algorithm"], "sha256");

    // An upload that is slow to arrive holds the key's only slot: its
    // headers and first bytes are written by hand on a raw connection.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let boundary = "XBOUNDARY";
    let part = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nsome text"
    );
    let end = format!(" more\r\n--{boundary}--\r\n");
    let addr = s.base.trim_start_matches("http://").to_string();
    let head = format!(
        "POST /api/sessions HTTP/1.1\r\nHost: {addr}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{part}",
        part.len() + end.len()
    );
    let start_slow_upload = || async {
        let mut conn = tokio::net::TcpStream::connect(&addr).await.unwrap();
        conn.write_all(head.as_bytes()).await.unwrap();
        conn
    };
    let mut conn = start_slow_upload().await;
    // Waits on the server's state (the slot taken) with a generous deadline: a
    // loaded machine may take seconds to read the raw request's first bytes.
    let mut refused = None;
    let until = std::time::Instant::now() + Duration::from_secs(60);
    while std::time::Instant::now() < until {
        let form = reqwest::multipart::Form::new()
            .part("file", reqwest::multipart::Part::text("b").file_name("b.txt"));
        let r = s.client.post(s.url("/api/sessions")).multipart(form).send().await.unwrap();
        if r.status() == 429 {
            refused = Some(r.json::<Value>().await.unwrap());
            break;
        }
        // This upload may have taken the slot first, and the slow one been
        // refused (it got an answer, or was closed): start it again.
        let mut peek = [0u8; 64];
        if conn.try_read(&mut peek).is_ok() {
            conn = start_slow_upload().await;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let refused = refused.expect("a second concurrent upload was never refused");
    assert_eq!(refused["code"], "too_many_requests");
    conn.write_all(end.as_bytes()).await.unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains(&format!("\"bytes\":{}", "some text more".len())), "{answer}");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_retention_sweeper_deletes_ended_executions_past_their_age() {
    let s = TestServer::start_with(final_at_once(), |c| {
        c.retention = rlm_server::RetentionConfig {
            retain: Some(Duration::from_millis(1)),
            max_store_bytes: None,
            every: Duration::from_millis(50),
        };
    })
    .await;
    let sid = s.create_session("short-lived", "some context").await;
    let id = execute(&s, &sid, "q").await["id"].as_str().unwrap().to_string();
    let mut gone = false;
    for _ in 0..200 {
        if s.get(&format!("/api/executions/{id}")).await.0 == 404 {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(gone, "the sweeper never deleted execution {id}");
    let (_, stats) = s.get("/api/stats").await;
    assert_eq!(stats["total_executions"], 0);
    // The session stays: retention deletes executions only.
    assert_eq!(s.get(&format!("/api/sessions/{sid}")).await.0, 200);
    s.stop().await;
}

/// Issue #36: an inline context past a job message's size, POSTed to a
/// cluster's `api`, goes through the blob store the processes share (the
/// job carries its name); a `worker` runs it and answers from it. The
/// blob is referenced by the execution until the execution is deleted;
/// over the body cap the api answers a clear 413.
#[cfg(feature = "postgres")]
mod cluster {
    use super::*;
    use rlm_server::{ClusterConfig, DatabaseConfig, QueueConfig, ServerRole};

    rlm_testenv::needs_postgres! {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_5_mb_inline_context_posted_to_the_api_runs_on_a_worker_through_the_blob_store() {
            let schema = common::pg::fresh_schema();
            let mut queue = QueueConfig::new("nats://127.0.0.1:4222");
            queue.stream = format!("rlmtest_blobs_{}", uuid::Uuid::new_v4().simple());
            let shared_blobs = tempfile::tempdir().unwrap();
            let script = one_program_script("result = context[-25:]");
            let node = |role: ServerRole| {
                let dir = tempfile::tempdir().unwrap();
                let mut c = config(&dir, script.clone());
                c.database = DatabaseConfig::Postgres {
                    url: common::pg::database_url(),
                    schema: schema.clone(),
                };
                c.cluster = ClusterConfig { role, queue: Some(queue.clone()) };
                c.blobs.dir = Some(shared_blobs.path().to_path_buf());
                c.limits.max_body_bytes = 8 << 20;
                c.limits.max_context_bytes = 6 << 20;
                (dir, c)
            };
            let (dir, c) = node(ServerRole::Worker);
            let worker = TestServer::start_config(dir, c).await;
            let (dir, c) = node(ServerRole::Api);
            let api = TestServer::start_config(dir, c).await;

            let needle = "the passphrase is ORCHID-7";
            let text = format!("{}{needle}", "filler line of the haystack\n".repeat(180_000));
            assert!(text.len() > 5_000_000);
            let (status, body) =
                api.post("/api/execute", json!({"context": text, "user_query": "passphrase?"})).await;
            assert_eq!(status, 200, "{body}");
            assert_eq!(body["status"], "completed", "{body}");
            assert_eq!(body["final_result"], &needle[needle.len() - 25..], "{body}");
            let blobs = std::fs::read_dir(shared_blobs.path()).unwrap().count();
            assert_eq!(blobs, 1, "the inline context is one blob in the shared folder");

            // Past the configured context cap: a clear 413, nothing stored.
            let too_big = "y".repeat(7 << 20);
            let (status, body) =
                api.post("/api/execute", json!({"context": too_big, "user_query": "q"})).await;
            assert_eq!((status, body["code"].as_str()), (413, Some("too_large")), "{body}");
            assert_eq!(std::fs::read_dir(shared_blobs.path()).unwrap().count(), 1);

            api.stop().await;
            worker.stop().await;
            common::pg::drop_schema(&schema).await;
            rlm_queue::JobQueue::connect(queue).await.unwrap().destroy().await.unwrap();
        }
    }
}

/// Issue #36 through the HTTP API: two sessions with the same context are
/// one blob; deleting one keeps it (the other still runs), deleting both
/// deletes it (grace period 0 here, so the release does not wait).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_sessions_share_one_blob_until_both_are_deleted() {
    let s = TestServer::start_with(final_at_once(), |c| c.blobs.grace = Duration::ZERO).await;
    let folder = s.dir.path().join("data/blobs");
    let blobs = || std::fs::read_dir(&folder).unwrap().count();
    let first = s.create_session("one", "the same context").await;
    let second = s.create_session("two", "the same context").await;
    assert_eq!(blobs(), 1);
    let r = s.client.delete(s.url(&format!("/api/sessions/{first}"))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(blobs(), 1, "the other session still references it");
    assert_eq!(execute(&s, &second, "q").await["final_result"], "ok");
    let r = s.client.delete(s.url(&format!("/api/sessions/{second}"))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(blobs(), 0);
    s.stop().await;
}
