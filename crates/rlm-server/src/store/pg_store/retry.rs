//! The one place a PostgreSQL operation is retried. A transient fault (the
//! connection closed, refused or reset; the server shutting down or
//! starting, `57P01`/`57P02`/`57P03`; a serialisation failure or deadlock,
//! `40001`/`40P01`: all [`StoreError::Unavailable`], see `sql.rs`) runs the
//! whole operation again, its whole transaction on a connection taken
//! afresh from the pool, after a backoff doubling from [`FIRST_BACKOFF`] to
//! [`MAX_BACKOFF`] with jitter, until the operation's bound has passed; any
//! other error is returned at once. A connection a fault broke does not go
//! back into use: the pool drops a connection its driver found closed
//! (`RecyclingMethod::Fast`), and a fault met on one not found closed yet
//! is retried on another.
//!
//! A write whose commit's answer was lost may have applied, so every write
//! is one that may run twice: settlements are idempotent by execution and
//! attempt, records are upserted by id, counts move by the difference
//! between the row read under lock and the one written, trace events are
//! stored once per position, a checkpoint only replaces an older step. Run
//! twice, a few answer differently without changing more: a delete (or a
//! memory key's delete) reports nothing to delete, a cancel finds the job
//! already cancelled, a job claim (`claim_job`, a store-claimed queue, not
//! JetStream) may leave the first claimed job RUNNING under this worker
//! until its lease runs out and the sweep reports it interrupted.

use std::future::Future;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use crate::store::clock::{Micros, now_micros};
use crate::store::errors::StoreError;

/// How long a write keeps retrying before it reports the database
/// unavailable (a settlement outlives a restart of the database).
pub(super) const WRITE_RETRY_BOUND: Duration = Duration::from_secs(25);
/// How long a read keeps retrying (a request's answer, 503 after it).
pub(super) const READ_RETRY_BOUND: Duration = Duration::from_secs(2);
/// The first wait between tries.
const FIRST_BACKOFF: Duration = Duration::from_millis(50);
/// The longest wait between tries.
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// What this process has seen of the database: the retries after
/// transient faults, and since when it has been reachable without a
/// transient fault (the leases' rule of who is dead reads it: see
/// `crate::leases`).
#[derive(Debug)]
pub(super) struct Health {
    retries: AtomicU64,
    /// When the first operation after the last transient fault succeeded
    /// (microseconds since the epoch); [`UNREACHABLE`] while the last
    /// operation's outcome was a transient fault.
    reachable_since: AtomicI64,
}

/// [`Health::reachable_since`]'s value while the database is away.
const UNREACHABLE: Micros = i64::MIN;

impl Health {
    /// Reachable since `since` (the store has just connected; the database
    /// has run since then, as far as this process knows).
    pub(super) fn since(since: Micros) -> Self {
        Health { retries: AtomicU64::new(0), reachable_since: AtomicI64::new(since) }
    }

    #[cfg(test)]
    fn new() -> Self {
        Health::since(now_micros())
    }

    pub(super) fn retries(&self) -> u64 {
        self.retries.load(Ordering::Relaxed)
    }

    /// Since when the database has answered without a transient fault;
    /// `None` while it is away.
    pub(super) fn reachable_since(&self) -> Option<Micros> {
        let since = self.reachable_since.load(Ordering::Relaxed);
        (since != UNREACHABLE).then_some(since)
    }

    fn fault(&self) {
        self.reachable_since.store(UNREACHABLE, Ordering::Relaxed);
    }

    /// Reachable since `since`, unless a fault was seen meanwhile.
    pub(super) fn answered_since(&self, since: Micros) {
        let _ = self.reachable_since.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |now| {
            (now != UNREACHABLE).then_some(now.min(since))
        });
    }

    fn answered(&self) {
        let _ = self.reachable_since.compare_exchange(
            UNREACHABLE,
            now_micros(),
            Ordering::Relaxed,
            Ordering::Relaxed,
        );
    }
}

/// Runs `operation` until it succeeds, fails for good, or `bound` has
/// passed since its first try with only transient faults (then
/// [`StoreError::UnavailableFor`], naming how long and the last fault).
/// Each retry is counted in `health`, and each outcome tells it whether
/// the database answered.
pub(super) async fn retrying<T, F, Fut>(
    bound: Duration,
    health: &Health,
    mut operation: F,
) -> Result<T, StoreError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, StoreError>>,
{
    let started = tokio::time::Instant::now();
    let mut backoff = FIRST_BACKOFF;
    loop {
        let message = match operation().await {
            Err(StoreError::Unavailable(message)) => {
                health.fault();
                message
            }
            done => {
                health.answered();
                return done;
            }
        };
        let waited = started.elapsed();
        let pause = jittered(backoff);
        if waited + pause > bound {
            let secs = waited.as_secs_f64().ceil() as u64;
            return Err(StoreError::UnavailableFor { secs, message });
        }
        health.retries.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(error = %message, ?pause, "a transient database fault: retrying");
        tokio::time::sleep(pause).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// `backoff` scaled by a factor from 0.5 to 1.5, so that the processes a
/// fault hit together do not retry together.
fn jittered(backoff: Duration) -> Duration {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    // A cheap mix of the clock's nanoseconds: spread, not secret.
    let spread = (nanos.wrapping_mul(2_654_435_761) % 1000) as f64 / 1000.0;
    backoff.mul_f64(0.5 + spread)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_leases_grace_covers_the_longest_wait_before_a_try() {
        assert!(MAX_BACKOFF.mul_f64(1.5) <= crate::leases::RECONNECT_BOUND);
    }

    #[tokio::test(start_paused = true)]
    async fn transient_faults_are_retried_until_the_operation_succeeds() {
        let (mut tries, health) = (0, Health::new());
        let out = retrying(WRITE_RETRY_BOUND, &health, || {
            tries += 1;
            let now = tries;
            async move {
                if now < 4 {
                    Err(StoreError::Unavailable("connection closed".into()))
                } else {
                    Ok(now)
                }
            }
        })
        .await;
        assert_eq!(out.unwrap(), 4);
        assert_eq!(health.retries(), 3);
        assert!(health.reachable_since().is_some(), "answered at last: reachable again");
    }

    #[tokio::test(start_paused = true)]
    async fn other_errors_are_returned_at_once() {
        let (mut tries, health) = (0, Health::new());
        let out: Result<(), _> = retrying(WRITE_RETRY_BOUND, &health, || {
            tries += 1;
            async { Err(StoreError::Backend("duplicate key".into())) }
        })
        .await;
        assert!(matches!(out, Err(StoreError::Backend(_))));
        assert_eq!(tries, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_fault_that_outlasts_the_bound_says_for_how_long() {
        let health = Health::new();
        let out: Result<(), _> = retrying(READ_RETRY_BOUND, &health, || async {
            Err(StoreError::Unavailable("connection refused".into()))
        })
        .await;
        let error = out.unwrap_err();
        assert!(matches!(error, StoreError::UnavailableFor { secs: 1..=3, .. }), "{error:?}");
        assert!(error.to_string().starts_with("the database was unavailable for"), "{error}");
        assert!(error.to_string().ends_with("connection refused"), "{error}");
        assert_eq!(health.reachable_since(), None, "still away");
    }
}
