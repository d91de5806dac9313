//! `rlm serve` with its subcall cache and rate limits on Redis (a private
//! redis-server the test kills): executions answer while Redis is down, and
//! `/readyz` says whether Redis answers.

use crate::common;

use std::net::TcpListener;
use std::num::NonZeroU32;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::json;

fn start_redis(port: u16) -> Child {
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", ""])
        .args(["--appendonly", "no"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server is on PATH");
    let until = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < until, "private redis-server did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn executions_answer_with_redis_stopped_and_readiness_says_so() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut redis = start_redis(port);
    let url = format!("redis://127.0.0.1:{port}/");
    let s = TestServer::start_with(demo_script(), |c| {
        c.engine.redis.cache = Some(url.clone());
        c.engine.redis.rate_limits = Some(url.clone());
        c.engine.rate_limits = vec![rlm_config::RateLimit {
            model: "*".into(),
            requests_per_minute: NonZeroU32::new(60_000),
            tokens_per_minute: None,
        }];
    })
    .await;
    assert_eq!(s.get("/readyz").await, (200, json!({"status": "ready", "service": "rlm-server"})));
    let sid = s.create_session("redis", &corpus_text()).await;
    let (status, first) =
        s.post("/api/execute", json!({"session_id": sid, "user_query": DEMO_QUESTION})).await;
    assert_eq!(status, 200, "{first}");
    // the subcalls went through Redis: cache entries and rate-limit keys exist
    let mut conn = redis::Client::open(url.as_str()).unwrap().get_connection().unwrap();
    let cached: Vec<String> = redis::cmd("KEYS").arg("rlm:cache:e:*").query(&mut conn).unwrap();
    assert!(!cached.is_empty(), "no cache entry in Redis");
    let limits: Vec<String> = redis::cmd("KEYS").arg("rlm:rate:*").query(&mut conn).unwrap();
    assert!(!limits.is_empty(), "no rate-limit key in Redis");

    let _ = redis.kill();
    let _ = redis.wait();
    let (status, readiness) = s.get("/readyz").await;
    assert_eq!(status, 503);
    assert!(readiness["status"].as_str().unwrap().starts_with("redis unavailable"), "{readiness}");
    let sid2 = s.create_session("redis-down", &corpus_text()).await;
    let (status, second) =
        s.post("/api/execute", json!({"session_id": sid2, "user_query": DEMO_QUESTION})).await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(second["final_result"], first["final_result"], "the same answer without Redis");

    let mut redis = start_redis(port);
    assert_eq!(s.get("/readyz").await.0, 200);
    s.stop().await;
    let _ = redis.kill();
    let _ = redis.wait();
}
