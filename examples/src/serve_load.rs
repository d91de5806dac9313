//! Load client for `rlm serve` (a second process on loopback), for
//! docs/benchmarks/2026-11-22-rlm-server-under-load.md: `serve_load sse BASE EXECUTIONS LISTENERS`
//! starts EXECUTIONS streamed executions on one session, then attaches LISTENERS late listeners
//! (spread over them) while they run, and checks that every listener received every event of its
//! execution, in order, with no gap.
//! `serve_load sessions BASE N FILE` creates N sessions whose context is
//! FILE and runs one execution on each (so each context is mapped).

use std::sync::Arc;
use std::time::Instant;

use futures::StreamExt;
use serde_json::{Value, json};

/// Event names and ids of one SSE stream, read to its end.
async fn read_all(response: reqwest::Response) -> Vec<(u64, String)> {
    let mut out = Vec::new();
    let mut buf = String::new();
    let mut body = response.bytes_stream();
    while let Some(Ok(chunk)) = body.next().await {
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let frame: String = buf.drain(..end + 2).collect();
            let (mut id, mut name) = (None, String::new());
            for line in frame.lines() {
                if let Some(v) = line.strip_prefix("id:") {
                    id = v.trim().parse().ok();
                } else if let Some(v) = line.strip_prefix("event:") {
                    name = v.trim().to_string();
                }
            }
            if let Some(id) = id {
                out.push((id, name));
            }
        }
    }
    out
}

async fn sse(base: &str, executions: usize, listeners: usize) {
    let client = reqwest::Client::new();
    let session: Value = client
        .post(format!("{base}/api/sessions"))
        .json(&json!({"name": "sse-bench", "context": "bench context"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sid = session["id"].as_str().unwrap().to_string();
    // Executions of one session run one at a time; use one session each.
    let mut sids = vec![sid];
    for _ in 1..executions {
        let s: Value = client
            .post(format!("{base}/api/sessions"))
            .json(&json!({"name": "sse-bench", "context": "bench context"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        sids.push(s["id"].as_str().unwrap().to_string());
    }
    let started = Instant::now();
    let mut originals = Vec::new();
    let mut ids = Vec::new();
    for sid in &sids {
        let r = client
            .post(format!("{base}/api/execute/stream"))
            .json(&json!({"session_id": sid, "user_query": "bench"}))
            .send()
            .await
            .unwrap();
        originals.push(tokio::spawn(read_all(r)));
    }
    // The execution ids, from the list (newest first).
    let list: Value = client
        .get(format!("{base}/api/executions?limit={executions}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for e in list["executions"].as_array().unwrap() {
        ids.push(e["id"].as_str().unwrap().to_string());
    }
    let client = Arc::new(client);
    let mut tasks = Vec::new();
    for i in 0..listeners {
        let (client, base, id) =
            (Arc::clone(&client), base.to_string(), ids[i % ids.len()].clone());
        tasks.push(tokio::spawn(async move {
            let r = client.get(format!("{base}/api/executions/{id}/events")).send().await.unwrap();
            (id, read_all(r).await)
        }));
    }
    let mut canonical = std::collections::HashMap::new();
    for (o, sid) in originals.into_iter().zip(&sids) {
        let events = o.await.unwrap();
        canonical.insert(sid.clone(), events);
    }
    // Map execution id -> canonical stream via the session of each execution.
    let mut by_exec = std::collections::HashMap::new();
    for id in &ids {
        let e: Value = client
            .get(format!("{base}/api/executions/{id}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let sid = e["session_id"].as_str().unwrap().to_string();
        by_exec.insert(id.clone(), canonical[&sid].clone());
    }
    let (mut received, mut expected, mut live, mut gaps, mut incomplete) =
        (0usize, 0usize, 0usize, 0usize, 0usize);
    for t in tasks {
        let (id, events) = t.await.unwrap();
        let want = &by_exec[&id];
        received += events.len();
        expected += want.len();
        if events.iter().any(|(_, n)| n == "token") {
            live += 1;
        }
        if events.iter().enumerate().any(|(i, (id, _))| *id != i as u64) {
            gaps += 1;
        }
        if events != *want {
            incomplete += 1;
        }
    }
    println!(
        "executions={executions} listeners={listeners} attached_live={live} events_expected={expected} events_received={received} lost={} listeners_with_gaps={gaps} listeners_differing={incomplete} elapsed_ms={}",
        expected.saturating_sub(received),
        started.elapsed().as_millis()
    );
}

async fn sessions(base: &str, n: usize, file: &str) {
    let client = reqwest::Client::new();
    let text = std::fs::read_to_string(file).unwrap();
    for _ in 0..n {
        let s: Value = client
            .post(format!("{base}/api/sessions"))
            .json(&json!({"name": "mem-bench", "context": text}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let e: Value = client
            .post(format!("{base}/api/execute"))
            .json(&json!({"session_id": s["id"], "user_query": "how long?"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(e["status"], "completed", "{e}");
    }
    println!("sessions={n} each with {} bytes, one execution each", text.len());
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    match args.get(1).map(String::as_str) {
        Some("sse") => {
            runtime.block_on(sse(&args[2], args[3].parse().unwrap(), args[4].parse().unwrap()))
        }
        Some("sessions") => {
            runtime.block_on(sessions(&args[2], args[3].parse().unwrap(), &args[4]))
        }
        _ => eprintln!(
            "usage: serve_load sse BASE EXECUTIONS LISTENERS | serve_load sessions BASE N FILE"
        ),
    }
}
