//! `mock-openai [--port N] [--latency-ms MS] [--reply TEXT]`: the mock OpenAI
//! provider of [`rlm_testenv::mock_openai`] as a process, for benchmarks that
//! drive `rlm serve` processes (`examples/bench/cluster_bench.sh`). Prints
//! `mock-openai: listening on http://127.0.0.1:PORT` on stdout once it
//! listens, then serves until killed.

use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

use rlm_testenv::mock_openai::{MockConfig, MockOpenAi};

const USAGE: &str = "usage: mock-openai [--port N] [--latency-ms MS] [--reply TEXT]";

fn main() -> Result<(), String> {
    let mut port: u16 = 0;
    let mut config = MockConfig::default();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        match flag.as_str() {
            "--port" => port = value.parse().map_err(|e| format!("--port {value}: {e}"))?,
            "--latency-ms" => {
                let ms: u64 = value.parse().map_err(|e| format!("--latency-ms {value}: {e}"))?;
                config.latency = Duration::from_millis(ms);
            }
            "--reply" => config.reply = value,
            _ => return Err(format!("unknown argument {flag}\n{USAGE}")),
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(async move {
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let mock = MockOpenAi::start_on(addr, config)
            .await
            .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        let mut out = std::io::stdout();
        // The line the starting script waits for; a closed stdout only loses it.
        let _ =
            writeln!(out, "mock-openai: listening on {}", mock.uri()).and_then(|()| out.flush());
        // Served by the mock's own task until the process is killed.
        std::future::pending::<()>().await;
        drop(mock);
        Ok(())
    })
}
