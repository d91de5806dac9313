//! The serve loop against real sockets: a half-sent head is closed at the
//! header timeout, a stalled body fails at the idle timeout, a trickling
//! body fails the minimum rate (408, closed), the cap sheds idle
//! connections so a probe gets in, a tenant past its connection share is
//! refused (429, closed) and shed at the cap so another tenant and a probe
//! get in, HTTP/2 (h2c) is served beside HTTP/1, and the door's Host,
//! Origin and key rules.

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

/// Short timeouts; no minimum body rate, so a stalled body meets the idle
/// timeout alone.
fn quick() -> ListenLimits {
    ListenLimits {
        header_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(1),
        min_body_rate: 0,
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

/// A body sending a byte every 300 ms against a minimum of 100 bytes a
/// second fails once the grace (the header timeout, 1 s) is spent: 408, the
/// connection closed; the idle timeout (60 s) never comes into it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_below_the_minimum_rate_gets_408_and_its_connection_closes() {
    let limits = ListenLimits {
        header_timeout: Duration::from_secs(1),
        min_body_rate: 100,
        ..ListenLimits::default()
    };
    let server = start(limits, &[]).await;
    let mut slow = TcpStream::connect(server.addr()).await.unwrap();
    let head = "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n";
    slow.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let trickle = async {
        loop {
            tokio::time::sleep(Duration::from_millis(300)).await;
            if slow.write_all(b"x").await.is_err() {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(3), trickle).await;
    let answer = read_to_close(&mut slow, Duration::from_secs(10)).await.unwrap_or_default();
    let took = started.elapsed();
    eprintln!("trickling body answered after {took:?}: {}", answer.lines().next().unwrap_or(""));
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}");
    assert!(answer.contains("body_too_slow") && answer.contains("connection: close"), "{answer:?}");
    server.stop().await;
}

/// Three keys and a cap of 8. Alice alone has half the cap: her fifth
/// request under way is refused (429, closed). Bob's first request gets in,
/// and his share (8 / 3) holds two bodies. With carol's two the cap is full
/// of busy connections: `/healthz` still gets in, by closing the newest of
/// alice's, past her share (8 / 4), never bob's or carol's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_past_its_connection_share_is_refused_and_others_get_in() {
    let (bob, carol) = (format!("bob-{TOKEN}"), format!("carol-{TOKEN}"));
    let keys = ApiKey::parse_list(&format!("alice:{TOKEN},bob:{bob},carol:{carol}")).unwrap();
    let limits = ListenLimits { max_connections: 8, ..ListenLimits::default() };
    let server = start(limits, &keys).await;
    // Slow bodies: held until the test drops them, or refused at once.
    let slow_bodies = async |token: &str, n: usize| {
        let head = format!(
            "POST /echo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Length: 100\r\n\r\nx"
        );
        let (mut held, mut refused) = (Vec::new(), 0);
        for _ in 0..n {
            let mut s = TcpStream::connect(server.addr()).await.unwrap();
            s.write_all(head.as_bytes()).await.unwrap();
            match read_to_close(&mut s, Duration::from_millis(300)).await {
                Some(answer) => {
                    assert!(answer.starts_with("HTTP/1.1 429"), "{answer:?}");
                    assert!(answer.contains("connection_share"), "{answer:?}");
                    refused += 1;
                }
                None => held.push(s),
            }
        }
        (held, refused)
    };
    let (mut alices, refused) = slow_bodies(TOKEN, 6).await;
    eprintln!("alice: {} held, {refused} refused", alices.len());
    assert_eq!((alices.len(), refused), (4, 2));
    let once = || reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
    let r = once().post(format!("http://{}/echo", server.addr())).bearer_auth(&bob).body("hi");
    assert_eq!(r.send().await.unwrap().status(), 200, "bob's first request");
    let (mut bobs, refused) = slow_bodies(&bob, 3).await;
    assert_eq!((bobs.len(), refused), (2, 1), "bob's share with alice holding is 8 / 3");
    let (mut carols, refused) = slow_bodies(&carol, 2).await;
    assert_eq!((carols.len(), refused), (2, 0));
    assert_eq!(server.open_connections(), 8, "the cap is full of busy connections");
    let started = Instant::now();
    let r = once().get(format!("http://{}/healthz", server.addr())).send().await.unwrap();
    assert_eq!(r.status(), 200, "a probe gets in with every connection busy");
    eprintln!("/healthz with every connection busy: {:?}", started.elapsed());
    let mut closed = Vec::new();
    for (who, streams) in [("alice", &mut alices), ("bob", &mut bobs), ("carol", &mut carols)] {
        for s in streams.iter_mut() {
            if read_to_close(s, Duration::from_millis(50)).await.is_some() {
                closed.push(who);
            }
        }
    }
    assert_eq!(closed, ["alice"], "one of alice's made room");
    server.stop().await;
}
