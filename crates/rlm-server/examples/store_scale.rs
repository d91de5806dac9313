//! Measures what issue #35 item 3 asks to be independent of the store's
//! size: `/api/stats`, `GET /api/executions?limit=1` and
//! `/api/sessions?limit=1` at 20 and at N executions, start-up at the large
//! store, and one session's per-execution time at its first and its last
//! turns of T. Prints a Markdown table (medians of sequential requests).
//!
//! `cargo run --release -p rlm-server --example store_scale -- [N] [T] [RESULT_BYTES] [STORE]`
//! (defaults 25000, 5000, 2000, sled; RESULT_BYTES pads each stored
//! execution; STORE is `sled` or a PostgreSQL URL, whose store goes in a
//! schema `rlm_bench_<random>` dropped at the end).
//!
//! `store_scale populate DATA_DIR N RESULT_BYTES` only writes: a data
//! directory for `rlm serve --data DATA_DIR` holding 32 sessions of the
//! owner `local` and N settled executions (how `examples/bench/serve_table.sh`
//! builds its stores, then times the release server on them).

use std::sync::Arc;
use std::time::{Duration, Instant};

use rlm_adapters::FakeScript;
use rlm_server::store::{
    ExecutionRecord, ExecutionStatus, PgStore, SessionRecord, SettledExecution, SledStore, Spend,
    Store, new_session_state, now_micros,
};
use rlm_server::{DatabaseConfig, Server, ServerConfig};
use uuid::Uuid;

const SESSIONS: usize = 32;
const WRITERS: usize = 64;

fn arg(n: usize, default: usize) -> usize {
    std::env::args().nth(n).and_then(|a| a.parse().ok()).unwrap_or(default)
}

fn script() -> FakeScript {
    toml::from_str("model = \"final\"\nwhen_exhausted = { fixed = \"FINAL(ok)\" }\n").unwrap()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Stores `count` settled executions spread over the sessions, `WRITERS` at once.
async fn populate(store: &Arc<dyn Store>, sessions: &[Uuid], count: usize, pad: usize) {
    let per_writer = count.div_ceil(WRITERS);
    let mut tasks = Vec::new();
    for w in 0..WRITERS {
        let store = Arc::clone(store);
        let sessions = sessions.to_vec();
        tasks.push(tokio::spawn(async move {
            for i in 0..per_writer.min(count.saturating_sub(w * per_writer)) {
                let now = now_micros();
                let e = ExecutionRecord {
                    session_id: Some(sessions[(w + i) % sessions.len()]),
                    context_size: 1000,
                    ..ExecutionRecord::pending(
                        Uuid::new_v4(),
                        "local",
                        "how many errors?",
                        "scripted",
                        now,
                    )
                };
                store.put_execution(&e).await.unwrap();
                let done = ExecutionRecord {
                    status: ExecutionStatus::Completed,
                    finish: Some("final".into()),
                    started_at: Some(now),
                    completed_at: Some(now + 3000),
                    spend: Spend { input_tokens: 120, output_tokens: 8, ..Spend::default() },
                    steps: 1,
                    final_result: Some("x".repeat(pad)),
                    ..e
                };
                let settled =
                    SettledExecution { record: done, state: None, started: None, job: None };
                store.finish_execution(&settled).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}

/// Median time of `GET path`, over 200 sequential requests.
async fn time_get(client: &reqwest::Client, base: &str, path: &str) -> Duration {
    let mut times = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        let r = client.get(format!("{base}{path}")).send().await.unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.status());
        r.bytes().await.unwrap();
        times.push(t.elapsed());
    }
    median(times)
}

/// Opens the store the server will use (sled in `data/db`, or PostgreSQL).
async fn open(data: &std::path::Path, database: &DatabaseConfig) -> Arc<dyn Store> {
    match database {
        DatabaseConfig::Sled => Arc::new(SledStore::open(&data.join("db")).unwrap()),
        DatabaseConfig::Postgres { url, schema } => {
            Arc::new(PgStore::connect(url, schema).await.unwrap())
        }
    }
}

async fn start(dir: &std::path::Path, database: &DatabaseConfig) -> (Server, String, Duration) {
    let mut c = ServerConfig::local(dir.to_path_buf(), script());
    c.bind = "127.0.0.1:0".parse().unwrap();
    c.database = database.clone();
    let t = Instant::now();
    let server = Server::start(c).await.unwrap();
    let took = t.elapsed();
    let base = format!("http://{}", server.addr());
    (server, base, took)
}

fn dir_bytes(path: &std::path::Path) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir(path).into_iter().flatten().flatten() {
        let meta = entry.metadata().unwrap();
        total += if meta.is_dir() { dir_bytes(&entry.path()) } else { meta.len() };
    }
    total
}

/// `populate DATA_DIR N RESULT_BYTES`: 32 sessions and N settled executions.
async fn populate_only(data: &std::path::Path, count: usize, pad: usize) {
    let store: Arc<dyn Store> = Arc::new(SledStore::open(&data.join("db")).unwrap());
    let sessions = make_sessions(&store).await;
    let t = Instant::now();
    populate(&store, &sessions, count, pad).await;
    store.flush().await.unwrap();
    eprintln!(
        "stored {count} executions in {:.1?}; {:.1} MB on disk",
        t.elapsed(),
        dir_bytes(data) as f64 / 1e6
    );
}

async fn make_sessions(store: &Arc<dyn Store>) -> Vec<Uuid> {
    let mut sessions = Vec::new();
    for _ in 0..SESSIONS {
        let id = Uuid::new_v4();
        let now = now_micros();
        let s = SessionRecord {
            id,
            owner: "local".into(),
            name: None,
            context: None,
            context_metadata: Default::default(),
            settings: Default::default(),
            state: new_session_state(id),
            history_len: 0,
            created_at: now,
            updated_at: now,
        };
        store.put_session(&s).await.unwrap();
        sessions.push(id);
    }
    sessions
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    if std::env::args().nth(1).as_deref() == Some("populate") {
        let data = std::path::PathBuf::from(std::env::args().nth(2).expect("DATA_DIR"));
        return populate_only(&data, arg(3, 25_000), arg(4, 2_000)).await;
    }
    let (large, turns, pad) = (arg(1, 25_000), arg(2, 5_000), arg(3, 2_000));
    let database = match std::env::args().nth(4) {
        None => DatabaseConfig::Sled,
        Some(s) if s == "sled" => DatabaseConfig::Sled,
        Some(url) => DatabaseConfig::Postgres {
            url,
            schema: format!("rlm_bench_{}", Uuid::new_v4().simple()),
        },
    };
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let client = reqwest::Client::new();
    let paths = ["/api/stats", "/api/executions?limit=1", "/api/sessions?limit=1"];
    let mut rows = Vec::new();
    let mut sessions = Vec::new();
    let mut stored = 0;
    for target in [20, large] {
        {
            let store = open(&data, &database).await;
            if sessions.is_empty() {
                sessions = make_sessions(&store).await;
            }
            let t = Instant::now();
            populate(&store, &sessions, target - stored, pad).await;
            eprintln!("stored {} executions in {:.1?}", target - stored, t.elapsed());
            stored = target;
            store.flush().await.unwrap();
        }
        // The store's own first open after the writes (sled: its recovery,
        // and waiting for the writer's handle to let go of the lock;
        // PostgreSQL: connecting and checking the migrations), apart from
        // the server's start-up, which opens the store again.
        let t = Instant::now();
        let store = open(&data, &database).await;
        let first_open = t.elapsed();
        let on_disk = match database {
            DatabaseConfig::Sled => dir_bytes(&data),
            DatabaseConfig::Postgres { .. } => store.size_on_disk().await.unwrap(),
        };
        drop(store);
        let (server, base, startup) = start(&data, &database).await;
        let mut cells = vec![format!("{stored}"), format!("{:.1} MB", on_disk as f64 / 1e6)];
        for path in paths {
            cells.push(format!(
                "{:.2} ms",
                time_get(&client, &base, path).await.as_secs_f64() * 1e3
            ));
        }
        cells.push(format!("{:.0} ms", startup.as_secs_f64() * 1e3));
        cells.push(format!("{:.0} ms", first_open.as_secs_f64() * 1e3));
        rows.push(cells);
        server.stop().await.unwrap();
    }
    println!(
        "| executions stored | store on disk | /api/stats | /api/executions?limit=1 | /api/sessions?limit=1 | start-up | first store open after the writes |"
    );
    println!("|---|---|---|---|---|---|---|");
    for r in rows {
        println!("| {} |", r.join(" | "));
    }

    // One session's executions, one after another: the first and the last 100 of `turns`.
    let (server, base, _) = start(&data, &database).await;
    let created: serde_json::Value = client
        .post(format!("{base}/api/sessions"))
        .json(&serde_json::json!({"name": "long", "context": "some context to read"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sid = created["id"].as_str().unwrap().to_string();
    let mut times = Vec::new();
    for n in 0..turns {
        let t = Instant::now();
        let r = client
            .post(format!("{base}/api/execute"))
            .json(&serde_json::json!({"session_id": sid, "user_query": format!("question {n}")}))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "execute: {}", r.status());
        r.bytes().await.unwrap();
        times.push(t.elapsed());
    }
    let first = median(times[..100.min(turns)].to_vec());
    let last = median(times[turns.saturating_sub(100)..].to_vec());
    let history: serde_json::Value = client
        .get(format!("{base}/api/sessions/{sid}/history?limit=1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    println!();
    println!("| one session | median per execution (POST /api/execute) |");
    println!("|---|---|");
    println!("| turns 1-100 | {:.2} ms |", first.as_secs_f64() * 1e3);
    println!("| turns {}-{turns} | {:.2} ms |", turns.saturating_sub(99), last.as_secs_f64() * 1e3);
    println!("(history total reported: {})", history["total"]);
    server.stop().await.unwrap();
    if let DatabaseConfig::Postgres { url, schema } = &database {
        PgStore::connect(url, schema).await.unwrap().drop_schema().await.unwrap();
    }
}
