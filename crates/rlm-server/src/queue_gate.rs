//! Whether the job queue can take more: NATS reachable (or not for long)
//! and the outbox under its bound. Shared by the relay (which measures and
//! is woken through it) and the submissions (refused when it cannot).

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::config::JobsConfig;
use crate::error::ServerError;

/// What a refused submission's `Retry-After` says.
const RETRY_AFTER_SECS: u64 = 5;

/// Whether the queue can take more: shared by the relay (which measures)
/// and the submissions (which are refused when it cannot), and the
/// relay's wake-up.
#[derive(Debug)]
pub struct QueueGate {
    wake: tokio::sync::Notify,
    /// Since when NATS has been unreachable (`None`: reachable).
    down_since: Mutex<Option<Instant>>,
    backlog: AtomicU64,
    down_limit: Duration,
    max_backlog: u64,
}

impl QueueGate {
    pub fn new(config: &JobsConfig) -> Self {
        QueueGate {
            wake: tokio::sync::Notify::new(),
            down_since: Mutex::new(None),
            backlog: AtomicU64::new(0),
            down_limit: config.queue_down_limit,
            max_backlog: config.max_outbox_backlog,
        }
    }

    /// Wakes the relay (an entry was just committed).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Records whether NATS is reachable now.
    pub fn observe(&self, connected: bool) {
        let mut down = self.down_since.lock().unwrap_or_else(|e| e.into_inner());
        match (connected, *down) {
            (true, _) => *down = None,
            (false, None) => *down = Some(Instant::now()),
            (false, Some(_)) => {}
        }
    }

    /// Waits for [`QueueGate::wake`].
    pub fn woken(&self) -> tokio::sync::futures::Notified<'_> {
        self.wake.notified()
    }

    /// Records how many entries wait in the outbox (the relay measures it).
    pub fn set_backlog(&self, entries: u64) {
        self.backlog.store(entries, Ordering::Relaxed);
    }

    /// `Err` (503 with `Retry-After`) when a submission must be refused:
    /// NATS unreachable for longer than the bound, or the outbox over its bound.
    pub fn admit(&self, connected: bool) -> Result<(), ServerError> {
        self.observe(connected);
        let down_for =
            self.down_since.lock().unwrap_or_else(|e| e.into_inner()).map(|since| since.elapsed());
        if let Some(down) = down_for.filter(|d| *d > self.down_limit) {
            return Err(ServerError::QueueBacklogged {
                message: format!(
                    "the job queue (NATS) has been unreachable for {} s; retry later",
                    down.as_secs()
                ),
                retry_after_secs: RETRY_AFTER_SECS,
            });
        }
        let backlog = self.backlog.load(Ordering::Relaxed);
        if backlog > self.max_backlog {
            return Err(ServerError::QueueBacklogged {
                message: format!(
                    "{backlog} messages wait to be published to the job queue (bound {}); retry later",
                    self.max_backlog
                ),
                retry_after_secs: RETRY_AFTER_SECS,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(down_limit: Duration, max_backlog: u64) -> QueueGate {
        let config = JobsConfig {
            queue_down_limit: down_limit,
            max_outbox_backlog: max_backlog,
            ..JobsConfig::default()
        };
        QueueGate::new(&config)
    }

    fn refused(result: Result<(), ServerError>) -> Option<u64> {
        match result {
            Err(ServerError::QueueBacklogged { retry_after_secs, .. }) => Some(retry_after_secs),
            _ => None,
        }
    }

    #[test]
    fn submissions_wait_in_the_outbox_until_nats_has_been_down_too_long() {
        let gate = gate(Duration::from_millis(50), 10);
        assert!(gate.admit(false).is_ok(), "just went down: accepted into the outbox");
        std::thread::sleep(Duration::from_millis(80));
        assert_eq!(refused(gate.admit(false)), Some(RETRY_AFTER_SECS));
        assert!(gate.admit(true).is_ok(), "back: accepted again");
    }

    #[test]
    fn submissions_are_refused_past_the_outbox_bound() {
        let gate = gate(Duration::from_secs(60), 10);
        gate.set_backlog(10);
        assert!(gate.admit(true).is_ok());
        gate.set_backlog(11);
        assert_eq!(refused(gate.admit(true)), Some(RETRY_AFTER_SECS));
    }
}
