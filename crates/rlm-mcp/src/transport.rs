//! Serving [`RlmServer`] over the two MCP transports: stdio (the client
//! starts `rlm mcp` and talks over its standard input and output; nothing
//! else may write to stdout) and streamable HTTP (`POST/GET/DELETE /mcp`,
//! and `GET /healthz`, on the address given), served by rlm-listen's loop
//! with `rlm serve`'s rules: bearer keys (none: loopback only, and loopback
//! Host and Origin names), timeouts, the connection cap.
//!
//! Each MCP transport session (`Mcp-Session-Id`) belongs to the tenant that
//! opened it ([`TransportSessions`]): a request naming another tenant's
//! session is answered 404, as an unknown one is, and a tenant holds at most
//! [`MAX_TRANSPORT_SESSIONS`] open at once (429 past it), so one key can
//! neither ride another's session nor fill the server with its own.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::Response;
use rlm_listen::{ApiKey, Door, KeyRing, ListenLimits, Listening, Tenant};
use rmcp::ServiceExt;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use tokio_util::sync::CancellationToken;

use crate::error::McpError;
use crate::server::RlmServer;

/// Serves one client over stdin/stdout until it closes the connection.
pub async fn serve_stdio(server: RlmServer) -> Result<(), McpError> {
    let running = server
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| McpError::Transport(e.to_string()))?;
    running.waiting().await.map_err(|e| McpError::Transport(e.to_string()))?;
    Ok(())
}

/// Transport sessions one tenant may hold open at once.
pub const MAX_TRANSPORT_SESSIONS: usize = 64;

/// The header naming a request's MCP transport session.
const SESSION_HEADER: &str = "mcp-session-id";

/// Which tenant opened each transport session (see the module docs).
struct TransportSessions {
    owners: Mutex<HashMap<String, Tenant>>,
    manager: Arc<LocalSessionManager>,
}

impl TransportSessions {
    fn owner(&self, id: &str) -> Option<Tenant> {
        self.owners.lock().unwrap_or_else(|p| p.into_inner()).get(id).cloned()
    }

    /// The sessions `tenant` holds that rmcp still has (those it closed
    /// for idleness are forgotten here too).
    async fn held_by(&self, tenant: &Tenant) -> usize {
        let live = self.manager.sessions.read().await;
        let mut owners = self.owners.lock().unwrap_or_else(|p| p.into_inner());
        owners.retain(|id, _| live.contains_key(id.as_str()));
        owners.values().filter(|t| *t == tenant).count()
    }

    fn bind(&self, id: String, tenant: Tenant) {
        self.owners.lock().unwrap_or_else(|p| p.into_inner()).insert(id, tenant);
    }

    fn forget(&self, id: &str) {
        self.owners.lock().unwrap_or_else(|p| p.into_inner()).remove(id);
    }
}

/// Middleware: a transport session is its opener's alone (see the module docs).
async fn tenant_sessions(
    State(sessions): State<Arc<TransportSessions>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(tenant) = request.extensions().get::<Tenant>().cloned() else {
        return plain(StatusCode::UNAUTHORIZED, "this request names no API key");
    };
    let named = request
        .headers()
        .get(SESSION_HEADER)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let foreign = named.as_deref().and_then(|id| sessions.owner(id)).is_some_and(|o| o != tenant);
    if foreign {
        return plain(StatusCode::NOT_FOUND, "Not Found: Session not found");
    }
    if named.is_none()
        && request.method() == Method::POST
        && sessions.held_by(&tenant).await >= MAX_TRANSPORT_SESSIONS
    {
        return plain(
            StatusCode::TOO_MANY_REQUESTS,
            "this API key already holds the most MCP sessions it may: close one (DELETE /mcp) first",
        );
    }
    let delete = request.method() == Method::DELETE;
    let response = next.run(request).await;
    if let (Some(id), None) = (response.headers().get(SESSION_HEADER), &named) {
        sessions.bind(String::from_utf8_lossy(id.as_bytes()).into_owned(), tenant);
    }
    if let (true, Some(id)) = (delete && response.status().is_success(), &named) {
        sessions.forget(id);
    }
    response
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    let mut response = Response::new(axum::body::Body::from(text));
    *response.status_mut() = status;
    response
}

/// How the HTTP transport listens: the keys, the listener's limits, and
/// the largest message it reads.
#[derive(Debug, Clone)]
pub struct McpHttpOptions {
    pub keys: Vec<ApiKey>,
    pub limits: ListenLimits,
    /// The most bytes one message may take (rmcp's own limit), and twice
    /// it, the most memory parsing it may take: a message past either is
    /// refused (413) before it is parsed.
    pub max_message_bytes: usize,
}

impl Default for McpHttpOptions {
    fn default() -> Self {
        McpHttpOptions {
            keys: Vec::new(),
            limits: ListenLimits::default(),
            max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES,
        }
    }
}

/// rmcp's own default limit of a message.
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 4 << 20;

/// Middleware: a message whose JSON would take more than its allowance to
/// parse (rlm-listen's `json_parse_cost`: 4 MiB of one-character strings
/// take some 160 MB as rmcp's parsed tree) is refused before rmcp reads it.
async fn bounded_messages(
    State(max_bytes): State<usize>,
    request: Request,
    next: Next,
) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = rlm_listen::request_body::read_within(body, max_bytes).await else {
        return plain(
            StatusCode::PAYLOAD_TOO_LARGE,
            "the message is larger than this server reads",
        );
    };
    if rlm_listen::json_parse_cost(&bytes) > 2 * max_bytes as u64 {
        return plain(
            StatusCode::PAYLOAD_TOO_LARGE,
            "the message's JSON would take more memory to read than this server allows a message \
             (many small values): send fewer, larger ones",
        );
    }
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes))).await
}

/// A streamable HTTP server bound to an address, serving until stopped.
pub struct HttpServer {
    stop: CancellationToken,
    listening: Listening,
}

/// rmcp answers a session's DELETE with 202, which the official Python
/// client logs as "Session termination failed: 202" on every close; the
/// session is gone, so it is a 200.
async fn deleted_is_ok(request: Request, next: Next) -> Response {
    let delete = request.method() == Method::DELETE;
    let mut response = next.run(request).await;
    if delete && response.status() == StatusCode::ACCEPTED {
        *response.status_mut() = StatusCode::OK;
    }
    response
}

impl HttpServer {
    /// Binds `addr` (port 0: any free port) and serves `server` at `/mcp`;
    /// refuses an address beyond loopback without keys.
    pub async fn start(
        server: RlmServer,
        addr: SocketAddr,
        options: McpHttpOptions,
    ) -> Result<HttpServer, McpError> {
        let keys = KeyRing::new(&options.keys);
        rlm_listen::check_bind(addr, &keys)?;
        let stop = CancellationToken::new();
        let mut config = StreamableHttpServerConfig::default()
            .with_cancellation_token(stop.clone())
            .with_max_request_body_bytes(options.max_message_bytes);
        // The door checks Host and Origin (keyless) or the key: rmcp's own
        // Host list would refuse the names a keyed server is reached by.
        config = config.disable_allowed_hosts();
        let manager = Arc::new(LocalSessionManager::default());
        let server = server.keyed();
        let service: StreamableHttpService<RlmServer, LocalSessionManager> =
            StreamableHttpService::new(move || Ok(server.clone()), Arc::clone(&manager), config);
        let sessions = Arc::new(TransportSessions { owners: Mutex::default(), manager });
        let door = Door::new(keys, Vec::new());
        // Outermost first: the door names the tenant, then the session is checked against it.
        let mcp = axum::Router::new()
            .nest_service("/mcp", service)
            .layer(from_fn(deleted_is_ok))
            .layer(from_fn_with_state(options.max_message_bytes, bounded_messages))
            .layer(from_fn_with_state(sessions, tenant_sessions))
            .layer(from_fn_with_state(Arc::clone(&door), rlm_listen::door::require_key));
        let app = axum::Router::new()
            .route("/healthz", axum::routing::get(|| async { "ok" }))
            .merge(mcp)
            .layer(from_fn_with_state(door, rlm_listen::door::check_names));
        let listener = rlm_listen::bind(addr).await?;
        let listening = rlm_listen::serve(listener, app, options.limits)?;
        Ok(HttpServer { stop, listening })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.listening.addr()
    }

    /// Ends the MCP sessions, stops accepting and waits for the server.
    pub async fn stop(self) -> Result<(), McpError> {
        self.stop.cancel();
        self.listening.stop().await;
        Ok(())
    }
}
