//! An execution's memory budget, reserved under the server-wide bound
//! ([`MemoryGovernor`](crate::governor::MemoryGovernor)) before it starts:
//! its sandbox's budget and the buffers its host holds for it beside the
//! sandbox (a replay it answers from), one account.

use super::{Executions, StartRequest};
use crate::error::ServerError;
use crate::governor::MemoryPermit;

impl Executions {
    /// The execution's memory budget, reserved under the server-wide bound
    /// in its key's turn: an interactive execution waits at most
    /// `sandbox_memory_wait` (then 429), a job as long as it takes. A
    /// cluster's `api` process runs no program: it reserves nothing.
    pub(super) async fn memory_budget(
        &self,
        req: &StartRequest,
    ) -> Result<Option<MemoryPermit>, ServerError> {
        if self.remote.is_some() {
            return Ok(None);
        }
        let bound = req.interactive.then_some(self.limits.sandbox_memory_wait);
        let sandbox = u64::try_from(self.limits.sandbox.memory_bytes).unwrap_or(u64::MAX);
        let host = req.exchanges.replay_bytes();
        let body = req.body_charge.as_ref().map(|c| c.take()).unwrap_or_default();
        // The body's charge already covers the buffers it parsed into (the
        // replay): taken over, it and the sandbox's budget are one
        // reservation. When the budget must wait, the body's charge is given
        // back first and the whole asked for at once: a request never holds
        // memory while it waits for more (no request's wait depends on
        // another waiting request's body).
        if !body.is_empty()
            && let Some(mut permit) = self.governor.try_acquire(&req.owner, sandbox)
        {
            for p in body {
                permit.absorb(p);
            }
            return Ok(Some(permit));
        }
        drop(body);
        match self.governor.acquire(&req.owner, sandbox.saturating_add(host), bound).await {
            Ok(permit) => Ok(Some(permit)),
            Err(waited) => {
                tracing::warn!(owner = %req.owner, %waited, "execution refused: sandbox memory");
                Err(ServerError::TooManyRequests {
                    message: format!(
                        "the server's sandbox memory is in use: {waited}; retry later"
                    ),
                    retry_after_secs: waited.waited.as_secs().clamp(1, 60),
                })
            }
        }
    }
}
