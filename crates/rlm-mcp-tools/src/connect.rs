//! One MCP server connected for the engine's life: a child process spoken to
//! over its stdin and stdout (started here, killed when the connection
//! goes), or a streamable-HTTP endpoint; `initialize` and `tools/list`
//! answered within the server's timeout. A child's last lines of stderr are
//! kept (bounded) so that a server that dies says why.

use std::collections::{HashMap, VecDeque};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rlm_config::{McpServer, McpTransport};
use rmcp::model::Tool as McpTool;
use rmcp::service::{Peer, RunningService};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::async_rw::AsyncRwTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{RoleClient, ServiceExt};
use tokio::io::AsyncBufReadExt as _;

use crate::error::McpToolsError;
use crate::runtime::ClientRuntime;

/// Longest message a server may send, in bytes: a line of stdio, an HTTP
/// JSON body or SSE event. The transport drops a longer one whole (a call
/// answered by it times out), so a hostile server cannot make us buffer more.
pub const MAX_MESSAGE_BYTES: usize = 16 * 1024 * 1024;
/// The least time a server has to start and list its tools, whatever its
/// call timeout (a Python server takes seconds to import its SDK).
const MIN_START_TIME: Duration = Duration::from_secs(30);
/// How often, and how many times, a child whose connection closed is
/// looked at to see whether it exited.
const EXIT_POLL: Duration = Duration::from_millis(20);
const EXIT_POLLS: u32 = 25;
/// Lines of a child's stderr kept for the message when it dies.
const STDERR_LINES: usize = 12;
/// Characters of one kept stderr line.
const STDERR_LINE_CHARS: usize = 300;

/// A connected server.
pub struct Connection {
    pub server: String,
    pub timeout: Duration,
    pub peer: Peer<RoleClient>,
    /// Holds the client's service loop (and with it the transport) open.
    _service: RunningService<RoleClient, ()>,
    /// The child of a stdio server (killed when dropped), and its stderr's tail.
    child: Option<Mutex<tokio::process::Child>>,
    stderr_tail: Arc<Mutex<VecDeque<String>>>,
    /// The runtime the connection's tasks run on, dropped after the rest
    /// (fields drop in order): it outlives the connection it serves.
    _runtime: Option<Arc<ClientRuntime>>,
}

/// A server as it is reached: its table, and the bearer token read from the
/// variable its `bearer_token_env` names.
pub struct Reach {
    pub server: McpServer,
    pub bearer: Option<String>,
}

/// The client's service over a transport, and a stdio server's child.
type Opened = (RunningService<RoleClient, ()>, Option<Mutex<tokio::process::Child>>);

impl Connection {
    /// Starts or reaches the server and lists its tools.
    pub async fn open(reach: Reach) -> Result<(Connection, Vec<McpTool>), McpToolsError> {
        let server = reach.server;
        let timeout = Duration::from_secs_f64(server.timeout_secs);
        let start_time = timeout.max(MIN_START_TIME);
        let error =
            |message: String| McpToolsError::Connect { server: server.name.clone(), message };
        let stderr_tail = Arc::new(Mutex::new(VecDeque::new()));
        let (service, child) = match &server.transport {
            McpTransport::Stdio { command, args, env } => {
                let tail = Arc::clone(&stderr_tail);
                start_child(command, args, env, start_time, tail).await.map_err(error)?
            }
            McpTransport::Http { url, headers, .. } => {
                reach_url(url, headers, reach.bearer, start_time).await.map_err(error)?
            }
        };
        let peer = service.peer().clone();
        let tools = match tokio::time::timeout(start_time, peer.list_all_tools()).await {
            Ok(Ok(tools)) => tools,
            Ok(Err(e)) => return Err(error(format!("tools/list failed: {e}"))),
            Err(_) => {
                return Err(error(format!("tools/list took longer than {}", secs(start_time))));
            }
        };
        let server = server.name;
        let connection = Connection {
            server,
            timeout,
            peer,
            _service: service,
            child,
            stderr_tail,
            _runtime: None,
        };
        Ok((connection, tools))
    }

    /// The connection, keeping `runtime` alive for as long as it lives.
    pub fn held_on(self, runtime: &Arc<ClientRuntime>) -> Connection {
        Connection { _runtime: Some(Arc::clone(runtime)), ..self }
    }

    /// Why the connection is gone, when its child has exited: the status and
    /// its last lines of stderr. A child whose pipes just closed is given a
    /// moment to be reaped.
    pub async fn exit_note(&self) -> Option<String> {
        let child = self.child.as_ref()?;
        for _ in 0..EXIT_POLLS {
            {
                let mut child = child.lock().unwrap_or_else(|p| p.into_inner());
                if let Some(note) = exited(&mut child, &self.stderr_tail) {
                    return Some(note);
                }
            }
            tokio::time::sleep(EXIT_POLL).await;
        }
        None
    }
}

/// Starts a stdio server's child and initializes the client over its pipes.
async fn start_child(
    command: &str,
    args: &[String],
    env: &std::collections::BTreeMap<String, String>,
    timeout: Duration,
    stderr_tail: Arc<Mutex<VecDeque<String>>>,
) -> Result<Opened, String> {
    let mut child = tokio::process::Command::new(command)
        .args(args)
        // An `rlm` started as a server (`rlm mcp`) reading the same rlm.toml
        // must not start its servers in turn, and so on without end (the
        // table's `env` may say otherwise).
        .env("RLM_MCP_SERVERS", "{}")
        .envs(env)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start `{command}`: {e}"))?;
    let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        return Err("the child's stdin and stdout are not pipes".into());
    };
    if let Some(stderr) = child.stderr.take() {
        tokio::spawn(keep_tail(stderr, Arc::clone(&stderr_tail)));
    }
    let transport =
        AsyncRwTransport::new_client(stdout, stdin).with_max_line_length(MAX_MESSAGE_BYTES);
    match tokio::time::timeout(timeout, ().serve(transport)).await {
        Ok(Ok(service)) => Ok((service, Some(Mutex::new(child)))),
        Ok(Err(e)) => {
            let why = exited(&mut child, &stderr_tail).unwrap_or_default();
            Err(format!("did not initialize: {e}{why}"))
        }
        Err(_) => Err(format!("did not initialize within {}", secs(timeout))),
    }
}

/// Initializes the client against a streamable-HTTP endpoint.
async fn reach_url(
    url: &str,
    headers: &std::collections::BTreeMap<String, String>,
    bearer: Option<String>,
    timeout: Duration,
) -> Result<Opened, String> {
    // rustls needs one crypto provider per process: ring, the workspace's
    // (a second install is refused, harmlessly).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut config = StreamableHttpClientTransportConfig::with_uri(url)
        .max_json_response_size(MAX_MESSAGE_BYTES)
        .max_sse_event_size(MAX_MESSAGE_BYTES)
        .custom_headers(header_map(headers)?);
    if let Some(token) = bearer {
        config = config.auth_header(token);
    }
    let transport = StreamableHttpClientTransport::from_config(config);
    match tokio::time::timeout(timeout, ().serve(transport)).await {
        Ok(Ok(service)) => Ok((service, None)),
        Ok(Err(e)) => Err(format!("did not initialize at {url}: {e}")),
        Err(_) => Err(format!("{url} did not initialize within {}", secs(timeout))),
    }
}

/// `; the server exited (STATUS); its stderr ended: ...` when `child` has exited.
fn exited(child: &mut tokio::process::Child, tail: &Mutex<VecDeque<String>>) -> Option<String> {
    let status = child.try_wait().ok().flatten()?;
    let tail = tail.lock().unwrap_or_else(|p| p.into_inner());
    let said = if tail.is_empty() {
        String::new()
    } else {
        format!("; its stderr ended: {}", tail.iter().cloned().collect::<Vec<_>>().join(" | "))
    };
    Some(format!("; the server exited ({status}){said}"))
}

/// Keeps the last lines of a child's stderr (each cut short), reading to its end.
async fn keep_tail(stderr: tokio::process::ChildStderr, tail: Arc<Mutex<VecDeque<String>>>) {
    let mut lines = tokio::io::BufReader::new(stderr);
    let mut line = Vec::new();
    loop {
        line.clear();
        // A line is read whole but only its start is kept; a server writing
        // one endless line is read through without growing past the buffer.
        match read_line_capped(&mut lines, &mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        // Runs of spaces (a rich console's columns) read as one.
        let lossy = String::from_utf8_lossy(&line);
        let words: Vec<&str> = lossy.split_whitespace().collect();
        let text: String = words.join(" ").chars().take(STDERR_LINE_CHARS).collect();
        if text.is_empty() {
            continue;
        }
        let mut tail = tail.lock().unwrap_or_else(|p| p.into_inner());
        if tail.len() == STDERR_LINES {
            tail.pop_front();
        }
        tail.push_back(text);
    }
}

/// Reads one line, keeping at most a few kilobytes of it; the bytes consumed.
async fn read_line_capped(
    reader: &mut tokio::io::BufReader<tokio::process::ChildStderr>,
    line: &mut Vec<u8>,
) -> std::io::Result<usize> {
    let mut consumed = 0;
    loop {
        let buf = reader.fill_buf().await?;
        if buf.is_empty() {
            return Ok(consumed);
        }
        let (take, done) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (buf.len(), false),
        };
        let room = (4 * STDERR_LINE_CHARS).saturating_sub(line.len());
        line.extend_from_slice(&buf[..take.min(room)]);
        reader.consume(take);
        consumed += take;
        if done {
            return Ok(consumed);
        }
    }
}

/// `headers` as HTTP headers; a name or value HTTP cannot carry is an error.
fn header_map(
    headers: &std::collections::BTreeMap<String, String>,
) -> Result<HashMap<http::HeaderName, http::HeaderValue>, String> {
    headers
        .iter()
        .map(|(k, v)| {
            let name = http::HeaderName::try_from(k.as_str())
                .map_err(|_| format!("the header name {k:?} is not valid"))?;
            let value = http::HeaderValue::try_from(v.as_str())
                .map_err(|_| format!("the value of the header {k:?} is not valid"))?;
            Ok((name, value))
        })
        .collect()
}

/// `30 s`, `0.5 s`.
pub fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 { format!("{} s", s as u64) } else { format!("{s} s") }
}
