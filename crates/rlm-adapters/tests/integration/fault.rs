//! Fault injection: seeded determinism, rates, bursts, latency, retries of
//! injected transient faults, truncated and malformed replies, streams.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rlm_adapters::{
    AdapterErrorKind, FakeAdapter, Fault, FaultInjector, FaultRule, ModelAdapter, RetryPolicy,
    RetryReason, collect_stream,
};
use rlm_types::{CompletionRequest, FinishReason};

use crate::common::recording_sleeper;

fn inner() -> Arc<dyn ModelAdapter> {
    Arc::new(FakeAdapter::fixed("the whole reply"))
}

fn no_retry() -> RetryPolicy {
    RetryPolicy::none()
}

async fn outcomes(inj: &FaultInjector, n: usize) -> Vec<Result<String, AdapterErrorKind>> {
    let mut v = Vec::new();
    for _ in 0..n {
        v.push(
            inj.complete(&CompletionRequest::user("q")).await.map(|c| c.text).map_err(|e| e.kind()),
        );
    }
    v
}

#[tokio::test]
async fn seeded_rate_is_deterministic_and_close_to_the_rate() {
    let rules =
        || vec![FaultRule::with_probability(Fault::RateLimit { retry_after_ms: None }, 0.3)];
    let a = FaultInjector::new(inner(), rules(), 42, no_retry());
    let b = FaultInjector::new(inner(), rules(), 42, no_retry());
    let c = FaultInjector::new(inner(), rules(), 43, no_retry());
    let (ra, rb, rc) = (outcomes(&a, 400).await, outcomes(&b, 400).await, outcomes(&c, 400).await);
    assert_eq!(ra, rb, "same seed, same faults");
    assert_ne!(ra, rc, "another seed, other faults");
    let limited = ra.iter().filter(|r| **r == Err(AdapterErrorKind::RateLimited)).count();
    assert!((80..=160).contains(&limited), "{limited} of 400 at p=0.3");
    let s = a.stats();
    assert_eq!(s.attempts, 400);
    assert_eq!(s.injected["rate_limit"], limited as u64);
    assert_eq!(s.passed_through, 400 - limited as u64);
}

#[tokio::test]
async fn bursts() {
    let rule = FaultRule::in_bursts(
        Fault::Error { kind: AdapterErrorKind::Server, message: String::new() },
        5,
        2,
    );
    let inj = FaultInjector::new(inner(), vec![rule], 0, no_retry());
    let got: Vec<bool> = outcomes(&inj, 10).await.iter().map(|r| r.is_err()).collect();
    assert_eq!(got, vec![true, true, false, false, false, true, true, false, false, false]);
}

#[tokio::test]
async fn injected_transient_faults_go_through_the_retry_loop() {
    let (sleeper, sleeps) = recording_sleeper();
    let retry = RetryPolicy {
        max_retries: 3,
        base_delay: Duration::from_millis(1),
        jitter: 0.0,
        sleeper,
        ..RetryPolicy::default()
    };
    let rule = FaultRule::in_bursts(Fault::RateLimit { retry_after_ms: Some(250) }, 100, 2);
    let inj = FaultInjector::new(inner(), vec![rule], 0, retry);
    let report = inj.call(&CompletionRequest::user("q")).await;
    assert_eq!(report.result.unwrap().text, "the whole reply");
    assert_eq!(report.attempts, 3);
    assert_eq!(
        report.retries.iter().map(|r| r.reason.clone()).collect::<Vec<_>>(),
        vec![RetryReason::RateLimited; 2]
    );
    assert_eq!(*sleeps.lock().unwrap(), vec![Duration::from_millis(250); 2]);

    // non-transient injected errors are not retried
    let rule = FaultRule::with_probability(
        Fault::Error { kind: AdapterErrorKind::ContextLengthExceeded, message: "too long".into() },
        1.0,
    );
    let (sleeper, _) = recording_sleeper();
    let inj = FaultInjector::new(
        inner(),
        vec![rule],
        0,
        RetryPolicy { max_retries: 3, sleeper, ..RetryPolicy::default() },
    );
    let report = inj.call(&CompletionRequest::user("q")).await;
    assert!(report.result.err().unwrap().is_context_length_exceeded());
    assert_eq!(report.attempts, 1);
}

#[tokio::test]
async fn malformed_truncated_and_latency() {
    let inj = FaultInjector::new(
        inner(),
        vec![FaultRule::with_probability(Fault::MalformedBody, 1.0)],
        0,
        no_retry(),
    );
    assert_eq!(outcomes(&inj, 1).await[0], Err(AdapterErrorKind::MalformedResponse));

    let inj = FaultInjector::new(
        inner(),
        vec![FaultRule::with_probability(Fault::TruncatedBody, 1.0)],
        0,
        no_retry(),
    );
    assert_eq!(outcomes(&inj, 1).await[0], Err(AdapterErrorKind::Connection));

    let inj = FaultInjector::new(
        inner(),
        vec![FaultRule::with_probability(Fault::TruncatedReply { keep_fraction: 0.4 }, 1.0)],
        0,
        no_retry(),
    );
    let c = inj.complete(&CompletionRequest::user("q")).await.unwrap();
    assert_eq!(c.text, "the wh"); // 15 chars * 0.4
    assert_eq!(c.finish_reason, Some(FinishReason::Length));

    let inj = FaultInjector::new(
        inner(),
        vec![FaultRule::with_probability(Fault::Latency { min_ms: 30, max_ms: 40 }, 1.0)],
        0,
        no_retry(),
    );
    let t = Instant::now();
    assert!(inj.complete(&CompletionRequest::user("q")).await.is_ok());
    assert!(t.elapsed() >= Duration::from_millis(30));
    assert_eq!(inj.stats().injected["latency"], 1);
}

#[tokio::test]
async fn streams_break_mid_way() {
    let inj = FaultInjector::new(
        inner(),
        vec![FaultRule::with_probability(Fault::TruncatedBody, 1.0)],
        0,
        no_retry(),
    );
    let events = inj.stream(&CompletionRequest::user("q")).await.result.unwrap();
    assert_eq!(collect_stream(events).await.unwrap_err().kind(), AdapterErrorKind::Connection);
    let inj = FaultInjector::new(
        inner(),
        vec![FaultRule::with_probability(Fault::RateLimit { retry_after_ms: None }, 1.0)],
        0,
        no_retry(),
    );
    assert_eq!(
        inj.stream(&CompletionRequest::user("q")).await.result.err().unwrap().kind(),
        AdapterErrorKind::RateLimited
    );
    let inj = FaultInjector::new(inner(), vec![], 0, no_retry());
    let (_, c) = collect_stream(inj.stream(&CompletionRequest::user("q")).await.result.unwrap())
        .await
        .unwrap();
    assert_eq!(c.text, "the whole reply");
    assert_eq!(inj.model_id().to_string(), "fake:fixed");
}

#[test]
fn rules_deserialize() {
    let rules: Vec<FaultRule> = serde_json::from_str(
        r#"[{"fault": {"type": "rate_limit", "retry_after_ms": 100}, "probability": 0.1},
            {"fault": {"type": "latency", "min_ms": 5, "max_ms": 50}, "probability": 1.0},
            {"fault": {"type": "error", "kind": "server"}, "burst": {"every": 50, "length": 5}}]"#,
    )
    .unwrap();
    assert_eq!(rules.len(), 3);
}
