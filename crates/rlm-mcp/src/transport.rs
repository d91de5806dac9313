//! Serving [`RlmServer`] over the two MCP transports: stdio (the client
//! starts `rlm mcp` and talks over its standard input and output; nothing
//! else may write to stdout) and streamable HTTP (`POST/GET/DELETE /mcp`,
//! and `GET /healthz`, on the address given), served by rlm-listen's loop
//! with `rlm serve`'s rules: bearer keys (none: loopback only, and loopback
//! Host and Origin names), timeouts, the connection cap.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::Response;
use rlm_listen::{ApiKey, Door, KeyRing, ListenLimits, Listening};
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

/// How the HTTP transport listens: the keys and the listener's limits.
#[derive(Debug, Clone, Default)]
pub struct McpHttpOptions {
    pub keys: Vec<ApiKey>,
    pub limits: ListenLimits,
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
        let mut config =
            StreamableHttpServerConfig::default().with_cancellation_token(stop.clone());
        // The door checks Host and Origin (keyless) or the key: rmcp's own
        // Host list would refuse the names a keyed server is reached by.
        config = config.disable_allowed_hosts();
        let service: StreamableHttpService<RlmServer, LocalSessionManager> =
            StreamableHttpService::new(
                move || Ok(server.clone()),
                Arc::new(LocalSessionManager::default()),
                config,
            );
        let door = Door::new(keys, Vec::new());
        let mcp = axum::Router::new()
            .nest_service("/mcp", service)
            .layer(from_fn(deleted_is_ok))
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
