//! Serving [`RlmServer`] over the two MCP transports: stdio (the client
//! starts `rlm mcp` and talks over its standard input and output; nothing
//! else may write to stdout) and streamable HTTP (`POST/GET /mcp` on the
//! address given; loopback hosts only, rmcp's DNS-rebinding guard).

use std::net::SocketAddr;
use std::sync::Arc;

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

/// A streamable HTTP server bound to an address, serving until stopped.
pub struct HttpServer {
    addr: SocketAddr,
    stop: CancellationToken,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl HttpServer {
    /// Binds `addr` (port 0: any free port) and serves `server` at `/mcp`.
    pub async fn start(server: RlmServer, addr: SocketAddr) -> Result<HttpServer, McpError> {
        let stop = CancellationToken::new();
        let mut config =
            StreamableHttpServerConfig::default().with_cancellation_token(stop.clone());
        // The bound port too: rmcp compares the Host header's authority.
        config.allowed_hosts.push(addr.ip().to_string());
        let service: StreamableHttpService<RlmServer, LocalSessionManager> =
            StreamableHttpService::new(
                move || Ok(server.clone()),
                Arc::new(LocalSessionManager::default()),
                config,
            );
        let router = axum::Router::new().nest_service("/mcp", service);
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| McpError::Listen { addr, source })?;
        let addr = listener.local_addr().map_err(|source| McpError::Listen { addr, source })?;
        let shutdown = stop.clone();
        let task = tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async move { shutdown.cancelled_owned().await })
                .await
        });
        Ok(HttpServer { addr, stop, task })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, ends the MCP sessions and waits for the server.
    pub async fn stop(self) -> Result<(), McpError> {
        self.stop.cancel();
        match self.task.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(source)) => Err(McpError::Listen { addr: self.addr, source }),
            Err(e) => Err(McpError::Transport(format!("the HTTP server's task failed: {e}"))),
        }
    }
}
