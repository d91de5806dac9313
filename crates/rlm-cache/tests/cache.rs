//! Behaviour of `SledCache` through its public API: hits and misses, overwrite,
//! persistence, eviction under a size cap, TTL, statistics, corrupt values,
//! open errors (lock, bad path, foreign format) and concurrent use.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use common::{completion, model, request};
use rlm_cache::{CacheConfig, CacheError, CacheKey, ENTRIES_TREE, SledCache};
use rlm_types::Clock;
use rlm_types::{CompletionCache, ModelId};

fn unbounded() -> CacheConfig {
    CacheConfig { max_bytes: None, ..CacheConfig::default() }
}

#[test]
fn miss_then_hit_and_stats() {
    let dir = tempfile::tempdir().unwrap();
    let cache = SledCache::open_with(dir.path(), unbounded()).unwrap();
    assert!(cache.get(&model(), &request(1)).is_none());
    cache.put(&model(), &request(1), &completion(1, 10));
    assert_eq!(cache.get(&model(), &request(1)), Some(completion(1, 10)));
    // another model, same request: a miss
    assert!(cache.get(&ModelId::new("openai", "gpt-5"), &request(1)).is_none());
    let s = cache.stats();
    assert_eq!((s.hits, s.misses, s.writes, s.entries), (1, 2, 1, 1));
    assert_eq!(s.hit_rate(), Some(1.0 / 3.0));
    assert!(s.bytes > 32);
}

#[test]
fn overwrite_replaces_and_keeps_size_exact() {
    let dir = tempfile::tempdir().unwrap();
    let cache = SledCache::open_with(dir.path(), unbounded()).unwrap();
    cache.put(&model(), &request(1), &completion(1, 1000));
    let big = cache.size_bytes();
    cache.put(&model(), &request(1), &completion(1, 10));
    assert_eq!(cache.len(), 1);
    assert!(cache.size_bytes() < big);
    assert_eq!(cache.get(&model(), &request(1)), Some(completion(1, 10)));
    let size = cache.size_bytes();
    drop(cache);
    // the recount at open agrees with the running count, and the index has no orphan
    let cache = SledCache::open_with(dir.path(), unbounded()).unwrap();
    assert_eq!(cache.size_bytes(), size);
    assert_eq!(cache.stats().repaired, 0);
}

#[test]
fn entries_persist_across_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let cache = SledCache::open_with(dir.path(), unbounded()).unwrap();
        for i in 0..50 {
            cache.put(&model(), &request(i), &completion(i, 100));
        }
        cache.flush().unwrap();
    }
    let cache = SledCache::open_with(dir.path(), unbounded()).unwrap();
    assert_eq!(cache.len(), 50);
    for i in 0..50 {
        assert_eq!(cache.get(&model(), &request(i)), Some(completion(i, 100)), "entry {i}");
    }
}

#[test]
fn size_cap_evicts_oldest_first() {
    let dir = tempfile::tempdir().unwrap();
    let cap = 20_000;
    let cache = SledCache::open_with(
        dir.path(),
        CacheConfig { max_bytes: Some(cap), ..CacheConfig::default() },
    )
    .unwrap();
    for i in 0..100 {
        cache.put(&model(), &request(i), &completion(i, 500));
        assert!(cache.size_bytes() <= cap, "over the cap after write {i}");
    }
    let s = cache.stats();
    assert!(s.evictions > 0);
    assert_eq!(s.entries, 100 - s.evictions);
    // the newest entries are there, the oldest are gone, with no holes in between
    let present: Vec<bool> = (0..100).map(|i| cache.get(&model(), &request(i)).is_some()).collect();
    let first_present = present.iter().position(|p| *p).unwrap();
    assert!(first_present > 0);
    assert!(present[first_present..].iter().all(|p| *p), "{present:?}");
    assert_eq!(first_present as u64, s.evictions);
    // an entry that alone exceeds the cap is refused, not stored
    cache.put(&model(), &request(1000), &completion(1000, cap as usize));
    assert_eq!(cache.stats().too_large, 1);
    assert!(cache.get(&model(), &request(1000)).is_none());
}

#[test]
fn reopening_with_a_smaller_cap_evicts_at_open() {
    let dir = tempfile::tempdir().unwrap();
    {
        let cache = SledCache::open_with(dir.path(), unbounded()).unwrap();
        for i in 0..40 {
            cache.put(&model(), &request(i), &completion(i, 500));
        }
    }
    let cap = 8_000;
    let cache = SledCache::open_with(
        dir.path(),
        CacheConfig { max_bytes: Some(cap), ..CacheConfig::default() },
    )
    .unwrap();
    assert!(cache.size_bytes() <= cap);
    assert!(cache.get(&model(), &request(39)).is_some());
    assert!(cache.get(&model(), &request(0)).is_none());
}

/// Set in milliseconds (the cache's unit), read in microseconds (the clock's).
struct ManualClock(AtomicU64);
impl Clock for ManualClock {
    fn now_us(&self) -> u64 {
        self.0.load(Ordering::SeqCst) * 1_000
    }
}

#[test]
fn ttl_expires_entries() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock(AtomicU64::new(1_000_000)));
    let config = CacheConfig { ttl: Some(Duration::from_secs(60)), ..unbounded() };
    let cache = SledCache::open_with_clock(dir.path(), config, clock.clone()).unwrap();
    cache.put(&model(), &request(1), &completion(1, 1));
    clock.0.store(1_030_000, Ordering::SeqCst);
    cache.put(&model(), &request(2), &completion(2, 1));
    clock.0.store(1_060_000, Ordering::SeqCst); // exactly the TTL: still fresh
    assert!(cache.get(&model(), &request(1)).is_some());
    clock.0.store(1_060_001, Ordering::SeqCst);
    assert!(cache.get(&model(), &request(1)).is_none());
    assert_eq!(cache.stats().expired, 1);
    assert_eq!(cache.len(), 1, "the expired entry was removed");
    clock.0.store(1_200_000, Ordering::SeqCst);
    assert_eq!(cache.purge_expired().unwrap(), 1);
    assert!(cache.is_empty());
}

#[test]
fn garbage_under_a_valid_key_is_a_counted_miss() {
    let dir = tempfile::tempdir().unwrap();
    let key = CacheKey::new(&model(), &request(7));
    {
        let cache = SledCache::open_with(dir.path(), unbounded()).unwrap();
        cache.put(&model(), &request(7), &completion(7, 10));
        cache.put(&model(), &request(8), &completion(8, 10));
    }
    let garbage: Vec<&[u8]> = vec![
        b"",
        b"not a cache entry",
        b"RLMC\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff",
        &[0xff; 300],
    ];
    for bytes in garbage {
        // raw access to the tree, as a damaged disk or another program would write it
        {
            let db = open_raw(dir.path());
            let tree = db.open_tree(ENTRIES_TREE).unwrap();
            tree.insert(key.as_bytes(), bytes).unwrap();
            db.flush().unwrap();
        }
        let cache = SledCache::open_with(dir.path(), unbounded()).unwrap();
        assert!(cache.get(&model(), &request(7)).is_none());
        assert_eq!(cache.get(&model(), &request(8)), Some(completion(8, 10)));
        let s = cache.stats();
        assert_eq!(s.corrupt, 1, "garbage {bytes:?}");
        assert_eq!(s.entries, 1);
        // the slot is usable again
        cache.put(&model(), &request(7), &completion(7, 10));
        assert_eq!(cache.get(&model(), &request(7)), Some(completion(7, 10)));
    }
}

#[test]
fn value_damaged_while_open_is_a_miss_at_lookup() {
    // The open scan reads only headers; a payload flipped behind a valid header
    // is found by the checksum at lookup time.
    let dir = tempfile::tempdir().unwrap();
    let key = CacheKey::new(&model(), &request(3));
    {
        let cache = SledCache::open_with(dir.path(), unbounded()).unwrap();
        cache.put(&model(), &request(3), &completion(3, 50));
    }
    {
        let db = open_raw(dir.path());
        let tree = db.open_tree(ENTRIES_TREE).unwrap();
        let mut value = tree.get(key.as_bytes()).unwrap().unwrap().to_vec();
        let mid = value.len() / 2;
        value[mid] ^= 0x01;
        tree.insert(key.as_bytes(), value).unwrap();
        db.flush().unwrap();
    }
    let cache = SledCache::open_with(dir.path(), unbounded()).unwrap();
    assert_eq!(cache.stats().corrupt, 0);
    assert!(cache.get(&model(), &request(3)).is_none());
    assert_eq!(cache.stats().corrupt, 1);
    assert!(cache.is_empty());
}

/// Two opens of one folder in a process share one open database (issue
/// #56: a second pyrlm `FileCache` on a folder failed on sled's lock); the
/// folder closes with its last handle. Across processes the lock holds
/// (`sigkill.rs` checks the error names the other process).
#[test]
fn a_second_open_in_the_process_shares_the_open_database() {
    let dir = tempfile::tempdir().unwrap();
    let first = SledCache::open(dir.path()).unwrap();
    // Another spelling of the same folder reaches the same database.
    let second = SledCache::open_with(dir.path().join("."), unbounded()).unwrap();
    first.put(&model(), &request(1), &completion(1, 10));
    assert_eq!(second.get(&model(), &request(1)), Some(completion(1, 10)));
    // Shared, not copied: both count the same lookups.
    assert_eq!(first.stats().hits, 1);
    let folder_record = std::fs::read_to_string(dir.path().join("rlm-cache.owner")).unwrap();
    assert!(folder_record.starts_with(&format!("pid {}: ", std::process::id())), "{folder_record}");
    drop((first, second));
    // Closed with its last handle: reopening finds the entry on disk.
    let reopened = SledCache::open(dir.path()).unwrap();
    assert_eq!(reopened.get(&model(), &request(1)), Some(completion(1, 10)));
}

#[test]
fn a_file_where_the_directory_should_be_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, b"hello").unwrap();
    let err = SledCache::open(&file).unwrap_err();
    assert!(matches!(err, CacheError::CreateDir { .. }), "{err:?}");
    assert!(err.to_string().contains("not-a-dir"));
}

#[test]
fn a_database_of_another_format_is_refused_with_advice() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = open_raw(dir.path());
        db.open_tree("meta").unwrap().insert("format", "99").unwrap();
        db.flush().unwrap();
    }
    let err = SledCache::open(dir.path()).unwrap_err();
    assert!(matches!(err, CacheError::IncompatibleFormat { .. }), "{err:?}");
    assert!(err.to_string().contains("format 99"), "{err}");
}

#[test]
fn concurrent_readers_and_writers() {
    let dir = tempfile::tempdir().unwrap();
    let cache = SledCache::open_with(
        dir.path(),
        CacheConfig { max_bytes: Some(200_000), ..CacheConfig::default() },
    )
    .unwrap();
    std::thread::scope(|s| {
        for t in 0..4u64 {
            let cache = cache.clone();
            s.spawn(move || {
                for i in 0..200u64 {
                    let n = (i * 7 + t) % 300;
                    cache.put(&model(), &request(n), &completion(n, 200));
                    if let Some(c) = cache.get(&model(), &request((n + 13) % 300)) {
                        assert_eq!(c, completion((n + 13) % 300, 200));
                    }
                }
            });
        }
    });
    let s = cache.stats();
    assert_eq!(s.writes, 800);
    assert_eq!(s.corrupt + s.read_errors + s.write_errors, 0);
    assert!(cache.size_bytes() <= 200_000);
    // the running counts match a fresh recount
    let (len, bytes) = (cache.len(), cache.size_bytes());
    drop(cache);
    let cache = SledCache::open_with(dir.path(), CacheConfig::default()).unwrap();
    assert_eq!((cache.len(), cache.size_bytes()), (len, bytes));
}

#[test]
fn clear_empties_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let cache = SledCache::open_with(dir.path(), unbounded()).unwrap();
    for i in 0..10 {
        cache.put(&model(), &request(i), &completion(i, 10));
    }
    cache.clear().unwrap();
    assert!(cache.is_empty());
    assert_eq!(cache.size_bytes(), 0);
    assert!(cache.get(&model(), &request(3)).is_none());
}

#[test]
fn open_repairs_an_index_damaged_from_outside() {
    let dir = tempfile::tempdir().unwrap();
    {
        let cache = SledCache::open_with(dir.path(), unbounded()).unwrap();
        for i in 0..20 {
            cache.put(&model(), &request(i), &completion(i, 100));
        }
    }
    {
        let db = open_raw(dir.path());
        let order = db.open_tree(rlm_cache::ORDER_TREE).unwrap();
        // lose three index records, add two that point nowhere and one malformed
        let seqs: Vec<_> = order.iter().keys().take(3).map(|k| k.unwrap()).collect();
        for seq in &seqs {
            order.remove(seq).unwrap();
        }
        order.insert(u64::MAX.to_be_bytes(), &[7u8; 32]).unwrap();
        order.insert((u64::MAX - 1).to_be_bytes(), &[8u8; 32]).unwrap();
        order.insert(b"bad", &[9u8; 32]).unwrap();
        db.flush().unwrap();
    }
    let cap = 4_000;
    let cache = SledCache::open_with(
        dir.path(),
        CacheConfig { max_bytes: Some(cap), ..CacheConfig::default() },
    )
    .unwrap();
    let s = cache.stats();
    assert_eq!(s.repaired, 6, "{s:?}");
    // re-indexed entries are evicted like the others: the cap holds and the
    // newest entries are the ones kept
    assert!(cache.size_bytes() <= cap);
    assert!(cache.get(&model(), &request(19)).is_some());
    assert!(cache.get(&model(), &request(0)).is_none());
    let (len, bytes) = (cache.len(), cache.size_bytes());
    drop(cache);
    let cache = SledCache::open_with(dir.path(), unbounded()).unwrap();
    assert_eq!(cache.stats().repaired, 0, "the repair was complete");
    assert_eq!((cache.len(), cache.size_bytes()), (len, bytes));
}

#[test]
fn a_garbage_database_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let junk: Vec<u8> =
        (0..64 * 1024u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    std::fs::write(dir.path().join("conf"), &junk[..512]).unwrap();
    std::fs::write(dir.path().join("db"), &junk).unwrap();
    let err = SledCache::open(dir.path()).unwrap_err();
    assert!(err.to_string().contains(&dir.path().display().to_string()), "{err}");
    eprintln!("{err}");
}

#[test]
fn a_damaged_data_file_opens_as_error_or_misses_never_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    {
        let cache = SledCache::open_with(dir.path(), unbounded()).unwrap();
        for i in 0..50 {
            cache.put(&model(), &request(i), &completion(i, 200));
        }
        cache.flush().unwrap();
    }
    // Overwrite the middle of sled's data file, keeping its config.
    let db_file = dir.path().join("db");
    let mut bytes = std::fs::read(&db_file).unwrap();
    let len = bytes.len();
    for b in &mut bytes[len / 4..len / 2] {
        *b = b.wrapping_mul(31).wrapping_add(7);
    }
    std::fs::write(&db_file, &bytes).unwrap();
    match SledCache::open_with(dir.path(), unbounded()) {
        Err(err) => assert!(err.to_string().contains(&dir.path().display().to_string()), "{err}"),
        Ok(cache) => {
            let mut hits = 0;
            for i in 0..50 {
                if let Some(c) = cache.get(&model(), &request(i)) {
                    assert_eq!(c, completion(i, 200));
                    hits += 1;
                }
            }
            eprintln!("opened after damage: {hits} hits, {:?}", cache.stats());
        }
    }
}

/// The store opened with sled directly, as damage from outside would. A cache
/// dropped just before may still hold the file lock for a moment (sled
/// releases it from a background thread; the lock error is an `Io` error of
/// kind `Other`), so I/O errors are retried for up to two seconds; the last
/// one, or any other error, fails the test.
fn open_raw(path: &std::path::Path) -> sled::Db {
    for _ in 0..100 {
        match sled::open(path) {
            Ok(db) => return db,
            Err(sled::Error::Io(_)) => std::thread::sleep(std::time::Duration::from_millis(20)),
            Err(e) => panic!("open {}: {e}", path.display()),
        }
    }
    sled::open(path).unwrap()
}
