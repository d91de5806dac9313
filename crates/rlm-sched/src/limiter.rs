//! Per-model throttles: governor rate limiters for requests and estimated
//! tokens per minute, and an optional per-model concurrency semaphore.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use rlm_types::ModelId;
use tokio::sync::Semaphore;

use crate::config::ModelLimits;
use crate::error::SchedulerConfigError;

const MINUTE_NANOS: u64 = 60_000_000_000;

pub(crate) struct ModelThrottle {
    requests: Option<DefaultDirectRateLimiter>,
    tokens: Option<TokenLimiter>,
    pub(crate) concurrency: Option<Arc<Semaphore>>,
}

struct TokenLimiter {
    limiter: DefaultDirectRateLimiter,
    burst: u32,
    /// Tokens used beyond earlier estimates, charged with the next call
    /// (governor cannot charge after the fact).
    debt: AtomicU64,
}

fn per_minute(
    model: &ModelId,
    what: &'static str,
    per_minute: NonZeroU32,
    burst: NonZeroU32,
) -> Result<Quota, SchedulerConfigError> {
    let period = Duration::from_nanos(MINUTE_NANOS / u64::from(per_minute.get()));
    Quota::with_period(period)
        .map(|q| q.allow_burst(burst))
        .ok_or_else(|| SchedulerConfigError::RateTooHigh { model: model.to_string(), what })
}

impl ModelThrottle {
    pub(crate) fn new(model: &ModelId, limits: &ModelLimits) -> Result<Self, SchedulerConfigError> {
        let requests = match limits.requests_per_minute {
            Some(rpm) => Some(RateLimiter::direct(per_minute(
                model,
                "requests_per_minute",
                rpm,
                limits.effective_request_burst(rpm),
            )?)),
            None => None,
        };
        let tokens = match limits.tokens_per_minute {
            Some(tpm) => {
                let burst = limits.token_burst.unwrap_or(tpm);
                Some(TokenLimiter {
                    limiter: RateLimiter::direct(per_minute(
                        model,
                        "tokens_per_minute",
                        tpm,
                        burst,
                    )?),
                    burst: burst.get(),
                    debt: AtomicU64::new(0),
                })
            }
            None => None,
        };
        let concurrency = limits.max_concurrency.map(|n| Arc::new(Semaphore::new(n.get())));
        Ok(Self { requests, tokens, concurrency })
    }

    /// Waits until the request and token limits allow a call estimated at
    /// `estimated_tokens`, and takes that room.
    pub(crate) async fn admit(&self, estimated_tokens: u64) {
        if let Some(requests) = &self.requests {
            requests.until_ready().await;
        }
        if let Some(tokens) = &self.tokens {
            let owed = tokens.debt.swap(0, Ordering::Relaxed);
            let charge = estimated_tokens.saturating_add(owed).min(u64::from(tokens.burst));
            if let Some(n) = NonZeroU32::new(u32::try_from(charge).unwrap_or(tokens.burst)) {
                // `charge <= burst`, so capacity always suffices.
                let _ = tokens.limiter.until_n_ready(n).await;
            }
        }
    }

    /// Records tokens a finished call used beyond its estimate.
    pub(crate) fn owe(&self, extra_tokens: u64) {
        if let Some(tokens) = &self.tokens
            && extra_tokens > 0
        {
            let cap = u64::from(tokens.burst);
            let _ = tokens.debt.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |d| {
                Some(d.saturating_add(extra_tokens).min(cap))
            });
        }
    }
}
