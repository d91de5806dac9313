//! Measures the latency the OpenAI-compatible endpoint adds over a direct
//! execution through the server's own API: the README's demo question over
//! the demo corpus (scripted model, in-process server on 127.0.0.1), asked
//! alternately as `POST /api/execute` (inline context) and as
//! `POST /v1/chat/completions` (the corpus as a long message), blocking and
//! streamed (the stream read to `[DONE]`, against `/api/execute/stream` read
//! to its end). Prints the median and p99 of each
//! and of the per-round differences.
//!
//! `cargo run -p rlm-server --example openai_overhead -- [ROUNDS]` (default 100).

use std::time::{Duration, Instant};

use rlm_server::{Server, ServerConfig};
use serde_json::json;

const QUESTION: &str = "Which service logged the most errors, and what is the vault passphrase?";

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn report(name: &str, mut ms: Vec<f64>) {
    ms.sort_by(f64::total_cmp);
    println!(
        "{name:<46} median {:>8.2} ms  p99 {:>8.2} ms  (n={})",
        percentile(&ms, 0.5),
        percentile(&ms, 0.99),
        ms.len()
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let rounds: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(100);
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let script =
        rlm_adapters::FakeScript::from_file(&root.join("crates/rlm-cli/scripted/demo.toml"))
            .expect("the demo script");
    let mut files: Vec<_> = std::fs::read_dir(root.join("examples/corpus"))
        .expect("the demo corpus")
        .map(|e| e.expect("a corpus entry").path())
        .collect();
    files.sort();
    let corpus: Vec<String> =
        files.iter().map(|p| std::fs::read_to_string(p).expect("a corpus file")).collect();
    let corpus = corpus.join("\n\n");
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut config = ServerConfig::local(dir.path().join("data"), script);
    config.bind = "127.0.0.1:0".parse().expect("an address");
    config.limits.max_concurrent_per_key = 64;
    let server = Server::start(config).await.expect("the server starts");
    let base = format!("http://{}", server.addr());
    let client = reqwest::Client::new();
    let direct = json!({"context": corpus, "user_query": QUESTION});
    let openai = json!({"model": "rlm", "messages": [
        {"role": "user", "content": corpus}, {"role": "user", "content": QUESTION}]});
    let mut streamed = openai.clone();
    streamed["stream"] = json!(true);
    let time = |path: &'static str, body: serde_json::Value| {
        let request = client.post(format!("{base}{path}")).json(&body);
        async move {
            let start = Instant::now();
            let r = request.send().await.expect("a response");
            assert_eq!(r.status(), 200, "{path}");
            let text = r.text().await.expect("a body");
            assert!(text.contains("amber-falcon-42"), "{path}: {text}");
            start.elapsed()
        }
    };
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    // Warm-up: the first execution pays one-off costs (the store, lazy statics).
    for _ in 0..3 {
        time("/api/execute", direct.clone()).await;
        time("/v1/chat/completions", openai.clone()).await;
    }
    let (mut a, mut b, mut c, mut s, mut d_block, mut d_stream) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        let t_direct = ms(time("/api/execute", direct.clone()).await);
        let t_openai = ms(time("/v1/chat/completions", openai.clone()).await);
        let t_direct_stream = ms(time("/api/execute/stream", direct.clone()).await);
        let t_stream = ms(time("/v1/chat/completions", streamed.clone()).await);
        a.push(t_direct);
        b.push(t_openai);
        s.push(t_direct_stream);
        c.push(t_stream);
        d_block.push(t_openai - t_direct);
        d_stream.push(t_stream - t_direct_stream);
    }
    println!("{rounds} rounds, corpus {} chars, scripted demo model", corpus.chars().count());
    report("POST /api/execute (direct)", a);
    report("POST /v1/chat/completions", b);
    report("POST /api/execute/stream (direct, to its end)", s);
    report("POST /v1/chat/completions stream to [DONE]", c);
    report("added: blocking - direct (per round)", d_block);
    report("added: streamed - direct stream (per round)", d_stream);
    server.stop().await.expect("the server stops");
}
