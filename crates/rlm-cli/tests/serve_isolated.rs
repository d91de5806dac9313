//! `rlm serve --isolate process` (issue #33): executions' programs run in
//! sandbox worker processes of the server; killing the worker of a running
//! execution fails that execution only, naming the signal, and the server
//! answers the next one.

use std::io::Write;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use crate::serve_child;
use serve_child::start_serve;

use serde_json::{Value, json};

/// The scripted root model: a long context makes the program spin (until
/// its worker is killed), a short one answers at once.
const SCRIPT: &str = r#"
model = "isolated"
when_exhausted = { fixed = "FINAL('no more replies')" }

[[replies]]
text = '''
```repl
if len(context) > 100:
    n = 0
    while True:
        n += 1
FINAL(f"short: {len(context)} chars, {ctx.num_documents()} document")
```
'''
"#;

fn start(data: &std::path::Path, script: &std::path::Path) -> (Child, String) {
    start_serve(|c| {
        c.args(["--isolate", "process", "--sandbox-workers", "1"]);
        c.arg("--data").arg(data).arg("--script").arg(script);
    })
}

/// The server's sandbox workers: its children running `sandbox-worker`.
fn workers(server: u32) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let Some(rest) = stat.rfind(')').map(|i| &stat[i + 2..]) else { continue };
        let ppid = rest.split_whitespace().nth(1).and_then(|p| p.parse::<u32>().ok());
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        if ppid == Some(server) && String::from_utf8_lossy(&cmdline).contains("sandbox-worker") {
            found.push(pid);
        }
    }
    found
}

/// CPU ticks a process has used (user + system).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let Some(rest) = stat.rfind(')').map(|i| &stat[i + 2..]) else { return 0 };
    let f: Vec<&str> = rest.split_whitespace().collect();
    f.get(11).and_then(|x| x.parse::<u64>().ok()).unwrap_or(0)
        + f.get(12).and_then(|x| x.parse::<u64>().ok()).unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_worker_fails_only_its_execution() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("script.toml");
    std::fs::File::create(&script).unwrap().write_all(SCRIPT.as_bytes()).unwrap();
    let (mut server, base) = start(&dir.path().join("data"), &script);
    let client = reqwest::Client::new();
    let session = |context: &str| {
        let client = client.clone();
        let url = format!("{base}/api/sessions");
        let body = json!({"name": "s", "context": context});
        async move {
            let r: Value = client.post(url).json(&body).send().await.unwrap().json().await.unwrap();
            r["id"].as_str().unwrap().to_string()
        }
    };
    let long = session(&"x".repeat(1000)).await;
    let short = session("tiny").await;
    let execute = |sid: String| {
        let client = client.clone();
        let url = format!("{base}/api/execute");
        async move {
            let body = json!({"session_id": sid, "user_query": "how long?"});
            let r = client.post(url).json(&body).send().await.unwrap();
            r.json::<Value>().await.unwrap()
        }
    };
    let spinning = tokio::spawn(execute(long));
    // The busy worker is the one burning CPU.
    let started = Instant::now();
    let victim = loop {
        assert!(started.elapsed() < Duration::from_secs(60), "no worker got busy");
        let busy = workers(server.id()).into_iter().find(|&pid| cpu_ticks(pid) > 20);
        if let Some(pid) = busy {
            break pid;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(Command::new("kill").args(["-KILL", &victim.to_string()]).status().unwrap().success());
    let failed = spinning.await.unwrap();
    let text = failed.to_string();
    assert!(text.contains("SIGKILL"), "{text}");
    assert!(text.contains("sandbox_failed") || text.contains("sandbox worker died"), "{text}");
    let answered = execute(short).await;
    assert!(answered.to_string().contains("short: 4 chars, 1 document"), "{answered}");
    assert!(!workers(server.id()).is_empty(), "the pool replaced its worker");
    server.kill().unwrap();
    server.wait().unwrap();
}
