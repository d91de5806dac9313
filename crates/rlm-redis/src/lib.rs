//! What the workers of an rlm cluster share through Redis.
//!
//! * [`RedisCache`]: the subcall cache behind [`rlm_types::CompletionCache`],
//!   with rlm-cache's keys and value envelope, a TTL and a per-prefix size bound.
//! * [`RedisLimiter`]: cluster-wide requests and tokens per minute per provider
//!   model, a GCRA taken atomically by a Lua script, behind
//!   [`rlm_sched::SharedLimiter`] (the scheduler's second gate, after its local
//!   governor limiter).
//!
//! Neither ever fails a run: Redis down is a cache miss, a dropped write or a
//! call admitted on the local gate alone, with one warning per outage.

mod cache;
mod error;
mod health;
mod limiter;

pub use cache::{RedisCache, RedisCacheConfig, RedisCacheStats};
pub use error::RedisError;
pub use limiter::{RedisLimiter, RedisLimiterConfig, RedisLimiterStats};
