//! The handle that cancels a run or an execution from any thread or task.

use tokio_util::sync::CancellationToken;

/// Cancels a run ([`crate::Rlm::run_cancellable`]), one execution, or every
/// execution of a session; cheap to clone, `Send + Sync`, usable from any
/// thread.
///
/// Cancelling stops the run at its next await point: calls in flight are
/// abandoned (the scheduler never sends queued subcalls and drops the ones
/// in flight), their budget reservations are released, the trace's open spans
/// are closed as `cancelled`, and the execution ends with
/// [`crate::Finish::Cancelled`] and the spend settled so far. A program busy
/// computing (no host call) runs until its next host call or its end, which
/// its fuel bounds.
#[derive(Debug, Clone, Default)]
pub struct Canceller(pub(crate) CancellationToken);

impl Canceller {
    pub fn cancel(&self) {
        self.0.cancel();
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.is_cancelled()
    }
}
