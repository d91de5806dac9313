//! [`RedisCache`]: the subcall cache shared by every worker, behind
//! [`CompletionCache`].
//!
//! Keys are rlm-cache's [`CacheKey`] (the same hash of model, parameters and
//! messages) under a prefix: `{prefix}:e:{hex}`; values are rlm-cache's
//! checksummed envelope ([`rlm_cache::encode_value`]). The size bound is per
//! prefix, since Redis' `maxmemory` is the whole server's: at most
//! `max_entries` entries of at most `max_entry_bytes` each. A sorted set
//! `{prefix}:idx` (entry key → stored-at, Redis' clock) orders them; a write
//! and the eviction of the oldest entries over the cap are one Lua script, so
//! concurrent writers from many processes cannot overshoot it. The TTL is
//! Redis' own (`PX`), and expired keys leave the index on the next write.
//!
//! Redis down (refused, timed out, a broken connection) is a miss or a dropped
//! write, counted, with one warning per outage; for `retry_after` after a
//! failure the cache does not even try, so a dead Redis costs a run nothing.
//! The scripts name keys they did not get in `KEYS` (the evicted entries): one
//! Redis server or a cluster with the prefix in a hash tag (`{rlm}:cache`).

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rlm_cache::CacheKey;
use rlm_types::{Clock, Completion, CompletionCache, CompletionRequest, ModelId, SystemClock};

use crate::error::RedisError;
use crate::health::Health;

const PUT_SCRIPT: &str = include_str!("../scripts/cache_put.lua");
const GET_SCRIPT: &str = include_str!("../scripts/cache_get.lua");

/// How a [`RedisCache`] behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisCacheConfig {
    /// `redis://host:port/db`.
    pub url: String,
    /// Every key of this cache starts with it (one prefix per deployment or test).
    pub prefix: String,
    /// Entries older than this are gone (`None`: kept until evicted).
    pub ttl: Option<Duration>,
    /// Most entries under the prefix; the oldest go first.
    pub max_entries: u64,
    /// Largest stored value (envelope and completion); a larger completion is not stored.
    pub max_entry_bytes: u64,
    /// Connect, read and write timeout of one Redis call.
    pub timeout: Duration,
    /// After a failure, how long the cache answers misses without trying Redis.
    pub retry_after: Duration,
}

impl RedisCacheConfig {
    /// Defaults for `url`: prefix `rlm:cache`, no TTL, 100,000 entries of at
    /// most 1 MiB, 250 ms timeout, 1 s back-off.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            prefix: "rlm:cache".into(),
            ttl: None,
            max_entries: 100_000,
            max_entry_bytes: 1 << 20,
            timeout: Duration::from_millis(250),
            retry_after: Duration::from_secs(1),
        }
    }
}

/// Counters since the cache was made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RedisCacheStats {
    pub hits: u64,
    /// Lookups that returned nothing, including every one made while Redis was down.
    pub misses: u64,
    pub writes: u64,
    /// Entries evicted (by this process's writes) to keep the prefix under `max_entries`.
    pub evictions: u64,
    /// Completions not stored because their value exceeds `max_entry_bytes`.
    pub too_large: u64,
    /// Stored values that did not decode (removed, and a miss).
    pub corrupt: u64,
    /// Lookups and writes Redis failed (or skipped during the back-off after a failure).
    pub unavailable: u64,
}

#[derive(Default)]
struct Counters {
    hits: AtomicU64,
    misses: AtomicU64,
    writes: AtomicU64,
    evictions: AtomicU64,
    too_large: AtomicU64,
    corrupt: AtomicU64,
    unavailable: AtomicU64,
}

fn bump(c: &AtomicU64, n: u64) {
    c.fetch_add(n, Ordering::Relaxed);
}

/// The shared subcall cache on Redis. Never fails a call: see the module docs.
pub struct RedisCache {
    config: RedisCacheConfig,
    client: redis::Client,
    /// One connection, made on first use and dropped on any error.
    conn: Mutex<Option<redis::Connection>>,
    health: Health,
    put: redis::Script,
    get: redis::Script,
    clock: Box<dyn Clock>,
    counters: Counters,
}

impl std::fmt::Debug for RedisCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisCache").field("config", &self.config).finish_non_exhaustive()
    }
}

impl RedisCache {
    /// A cache on the Redis at `config.url`. Does not connect: a Redis that is
    /// down now is a miss now, and a hit once it answers.
    pub fn new(config: RedisCacheConfig) -> Result<Self, RedisError> {
        if config.prefix.is_empty() {
            return Err(RedisError::Setting("the cache's key prefix must not be empty"));
        }
        if config.max_entries == 0 || config.max_entry_bytes == 0 {
            return Err(RedisError::Setting(
                "the cache's entry cap and entry size must be at least 1",
            ));
        }
        if config.timeout.is_zero() {
            return Err(RedisError::Setting("the Redis timeout must be above zero"));
        }
        let client = redis::Client::open(config.url.as_str())
            .map_err(|source| RedisError::Url { url: config.url.clone(), source })?;
        Ok(Self {
            health: Health::new("subcall cache", config.url.clone(), config.retry_after),
            config,
            client,
            conn: Mutex::new(None),
            put: redis::Script::new(PUT_SCRIPT),
            get: redis::Script::new(GET_SCRIPT),
            clock: Box::new(SystemClock),
            counters: Counters::default(),
        })
    }

    /// The counters so far.
    pub fn stats(&self) -> RedisCacheStats {
        let c = &self.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        RedisCacheStats {
            hits: get(&c.hits),
            misses: get(&c.misses),
            writes: get(&c.writes),
            evictions: get(&c.evictions),
            too_large: get(&c.too_large),
            corrupt: get(&c.corrupt),
            unavailable: get(&c.unavailable),
        }
    }

    /// Whether the last call to Redis failed (for readiness).
    pub fn is_down(&self) -> bool {
        self.health.is_down()
    }

    /// Sends `PING` now (ignoring the back-off): the readiness probe.
    pub fn ping(&self) -> Result<(), RedisError> {
        self.with_conn(|conn| redis::cmd("PING").query::<String>(conn).map(|_| ()))
    }

    /// The Redis key of one entry.
    pub fn entry_key(&self, key: &CacheKey) -> String {
        format!("{}:e:{}", self.config.prefix, key.to_hex())
    }

    /// The Redis key of the prefix's index (sorted set of entry keys).
    pub fn index_key(&self) -> String {
        format!("{}:idx", self.config.prefix)
    }

    /// Runs `f` on the connection (made if needed); any error drops the
    /// connection and starts a back-off.
    fn with_conn<T>(
        &self,
        f: impl FnOnce(&mut redis::Connection) -> redis::RedisResult<T>,
    ) -> Result<T, RedisError> {
        let unavailable =
            |detail: String| RedisError::Unavailable { url: self.health.url().to_string(), detail };
        let mut guard = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        if guard.is_none() {
            let conn = self
                .client
                .get_connection_with_timeout(self.config.timeout)
                .and_then(|c| {
                    c.set_read_timeout(Some(self.config.timeout))?;
                    c.set_write_timeout(Some(self.config.timeout))?;
                    Ok(c)
                })
                .map_err(|e| {
                    self.health.failed(&e.to_string());
                    unavailable(e.to_string())
                })?;
            *guard = Some(conn);
        }
        let Some(conn) = guard.as_mut() else {
            return Err(unavailable("no connection".into()));
        };
        match f(conn) {
            Ok(v) => {
                self.health.succeeded();
                Ok(v)
            }
            Err(e) => {
                *guard = None;
                self.health.failed(&e.to_string());
                Err(unavailable(e.to_string()))
            }
        }
    }
}

impl CompletionCache for RedisCache {
    fn get(&self, model: &ModelId, request: &CompletionRequest) -> Option<Completion> {
        let c = &self.counters;
        if !self.health.should_try() {
            bump(&c.unavailable, 1);
            bump(&c.misses, 1);
            return None;
        }
        let key = self.entry_key(&CacheKey::new(model, request));
        let reply = self.with_conn(|conn| {
            self.get.key(&key).arg(self.config.max_entry_bytes).invoke::<redis::Value>(conn)
        });
        let value = match reply {
            Ok(redis::Value::BulkString(bytes)) => bytes,
            Ok(redis::Value::Int(_)) => {
                // larger than this reader accepts: removed by the script
                bump(&c.corrupt, 1);
                bump(&c.misses, 1);
                return None;
            }
            Ok(_) => {
                bump(&c.misses, 1);
                return None;
            }
            Err(_) => {
                bump(&c.unavailable, 1);
                bump(&c.misses, 1);
                return None;
            }
        };
        match rlm_cache::decode_value(&value) {
            Ok((_, completion)) => {
                bump(&c.hits, 1);
                Some(completion)
            }
            Err(_) => {
                bump(&c.corrupt, 1);
                bump(&c.misses, 1);
                let _ = self.with_conn(|conn| redis::cmd("DEL").arg(&key).query::<i64>(conn));
                None
            }
        }
    }

    fn put(&self, model: &ModelId, request: &CompletionRequest, completion: &Completion) {
        let c = &self.counters;
        if !self.health.should_try() {
            bump(&c.unavailable, 1);
            return;
        }
        let stored_at_ms = self.clock.now_us() / 1000;
        let Ok(value) = rlm_cache::encode_value(completion, stored_at_ms, 0) else {
            bump(&c.too_large, 1);
            return;
        };
        if value.len() as u64 > self.config.max_entry_bytes {
            bump(&c.too_large, 1);
            return;
        }
        let key = self.entry_key(&CacheKey::new(model, request));
        let ttl_ms =
            self.config.ttl.map_or(0, |t| u64::try_from(t.as_millis()).unwrap_or(u64::MAX).max(1));
        let index = self.index_key();
        match self.with_conn(|conn| {
            self.put
                .key(&key)
                .key(&index)
                .arg(value.as_slice())
                .arg(ttl_ms)
                .arg(self.config.max_entries)
                .invoke::<u64>(conn)
        }) {
            Ok(evicted) => {
                bump(&c.writes, 1);
                bump(&c.evictions, evicted);
            }
            Err(_) => bump(&c.unavailable, 1),
        }
    }
}
