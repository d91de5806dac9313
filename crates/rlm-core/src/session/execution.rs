//! A started execution: watch its trace live (late listeners replay what
//! they missed), cancel it from any thread or task, and wait for its record.

use std::sync::Arc;

use rlm_trace::{TraceEvent, TraceListener, TraceRecorder};
use tokio::sync::oneshot;

use crate::cancel::Canceller;
use crate::error::SessionError;
use crate::session::state::Execution;
use crate::turn::ExecutionId;

/// An execution that was started with [`crate::Session::start`]: queued
/// behind the session's running execution, running, or finished.
pub struct ExecutionHandle {
    pub(crate) id: ExecutionId,
    pub(crate) recorder: TraceRecorder,
    pub(crate) canceller: Canceller,
    pub(crate) result: oneshot::Receiver<Result<Execution, SessionError>>,
}

impl std::fmt::Debug for ExecutionHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExecutionHandle").field("id", &self.id).finish_non_exhaustive()
    }
}

impl ExecutionHandle {
    pub fn id(&self) -> &ExecutionId {
        &self.id
    }

    /// Sends `listener` every event recorded so far, then every later one, with
    /// no gap and no duplicate; root-model text being streamed right now is
    /// replayed as one delta (see [`TraceListener::on_delta`]).
    pub fn subscribe(&self, listener: Arc<dyn TraceListener>) {
        self.recorder.add_listener_replaying(listener, 0);
    }

    /// Like [`ExecutionHandle::subscribe`], from event `from_seq` on (an SSE
    /// client resuming after `Last-Event-ID`).
    pub fn subscribe_from(&self, listener: Arc<dyn TraceListener>, from_seq: u64) {
        self.recorder.add_listener_replaying(listener, from_seq);
    }

    /// The events recorded so far.
    pub fn events(&self) -> Vec<TraceEvent> {
        self.recorder.events()
    }

    /// Cancels this execution (see [`Canceller`]).
    pub fn cancel(&self) {
        self.canceller.cancel();
    }

    /// A cancel handle to give to another thread or task.
    pub fn canceller(&self) -> Canceller {
        self.canceller.clone()
    }

    /// Waits for the execution's record. Refused executions (the session's
    /// budget was spent when it was its turn) are a [`SessionError`].
    pub async fn wait(self) -> Result<Execution, SessionError> {
        self.result.await.map_err(|_| {
            SessionError::Internal("the execution's task ended without a result".into())
        })?
    }
}
