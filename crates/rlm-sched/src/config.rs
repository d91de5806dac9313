//! Scheduler configuration: the global concurrency cap, the batch window
//! (backpressure), deduplication, and per-model rate limits.

use std::collections::HashMap;
use std::num::{NonZeroU32, NonZeroUsize};

use rlm_types::ModelId;

use crate::error::ConfigError;

/// Limits for one provider model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelLimits {
    /// Requests per minute, spread evenly (GCRA): one request every
    /// `60 s / rpm`, with at most `request_burst` sent back to back.
    pub requests_per_minute: Option<NonZeroU32>,
    /// Default 1: strictly even spacing, so any 60-second window holds at most
    /// `rpm + request_burst - 1` requests.
    pub request_burst: NonZeroU32,
    /// Estimated tokens per minute, charged before each call.
    pub tokens_per_minute: Option<NonZeroU32>,
    /// Tokens that may be spent back to back; default: one minute's worth
    /// (how providers' token buckets behave). A single request estimated above
    /// the burst is charged the whole burst.
    pub token_burst: Option<NonZeroU32>,
    /// Calls of this model in flight at once (within the global cap).
    pub max_concurrency: Option<NonZeroUsize>,
}

impl Default for ModelLimits {
    fn default() -> Self {
        Self {
            requests_per_minute: None,
            request_burst: NonZeroU32::MIN,
            tokens_per_minute: None,
            token_burst: None,
            max_concurrency: None,
        }
    }
}

/// How the scheduler runs calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchedulerConfig {
    /// Model calls in flight at once, across every batch and model.
    pub max_concurrency: usize,
    /// Calls of one batch admitted at once (waiting for a slot, a rate limit or
    /// an identical call, or running); the rest wait unstarted in the caller's
    /// request list. 0 means twice `max_concurrency`. This is the backpressure:
    /// no queue grows with the batch size.
    pub batch_window: usize,
    /// Share one call between identical concurrent requests.
    pub dedup: bool,
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
            default_limits: ModelLimits::default(),
            model_limits: HashMap::new(),
        }
    }
}

impl SchedulerConfig {
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        if self.max_concurrency == 0 {
            return Err(ConfigError::Zero("max_concurrency"));
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
