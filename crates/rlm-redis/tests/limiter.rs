//! The cluster-wide rate limit: three workers (each its own thread, tokio
//! runtime, scheduler and Redis connection) send to one mock provider that
//! counts what it receives, per second; together they stay within 1% of the
//! limit. The limit is high (18,000 RPM: 300 a second) so that the test takes
//! seconds; each worker's local governor gate (the same limits, per real
//! minute) would alone let 300 a second through, three times the cluster's.
//! And Redis stopped mid-run: the calls still answer.

mod common;

use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Prefix, PrivateRedis, SHARED_URL, completion};
use rlm_redis::{RedisCache, RedisCacheConfig, RedisLimiter, RedisLimiterConfig};
use rlm_sched::{FnExecutor, ModelLimits, Scheduler, SchedulerConfig};
use rlm_types::{CompletionRequest, ModelId};

/// A provider that only counts the calls it receives, with their arrival times.
#[derive(Default)]
struct MockProvider {
    arrivals: Mutex<Vec<Instant>>,
}

impl MockProvider {
    fn receive(&self) {
        self.arrivals.lock().unwrap().push(Instant::now());
    }
    /// Calls received in `[from, to)`.
    fn count(&self, from: Instant, to: Instant) -> usize {
        self.arrivals.lock().unwrap().iter().filter(|t| **t >= from && **t < to).count()
    }
    fn first(&self) -> Option<Instant> {
        self.arrivals.lock().unwrap().iter().min().copied()
    }
}

fn limits(rpm: u32) -> ModelLimits {
    ModelLimits {
        requests_per_minute: NonZeroU32::new(rpm),
        request_burst: NonZeroU32::new(1),
        ..ModelLimits::default()
    }
}

/// One worker: its own runtime, Redis limiter and scheduler, sending distinct
/// requests (no dedup, no cache) until `stop`.
fn worker(
    n: usize,
    limiter_config: RedisLimiterConfig,
    rpm: u32,
    provider: Arc<MockProvider>,
    ready: Arc<std::sync::Barrier>,
    run_for: Duration,
) -> std::thread::JoinHandle<usize> {
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async move {
            let model: ModelId = "mock:counted".parse().unwrap();
            let executor = FnExecutor(move |_model: ModelId, request: CompletionRequest| {
                let provider = Arc::clone(&provider);
                async move {
                    provider.receive();
                    Ok::<_, std::io::Error>(completion(&request.messages[0].content))
                }
            });
            let config = SchedulerConfig {
                max_concurrency: 4,
                default_limits: limits(rpm),
                ..SchedulerConfig::default()
            };
            let scheduler = Scheduler::builder(executor)
                .config(config)
                .shared_limiter(Arc::new(RedisLimiter::new(limiter_config).unwrap()))
                .build()
                .unwrap();
            let requests: Vec<_> =
                (0..3_000).map(|i| CompletionRequest::user(format!("w{n} q{i}"))).collect();
            // all three start sending together, once each has built its batch
            ready.wait();
            let until = tokio::time::Instant::now() + run_for;
            // the batch is dropped at `stop`: its waiting calls are cancelled
            let _ =
                tokio::time::timeout_at(until, scheduler.run_batch(&model, requests, None)).await;
            n
        })
    })
}

#[test]
fn three_workers_hold_the_cluster_rpm_within_one_percent() {
    let prefix = Prefix::new(SHARED_URL, "rpm");
    let rpm = 18_000;
    let per_second = rpm as usize / 60;
    let period = Duration::from_secs(1);
    let config =
        RedisLimiterConfig { prefix: prefix.prefix.clone(), ..RedisLimiterConfig::new(SHARED_URL) };
    let provider = Arc::new(MockProvider::default());
    let ready = Arc::new(std::sync::Barrier::new(3));
    let run_for = Duration::from_millis(4500);
    let workers: Vec<_> = (0..3)
        .map(|n| worker(n, config.clone(), rpm, Arc::clone(&provider), Arc::clone(&ready), run_for))
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let first = provider.first().expect("calls were sent");
    // four whole seconds from the first call
    let mut counts = Vec::new();
    for k in 0..4 {
        let from = first + period * k;
        counts.push(provider.count(from, from + period));
    }
    let total: usize = counts.iter().sum();
    eprintln!("calls per second from the first call: {counts:?} (limit {per_second})");
    let expected = 4 * per_second;
    let low = expected * 99 / 100;
    let high = expected * 101 / 100;
    assert!(
        (low..=high).contains(&total),
        "{total} calls in 4 periods, limit {expected}: {counts:?}"
    );
    for count in &counts {
        // each period: the limit, plus the burst of 1, plus a call at the border
        assert!(*count <= per_second + 2, "{counts:?}");
        assert!(*count * 100 >= per_second * 98, "{counts:?}");
    }
}

#[test]
fn redis_stopped_mid_run_runs_still_answer() {
    let mut redis = PrivateRedis::start();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let answered = runtime.block_on(async {
        let model: ModelId = "mock:answers".parse().unwrap();
        let executor = FnExecutor(|_model: ModelId, request: CompletionRequest| async move {
            tokio::time::sleep(Duration::from_millis(2)).await;
            Ok::<_, std::io::Error>(completion(&request.messages[0].content.to_uppercase()))
        });
        let limiter = Arc::new(
            RedisLimiter::new(RedisLimiterConfig {
                retry_after: Duration::from_millis(100),
                ..RedisLimiterConfig::new(redis.url())
            })
            .unwrap(),
        );
        let cache = Arc::new(
            RedisCache::new(RedisCacheConfig {
                retry_after: Duration::from_millis(100),
                ..RedisCacheConfig::new(redis.url())
            })
            .unwrap(),
        );
        let scheduler = Scheduler::builder(executor)
            .config(SchedulerConfig {
                max_concurrency: 4,
                default_limits: limits(36_000),
                ..SchedulerConfig::default()
            })
            .cache(cache.clone())
            .shared_limiter(limiter.clone())
            .build()
            .unwrap();
        let requests: Vec<_> = (0..300).map(|i| CompletionRequest::user(format!("q{i}"))).collect();
        let batch = scheduler.run_batch(&model, requests, None);
        let killer = async {
            // 36,000 RPM is 600 a second: the batch of 300 takes about half a second; kill Redis in the middle
            tokio::time::sleep(Duration::from_millis(150)).await;
            redis.kill();
        };
        let (results, ()) = tokio::join!(batch, killer);
        let ok = results.iter().filter(|r| r.is_ok()).count();
        let before_kill = limiter.stats().admitted;
        assert!(before_kill > 0, "some calls went through Redis first");
        assert!(limiter.stats().unavailable > 0, "{:?}", limiter.stats());
        assert!(cache.stats().unavailable > 0, "{:?}", cache.stats());
        for (i, result) in results.iter().enumerate() {
            assert_eq!(result.as_ref().unwrap().text, format!("Q{i}"));
        }
        ok
    });
    assert_eq!(answered, 300);
}

#[test]
fn the_limit_keys_are_per_provider_model_and_expire() {
    let prefix = Prefix::new(SHARED_URL, "keys");
    let limiter = RedisLimiter::new(RedisLimiterConfig {
        prefix: prefix.prefix.clone(),
        period: Duration::from_secs(1),
        ..RedisLimiterConfig::new(SHARED_URL)
    })
    .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let a: ModelId = "openai:gpt-5-mini".parse().unwrap();
    let b: ModelId = "anthropic:haiku".parse().unwrap();
    let both = ModelLimits { tokens_per_minute: NonZeroU32::new(10_000), ..limits(60) };
    runtime.block_on(async {
        limiter.admit_call(&a, &both, 500).await;
        limiter.admit_call(&b, &limits(60), 500).await;
    });
    let mut keys = prefix.keys();
    keys.sort();
    assert_eq!(
        keys,
        [limiter.limit_key(&b, "rpm"), limiter.limit_key(&a, "rpm"), limiter.limit_key(&a, "tpm"),]
    );
    assert_eq!(limiter.stats().admitted, 2);
    assert_eq!(limiter.stats().waited, 0);
    // a quiet limit's key is gone a second after its arrival time
    std::thread::sleep(Duration::from_millis(1200));
    assert!(prefix.keys().is_empty(), "{:?}", prefix.keys());
}

#[test]
fn three_clients_hold_the_cluster_tpm_within_one_percent() {
    let prefix = Prefix::new(SHARED_URL, "tpm");
    // 600,000 TPM: 10,000 tokens a second; each call is estimated at 100 tokens
    let tpm = 600_000u32;
    let per_second = tpm as usize / 60;
    let limits = ModelLimits {
        tokens_per_minute: NonZeroU32::new(tpm),
        token_burst: NonZeroU32::new(100),
        ..ModelLimits::default()
    };
    let config =
        RedisLimiterConfig { prefix: prefix.prefix.clone(), ..RedisLimiterConfig::new(SHARED_URL) };
    let provider = Arc::new(MockProvider::default());
    let ready = Arc::new(std::sync::Barrier::new(3));
    let clients: Vec<_> = (0..3)
        .map(|_| {
            let (config, limits, provider, ready) =
                (config.clone(), limits.clone(), Arc::clone(&provider), Arc::clone(&ready));
            std::thread::spawn(move || {
                let runtime =
                    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                let limiter = RedisLimiter::new(config).unwrap();
                let model: ModelId = "mock:tokens".parse().unwrap();
                ready.wait();
                let stop = Instant::now() + Duration::from_millis(4500);
                runtime.block_on(async {
                    while Instant::now() < stop {
                        limiter.admit_call(&model, &limits, 100).await;
                        provider.receive();
                    }
                });
            })
        })
        .collect();
    for c in clients {
        c.join().unwrap();
    }
    let first = provider.first().expect("calls were sent");
    let counts: Vec<usize> = (0..4)
        .map(|k| {
            let from = first + Duration::from_secs(k);
            provider.count(from, from + Duration::from_secs(1)) * 100
        })
        .collect();
    eprintln!("tokens per second from the first call: {counts:?} (limit {per_second})");
    let total: usize = counts.iter().sum();
    let expected = 4 * per_second;
    assert!(
        (expected * 99 / 100..=expected * 101 / 100).contains(&total),
        "{total} tokens in 4 s, limit {expected}: {counts:?}"
    );
}
