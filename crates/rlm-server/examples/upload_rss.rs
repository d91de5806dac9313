//! Measures the server's peak memory while clients upload large contexts
//! at once (issue #35: 8 parallel 60 MB uploads reached 717 MB RSS when
//! bodies were read whole). The server runs in a child process (this
//! example re-run with `serve DIR`), so the uploads' client side is not
//! counted; the parent streams each body from a generator (nothing held
//! whole) and reads the child's `VmHWM` (peak RSS) from `/proc`.
//!
//! `cargo run -p rlm-server --example upload_rss -- [UPLOADS] [MB]` (defaults 8, 60).

use std::io::BufRead as _;
use std::time::Instant;

use rlm_server::{Server, ServerConfig};

fn arg(n: usize, default: usize) -> usize {
    std::env::args().nth(n).and_then(|a| a.parse().ok()).unwrap_or(default)
}

fn vm_kb(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next().and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

async fn serve(dir: &str) {
    let script =
        toml::from_str("model = \"final\"\nwhen_exhausted = { fixed = \"FINAL(ok)\" }\n").unwrap();
    let mut c = ServerConfig::local(dir.into(), script);
    c.bind = "127.0.0.1:0".parse().unwrap();
    c.limits.max_uploads_per_key = 64;
    let server = Server::start(c).await.unwrap();
    println!("{}", server.addr());
    // Runs until the parent kills it.
    std::future::pending::<()>().await;
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    if std::env::args().nth(1).as_deref() == Some("serve") {
        return serve(&std::env::args().nth(2).unwrap()).await;
    }
    let (uploads, mb) = (arg(1, 8), arg(2, 60));
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["serve", &dir.path().join("data").display().to_string()])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let base = format!("http://{}", line.trim());
    let pid = child.id();
    let idle_kb = vm_kb(pid, "VmRSS:");
    let client = reqwest::Client::new();
    let t = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..uploads {
        let client = client.clone();
        let url = format!("{base}/api/sessions");
        tasks.push(tokio::spawn(async move {
            // 1 MiB chunks of text, generated as they are sent.
            let chunk = "0123456789abcdef".repeat(65_536);
            let chunks = futures::stream::iter(
                (0..mb).map(move |_| Ok::<_, std::io::Error>(chunk.clone().into_bytes())),
            );
            let part = reqwest::multipart::Part::stream_with_length(
                reqwest::Body::wrap_stream(chunks),
                (mb as u64) << 20,
            )
            .file_name(format!("upload-{i}.txt"));
            let form = reqwest::multipart::Form::new().part("file", part);
            let r = client.post(url).multipart(form).send().await.unwrap();
            assert!(r.status().is_success(), "upload {i}: {}", r.status());
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let took = t.elapsed();
    let peak_kb = vm_kb(pid, "VmHWM:");
    child.kill().unwrap();
    let _ = child.wait();
    println!(
        "| uploads at once | size each | server RSS idle | server peak RSS (VmHWM) | wall time |"
    );
    println!("|---|---|---|---|---|");
    println!(
        "| {uploads} | {mb} MiB | {:.0} MB | {:.0} MB | {:.1} s |",
        idle_kb as f64 / 1024.0,
        peak_kb as f64 / 1024.0,
        took.as_secs_f64()
    );
}
