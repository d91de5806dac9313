//! The `redis.prefix` knob (issue #36) against the machine's Redis: the
//! shared subcall cache's keys are `{prefix}:cache:…` and the cluster rate
//! limiter's `{prefix}:rate:…`, so two deployments with two prefixes on one
//! Redis do not see each other's entries; unset, the keys are `rlm:…` as
//! before the knob. Each test's prefixes are its own, their keys removed at
//! the end.

use std::time::Duration;

use redis::Commands;
use rlm_redis::{RedisCache, RedisLimiter};
use rlm_server::{DEFAULT_REDIS_PREFIX, redis_cache_config, redis_limiter_config};
use rlm_types::{Completion, CompletionCache, CompletionRequest, ModelId, Usage};

const SHARED_URL: &str = "redis://127.0.0.1:6379/";

/// A prefix no other test or run uses.
fn unique(name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("rlm-test-prefix:{name}:{}:{nanos}", std::process::id())
}

/// The `[redis]` settings with `redis.prefix` set to `prefix`.
fn models(prefix: Option<&str>) -> rlm_config::Redis {
    rlm_config::Redis { prefix: prefix.map(str::to_string), ..Default::default() }
}

fn completion(text: &str) -> Completion {
    Completion {
        text: text.into(),
        usage: Usage { prompt_tokens: 5, completion_tokens: 2, cached_tokens: 0 },
        finish_reason: None,
        model: "echo".into(),
        latency: Duration::from_millis(3),
    }
}

/// The keys under `prefix` (deleted when `delete`).
fn keys_under(prefix: &str, delete: bool) -> Vec<String> {
    let client = redis::Client::open(SHARED_URL).unwrap();
    let mut conn = client.get_connection().unwrap();
    let keys: Vec<String> = conn.scan_match(format!("{prefix}:*")).unwrap().collect();
    if delete {
        for key in &keys {
            let _: i64 = conn.del(key).unwrap();
        }
    }
    keys
}

#[test]
fn two_prefixes_on_one_redis_do_not_see_each_others_cache_entries() {
    let (pa, pb) = (unique("a"), unique("b"));
    let a_config = redis_cache_config(&models(Some(&pa)), SHARED_URL);
    assert_eq!(a_config.prefix, format!("{pa}:cache"));
    let a = RedisCache::new(a_config).unwrap();
    let a_again = RedisCache::new(redis_cache_config(&models(Some(&pa)), SHARED_URL)).unwrap();
    let b = RedisCache::new(redis_cache_config(&models(Some(&pb)), SHARED_URL)).unwrap();
    let model: ModelId = "fake:echo".parse().unwrap();
    let request = CompletionRequest::user("What is 6 x 7?");
    a.put(&model, &request, &completion("42 for a"));
    // Another process of deployment a sees it; deployment b does not.
    assert_eq!(a_again.get(&model, &request).map(|c| c.text), Some("42 for a".into()));
    assert!(b.get(&model, &request).is_none(), "b saw a's entry");
    b.put(&model, &request, &completion("42 for b"));
    assert_eq!(a.get(&model, &request).map(|c| c.text), Some("42 for a".into()));
    assert_eq!(b.get(&model, &request).map(|c| c.text), Some("42 for b".into()));
    let (ka, kb) = (keys_under(&pa, true), keys_under(&pb, true));
    assert!(!ka.is_empty() && ka.iter().all(|k| k.starts_with(&format!("{pa}:cache:"))), "{ka:?}");
    assert!(!kb.is_empty() && kb.iter().all(|k| k.starts_with(&format!("{pb}:cache:"))), "{kb:?}");
}

#[test]
fn the_rate_limiter_keys_follow_the_prefix_and_unset_it_is_rlm() {
    let model: ModelId = "fake:echo".parse().unwrap();
    let pa = unique("rate");
    let a = RedisLimiter::new(redis_limiter_config(&models(Some(&pa)), SHARED_URL)).unwrap();
    assert_eq!(a.limit_key(&model, "rpm"), format!("{pa}:rate:fake:echo:rpm"));
    // Unset: the keys every deployment had before the knob.
    assert_eq!(DEFAULT_REDIS_PREFIX, "rlm");
    let unset = models(None);
    assert_eq!(redis_cache_config(&unset, SHARED_URL).prefix, "rlm:cache");
    let default = RedisLimiter::new(redis_limiter_config(&unset, SHARED_URL)).unwrap();
    assert_eq!(default.limit_key(&model, "rpm"), "rlm:rate:fake:echo:rpm");
    let _ = keys_under(&pa, true);
}
