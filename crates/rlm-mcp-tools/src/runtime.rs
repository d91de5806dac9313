//! The runtime the MCP connections live on: one worker thread of its own,
//! so a connection outlives whichever runtime a front end drives its runs
//! on (a CLI's, a server's, a test's), and connecting at start-up can block
//! the caller, inside an async context or not, without starving it.

use std::future::Future;
use std::sync::Arc;

use tokio::runtime::{Handle, Runtime};

use crate::error::McpToolsError;

/// The connections' runtime; shut down in the background when the last
/// holder goes (a drop inside an async context must not block).
pub struct ClientRuntime {
    runtime: Option<Runtime>,
}

impl ClientRuntime {
    pub fn new() -> Result<Arc<ClientRuntime>, McpToolsError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("rlm-mcp-tools")
            .enable_all()
            .build()
            .map_err(|e| McpToolsError::Runtime(e.to_string()))?;
        Ok(Arc::new(ClientRuntime { runtime: Some(runtime) }))
    }

    pub fn handle(&self) -> Option<&Handle> {
        self.runtime.as_ref().map(Runtime::handle)
    }

    /// Runs `work` on this runtime and waits for it on the calling thread.
    pub fn wait_for<T: Send + 'static>(
        &self,
        work: impl Future<Output = T> + Send + 'static,
    ) -> Result<T, McpToolsError> {
        let handle = self.handle().ok_or_else(|| McpToolsError::Runtime("shut down".into()))?;
        let (tx, rx) = std::sync::mpsc::channel();
        handle.spawn(async move {
            let _ = tx.send(work.await);
        });
        rx.recv().map_err(|_| McpToolsError::Runtime("the connecting task stopped".into()))
    }
}

impl Drop for ClientRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// A task on the client runtime that is aborted when its caller stops
/// waiting (a cancelled run leaves no call behind).
pub struct AbortOnDrop<T>(pub tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}
