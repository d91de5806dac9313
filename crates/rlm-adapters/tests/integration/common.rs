//! Helpers shared by the integration tests: fast retry policies with a
//! recording sleeper, a raw TCP server that misbehaves byte by byte, and a
//! port nobody listens on.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rlm_adapters::{HttpOptions, RetryPolicy, Sleeper};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A sleeper that records every delay and returns at once, so tests assert
/// on the delays asked for without waiting them.
pub fn recording_sleeper() -> (Sleeper, Arc<Mutex<Vec<Duration>>>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let l = log.clone();
    let sleeper = Sleeper::new(move |d| {
        l.lock().unwrap().push(d);
        Box::pin(async {})
    });
    (sleeper, log)
}

/// Retries: `max_retries`, 1 ms backoff without jitter, recorded not slept.
pub fn fast_http(max_retries: u32) -> (HttpOptions, Arc<Mutex<Vec<Duration>>>) {
    let (sleeper, log) = recording_sleeper();
    let retry = RetryPolicy {
        max_retries,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(8),
        jitter: 0.0,
        sleeper,
        ..RetryPolicy::default()
    };
    let http = HttpOptions { timeout: Duration::from_secs(5), retry, ..HttpOptions::default() };
    (http, log)
}

/// A server that answers every connection with `pieces`, written one by one
/// with `gap` between them, then closes. Returns its base URL and a counter
/// of connections.
pub async fn raw_server(pieces: Vec<Vec<u8>>, gap: Duration) -> (String, Arc<Mutex<u32>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(Mutex::new(0u32));
    let c = count.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else { return };
            *c.lock().unwrap() += 1;
            let pieces = pieces.clone();
            tokio::spawn(async move {
                read_request(&mut sock).await;
                for p in pieces {
                    if sock.write_all(&p).await.is_err() {
                        return;
                    }
                    let _ = sock.flush().await;
                    tokio::time::sleep(gap).await;
                }
                let _ = sock.shutdown().await;
            });
        }
    });
    (format!("http://{addr}"), count)
}

/// Reads one HTTP/1.1 request (headers and a Content-Length body).
async fn read_request(sock: &mut tokio::net::TcpStream) {
    let mut buf = Vec::new();
    let mut tmp = [0u8; 4096];
    loop {
        let Ok(n) = sock.read(&mut tmp).await else { return };
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&tmp[..n]);
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..pos]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if buf.len() >= pos + 4 + len {
                return;
            }
        }
    }
}

/// An HTTP/1.1 response head for a body of `len` bytes (which may be a lie).
pub fn head(status: u16, content_type: &str, len: Option<usize>) -> Vec<u8> {
    let mut h =
        format!("HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\nconnection: close\r\n");
    if let Some(n) = len {
        h.push_str(&format!("content-length: {n}\r\n"));
    }
    h.push_str("\r\n");
    h.into_bytes()
}

/// A URL on which nothing listens.
pub async fn refused_url() -> String {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    format!("http://{addr}")
}

/// The JSON body of the i-th request a mock server received.
pub async fn body_of(server: &wiremock::MockServer, i: usize) -> serde_json::Value {
    let reqs = server.received_requests().await.unwrap();
    serde_json::from_slice(&reqs[i].body).unwrap()
}

pub async fn request_count(server: &wiremock::MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}
