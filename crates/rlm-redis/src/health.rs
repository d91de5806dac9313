//! Whether Redis answers, and the one warning per outage: after a failure every
//! caller skips Redis for a short while (so a dead Redis costs no connect timeout
//! per call) and the outage is logged once when it starts and once when it ends.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The state of one Redis connection as its users see it.
#[derive(Debug)]
pub(crate) struct Health {
    what: &'static str,
    url: String,
    retry_after: Duration,
    down_until: Mutex<Option<Instant>>,
    down: AtomicBool,
}

impl Health {
    pub(crate) fn new(what: &'static str, url: String, retry_after: Duration) -> Self {
        Self { what, url, retry_after, down_until: Mutex::new(None), down: AtomicBool::new(false) }
    }

    /// Whether to try Redis now (false while a recent failure's back-off lasts).
    pub(crate) fn should_try(&self) -> bool {
        let guard = self.down_until.lock().unwrap_or_else(|e| e.into_inner());
        guard.is_none_or(|until| Instant::now() >= until)
    }

    /// Redis failed: back off, and warn if it was up until now.
    pub(crate) fn failed(&self, detail: &str) {
        *self.down_until.lock().unwrap_or_else(|e| e.into_inner()) =
            Some(Instant::now() + self.retry_after);
        if !self.down.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                url = %self.url,
                error = %detail,
                "Redis is unavailable: the {} goes on without it until it answers again",
                self.what
            );
        }
    }

    /// Redis answered.
    pub(crate) fn succeeded(&self) {
        if self.down.swap(false, Ordering::Relaxed) {
            *self.down_until.lock().unwrap_or_else(|e| e.into_inner()) = None;
            tracing::info!(url = %self.url, "Redis answers again: the {} uses it", self.what);
        }
    }

    /// Whether the last attempt failed.
    pub(crate) fn is_down(&self) -> bool {
        self.down.load(Ordering::Relaxed)
    }

    pub(crate) fn url(&self) -> &str {
        &self.url
    }
}
