//! The server-wide sandbox memory governor through the real binary (issue
//! #54): sixteen executions, each running a program that fills most of its
//! 128 MiB budget, sent at once to `rlm serve --max-sandbox-memory-mb 512`
//! (room for four: the default 512 MiB budgets under 2 GiB, scaled down by
//! four to keep a debug build's run short; without the bound the sixteen
//! would hold 1.9 GiB at once).
//! Each one finishes or is refused with 429 and `Retry-After`; the server
//! lives; its peak RSS (`VmHWM` of the child process) stays under the bound
//! plus [`OVERHEAD_BYTES`]; and once they have ended, its RSS falls back
//! (the allocator's purge gives the freed memory back).
//!
//! The program builds two strings of 60 MiB: 120 MiB live at once, under
//! the 128 MiB budget, so the interpreter lets it run and the memory is
//! really touched. (The budgets of 512 MiB under 2 GiB, measured once the
//! same way: peak RSS 2,009 MiB, RSS 88 MiB after.)

use std::path::Path;
use std::time::Duration;

use crate::serve_child;
use serde_json::{Value, json};
use serve_child::start_serve;

const PROGRAMS: usize = 16;
const BOUND_MIB: u64 = 512;
const BUDGET_MIB: u64 = 128;
/// What the process holds besides the sandboxes' budgets: its base (the
/// runtime, the store, the binary) and each running program's heap beyond
/// its count (rlm-interp: within 16 MiB).
const OVERHEAD_BYTES: u64 = 320 << 20;
const PROGRAM: &str =
    "a = 'x' * (60 * 1024 * 1024)\nb = 'y' * (60 * 1024 * 1024)\nprint(len(a) + len(b))";

fn script() -> Value {
    let rules: Vec<Value> = (0..PROGRAMS)
        .map(|i| {
            json!({
                "pattern": format!("big-{i}\\b"),
                "reply": format!("```repl\n{PROGRAM}\n```"),
                "times": 1,
            })
        })
        .collect();
    json!({"model": "big", "rules": rules, "when_exhausted": {"fixed": "FINAL('done')"}})
}

fn status_bytes(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    let line = status.lines().find(|l| l.starts_with(field)).expect("field");
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib << 10
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixteen_programs_near_their_budget_stay_under_the_servers_memory_bound() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("script.json"), script().to_string()).unwrap();
    std::fs::write(dir.path().join("rlm.toml"), "").unwrap();
    let (mut child, base) = start_serve(|c| {
        let d: &Path = dir.path();
        c.current_dir(d).arg("--data").arg(d.join("data"));
        c.arg("--config").arg(d.join("rlm.toml")).arg("--script").arg(d.join("script.json"));
        c.args(["--model", "scripted", "--sub-model", "scripted", "--max-concurrent", "16"]);
        c.args(["--max-sandbox-memory-mb", &BOUND_MIB.to_string()]);
        c.args(["--memory-bytes", &(BUDGET_MIB << 20).to_string()]);
        c.args(["--sandbox-memory-wait-secs", "60"]);
        c.env("RUST_LOG", "warn");
    });
    let pid = child.id();
    let client = reqwest::Client::new();
    let sends = (0..PROGRAMS).map(|i| {
        let (client, url) = (client.clone(), format!("{base}/api/execute"));
        tokio::spawn(async move {
            let body = json!({"user_query": format!("big-{i}"), "context": "ctx"});
            let r = client.post(url).json(&body).send().await.expect("the server answers");
            let status = r.status().as_u16();
            let retry = r.headers().get("retry-after").is_some();
            (status, retry, r.json::<Value>().await.unwrap_or(Value::Null))
        })
    });
    let mut finished = 0;
    for send in sends.collect::<Vec<_>>() {
        let (status, retry, body) = send.await.unwrap();
        match status {
            200 => {
                assert_eq!(body["status"], "completed", "{body}");
                finished += 1;
            }
            429 => assert!(retry, "a refusal says when to retry: {body}"),
            _ => panic!("unexpected answer {status}: {body}"),
        }
    }
    assert!(child.try_wait().unwrap().is_none(), "the server lives");
    assert!(finished >= 4, "the programs that fit ran ({finished} of {PROGRAMS})");
    let peak = status_bytes(pid, "VmHWM:");
    let bound = (BOUND_MIB << 20) + OVERHEAD_BYTES;
    eprintln!("peak RSS {} MiB (bound {} MiB), {finished} finished", peak >> 20, bound >> 20);
    assert!(peak <= bound, "peak RSS {} MiB over {} MiB", peak >> 20, bound >> 20);
    assert!(peak >= 120 << 20, "the programs really allocated ({} MiB)", peak >> 20);
    // The freed memory goes back to the OS once the executions have ended.
    let mut rss = u64::MAX;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        rss = status_bytes(pid, "VmRSS:");
        if rss < 256 << 20 {
            break;
        }
    }
    eprintln!("RSS after {} MiB", rss >> 20);
    assert!(rss < 256 << 20, "RSS stayed at {} MiB after the programs ended", rss >> 20);
    let _ = child.kill();
    let _ = child.wait();
}
