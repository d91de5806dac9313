//! The second gate of a model's rate limits: a limiter shared by every worker of
//! a cluster (rlm-redis' `RedisLimiter`), asked after the local governor gate.

use futures::future::BoxFuture;
use rlm_types::ModelId;

use crate::config::ModelLimits;

/// Rate limits held across processes: the scheduler awaits [`SharedLimiter::admit`]
/// after its own per-model limiter (the first gate) let a call through, and
/// only for a model with a request or token limit.
///
/// An implementation must not fail the call: when its backend is unreachable it
/// lets the call through (the local gate still holds) and says so in its logs.
pub trait SharedLimiter: Send + Sync {
    /// Waits until the cluster-wide `limits` of `model` allow one request
    /// estimated at `estimated_tokens`, and takes that room.
    fn admit<'a>(
        &'a self,
        model: &'a ModelId,
        limits: &'a ModelLimits,
        estimated_tokens: u64,
    ) -> BoxFuture<'a, ()>;
}
