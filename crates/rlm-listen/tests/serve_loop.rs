//! The serve loop against real sockets: a half-sent head is closed at the
//! header timeout, a stalled body fails at the idle timeout, the cap sheds
//! idle connections so a probe gets in, HTTP/2 (h2c) is served beside
//! HTTP/1, and the door's Host, Origin and key rules.

use std::time::{Duration, Instant};

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use rlm_listen::{ApiKey, Door, KeyRing, ListenLimits, Listening};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const TOKEN: &str = "listen-test-token-0123456789";

async fn start(limits: ListenLimits, keys: &[ApiKey]) -> Listening {
    let door = Door::new(KeyRing::new(keys), Vec::new());
    let app = Router::new()
        .route("/echo", post(|body: axum::body::Bytes| async move { body }))
        .route_layer(from_fn_with_state(door.clone(), rlm_listen::door::require_key))
        .route("/healthz", get(|| async { "ok" }))
        .layer(from_fn_with_state(door, rlm_listen::door::check_names));
    let listener = rlm_listen::bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    rlm_listen::serve(listener, app, limits).unwrap()
}

fn quick() -> ListenLimits {
    ListenLimits {
        header_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(1),
        ..ListenLimits::default()
    }
}

/// Reads until the peer closes (or `limit` passes): what it sent.
async fn read_to_close(stream: &mut TcpStream, limit: Duration) -> Option<String> {
    let mut out = Vec::new();
    let read = tokio::time::timeout(limit, stream.read_to_end(&mut out)).await;
    read.ok().map(|_| String::from_utf8_lossy(&out).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_heads_are_closed_and_stalled_bodies_fail() {
    let server = start(quick(), &[]).await;
    let mut half = TcpStream::connect(server.addr()).await.unwrap();
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n").await.unwrap();
    let closed = read_to_close(&mut half, Duration::from_secs(10)).await;
    assert!(closed.is_some(), "a half-sent head is closed at the header timeout");
    let mut stalled = TcpStream::connect(server.addr()).await.unwrap();
    let head = "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n0123456789";
    stalled.write_all(head.as_bytes()).await.unwrap();
    let answer = read_to_close(&mut stalled, Duration::from_secs(10)).await.unwrap_or_default();
    assert!(answer.starts_with("HTTP/1.1 400"), "a stalled body fails: {answer:?}");
    assert!(answer.contains("not received within the designated timeout"), "{answer:?}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_the_cap_idle_connections_make_room_for_a_probe() {
    let limits = ListenLimits { max_connections: 8, ..ListenLimits::default() };
    let server = start(limits, &[]).await;
    let mut flood = Vec::new();
    for _ in 0..64 {
        let mut s = TcpStream::connect(server.addr()).await.unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\n").await.unwrap();
        flood.push(s);
    }
    let started = Instant::now();
    let probe = reqwest::Client::new()
        .get(format!("http://{}/healthz", server.addr()))
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .unwrap();
    assert_eq!(probe.status(), 200);
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    assert!(server.open_connections() <= 8, "{}", server.open_connections());
    drop(flood);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http2_and_the_door() {
    let server = start(ListenLimits::default(), &[]).await;
    let url = format!("http://{}/healthz", server.addr());
    let h2 = reqwest::Client::builder().http2_prior_knowledge().build().unwrap();
    let r = h2.get(&url).send().await.unwrap();
    assert_eq!((r.status().as_u16(), r.version()), (200, reqwest::Version::HTTP_2));
    let http1 = reqwest::Client::new();
    let r = http1.get(&url).send().await.unwrap();
    assert_eq!((r.status().as_u16(), r.version()), (200, reqwest::Version::HTTP_11));
    // Keyless: loopback names only.
    let r = http1.get(&url).header("host", "evil.example").send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("foreign_host"));
    let r = http1.get(&url).header("origin", "http://evil.example").send().await.unwrap();
    assert_eq!(r.status(), 403);
    let r = http1.get(&url).header("origin", "http://localhost:3000").send().await.unwrap();
    assert_eq!(r.status(), 200);
    server.stop().await;

    let keys = ApiKey::parse_list(&format!("tester:{TOKEN}")).unwrap();
    let server = start(ListenLimits::default(), &keys).await;
    let echo = format!("http://{}/echo", server.addr());
    let r = http1.post(&echo).body("x").send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = http1.post(&echo).bearer_auth("wrong-token-0123456789").body("x").send().await.unwrap();
    assert_eq!(r.status(), 401);
    // With keys the key is the guard: any Host name reaches the service.
    let r = h2.post(&echo).bearer_auth(TOKEN).header("host", "rlm.example").body("hi").send();
    let r = r.await.unwrap();
    assert_eq!((r.status().as_u16(), r.text().await.unwrap()), (200, "hi".to_string()));
    server.stop().await;
}
