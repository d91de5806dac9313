//! Leases on running executions, for processes sharing one store: every
//! third of the lease this process renews the lease of each execution it
//! runs (and of each session one of them runs in: see
//! `executions/session_turn.rs`), and every lease it marks `interrupted` the executions whose lease
//! ran out (their process died: a crash, kill -9, a lost machine). A store
//! no other process shares keeps no leases (start-up interrupts what a
//! previous process left running instead).
//!
//! **Who is dead is decided in one place** ([`lapsed_before`], issue #75).
//! A lease that could not be renewed because the store was away says
//! nothing of its holder: every process lost the store together. So a
//! lease counts as lapsed only once this process has found the store
//! answering for a whole [`grace`] (a lease, a renewal period and the
//! longest wait before a try after an outage): by then every live holder
//! has renewed. Every sweep and every takeover of another holder's lease
//! asks it: the executions' sweep, the jobs' sweeps and copies, a
//! session's lease, an idempotency key's claim.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use uuid::Uuid;

use crate::store::{Micros, Store, now_micros};

/// What an execution whose process died says.
pub const EXPIRED: &str =
    "interrupted: the process running this execution stopped (its lease ran out)";

/// Micros of a duration, saturating.
pub fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

/// The longest a live process connected to the store waits before its next
/// try once the store is back (the PostgreSQL store's longest backoff,
/// jittered: its unit test holds them together).
pub const RECONNECT_BOUND: Duration = Duration::from_secs(3);

/// How long the store must have answered before a lease that ended counts
/// as lapsed: a whole lease, a renewal period and [`RECONNECT_BOUND`].
pub fn grace(lease: Duration) -> Duration {
    lease + lease / 3 + RECONNECT_BOUND
}

/// The one rule of who is dead: a lease that ended before the returned
/// time has lapsed (its holder is gone); `None` while the store is away or
/// has answered for less than [`grace`] (then nothing has lapsed: a holder
/// may be alive and not yet have renewed).
pub fn lapsed_before(store: &dyn Store, lease: Duration) -> Option<Micros> {
    let now = now_micros();
    let since = store.reachable_since()?;
    (now.saturating_sub(since) >= micros(grace(lease))).then_some(now)
}

/// Marks the executions of dead processes interrupted (every `lease`, once
/// [`lapsed_before`] says leases can lapse): those whose lease ended, and
/// those never leased that are older than a lease.
pub async fn sweep(store: &dyn Store, lease: Duration) -> u64 {
    let Some(now) = lapsed_before(store, lease) else {
        tracing::debug!("the store answered too recently to judge leases: no sweep yet");
        return 0;
    };
    match store.interrupt_expired_executions(now, now - micros(lease), EXPIRED).await {
        Ok(n) => n,
        Err(e) => {
            tracing::warn!(error = %e, "cannot check the executions' leases");
            0
        }
    }
}

/// What holds leases in this process: its name in the store, and the
/// executions and sessions it runs (the executions' registry). The
/// renewal below asks, and names nothing of how they run.
pub trait LeaseHolder: Send + Sync + 'static {
    /// This process's name on its leases.
    fn holder(&self) -> &str;
    /// The executions this process runs.
    fn live_ids(&self) -> Vec<Uuid>;
    /// The sessions one of its executions runs in.
    fn leased_sessions(&self) -> Vec<Uuid>;
}

/// Renews this process's leases and sweeps expired ones until `stop`.
pub fn spawn(
    store: Arc<dyn Store>,
    executions: Arc<impl LeaseHolder>,
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
            // This process's own lease first: its idempotency keys' claims
            // are in flight while it lasts, and every process touches the
            // store each renewal period, so each sees an outage that could
            // make a lease lapse (the one rule of who is dead needs it).
            if let Err(e) = store.renew_process_lease(executions.holder(), until).await {
                tracing::warn!(error = %e, "cannot renew this process's lease");
            }
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
