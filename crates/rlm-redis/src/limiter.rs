//! [`RedisLimiter`]: cluster-wide RPM and TPM per provider model, a GCRA held in
//! Redis and taken by one Lua script (atomic), the second gate after each
//! worker's local governor limiter ([`rlm_sched::SharedLimiter`]).
//!
//! Each limit is one key, `{prefix}:{provider}:{model}:rpm` or `…:tpm`, holding
//! its theoretical arrival time on Redis' clock (so the workers' clocks do not
//! matter). The script always reserves: it moves the time on by the call's
//! units and answers how long the caller waits before sending, so waiters
//! queue in the order Redis saw them and no retry can let more through. Over
//! any window of length `W` a limit of `L` per `period` with burst `B` admits at
//! most `L·W/period + B` units, whatever the number of workers.
//!
//! `period` is what "per minute" means: one minute for RPM and TPM (a shorter
//! one holds the same numbers per shorter window; the tests keep one minute and
//! use high limits, 18,000 RPM and 600,000 TPM, so that they run in seconds).
//! Redis down: the call goes through on the local gate alone, with one warning
//! per outage. A cancelled waiter's reservation is not given back (the limit
//! errs on the safe side). A wait is capped at ten periods, so a damaged key
//! cannot stall a run for longer.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures::future::BoxFuture;
use rlm_sched::{ModelLimits, SharedLimiter};
use rlm_types::ModelId;
use tokio::sync::Mutex;

use crate::error::RedisError;
use crate::health::Health;

const GCRA_SCRIPT: &str = include_str!("../scripts/gcra.lua");

/// How a [`RedisLimiter`] behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisLimiterConfig {
    /// `redis://host:port/db`.
    pub url: String,
    /// Every key of this limiter starts with it (one prefix per cluster, or per test).
    pub prefix: String,
    /// What "per minute" means: 60 s.
    pub period: Duration,
    /// Connect and answer timeout of one Redis call.
    pub timeout: Duration,
    /// After a failure, how long calls pass on the local gate without trying Redis.
    pub retry_after: Duration,
}

impl RedisLimiterConfig {
    /// Defaults for `url`: prefix `rlm:rate`, a one-minute period, 250 ms timeout, 1 s back-off.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            prefix: "rlm:rate".into(),
            period: Duration::from_secs(60),
            timeout: Duration::from_millis(250),
            retry_after: Duration::from_secs(1),
        }
    }
}

/// Counters since the limiter was made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RedisLimiterStats {
    /// Calls Redis admitted (at once or after a wait).
    pub admitted: u64,
    /// Calls that had to wait, and the total of their waits in microseconds.
    pub waited: u64,
    pub waited_us: u64,
    /// Calls let through on the local gate alone because Redis failed.
    pub unavailable: u64,
}

/// The cluster-wide rate limiter on Redis (see the module docs).
pub struct RedisLimiter {
    config: RedisLimiterConfig,
    client: redis::Client,
    conn: Mutex<Option<redis::aio::MultiplexedConnection>>,
    health: Health,
    script: redis::Script,
    admitted: AtomicU64,
    waited: AtomicU64,
    waited_us: AtomicU64,
    unavailable: AtomicU64,
}

impl std::fmt::Debug for RedisLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisLimiter").field("config", &self.config).finish_non_exhaustive()
    }
}

/// One limit to reserve: its key, nanoseconds per unit, units taken, burst.
struct Reservation {
    key: String,
    interval_ns: u64,
    units: u64,
    burst: u64,
}

impl RedisLimiter {
    /// A limiter on the Redis at `config.url`. Does not connect yet.
    pub fn new(config: RedisLimiterConfig) -> Result<Self, RedisError> {
        if config.prefix.is_empty() {
            return Err(RedisError::Setting("the limiter's key prefix must not be empty"));
        }
        if config.period.is_zero() || config.timeout.is_zero() {
            return Err(RedisError::Setting("the limiter's period and timeout must be above zero"));
        }
        let client = redis::Client::open(config.url.as_str())
            .map_err(|source| RedisError::Url { url: config.url.clone(), source })?;
        Ok(Self {
            health: Health::new("cluster rate limiter", config.url.clone(), config.retry_after),
            config,
            client,
            conn: Mutex::new(None),
            script: redis::Script::new(GCRA_SCRIPT),
            admitted: AtomicU64::new(0),
            waited: AtomicU64::new(0),
            waited_us: AtomicU64::new(0),
            unavailable: AtomicU64::new(0),
        })
    }

    /// The counters so far.
    pub fn stats(&self) -> RedisLimiterStats {
        RedisLimiterStats {
            admitted: self.admitted.load(Ordering::Relaxed),
            waited: self.waited.load(Ordering::Relaxed),
            waited_us: self.waited_us.load(Ordering::Relaxed),
            unavailable: self.unavailable.load(Ordering::Relaxed),
        }
    }

    /// Whether the last call to Redis failed (for readiness).
    pub fn is_down(&self) -> bool {
        self.health.is_down()
    }

    /// Sends `PING` now on a fresh connection (ignoring the back-off): the readiness probe.
    pub async fn ping(&self) -> Result<(), RedisError> {
        let unavailable =
            |detail: String| RedisError::Unavailable { url: self.config.url.clone(), detail };
        let probe = async {
            let mut conn =
                self.client.get_multiplexed_async_connection().await.map_err(|e| e.to_string())?;
            redis::cmd("PING").query_async::<String>(&mut conn).await.map_err(|e| e.to_string())
        };
        match tokio::time::timeout(self.config.timeout, probe).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(detail)) => Err(unavailable(detail)),
            Err(_) => Err(unavailable("no answer in time".into())),
        }
    }

    /// The Redis key of one of `model`'s limits (`what`: `rpm` or `tpm`).
    pub fn limit_key(&self, model: &ModelId, what: &str) -> String {
        format!("{}:{}:{}:{what}", self.config.prefix, model.provider, model.model)
    }

    fn reservations(
        &self,
        model: &ModelId,
        limits: &ModelLimits,
        estimated_tokens: u64,
    ) -> Vec<Reservation> {
        let period_ns = u64::try_from(self.config.period.as_nanos()).unwrap_or(u64::MAX);
        let mut out = Vec::with_capacity(2);
        if let Some(rpm) = limits.requests_per_minute {
            out.push(Reservation {
                key: self.limit_key(model, "rpm"),
                interval_ns: (period_ns / u64::from(rpm.get())).max(1),
                units: 1,
                burst: u64::from(limits.effective_request_burst(rpm).get()),
            });
        }
        if let Some(tpm) = limits.tokens_per_minute {
            let burst = u64::from(limits.token_burst.unwrap_or(tpm).get());
            out.push(Reservation {
                key: self.limit_key(model, "tpm"),
                interval_ns: (period_ns / u64::from(tpm.get())).max(1),
                units: estimated_tokens.clamp(1, burst),
                burst,
            });
        }
        out
    }

    /// Reserves every limit of the call; the longest wait in microseconds.
    async fn reserve(&self, reservations: &[Reservation]) -> Result<u64, RedisError> {
        let unavailable =
            |detail: String| RedisError::Unavailable { url: self.config.url.clone(), detail };
        let timeout = self.config.timeout;
        let mut conn = {
            let mut guard = self.conn.lock().await;
            match guard.as_ref() {
                Some(conn) => conn.clone(),
                None => {
                    let made = tokio::time::timeout(
                        timeout,
                        self.client.get_multiplexed_async_connection(),
                    )
                    .await
                    .map_err(|_| "connect timed out".to_string())
                    .and_then(|r| r.map_err(|e| e.to_string()));
                    match made {
                        Ok(conn) => {
                            *guard = Some(conn.clone());
                            conn
                        }
                        Err(detail) => {
                            self.health.failed(&detail);
                            return Err(unavailable(detail));
                        }
                    }
                }
            }
        };
        let mut longest = 0u64;
        for r in reservations {
            let mut invocation = self.script.key(&r.key);
            invocation.arg(r.interval_ns).arg(r.units).arg(r.burst);
            let call = invocation.invoke_async::<i64>(&mut conn);
            let answer = tokio::time::timeout(timeout, call)
                .await
                .map_err(|_| "no answer in time".to_string())
                .and_then(|r| r.map_err(|e| e.to_string()));
            match answer {
                Ok(wait_us) => longest = longest.max(u64::try_from(wait_us).unwrap_or(0)),
                Err(detail) => {
                    *self.conn.lock().await = None;
                    self.health.failed(&detail);
                    return Err(unavailable(detail));
                }
            }
        }
        self.health.succeeded();
        Ok(longest)
    }

    /// Waits until the cluster-wide limits allow the call (see [`SharedLimiter::admit`]).
    pub async fn admit_call(&self, model: &ModelId, limits: &ModelLimits, estimated_tokens: u64) {
        let reservations = self.reservations(model, limits, estimated_tokens);
        if reservations.is_empty() {
            return;
        }
        if !self.health.should_try() {
            self.unavailable.fetch_add(1, Ordering::Relaxed);
            return;
        }
        match self.reserve(&reservations).await {
            Ok(wait_us) => {
                let cap_us = u64::try_from(self.config.period.as_micros()).unwrap_or(u64::MAX);
                let wait_us = wait_us.min(cap_us.saturating_mul(10));
                if wait_us > 0 {
                    self.waited.fetch_add(1, Ordering::Relaxed);
                    self.waited_us.fetch_add(wait_us, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_micros(wait_us)).await;
                }
                self.admitted.fetch_add(1, Ordering::Relaxed);
            }
            Err(_) => {
                self.unavailable.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

impl SharedLimiter for RedisLimiter {
    fn admit<'a>(
        &'a self,
        model: &'a ModelId,
        limits: &'a ModelLimits,
        estimated_tokens: u64,
    ) -> BoxFuture<'a, ()> {
        Box::pin(self.admit_call(model, limits, estimated_tokens))
    }
}
