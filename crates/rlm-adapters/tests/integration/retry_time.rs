//! Issue #53: retries stop on time, not on a count. A rate limit is retried
//! until the next wait would pass the call's deadline; its retries never
//! draw on the shared retry budget (the provider is pacing us), while every
//! other transient failure still does; a caller's [`RetryGate`] sees each
//! retry as it happens, waits it out, and its deadline ends the retries.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use rlm_adapters::{
    AdapterErrorKind, DelaySource, HttpOptions, ModelAdapter, RetryBudget, RetryGate, RetryPolicy,
    RetryReason, RetryRecord,
};
use rlm_types::CompletionRequest;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{fast_http, request_count};
use crate::openai::{adapter, ok_body};

fn limited(after_ms: u64) -> ResponseTemplate {
    ResponseTemplate::new(429)
        .insert_header("retry-after-ms", after_ms.to_string().as_str())
        .set_body_string(r#"{"error":{"message":"Rate limit reached","type":"requests"}}"#)
}

/// Real sleeps (the deadline is measured on the clock), no count cap.
fn timed_http(deadline: Duration) -> HttpOptions {
    let retry = RetryPolicy {
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        max_elapsed: Some(deadline),
        ..RetryPolicy::default()
    };
    HttpOptions { timeout: Duration::from_secs(5), retry, ..HttpOptions::default() }
}

#[tokio::test]
async fn rate_limits_are_retried_until_the_deadline_not_five_times() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(limited(30)).mount(&server).await;
    let started = Instant::now();
    let report = adapter(&server.uri(), "m", timed_http(Duration::from_millis(400)))
        .call(&CompletionRequest::user("q"))
        .await;
    let err = report.result.expect_err("always limited");
    assert_eq!(err.kind(), AdapterErrorKind::RateLimited);
    // ~13 attempts fit in 400 ms of 30 ms waits: far past the old cap of 5.
    assert!(report.attempts >= 8, "{} attempts", report.attempts);
    assert!(err.to_string().contains(&format!("after {} attempt", report.attempts)), "{err}");
    assert_eq!(request_count(&server).await, report.attempts as usize);
    assert_eq!(report.retries.len() + 1, report.attempts as usize);
    assert!(report.retries.iter().all(|r| r.reason == RetryReason::RateLimited
        && r.delay == Duration::from_millis(30)
        && r.delay_source == DelaySource::RetryAfter));
    // It gave up rather than start a wait ending past the deadline.
    assert!(started.elapsed() < Duration::from_millis(400 + 300), "{:?}", started.elapsed());
}

#[tokio::test]
async fn rate_limits_leave_the_retry_budget_to_outages() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(limited(1)).up_to_n_times(6).mount(&server).await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok_body("paced")))
        .mount(&server)
        .await;
    let (mut http, _) = fast_http(u32::MAX);
    let budget = Arc::new(RetryBudget::new(1, 0.0));
    http.retry.budget = Some(Arc::clone(&budget));
    let a = adapter(&server.uri(), "m", http.clone());
    let report = a.call(&CompletionRequest::user("q")).await;
    assert_eq!(report.result.unwrap().text, "paced");
    assert_eq!(report.attempts, 7, "six 429s waited out");
    assert_eq!(budget.available(), 1, "no 429 retry drew on the budget");

    // An outage still does: one retry from the budget, then none.
    let down = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(503)).mount(&down).await;
    let a = adapter(&down.uri(), "m", http);
    assert_eq!(a.call(&CompletionRequest::user("q")).await.attempts, 2);
    assert_eq!(a.call(&CompletionRequest::user("q")).await.attempts, 1);
    assert_eq!(budget.available(), 0);
}

/// A gate that records each retry and how long it waited it.
struct RecordingGate {
    deadline: Option<Instant>,
    seen: Mutex<Vec<(RetryRecord, Duration)>>,
}

impl RetryGate for RecordingGate {
    fn deadline(&self) -> Option<Instant> {
        self.deadline
    }
    fn between_attempts<'a>(
        &'a self,
        record: &'a RetryRecord,
        wait: BoxFuture<'static, ()>,
    ) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let started = Instant::now();
            wait.await;
            self.seen.lock().unwrap().push((record.clone(), started.elapsed()));
        })
    }
}

#[tokio::test]
async fn the_gate_waits_each_retry_and_its_deadline_ends_them() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(limited(20)).up_to_n_times(2).mount(&server).await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok_body("through")))
        .mount(&server)
        .await;
    let gate = RecordingGate { deadline: None, seen: Mutex::new(Vec::new()) };
    let a = adapter(&server.uri(), "m", timed_http(Duration::from_secs(60)));
    let report = a.call_gated(&CompletionRequest::user("q"), Some(&gate)).await;
    assert_eq!(report.result.unwrap().text, "through");
    let seen = gate.seen.lock().unwrap().clone();
    assert_eq!(seen.iter().map(|(r, _)| r.attempt).collect::<Vec<_>>(), vec![1, 2]);
    // The gate waited the server's 20 ms each time (the policy's sleeper).
    assert!(
        seen.iter().all(|(r, waited)| r.delay == Duration::from_millis(20)
            && *waited >= Duration::from_millis(20))
    );
    assert_eq!(report.retries, seen.into_iter().map(|(r, _)| r).collect::<Vec<_>>());

    // A gate's deadline sooner than the policy's ends the retries at once: a
    // one-second Retry-After cannot be waited within 200 ms.
    let slow = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .mount(&slow)
        .await;
    let gate = RecordingGate {
        deadline: Some(Instant::now() + Duration::from_millis(200)),
        seen: Mutex::new(Vec::new()),
    };
    let a = adapter(&slow.uri(), "m", timed_http(Duration::from_secs(60)));
    let report = a.call_gated(&CompletionRequest::user("q"), Some(&gate)).await;
    assert_eq!(report.result.unwrap_err().kind(), AdapterErrorKind::RateLimited);
    assert_eq!(report.attempts, 1);
    assert!(gate.seen.lock().unwrap().is_empty());
}
