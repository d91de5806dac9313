//! `connection` rows (the listener's knobs: `server.max_connections`,
//! `header_timeout_secs`, `idle_timeout_secs`, `min_body_rate`) on the front
//! ends with an HTTP listener: `rlm serve` (api), a worker's listener (its
//! probes and /metrics) and `rlm mcp --transport http`, each asked over raw
//! sockets, so no client pools, retries or reopens a connection behind the
//! probe's back. The effect shows with the knob and not in the control run,
//! whose defaults (512 connections, a 10 s head, a 60 s idle wait, 500 bytes
//! a second) are far from the knob's values.

use std::io::Read;
use std::time::Instant;

use super::serve::{Serve, start_serve};
use super::worker::worker_in_deployment;
use super::*;

/// The front ends with a listener.
const LISTENING: [&str; 3] = ["serve-api", "serve-worker", "mcp"];
/// How long a run with the knob may take to show it (the knobs' values are
/// a second or less): a wide margin.
const WITH_WAIT: Duration = Duration::from_secs(8);
/// How long the control run is watched: the knob's second and a wide
/// margin, well within the defaults.
const CONTROL_WAIT: Duration = Duration::from_secs(4);
/// The `408` probe's body: its first part at once, the rest after the wait
/// (at the default rate of 500 bytes a second the first part buys 20 s).
const BODY_FIRST: usize = 10_000;
const BODY_BYTES: usize = 20_000;

/// A front end listening for one probe run (killed when dropped; a
/// worker's deployment is removed by [`Front::stop`]).
enum Front {
    Serve(Serve),
    Mcp(crate::mcp_http::McpChild, tempfile::TempDir),
    Worker(cluster_env::Cluster, cluster_env::Process, tempfile::TempDir),
}

impl Front {
    async fn start(front_end: &str, row: &Row, way: Way, with_knob: bool) -> (Front, String) {
        let what = format!("{front_end}, {} (with it: {with_knob})", row.key);
        match front_end {
            "serve-api" => {
                let serve = start_serve(row, way, with_knob)
                    .unwrap_or_else(|e| panic!("{what}: rlm serve did not start: {e}"));
                let addr = host_port(&serve.base);
                (Front::Serve(serve), addr)
            }
            "mcp" => {
                let dir = probe_dir(row);
                let (child, addr) = start_mcp_http(row, dir.path(), way, with_knob);
                let mcp = crate::mcp_http::McpChild { child, url: format!("http://{addr}/mcp") };
                (Front::Mcp(mcp, dir), addr)
            }
            _ => {
                let dir = probe_dir(row);
                let (cluster, worker) =
                    worker_in_deployment(row, dir.path(), (way, with_knob), &what, |_| {});
                let addr = host_port(&worker.base);
                (Front::Worker(cluster, worker, dir), addr)
            }
        }
    }

    async fn stop(self) {
        match self {
            Front::Serve(serve) => drop(serve),
            Front::Mcp(mcp, _dir) => drop(mcp),
            Front::Worker(cluster, worker, _dir) => {
                drop(worker);
                cluster.clean_up().await;
            }
        }
    }
}

/// `host:port` of a base URL (`http://127.0.0.1:PORT`, perhaps with a path).
fn host_port(base: &str) -> String {
    let rest = base.trim_start_matches("http://");
    rest.split('/').next().unwrap_or(rest).to_string()
}

/// `rlm mcp --transport http` on 127.0.0.1 with the row's script and the
/// knob set `way` when `with_knob`: the child and where it listens.
fn start_mcp_http(row: &Row, dir: &Path, way: Way, with_knob: bool) -> (Child, String) {
    let mut c = rlm(dir);
    c.args(["mcp", "--script", "script.json", "--transport", "http"])
        .args(["--listen", "127.0.0.1:0"])
        .env("RLM_MODEL", "scripted");
    setting(row, dir, way, with_knob).apply(&mut c, dir);
    let mut child = c
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn rlm mcp");
    let mut reader = BufReader::new(child.stderr.take().expect("piped stderr"));
    let mut line = String::new();
    while !line.starts_with("rlm mcp: listening on ") {
        line.clear();
        let read = reader.read_line(&mut line).unwrap_or(0);
        assert!(read > 0, "rlm mcp --transport http, {}: exited before listening", row.key);
    }
    std::thread::spawn(move || for _ in reader.lines() {});
    (child, host_port(line.trim().trim_start_matches("rlm mcp: listening on ")))
}

/// What a connection heard within a wait.
#[derive(Debug, PartialEq)]
enum Heard {
    /// An answer's status (its body read).
    Answer(u16),
    /// The server closed it (or reset it) first.
    Closed,
    Nothing,
}

fn connect(addr: &str) -> TcpStream {
    TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect to {addr}: {e}"))
}

/// Reads one answer off `stream` (its head, and its body by length or
/// chunks, so a kept-alive connection is ready for the next), waiting
/// `wait` at most for each read.
fn hear(stream: &mut TcpStream, wait: Duration) -> Heard {
    stream.set_read_timeout(Some(wait)).expect("set a read timeout");
    let mut seen: Vec<u8> = Vec::new();
    let mut buf = [0u8; 4096];
    let mut read = |seen: &mut Vec<u8>| -> Result<(), Heard> {
        match stream.read(&mut buf) {
            Ok(0) => Err(Heard::Closed),
            Ok(n) => {
                seen.extend_from_slice(&buf[..n]);
                Ok(())
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                Err(Heard::Nothing)
            }
            Err(_) => Err(Heard::Closed),
        }
    };
    let end = loop {
        if let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        if let Err(heard) = read(&mut seen) {
            return heard;
        }
    };
    let head = String::from_utf8_lossy(&seen[..end]).to_ascii_lowercase();
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let length = head.lines().find_map(|l| {
        l.strip_prefix("content-length:").and_then(|v| v.trim().parse::<usize>().ok())
    });
    let chunked = head.contains("transfer-encoding: chunked");
    let whole = |seen: &[u8]| match length {
        Some(n) => seen.len() >= end + 4 + n,
        None => !chunked || seen.ends_with(b"0\r\n\r\n"),
    };
    while !whole(&seen) {
        if read(&mut seen).is_err() {
            break;
        }
    }
    Heard::Answer(status)
}

/// A `GET /healthz` on a kept-alive connection, and what it heard.
fn healthz(stream: &mut TcpStream, addr: &str) -> Heard {
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return Heard::Closed;
    }
    hear(stream, WITH_WAIT)
}

/// `shed`: a first connection asks /healthz and stays open, idle; a second
/// connects and asks too; then the first asks again. At a cap of one, the
/// first was closed to admit the second.
fn idle_connection_shed(addr: &str) -> bool {
    let mut first = connect(addr);
    assert!(matches!(healthz(&mut first, addr), Heard::Answer(_)), "{addr}: no first answer");
    // The first answer was read: its request ends on the server a moment
    // later (until then, at a cap of one, the newcomer is the one refused).
    let answered = (0..20).any(|_| {
        std::thread::sleep(Duration::from_millis(250));
        matches!(healthz(&mut connect(addr), addr), Heard::Answer(_))
    });
    assert!(answered, "{addr}: no second connection was answered");
    healthz(&mut first, addr) == Heard::Closed
}

/// `head_closed`: a request head sent but for its last line; whether the
/// server ends the connection (closed, or answered and closed) within `wait`.
fn half_head_ended(addr: &str, wait: Duration) -> bool {
    let mut stream = connect(addr);
    let head = format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\n");
    stream.write_all(head.as_bytes()).expect("send the head's first lines");
    hear(&mut stream, wait) != Heard::Nothing
}

/// An HTTP/2 frame: its 9-byte header (length, type, flags, stream 0) and payload.
fn h2_frame(kind: u8, flags: u8, payload: &[u8]) -> Vec<u8> {
    let length = u32::try_from(payload.len()).unwrap_or(0).to_be_bytes();
    let mut frame = vec![length[1], length[2], length[3], kind, flags, 0, 0, 0, 0];
    frame.extend_from_slice(payload);
    frame
}

/// `h2_ping`: an HTTP/2 connection (prior knowledge) that settles its
/// settings and then sends nothing; whether the server pings it within `wait`.
fn h2_pinged(addr: &str, wait: Duration) -> bool {
    const SETTINGS: u8 = 0x4;
    const PING: u8 = 0x6;
    const ACK: u8 = 0x1;
    let mut stream = connect(addr);
    let mut hello = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
    hello.extend(h2_frame(SETTINGS, 0, &[]));
    stream.write_all(&hello).expect("send the HTTP/2 preface");
    let deadline = Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        stream.set_read_timeout(Some(left)).expect("set a read timeout");
        let mut header = [0u8; 9];
        if stream.read_exact(&mut header).is_err() {
            return false;
        }
        let length = u32::from_be_bytes([0, header[0], header[1], header[2]]) as usize;
        let mut payload = vec![0u8; length];
        if stream.read_exact(&mut payload).is_err() {
            return false;
        }
        match (header[3], header[4] & ACK) {
            (SETTINGS, 0) => {
                let ack = h2_frame(SETTINGS, ACK, &[]);
                stream.write_all(&ack).expect("acknowledge the settings");
            }
            (PING, 0) => return true,
            _ => {}
        }
    }
}

/// `408`: a POST to `path` whose body stops after its first part; whether
/// it is answered 408. Unanswered within `wait`, the rest is sent and the
/// answer to the whole body counts.
fn stalled_body_refused(addr: &str, path: &str, wait: Duration) -> bool {
    // One JSON body for both routes (a session's fields, an MCP message's):
    // the control's answer, whatever it is, is not a 408.
    let padding = "x".repeat(BODY_BYTES);
    let mut body =
        format!(r#"{{"jsonrpc":"2.0","id":1,"method":"ping","name":"probe","context":"{padding}"#);
    body.truncate(BODY_BYTES - 2);
    body.push_str("\"}");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Accept: application/json, text/event-stream\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let mut stream = connect(addr);
    let first = [head.as_bytes(), &body.as_bytes()[..BODY_FIRST]].concat();
    stream.write_all(&first).expect("send the head and the body's first part");
    let heard = match hear(&mut stream, wait) {
        Heard::Nothing => {
            let rest = &body.as_bytes()[BODY_FIRST..];
            stream.write_all(rest).expect("send the rest of the body");
            hear(&mut stream, WITH_WAIT)
        }
        heard => heard,
    };
    assert!(matches!(heard, Heard::Answer(_)), "{addr}{path}: no answer to the body: {heard:?}");
    heard == Heard::Answer(408)
}

/// Whether the row's effect (`expect`) shows on the listener at `addr`
/// within `wait`.
fn shows(row: &Row, front_end: &str, addr: &str, wait: Duration) -> bool {
    match row.expect.as_deref().unwrap_or_default() {
        "shed" => idle_connection_shed(addr),
        "head_closed" => half_head_ended(addr, wait),
        "h2_ping" => h2_pinged(addr, wait),
        "408" => {
            let path = if front_end == "mcp" { "/mcp" } else { "/api/sessions" };
            stalled_body_refused(addr, path, wait)
        }
        other => panic!("{}: a connection probe has no effect {other:?}", row.key),
    }
}

/// Each `connection` row's effect on each front end that listens, where
/// [`effect_observed`] says so: one way per cell (rotated), with the knob
/// and without it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
pub(super) async fn the_listener_knobs_show_on_every_front_end_that_listens() {
    let rows = table();
    for (row, front_end, way) in observed_cells(&rows, "connection", &LISTENING) {
        let what = format!("{front_end}, {} = {:?} as {way:?}", row.key, row.value);
        let mut seen = [false; 2];
        for (with_knob, wait) in [(true, WITH_WAIT), (false, CONTROL_WAIT)] {
            let (front, addr) = Front::start(front_end, row, way, with_knob).await;
            let shown = tokio::task::block_in_place(|| shows(row, front_end, &addr, wait));
            seen[usize::from(!with_knob)] = shown;
            front.stop().await;
        }
        let expect = row.expect.as_deref().unwrap_or_default();
        assert!(seen[0], "{what}: no {expect} with the knob");
        assert!(!seen[1], "{what}: {expect} in the control run too");
    }
}
