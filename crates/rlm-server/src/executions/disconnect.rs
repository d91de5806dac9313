//! Cancelling the execution of a client that went away. axum drops a
//! handler's future (a blocking request's) or its response body (a
//! stream's) when the connection closes; the guard, held by either, cancels
//! the execution when dropped before the execution's end, so an abandoned
//! request stops its subcalls and frees its key's slot instead of running
//! to its budget (`server.on_disconnect = cancel`, the default).

use std::sync::Arc;

use uuid::Uuid;

use std::sync::atomic::Ordering;

use super::Executions;

/// Cancels its execution when dropped, unless [`DisconnectGuard::disarm`]ed
/// first (the client was answered) or the execution has ended.
pub struct DisconnectGuard {
    executions: Arc<Executions>,
    id: Uuid,
    armed: bool,
}

impl DisconnectGuard {
    /// A guard over the running execution `id`.
    pub fn new(executions: &Arc<Executions>, id: Uuid) -> Self {
        DisconnectGuard { executions: Arc::clone(executions), id, armed: true }
    }

    /// The client got its answer: dropping the guard changes nothing.
    pub fn disarm(&mut self) {
        self.armed = false;
    }
}

impl Drop for DisconnectGuard {
    fn drop(&mut self) {
        if self.armed {
            self.executions.client_left(self.id);
        }
    }
}

impl Executions {
    /// Cancels a running execution whose client went away (its handler's
    /// [`DisconnectGuard`] was dropped before the end), unless the server
    /// lets such executions run on (`server.on_disconnect = continue`) or
    /// it has already been settled.
    pub(crate) fn client_left(&self, id: Uuid) {
        if self.limits.on_disconnect == rlm_config::OnDisconnect::Continue {
            return;
        }
        let Some(live) = self.live.get(&id).map(|l| Arc::clone(&*l)) else { return };
        if live.done.borrow().is_some() || live.cancel.is_cancelled() {
            return;
        }
        tracing::info!(execution = %id, "the client went away: cancelling the execution");
        live.client_left.store(true, Ordering::SeqCst);
        live.cancel.cancel();
    }
}
