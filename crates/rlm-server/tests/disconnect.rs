//! A client that goes away cancels its execution (`server.on_disconnect =
//! cancel`, the default): a `/v1` stream cut after its first chunk, a
//! blocking `/v1` request and a `POST /api/execute` whose connections close
//! while the execution runs each end `cancelled` within 2 s, their subcalls
//! stop and the key's one slot is free again. With `continue`, the
//! execution runs to its answer. Clients here are raw sockets, closed by
//! the test, so nothing pools or retries a connection behind its back.

use crate::common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::*;
use rlm_config::OnDisconnect;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A program asking the (slow) sub-model `n` times, one after the other.
fn subcalls(n: usize) -> String {
    format!("for i in range({n}):\n    result = llm_query('step ' + str(i))")
}

async fn server(mock: &MockModel, n: usize, on_disconnect: OnDisconnect) -> TestServer {
    TestServer::start_with(one_program_script(&subcalls(n)), |c| {
        mock.as_sub_model(c);
        c.limits.on_disconnect = on_disconnect;
        c.limits.max_concurrent_per_key = 1;
    })
    .await
}

fn addr(s: &TestServer) -> SocketAddr {
    s.base.trim_start_matches("http://").parse().unwrap()
}

/// Sends a JSON POST on a new connection and returns the open socket.
async fn post_raw(s: &TestServer, path: &str, body: &Value) -> TcpStream {
    let body = body.to_string();
    let mut socket = TcpStream::connect(addr(s)).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    socket.write_all(body.as_bytes()).await.unwrap();
    socket
}

/// Reads from `socket` until what arrived contains `marker`.
async fn read_until(socket: &mut TcpStream, marker: &str) -> String {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + Duration::from_secs(20);
    while !String::from_utf8_lossy(&seen).contains(marker) {
        assert!(Instant::now() < deadline, "no {marker:?} in {}", String::from_utf8_lossy(&seen));
        let n = tokio::time::timeout(Duration::from_secs(20), socket.read(&mut buf))
            .await
            .unwrap()
            .unwrap();
        assert!(n > 0, "the server closed: {}", String::from_utf8_lossy(&seen));
        seen.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&seen).into_owned()
}

/// The one execution the list shows running (a blocking request's, whose
/// id its client learns only at the end).
async fn running_execution(s: &TestServer) -> String {
    for _ in 0..200 {
        let (_, list) = s.get("/api/executions").await;
        if let Some(e) =
            list["executions"].as_array().and_then(|l| l.iter().find(|e| e["status"] == "running"))
        {
            return e["id"].as_str().unwrap().to_string();
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no execution is running");
}

/// Waits until the mock has answered `n` subcalls.
async fn subcalls_reach(mock: &MockModel, n: u64) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while mock.count() < n {
        assert!(Instant::now() < deadline, "the program made no subcalls");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Closes the client's connection, then checks the execution ends
/// `cancelled` within 2 s, makes no more subcalls, and frees the slot.
async fn leave_and_expect_cancel(s: &TestServer, mock: &MockModel, socket: TcpStream, id: &str) {
    drop(socket);
    let left = Instant::now();
    let record = s.wait_execution(id).await;
    let took = left.elapsed();
    assert_eq!(record["status"], "cancelled", "{record}");
    assert!(took < Duration::from_secs(2), "cancelled only after {took:?}");
    let why = record["error_message"].as_str().unwrap_or_default();
    assert!(why.contains("client went away"), "{record}");
    let calls = mock.count();
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(mock.count() <= calls + 1, "subcalls went on: {calls} then {}", mock.count());
    assert!(mock.count() < 60, "it ran to its end");
    // The key's one slot is free: a new stream is admitted (then left too).
    let chat = json!({"model": "rlm", "stream": true,
        "messages": [{"role": "user", "content": "ctx"}, {"role": "user", "content": "q?"}]});
    let mut again = post_raw(s, "/v1/chat/completions", &chat).await;
    let head = read_until(&mut again, "\r\n\r\n").await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_v1_stream_cut_mid_way_cancels_its_execution() {
    let mock = MockModel::slow(Duration::from_millis(150)).await;
    let s = server(&mock, 60, OnDisconnect::Cancel).await;
    let chat = json!({"model": "rlm", "stream": true,
        "messages": [{"role": "user", "content": "ctx"}, {"role": "user", "content": "q?"}]});
    let mut socket = post_raw(&s, "/v1/chat/completions", &chat).await;
    let head = read_until(&mut socket, "chat.completion.chunk").await;
    let id = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("x-rlm-trace-id:").map(str::to_string))
        .expect("the trace id header")
        .trim()
        .to_string();
    subcalls_reach(&mock, 2).await;
    leave_and_expect_cancel(&s, &mock, socket, &id).await;
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocking_v1_request_whose_client_leaves_is_cancelled() {
    let mock = MockModel::slow(Duration::from_millis(150)).await;
    let s = server(&mock, 60, OnDisconnect::Cancel).await;
    let chat = json!({"model": "rlm",
        "messages": [{"role": "user", "content": "ctx"}, {"role": "user", "content": "q?"}]});
    let socket = post_raw(&s, "/v1/chat/completions", &chat).await;
    let id = running_execution(&s).await;
    subcalls_reach(&mock, 2).await;
    leave_and_expect_cancel(&s, &mock, socket, &id).await;
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_execute_whose_client_leaves_is_cancelled() {
    let mock = MockModel::slow(Duration::from_millis(150)).await;
    let s = server(&mock, 60, OnDisconnect::Cancel).await;
    let sid = s.create_session("leaving", "some context").await;
    let socket =
        post_raw(&s, "/api/execute", &json!({"session_id": sid, "user_query": "q?"})).await;
    let id = running_execution(&s).await;
    subcalls_reach(&mock, 2).await;
    leave_and_expect_cancel(&s, &mock, socket, &id).await;
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_on_disconnect_continue_the_execution_runs_to_its_answer() {
    let mock = MockModel::slow(Duration::from_millis(100)).await;
    let s = server(&mock, 8, OnDisconnect::Continue).await;
    let chat = json!({"model": "rlm",
        "messages": [{"role": "user", "content": "ctx"}, {"role": "user", "content": "q?"}]});
    let socket = post_raw(&s, "/v1/chat/completions", &chat).await;
    let id = running_execution(&s).await;
    subcalls_reach(&mock, 1).await;
    drop(socket);
    let record = s.wait_execution(&id).await;
    assert_eq!(record["status"], "completed", "{record}");
    assert_eq!(record["final_result"], "x");
    assert_eq!(mock.count(), 8);
    s.stop().await;
}
