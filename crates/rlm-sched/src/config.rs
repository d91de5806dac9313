//! Scheduler configuration: the global concurrency cap, the batch window
//! (backpressure), deduplication, and per-model rate limits.

use std::collections::HashMap;
use std::num::{NonZeroU32, NonZeroUsize};
use std::time::Duration;

use rlm_types::ModelId;

use crate::error::SchedulerConfigError;

/// Limits for one provider model (the default: none).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModelLimits {
    /// Requests per minute, spread evenly (GCRA): one request every
    /// `60 s / rpm`, with at most `request_burst` sent back to back. Any
    /// 60-second window holds at most `rpm + request_burst - 1` requests.
    pub requests_per_minute: Option<NonZeroU32>,
    /// Default: `1 + ceil(rpm / 1200)`, i.e. about 50 ms of slack. With a burst
    /// of 1 every late wake-up (a busy machine, timer granularity) would push
    /// all later requests back and the rate would drift below the limit (by
    /// about 1% at 600 RPM with 1 ms of lateness per request); the slack lets
    /// the limiter catch up instead, at the price of at most `burst - 1`
    /// requests more in a 60-second window.
    pub request_burst: Option<NonZeroU32>,
    /// Estimated tokens per minute, charged before each call.
    pub tokens_per_minute: Option<NonZeroU32>,
    /// Tokens that may be spent back to back; default: one minute's worth
    /// (how providers' token buckets behave). A single request estimated above
    /// the burst is charged the whole burst.
    pub token_burst: Option<NonZeroU32>,
    /// Calls of this model in flight at once (within the global cap). Calls
    /// waiting for this cap hold no global permit; set it for a rate-limited
    /// model sharing a scheduler with others, so that its calls waiting on the
    /// rate limiter cannot take every global permit.
    pub max_concurrency: Option<NonZeroUsize>,
}

impl ModelLimits {
    /// The burst in effect for `rpm`: the configured one or the default.
    pub fn effective_request_burst(&self, rpm: NonZeroU32) -> NonZeroU32 {
        self.request_burst
            .unwrap_or_else(|| NonZeroU32::MIN.saturating_add(rpm.get().div_ceil(1200)))
    }
}

/// The default [`SchedulerConfig::subcall_deadline`]: ten minutes, what a
/// user waiting on a rate-limited provider would expect (and the HTTP
/// adapters' per-attempt timeout).
pub const DEFAULT_SUBCALL_DEADLINE: Duration = Duration::from_secs(600);

/// How the scheduler runs calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchedulerConfig {
    /// Model calls in flight at once, across every batch and model.
    pub max_concurrency: usize,
    /// Calls of one batch admitted at once (waiting for a slot, a rate limit or
    /// an identical call, or running); the rest wait unstarted in the caller's
    /// request list. 0 means twice `max_concurrency`. This is the backpressure:
    /// no queue grows with the batch size. A call waiting to retry gives its
    /// place back (it would otherwise keep a fresh call out for its whole wait).
    pub batch_window: usize,
    /// Share one call between identical concurrent requests.
    pub dedup: bool,
    /// How long one subcall may take from its first attempt, retries and
    /// their waits included (`None`: no limit but the run's). The run's
    /// time left, when sooner, is the deadline; a call still going at it is
    /// abandoned ([`crate::SubcallError::Deadline`]), and no retry wait that
    /// would end past it is started.
    pub subcall_deadline: Option<Duration>,
    /// Limits for models not listed in `model_limits`.
    pub default_limits: ModelLimits,
    pub model_limits: HashMap<ModelId, ModelLimits>,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        Self {
            max_concurrency: 16,
            batch_window: 0,
            dedup: true,
            subcall_deadline: Some(DEFAULT_SUBCALL_DEADLINE),
            default_limits: ModelLimits::default(),
            model_limits: HashMap::new(),
        }
    }
}

impl SchedulerConfig {
    pub(crate) fn validate(&self) -> Result<(), SchedulerConfigError> {
        if self.max_concurrency == 0 {
            return Err(SchedulerConfigError::Zero("max_concurrency"));
        }
        if self.subcall_deadline == Some(Duration::ZERO) {
            return Err(SchedulerConfigError::Zero("subcall_deadline"));
        }
        Ok(())
    }

    pub(crate) fn window(&self) -> usize {
        if self.batch_window == 0 {
            self.max_concurrency.saturating_mul(2)
        } else {
            self.batch_window
        }
    }

    pub(crate) fn limits_for(&self, model: &ModelId) -> &ModelLimits {
        self.model_limits.get(model).unwrap_or(&self.default_limits)
    }
}
