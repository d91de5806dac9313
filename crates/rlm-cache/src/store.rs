//! [`SledCache`]: the sled-backed [`CompletionCache`].
//!
//! Three sled trees: `entries` (key → value envelope), `order` (insertion
//! sequence number, big-endian → key; the eviction queue, oldest first) and
//! `meta` (the on-disk format number). An entry and its `order` record are
//! written in one sled transaction. The byte and entry counts are not stored:
//! they are recomputed by a scan at open, which also repairs whatever a crash
//! or an outside edit left inconsistent (an entry without an `order` record is
//! re-indexed, an `order` record without its entry is dropped, an undecodable
//! entry is removed). The trees are therefore the only truth, and a process
//! killed at any instant leaves a database that opens and answers hit or miss.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, TryLockError, Weak};
use std::time::Duration;

use rlm_types::{Clock, Completion, CompletionCache, CompletionRequest, ModelId, SystemClock};
use sled::IVec;
use sled::transaction::{TransactionError, Transactional};

use crate::entry;
use crate::error::CacheError;
use crate::key::CacheKey;
use crate::owner;

/// How long `open` waits for a lock that a just-closed handle still holds.
const LOCK_RETRY_FOR: std::time::Duration = std::time::Duration::from_millis(1500);

/// Name of the sled tree holding the entries (public so that tests and repair
/// tools can reach the raw data).
pub const ENTRIES_TREE: &str = "entries";
/// Name of the sled tree holding the insertion-order index.
pub const ORDER_TREE: &str = "order";
const META_TREE: &str = "meta";
const META_FORMAT_KEY: &[u8] = b"format";
/// Version of the database layout (trees and their meaning).
pub const DB_FORMAT_VERSION: u32 = 1;

/// Eviction frees space down to this fraction of `max_bytes`, so that a full
/// cache does not evict on every single write.
const EVICT_LOW_WATERMARK: f64 = 0.9;

/// How a cache behaves.
#[derive(Debug, Clone, PartialEq)]
pub struct CacheConfig {
    /// Cap on the stored bytes (keys plus values as written; sled's own
    /// on-disk overhead comes on top). `None`: unbounded. When a write takes
    /// the cache above the cap, the oldest entries (by insertion) are evicted
    /// until it is under 90% of the cap. An entry larger than 90% of the cap is not stored.
    pub max_bytes: Option<u64>,
    /// Entries older than this are misses (and are removed when met). `None`: never expire.
    pub ttl: Option<Duration>,
    /// Memory sled may use for its page cache.
    pub sled_cache_capacity: u64,
    /// How often sled flushes to disk in the background (`None`: only on
    /// [`SledCache::flush`] and drop). Writes since the last flush can be lost
    /// on a crash (they become misses, never corrupt hits).
    pub flush_every_ms: Option<u64>,
}

impl Default for CacheConfig {
    fn default() -> Self {
        CacheConfig {
            max_bytes: Some(512 * 1024 * 1024),
            ttl: None,
            sled_cache_capacity: 64 * 1024 * 1024,
            flush_every_ms: Some(500),
        }
    }
}

/// Counters since the cache was opened, and the current size.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Lookups that returned a completion.
    pub hits: u64,
    /// Lookups that returned nothing (including the corrupt and expired ones below).
    pub misses: u64,
    /// Entries that could not be decoded (met by a lookup or by the scan at open); each was removed.
    pub corrupt: u64,
    /// Lookups that found an entry older than the TTL.
    pub expired: u64,
    /// Entries evicted to keep the cache under its size cap.
    pub evictions: u64,
    /// Completions stored.
    pub writes: u64,
    /// Completions that could not be stored (serialisation or database error).
    pub write_errors: u64,
    /// Lookups that failed in the database (counted as misses too).
    pub read_errors: u64,
    /// Completions not stored because they alone exceed 90% of `max_bytes`.
    pub too_large: u64,
    /// Index records repaired by the scan at open (after a crash or an outside edit).
    pub repaired: u64,
    /// Entries now stored.
    pub entries: u64,
    /// Bytes now stored (keys plus values).
    pub bytes: u64,
}

impl CacheStats {
    /// Hits over lookups, or `None` before the first lookup.
    pub fn hit_rate(&self) -> Option<f64> {
        let lookups = self.hits + self.misses;
        (lookups > 0).then(|| self.hits as f64 / lookups as f64)
    }
}

#[derive(Default)]
struct Counters {
    hits: AtomicU64,
    misses: AtomicU64,
    corrupt: AtomicU64,
    expired: AtomicU64,
    evictions: AtomicU64,
    writes: AtomicU64,
    write_errors: AtomicU64,
    read_errors: AtomicU64,
    too_large: AtomicU64,
    repaired: AtomicU64,
}

fn bump(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

struct Inner {
    path: PathBuf,
    config: CacheConfig,
    clock: Arc<dyn Clock>,
    db: sled::Db,
    entries: sled::Tree,
    order: sled::Tree,
    counters: Counters,
    /// Signed because concurrent writers and evictors adjust it in any order.
    bytes: AtomicI64,
    entry_count: AtomicI64,
    /// Held by the one thread evicting; others skip eviction rather than queue.
    evicting: Mutex<()>,
}

/// A persistent completion cache in a sled database. Cheap to clone (shared
/// handle); safe to use from many threads at once.
///
/// sled holds an exclusive lock on the database for the life of the process
/// that opened it: see the crate docs for sharing a cache between processes.
#[derive(Clone)]
pub struct SledCache {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SledCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SledCache")
            .field("path", &self.inner.path)
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

/// The stores open in this process, by canonical folder. Weak: the last
/// handle dropped closes the store (and releases sled's lock).
fn open_stores() -> &'static Mutex<HashMap<PathBuf, Weak<Inner>>> {
    static OPEN: OnceLock<Mutex<HashMap<PathBuf, Weak<Inner>>>> = OnceLock::new();
    OPEN.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Run a sled operation, turning a panic inside sled into an error string: a
/// cache must never take the run down with it.
fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|p| {
        p.downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic in the database".to_string())
    })
}

impl SledCache {
    /// Open (creating if needed) the cache in directory `path` with default settings.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, CacheError> {
        Self::open_with(path, CacheConfig::default())
    }

    /// Open (creating if needed) the cache in directory `path`.
    pub fn open_with(path: impl AsRef<Path>, config: CacheConfig) -> Result<Self, CacheError> {
        Self::open_with_clock(path, config, Arc::new(SystemClock))
    }

    /// Open with an explicit clock (for TTL tests and simulations).
    ///
    /// A folder already open in this process is not opened again: the
    /// handle shares the open store (and keeps the settings and clock it
    /// was opened with). sled's lock admits one process per folder; a
    /// second process gets [`CacheError::Locked`] naming the first.
    pub fn open_with_clock(
        path: impl AsRef<Path>,
        config: CacheConfig,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, CacheError> {
        let path = path.as_ref().to_path_buf();
        std::fs::create_dir_all(&path)
            .map_err(|source| CacheError::CreateDir { path: path.clone(), source })?;
        let canonical = std::fs::canonicalize(&path)
            .map_err(|source| CacheError::Io { path: path.clone(), source })?;
        // Held while opening, so two threads opening one folder open it once.
        let mut open = open_stores().lock().unwrap_or_else(|p| p.into_inner());
        open.retain(|_, store| store.strong_count() > 0);
        if let Some(inner) = open.get(&canonical).and_then(Weak::upgrade) {
            return Ok(SledCache { inner });
        }
        let cache = Self::open_exclusive(path, config, clock)?;
        open.insert(canonical, Arc::downgrade(&cache.inner));
        Ok(cache)
    }

    /// Opens the sled database in `path` (which exists), taking its lock.
    fn open_exclusive(
        path: PathBuf,
        config: CacheConfig,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, CacheError> {
        let sled_config = sled::Config::new()
            .path(&path)
            .cache_capacity(config.sled_cache_capacity)
            .flush_every_ms(config.flush_every_ms);
        let db_err = |e| CacheError::from_sled(&path, e);
        let panicked = |detail: String| CacheError::Database {
            path: path.clone(),
            detail: format!("sled panicked: {detail}"),
        };
        // Dropping a sled handle releases its file lock only once sled's
        // flusher thread lets go, a moment later; reopening the same cache in
        // this process right after closing it would otherwise fail. Retry for
        // a short, bounded while before reporting `Locked`.
        let deadline = std::time::Instant::now() + LOCK_RETRY_FOR;
        let db = loop {
            match guarded(|| sled_config.open()).map_err(panicked)?.map_err(db_err) {
                Err(CacheError::Locked { .. }) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                other => break other?,
            }
        };

        owner::record(&path);
        let meta = db.open_tree(META_TREE).map_err(db_err)?;
        match meta.get(META_FORMAT_KEY).map_err(db_err)? {
            None => {
                meta.insert(META_FORMAT_KEY, DB_FORMAT_VERSION.to_string().as_bytes())
                    .map_err(db_err)?;
            }
            Some(found) if found.as_ref() == DB_FORMAT_VERSION.to_string().as_bytes() => {}
            Some(found) => {
                return Err(CacheError::IncompatibleFormat {
                    path: path.clone(),
                    found: String::from_utf8_lossy(&found).into_owned(),
                    expected: DB_FORMAT_VERSION,
                });
            }
        }
        let entries = db.open_tree(ENTRIES_TREE).map_err(db_err)?;
        let order = db.open_tree(ORDER_TREE).map_err(db_err)?;
        let cache = SledCache {
            inner: Arc::new(Inner {
                path: path.clone(),
                config,
                clock,
                db,
                entries,
                order,
                counters: Counters::default(),
                bytes: AtomicI64::new(0),
                entry_count: AtomicI64::new(0),
                evicting: Mutex::new(()),
            }),
        };
        guarded(|| cache.scan_and_repair()).map_err(panicked)?.map_err(db_err)?;
        cache.evict_if_over_cap();
        Ok(cache)
    }

    /// Recompute size and count, and make `entries` and `order` agree.
    fn scan_and_repair(&self) -> sled::Result<()> {
        let inner = &self.inner;
        // Two sequential passes and a hash map (about 50 bytes per entry while
        // opening), rather than a point lookup per entry in each direction.
        let mut index: HashMap<[u8; 8], IVec> = HashMap::new();
        for item in inner.order.iter() {
            let (seq, key) = item?;
            match <[u8; 8]>::try_from(seq.as_ref()) {
                Ok(seq) => {
                    index.insert(seq, key);
                }
                Err(_) => {
                    inner.order.remove(&seq)?;
                    bump(&inner.counters.repaired);
                }
            }
        }
        let (mut bytes, mut count) = (0i64, 0i64);
        for item in inner.entries.iter() {
            let (key, value) = item?;
            let header = if key.len() == 32 { entry::decode_header(&value).ok() } else { None };
            match header {
                Some(h) => {
                    bytes += (key.len() + value.len()) as i64;
                    count += 1;
                    let seq = h.seq.to_be_bytes();
                    if index.remove(&seq).as_deref() != Some(key.as_ref()) {
                        inner.order.insert(seq, key.as_ref())?;
                        bump(&inner.counters.repaired);
                    }
                }
                None => {
                    inner.entries.remove(&key)?;
                    bump(&inner.counters.corrupt);
                }
            }
        }
        // What is left points at no current entry.
        for seq in index.keys() {
            inner.order.remove(seq)?;
            bump(&inner.counters.repaired);
        }
        inner.bytes.store(bytes, Ordering::Relaxed);
        inner.entry_count.store(count, Ordering::Relaxed);
        Ok(())
    }

    /// The directory of the database.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The configuration the cache was opened with.
    pub fn config(&self) -> &CacheConfig {
        &self.inner.config
    }

    /// Counters since open, and the current size.
    pub fn stats(&self) -> CacheStats {
        let c = &self.inner.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        CacheStats {
            hits: get(&c.hits),
            misses: get(&c.misses),
            corrupt: get(&c.corrupt),
            expired: get(&c.expired),
            evictions: get(&c.evictions),
            writes: get(&c.writes),
            write_errors: get(&c.write_errors),
            read_errors: get(&c.read_errors),
            too_large: get(&c.too_large),
            repaired: get(&c.repaired),
            entries: self.len() as u64,
            bytes: self.size_bytes(),
        }
    }

    /// Entries now stored.
    pub fn len(&self) -> usize {
        self.inner.entry_count.load(Ordering::Relaxed).max(0) as usize
    }

    /// Whether no entry is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes now stored (keys plus values, the measure `max_bytes` caps).
    pub fn size_bytes(&self) -> u64 {
        self.inner.bytes.load(Ordering::Relaxed).max(0) as u64
    }

    /// Write everything to disk now; returns once it is durable.
    pub fn flush(&self) -> Result<(), CacheError> {
        self.inner.db.flush().map(|_| ()).map_err(|e| CacheError::from_sled(&self.inner.path, e))
    }

    /// Remove every entry.
    pub fn clear(&self) -> Result<(), CacheError> {
        let err = |e| CacheError::from_sled(&self.inner.path, e);
        // Index first: a crash in between leaves entries without index records,
        // which the scan at open re-indexes.
        self.inner.order.clear().map_err(err)?;
        self.inner.entries.clear().map_err(err)?;
        self.inner.bytes.store(0, Ordering::Relaxed);
        self.inner.entry_count.store(0, Ordering::Relaxed);
        Ok(())
    }

    /// Remove every entry older than the TTL (none if there is no TTL);
    /// returns how many were removed.
    pub fn purge_expired(&self) -> Result<u64, CacheError> {
        let Some(ttl) = self.inner.config.ttl else { return Ok(0) };
        let now = self.inner.clock.now_ms();
        let mut removed = 0;
        for item in self.inner.entries.iter() {
            let (key, value) = item.map_err(|e| CacheError::from_sled(&self.inner.path, e))?;
            if let Ok(h) = entry::decode_header(&value) {
                if is_expired(h.stored_at_ms, now, ttl) && self.remove_if_unchanged(&key, &value) {
                    removed += 1;
                }
            }
        }
        Ok(removed)
    }

    /// The stored completion under `key`, if any (the lookup behind [`CompletionCache::get`]).
    pub fn get_by_key(&self, key: &CacheKey) -> Option<Completion> {
        let inner = &self.inner;
        let found = match guarded(|| inner.entries.get(key.as_bytes())) {
            Ok(Ok(found)) => found,
            Ok(Err(_)) | Err(_) => {
                bump(&inner.counters.read_errors);
                bump(&inner.counters.misses);
                return None;
            }
        };
        let Some(value) = found else {
            bump(&inner.counters.misses);
            return None;
        };
        match entry::decode(&value) {
            Ok((header, completion)) => {
                if let Some(ttl) = inner.config.ttl {
                    if is_expired(header.stored_at_ms, inner.clock.now_ms(), ttl) {
                        bump(&inner.counters.expired);
                        bump(&inner.counters.misses);
                        self.remove_if_unchanged(key.as_bytes(), &value);
                        return None;
                    }
                }
                bump(&inner.counters.hits);
                Some(completion)
            }
            Err(_) => {
                bump(&inner.counters.corrupt);
                bump(&inner.counters.misses);
                self.remove_if_unchanged(key.as_bytes(), &value);
                None
            }
        }
    }

    /// Store `completion` under `key` (the write behind [`CompletionCache::put`]).
    /// Returns whether it was stored; failures are counted, never raised.
    pub fn put_by_key(&self, key: &CacheKey, completion: &Completion) -> bool {
        let inner = &self.inner;
        let Ok(Ok(seq)) = guarded(|| inner.db.generate_id()) else {
            bump(&inner.counters.write_errors);
            return false;
        };
        let Ok(value) = entry::encode(completion, inner.clock.now_ms(), seq) else {
            bump(&inner.counters.write_errors);
            return false;
        };
        let new_len = (key.as_bytes().len() + value.len()) as u64;
        // An entry that alone exceeds what eviction leaves (90% of the cap)
        // would be evicted at once; refuse it up front.
        if inner.config.max_bytes.is_some_and(|cap| new_len > evict_target(cap)) {
            bump(&inner.counters.too_large);
            return false;
        }
        let seq_bytes = seq.to_be_bytes();
        let written = guarded(|| {
            let result: Result<Option<usize>, TransactionError<()>> =
                (&inner.entries, &inner.order).transaction(|(entries, order)| {
                    let old = entries.insert(key.as_bytes().as_slice(), value.as_slice())?;
                    order.insert(seq_bytes.as_slice(), key.as_bytes().as_slice())?;
                    let old_len = match old {
                        Some(old) => {
                            if let Ok(h) = entry::decode_header(&old) {
                                if h.seq != seq {
                                    order.remove(h.seq.to_be_bytes().as_slice())?;
                                }
                            }
                            Some(old.len() + key.as_bytes().len())
                        }
                        None => None,
                    };
                    Ok(old_len)
                });
            result
        });
        match written {
            Ok(Ok(old_len)) => {
                let delta = new_len as i64 - old_len.unwrap_or(0) as i64;
                inner.bytes.fetch_add(delta, Ordering::Relaxed);
                if old_len.is_none() {
                    inner.entry_count.fetch_add(1, Ordering::Relaxed);
                }
                bump(&inner.counters.writes);
                self.evict_if_over_cap();
                true
            }
            Ok(Err(_)) | Err(_) => {
                bump(&inner.counters.write_errors);
                false
            }
        }
    }

    /// Remove `key` if it still holds exactly `value` (another thread may have
    /// replaced it with a fresh entry meanwhile). Best effort: errors are ignored.
    fn remove_if_unchanged(&self, key: &[u8], value: &IVec) -> bool {
        let inner = &self.inner;
        let swapped = guarded(|| inner.entries.compare_and_swap(key, Some(value), None::<&[u8]>));
        if let Ok(Ok(Ok(()))) = swapped {
            inner.bytes.fetch_sub((key.len() + value.len()) as i64, Ordering::Relaxed);
            inner.entry_count.fetch_sub(1, Ordering::Relaxed);
            if let Ok(h) = entry::decode_header(value) {
                let _ = guarded(|| {
                    inner.order.compare_and_swap(h.seq.to_be_bytes(), Some(key), None::<&[u8]>)
                });
            }
            true
        } else {
            false
        }
    }

    /// Evict oldest entries while over the cap. One thread evicts at a time;
    /// the others carry on (the evicting thread will catch up with their writes).
    fn evict_if_over_cap(&self) {
        let inner = &self.inner;
        let Some(cap) = inner.config.max_bytes else { return };
        if self.size_bytes() <= cap {
            return;
        }
        let _guard = match inner.evicting.try_lock() {
            Ok(guard) => guard,
            // The mutex guards no data; a panic elsewhere while holding it changes nothing.
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(TryLockError::WouldBlock) => return,
        };
        let target = evict_target(cap);
        while self.size_bytes() > target {
            let oldest = match guarded(|| inner.order.first()) {
                Ok(Ok(Some(oldest))) => oldest,
                _ => break,
            };
            let (seq, key) = oldest;
            let removed = guarded(|| {
                let result: Result<Option<usize>, TransactionError<()>> =
                    (&inner.entries, &inner.order).transaction(|(entries, order)| {
                        order.remove(&seq)?;
                        let Some(value) = entries.get(&key)? else { return Ok(None) };
                        // Remove the entry only if this index record is its current one
                        // (or it is unreadable anyway).
                        let current = entry::decode_header(&value)
                            .map(|h| h.seq.to_be_bytes() == *seq)
                            .unwrap_or(true);
                        if current {
                            entries.remove(&key)?;
                            Ok(Some(key.len() + value.len()))
                        } else {
                            Ok(None)
                        }
                    });
                result
            });
            match removed {
                Ok(Ok(Some(len))) => {
                    inner.bytes.fetch_sub(len as i64, Ordering::Relaxed);
                    inner.entry_count.fetch_sub(1, Ordering::Relaxed);
                    bump(&inner.counters.evictions);
                }
                Ok(Ok(None)) => {}
                _ => break,
            }
        }
    }
}

/// Size eviction brings the cache down to.
fn evict_target(cap: u64) -> u64 {
    (cap as f64 * EVICT_LOW_WATERMARK) as u64
}

fn is_expired(stored_at_ms: u64, now_ms: u64, ttl: Duration) -> bool {
    let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX);
    now_ms.saturating_sub(stored_at_ms) > ttl_ms
}

impl CompletionCache for SledCache {
    fn get(&self, model: &ModelId, request: &CompletionRequest) -> Option<Completion> {
        self.get_by_key(&CacheKey::new(model, request))
    }

    fn put(&self, model: &ModelId, request: &CompletionRequest, completion: &Completion) {
        self.put_by_key(&CacheKey::new(model, request), completion);
    }
}
