//! A server for checking the API from outside without building `rlm`
//! (rlm-cli): `rlm serve`'s offline shape (the demo script as the scripted
//! model, a fresh data folder) on the address given, with the API keys of
//! `RLM_API_KEY` (`id:token`, comma-separated) if set, and the script of
//! `RLM_SCRIPT` (a file) instead of the demo's if set, and at most
//! `RLM_MAX_CONCURRENT` executions per key at once if set (`rlm serve
//! --max-concurrent`; the benchmarks use 64). Runs until killed.
//! For schemathesis against the debug build:
//!
//! `cargo run -p rlm-server --example serve_demo -- 127.0.0.1:18731`

use rlm_server::{ApiKey, Server, ServerConfig};

#[tokio::main]
async fn main() {
    let bind = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:18731".into());
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let script = match std::env::var_os("RLM_SCRIPT").filter(|p| !p.is_empty()) {
        Some(path) => std::path::PathBuf::from(path),
        None => root.join("crates/rlm-cli/scripted/demo.toml"),
    };
    let script = rlm_adapters::FakeScript::from_file(&script).expect("the script");
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut config = ServerConfig::local(dir.path().join("data"), script);
    config.bind = bind.parse().expect("an address such as 127.0.0.1:18731");
    if let Some(n) = std::env::var("RLM_MAX_CONCURRENT").ok().and_then(|n| n.parse().ok()) {
        config.limits.max_concurrent_per_key = n;
    }
    if let Ok(keys) = std::env::var("RLM_API_KEY") {
        config.api_keys = ApiKey::parse_list(&keys).expect("RLM_API_KEY: id:token,...");
    }
    let server = Server::start(config).await.expect("the server starts");
    eprintln!("serving on http://{}", server.addr());
    server.wait().await.expect("the server ran");
}
