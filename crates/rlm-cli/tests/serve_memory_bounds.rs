//! One memory account, through the real binary (issue #74): `rlm serve`
//! with keys alice and bob, a 256 MiB sandbox budget and a 1,024 MiB
//! server-wide bound, re-running each finding of the issue. Each buffer a
//! client or a model sizes stays under its cap, and the server's peak RSS
//! (`VmHWM`) stays under the bound plus 128 MiB:
//!
//! - a program whose subcalls would record 40 MB stops at the 32 MiB
//!   recording cap with a clear error, what it recorded kept;
//! - a replay of a 51 MiB response is refused (400) before it runs: no
//!   model's reply may pass 16 MiB; eight executions each replaying a 15
//!   MiB response, sent at once: each replay is reserved with its
//!   execution's budget, and once they end the memory they held is given
//!   back;
//! - a 56 MiB `response_format` enum is refused from its size before it is
//!   parsed or compiled;
//! - a replay miss on a 50 MB message stores an error message of a few KB;
//! - a list of executions with 6 MB answers comes a page of at most 4 MiB
//!   at a time.
//!
//! The figures (each step's status, sizes and time, the peak) are printed.

use crate::proc_memory;
use crate::serve_child;

use std::path::Path;
use std::time::{Duration, Instant};

use proc_memory::status_bytes;
use serde_json::{Value, json};

const ALICE: &str = "alice-token-0123456789abcdef";
const BOB: &str = "bob-token-0123456789abcdef00";
const BOUND_MIB: u64 = 1024;
const BUDGET_MIB: u64 = 256;
/// What the server may hold beyond its bound: its own base (runtime, store,
/// binary) and each program's heap beyond its count.
const HEADROOM_MIB: u64 = 128;

/// The root model: step one echoes the context's start (the replayed runs'
/// first request), or, for `record-big`, sends 40 subcalls of 1 MB each;
/// for `answer-big`, answers with 6 MB of its context.
const SCRIPT: &str = r#"{
  "model": "mem",
  "rules": [
    {"pattern": "record-big", "reply": "```repl\nparts = [context[:1000000] + str(i) for i in range(40)]\nr = llm_batch(parts)\nFINAL(len(r))\n```"},
    {"pattern": "answer-big", "reply": "```repl\nprint(len(context))\nFINAL(context * (6 * 1024 * 1024 // len(context)))\n```"}
  ],
  "when_exhausted": {"fixed": "```repl\nprint(context[:40])\nFINAL(context[:40])\n```"}
}"#;

fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(300)).build().unwrap()
}

async fn post(base: &str, path: &str, body: &Value) -> (u16, Value) {
    let r = client().post(format!("{base}{path}")).bearer_auth(ALICE).json(body).send().await;
    let r = r.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn get_text(base: &str, path: &str) -> (u16, String) {
    let r = client().get(format!("{base}{path}")).bearer_auth(ALICE).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_buffer_a_client_or_model_sizes_stays_under_its_cap_and_the_bound() {
    let dir = tempfile::tempdir().unwrap();
    let d: &Path = dir.path();
    std::fs::write(d.join("script.json"), SCRIPT).unwrap();
    std::fs::write(d.join("rlm.toml"), "").unwrap();
    let (mut child, base) = serve_child::start_serve(|c| {
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("RLM_") {
                c.env_remove(name);
            }
        }
        c.current_dir(d).arg("--data").arg(d.join("data"));
        c.arg("--config").arg(d.join("rlm.toml")).arg("--script").arg(d.join("script.json"));
        c.args(["--model", "scripted", "--sub-model", "scripted", "--max-concurrent", "16"]);
        c.args(["--max-sandbox-memory-mb", &BOUND_MIB.to_string()]);
        c.args(["--memory-bytes", &(BUDGET_MIB << 20).to_string()]);
        c.args(["--sandbox-memory-wait-secs", "120", "--max-recording-mb", "32"]);
        c.env("RLM_API_KEYS", format!("alice:{ALICE},bob:{BOB}"));
        c.env("RUST_LOG", "warn");
    });
    let pid = child.id();
    let mut figures = Vec::new();

    // 1. A recording that would pass its cap stops the run there.
    let context = "r".repeat(1_000_000);
    let started = Instant::now();
    let body = json!({"context": context, "user_query": "record-big", "record": true});
    let (status, done) = post(&base, "/api/execute", &body).await;
    assert_eq!(status, 200, "{done}");
    let error = done["error_message"].as_str().unwrap_or_default().to_string();
    assert!(error.contains("recording reached its limit of 33554432 bytes"), "{done}");
    let id = done["id"].as_str().unwrap();
    let (status, recording) = get_text(&base, &format!("/api/executions/{id}/recording")).await;
    assert_eq!(status, 200);
    assert!(recording.len() <= 32 << 20 && recording.len() > 8 << 20, "{}", recording.len());
    figures.push(format!(
        "recording: stopped at {:.1} MiB of 40 MB asked ({:.1} s): {error:.90}",
        recording.len() as f64 / 1048576.0,
        started.elapsed().as_secs_f64()
    ));

    eprintln!(
        "{} (RSS {} MiB, peak so far {} MiB)",
        figures.last().unwrap(),
        status_bytes(pid, "VmRSS:") >> 20,
        status_bytes(pid, "VmHWM:") >> 20
    );
    // 2. Eight executions at once, each replaying a 51 MiB response.
    let (status, small) = post(
        &base,
        "/api/execute",
        &json!({"context": "replayed context", "user_query": "q", "record": true}),
    )
    .await;
    assert_eq!(status, 200, "{small}");
    let sid = small["id"].as_str().unwrap();
    let (_, recorded) = get_text(&base, &format!("/api/executions/{sid}/recording")).await;
    let mut first: Value = serde_json::from_str(recorded.lines().next().unwrap()).unwrap();
    first["response"]["text"] = json!("y".repeat(51 << 20));
    let body =
        json!({"context": "replayed context", "user_query": "q", "replay": format!("{first}\n")});
    let (status, refused) = post(&base, "/api/execute", &body).await;
    drop(body);
    assert_eq!(status, 400, "{refused}");
    assert!(
        refused["detail"].as_str().unwrap_or_default().contains("past the most a model's reply")
    );
    first["response"]["text"] = json!("y".repeat(15 << 20));
    let replay = format!("{first}\n");
    let before = status_bytes(pid, "VmRSS:");
    let started = Instant::now();
    let sends: Vec<_> = (0..8)
        .map(|_| {
            let (base, replay) = (base.clone(), replay.clone());
            tokio::spawn(async move {
                let body =
                    json!({"context": "replayed context", "user_query": "q", "replay": replay});
                post(&base, "/api/execute", &body).await.0
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for s in sends {
        statuses.push(s.await.unwrap());
    }
    assert!(statuses.iter().all(|s| [200, 429].contains(s)), "{statuses:?}");
    let mut after = u64::MAX;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        after = status_bytes(pid, "VmRSS:");
        if after < before + (128 << 20) {
            break;
        }
    }
    figures.push(format!(
        "replays: one of 51 MiB refused (400); 8 x 15 MiB answered {statuses:?} in {:.1} s; RSS {} MiB before, {} MiB after",
        started.elapsed().as_secs_f64(),
        before >> 20,
        after >> 20
    ));
    eprintln!(
        "{} (peak so far {} MiB)",
        figures.last().unwrap(),
        status_bytes(pid, "VmHWM:") >> 20
    );
    assert!(after < before + (128 << 20), "{} MiB held after the replays", (after - before) >> 20);

    // 3. A 56 MiB enum as an output schema: refused from its size.
    let values: Vec<String> = (0..(56 << 20) / 12).map(|i| format!("v{i:07}")).collect();
    let chat = json!({
        "model": "rlm",
        "messages": [{"role": "user", "content": "pick one"}],
        "response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {"enum": values}}},
    });
    let started = Instant::now();
    let (status, refused) = post(&base, "/v1/chat/completions", &chat).await;
    drop(chat);
    // Refused whole (413) when parsing it would pass the bound, else by its size once parsed.
    let message = refused["error"]["message"].as_str().unwrap_or_default();
    assert!(
        status == 413 || message.contains("bytes as compact JSON; the most is 65536"),
        "{refused}"
    );
    figures.push(format!(
        "schema: a 56 MiB enum answered {status} in {:.2} s: {:.120}",
        started.elapsed().as_secs_f64(),
        refused["error"]["message"].as_str().unwrap_or_default()
    ));

    eprintln!(
        "{} (RSS {} MiB, peak so far {} MiB)",
        figures.last().unwrap(),
        status_bytes(pid, "VmRSS:") >> 20,
        status_bytes(pid, "VmHWM:") >> 20
    );
    // 4. A replay miss on a 50 MB message: the stored error is a few KB.
    let mut miss: Value = serde_json::from_str(recorded.lines().next().unwrap()).unwrap();
    miss["request"]["messages"][0]["content"] = json!("m".repeat(50_000_000));
    let body =
        json!({"context": "replayed context", "user_query": "q", "replay": format!("{miss}\n")});
    let (status, missed) = post(&base, "/api/execute", &body).await;
    assert_eq!(status, 200, "{missed}");
    let message = missed["error_message"].as_str().unwrap_or_default();
    assert!(message.len() <= 17 << 10 && message.contains("no recording"), "{}", message.len());
    figures.push(format!("replay miss: the stored error is {} bytes", message.len()));

    // 5. Executions with 6 MB answers: a page holds at most 4 MiB.
    for _ in 0..12 {
        let (status, done) =
            post(&base, "/api/execute", &json!({"context": "abc", "user_query": "answer-big"}))
                .await;
        assert_eq!(status, 200, "{done}");
        assert_eq!(done["final_result"].as_str().map(str::len), Some(6 << 20));
    }
    let (status, page) = get_text(&base, "/api/executions?limit=100").await;
    assert_eq!(status, 200);
    let listed: Value = serde_json::from_str(&page).unwrap();
    assert!(page.len() < 7 << 20 && listed["next_cursor"].is_string(), "{} bytes", page.len());
    figures.push(format!(
        "list: a page of {} execution(s), {:.1} MiB, next_cursor set ({} in all)",
        listed["executions"].as_array().map_or(0, Vec::len),
        page.len() as f64 / 1048576.0,
        listed["total"]
    ));

    assert!(child.try_wait().unwrap().is_none(), "the server lives");
    let peak = status_bytes(pid, "VmHWM:");
    let limit = (BOUND_MIB + HEADROOM_MIB) << 20;
    figures.push(format!("peak RSS {} MiB (bound {BOUND_MIB} + {HEADROOM_MIB} MiB)", peak >> 20));
    let _ = child.kill();
    let _ = child.wait();
    for f in &figures {
        println!("{f}");
    }
    assert!(peak <= limit, "peak RSS {} MiB over {} MiB", peak >> 20, limit >> 20);
}
