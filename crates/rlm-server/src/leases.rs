//! Leases on running executions, for processes sharing one store: every
//! third of the lease this process renews the lease of each execution it
//! runs (and of each session one of them runs in: see
//! `executions/session_turn.rs`), and every lease it marks `interrupted` the executions whose lease
//! ran out (their process died: a crash, kill -9, a lost machine). A store
//! no other process shares keeps no leases (start-up interrupts what a
//! previous process left running instead).

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::executions::Executions;
use crate::store::{Store, now_micros};

/// What an execution whose process died says.
pub const EXPIRED: &str =
    "interrupted: the process running this execution stopped (its lease ran out)";

/// Micros of a duration, saturating.
pub fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

/// Marks the executions of dead processes interrupted (at start-up and
/// every `lease`): those whose lease ended, and those never leased that are
/// older than a lease.
pub async fn sweep(store: &dyn Store, lease: Duration) -> u64 {
    let now = now_micros();
    match store.interrupt_expired_executions(now, now - micros(lease), EXPIRED).await {
        Ok(n) => n,
        Err(e) => {
            tracing::warn!(error = %e, "cannot check the executions' leases");
            0
        }
    }
}

/// Renews this process's leases and sweeps expired ones until `stop`.
pub fn spawn(
    store: Arc<dyn Store>,
    executions: Arc<Executions>,
    lease: Duration,
    stop: CancellationToken,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let renew = (lease / 3).max(Duration::from_millis(10));
        let mut last_sweep = tokio::time::Instant::now();
        loop {
            tokio::select! {
                _ = stop.cancelled() => break,
                _ = tokio::time::sleep(renew) => {}
            }
            let ids = executions.live_ids();
            let until = now_micros() + micros(lease);
            if let Err(e) = store.renew_execution_leases(executions.holder(), &ids, until).await {
                tracing::warn!(error = %e, "cannot renew the executions' leases");
            }
            let sessions = executions.leased_sessions();
            if let Err(e) = store.renew_session_leases(executions.holder(), &sessions, until).await
            {
                tracing::warn!(error = %e, "cannot renew the sessions' leases");
            }
            if last_sweep.elapsed() >= lease {
                last_sweep = tokio::time::Instant::now();
                let n = sweep(&*store, lease).await;
                if n > 0 {
                    tracing::warn!(
                        executions = n,
                        "executions of a stopped process are reported interrupted"
                    );
                }
            }
        }
    })
}
