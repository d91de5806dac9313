//! The Redis subcall cache against the machine's Redis (own key prefix each)
//! and, for the outage, a private redis-server that the test kills.

mod common;

use std::time::Duration;

use common::{Prefix, PrivateRedis, SHARED_URL, completion};
use redis::Commands;
use rlm_cache::CacheKey;
use rlm_redis::{RedisCache, RedisCacheConfig};
use rlm_types::{CompletionCache, CompletionRequest, ModelId};

fn model() -> ModelId {
    "fake:echo".parse().unwrap()
}

fn config(url: &str, prefix: &Prefix) -> RedisCacheConfig {
    RedisCacheConfig { prefix: prefix.prefix.clone(), ..RedisCacheConfig::new(url) }
}

#[test]
fn two_workers_share_entries_under_rlm_cache_keys() {
    let prefix = Prefix::new(SHARED_URL, "share");
    let a = RedisCache::new(config(SHARED_URL, &prefix)).unwrap();
    let b = RedisCache::new(config(SHARED_URL, &prefix)).unwrap();
    let request = CompletionRequest::user("What is 6 x 7?");
    assert!(b.get(&model(), &request).is_none());
    a.put(&model(), &request, &completion("42"));
    assert_eq!(b.get(&model(), &request).unwrap().text, "42");
    // another model, another key
    let other: ModelId = "fake:other".parse().unwrap();
    assert!(b.get(&other, &request).is_none());
    // the key is rlm-cache's, under the prefix
    let key = format!("{}:e:{}", prefix.prefix, CacheKey::new(&model(), &request).to_hex());
    assert_eq!(a.entry_key(&CacheKey::new(&model(), &request)), key);
    assert!(prefix.keys().contains(&key));
    assert_eq!(b.stats().hits, 1);
    assert_eq!(b.stats().misses, 2);
    assert_eq!(a.stats().writes, 1);
}

#[test]
fn the_entry_cap_evicts_the_oldest_entries() {
    let prefix = Prefix::new(SHARED_URL, "cap");
    let cache = RedisCache::new(RedisCacheConfig { max_entries: 3, ..config(SHARED_URL, &prefix) })
        .unwrap();
    let requests: Vec<_> = (0..5).map(|i| CompletionRequest::user(format!("q{i}"))).collect();
    for (i, request) in requests.iter().enumerate() {
        cache.put(&model(), request, &completion(&format!("a{i}")));
        // distinct stored-at milliseconds, so "oldest" is well defined
        std::thread::sleep(Duration::from_millis(3));
    }
    assert_eq!(cache.stats().evictions, 2);
    assert!(cache.get(&model(), &requests[0]).is_none());
    assert!(cache.get(&model(), &requests[1]).is_none());
    for (i, request) in requests.iter().enumerate().skip(2) {
        assert_eq!(cache.get(&model(), request).unwrap().text, format!("a{i}"));
    }
    // three entries and the index, nothing else
    assert_eq!(prefix.keys().len(), 4);
    let client = redis::Client::open(SHARED_URL).unwrap();
    let mut conn = client.get_connection().unwrap();
    let indexed: u64 = conn.zcard(cache.index_key()).unwrap();
    assert_eq!(indexed, 3);
}

#[test]
fn entries_expire_after_the_ttl() {
    let prefix = Prefix::new(SHARED_URL, "ttl");
    let cache = RedisCache::new(RedisCacheConfig {
        ttl: Some(Duration::from_millis(300)),
        ..config(SHARED_URL, &prefix)
    })
    .unwrap();
    let request = CompletionRequest::user("short-lived");
    cache.put(&model(), &request, &completion("soon gone"));
    let key = cache.entry_key(&CacheKey::new(&model(), &request));
    let client = redis::Client::open(SHARED_URL).unwrap();
    let mut conn = client.get_connection().unwrap();
    let ttl_ms: i64 = redis::cmd("PTTL").arg(&key).query(&mut conn).unwrap();
    assert!(ttl_ms > 0 && ttl_ms <= 300, "PTTL {ttl_ms}");
    assert!(cache.get(&model(), &request).is_some());
    std::thread::sleep(Duration::from_millis(450));
    assert!(cache.get(&model(), &request).is_none());
    // the next write drops the expired entry from the index
    cache.put(&model(), &CompletionRequest::user("next"), &completion("x"));
    let indexed: u64 = conn.zcard(cache.index_key()).unwrap();
    assert_eq!(indexed, 1);
}

#[test]
fn oversized_and_damaged_values_are_never_hits() {
    let prefix = Prefix::new(SHARED_URL, "damage");
    let cache =
        RedisCache::new(RedisCacheConfig { max_entry_bytes: 400, ..config(SHARED_URL, &prefix) })
            .unwrap();
    let big = CompletionRequest::user("big");
    cache.put(&model(), &big, &completion(&"x".repeat(1000)));
    assert_eq!(cache.stats().too_large, 1);
    assert!(cache.get(&model(), &big).is_none());

    let client = redis::Client::open(SHARED_URL).unwrap();
    let mut conn = client.get_connection().unwrap();
    // a damaged value: a miss, and removed
    let request = CompletionRequest::user("damaged");
    let key = cache.entry_key(&CacheKey::new(&model(), &request));
    let _: () = conn.set(&key, b"RLMC not an envelope".as_slice()).unwrap();
    assert!(cache.get(&model(), &request).is_none());
    let exists: bool = conn.exists(&key).unwrap();
    assert!(!exists);
    // a value larger than the reader accepts (written by someone else): a miss, and removed
    let _: () = conn.set(&key, vec![b'R'; 4000]).unwrap();
    assert!(cache.get(&model(), &request).is_none());
    let exists: bool = conn.exists(&key).unwrap();
    assert!(!exists);
    assert_eq!(cache.stats().corrupt, 2);
    assert_eq!(cache.stats().hits, 0);
}

#[test]
fn redis_stopped_mid_run_means_misses_then_hits_again() {
    let mut redis = PrivateRedis::start();
    let cache = RedisCache::new(RedisCacheConfig {
        prefix: "rlm:cache".into(),
        retry_after: Duration::from_millis(200),
        ..RedisCacheConfig::new(redis.url())
    })
    .unwrap();
    let request = CompletionRequest::user("survive");
    cache.put(&model(), &request, &completion("before"));
    assert_eq!(cache.get(&model(), &request).unwrap().text, "before");
    assert!(cache.ping().is_ok());

    redis.kill();
    assert!(cache.get(&model(), &request).is_none());
    assert!(cache.is_down());
    cache.put(&model(), &request, &completion("dropped"));
    // during the back-off the cache does not try Redis at all
    assert!(cache.get(&model(), &request).is_none());
    assert!(cache.ping().is_err());
    let during = cache.stats();
    assert!(during.unavailable >= 3, "{during:?}");

    redis.restart();
    std::thread::sleep(Duration::from_millis(250));
    // the restarted server kept nothing (--save ''): a miss, then a write that sticks
    assert!(cache.get(&model(), &request).is_none());
    assert!(!cache.is_down());
    cache.put(&model(), &request, &completion("after"));
    assert_eq!(cache.get(&model(), &request).unwrap().text, "after");
}

#[test]
fn bad_settings_are_errors() {
    assert!(RedisCache::new(RedisCacheConfig::new("not a url")).is_err());
    let empty = RedisCacheConfig { prefix: String::new(), ..RedisCacheConfig::new(SHARED_URL) };
    assert!(RedisCache::new(empty).is_err());
    let zero = RedisCacheConfig { max_entries: 0, ..RedisCacheConfig::new(SHARED_URL) };
    assert!(RedisCache::new(zero).is_err());
}
