//! Governor rate limits, on the real clock (governor keeps its own time, so
//! tokio's paused clock cannot drive it). Rates are high so the tests stay
//! short; only lower bounds on spacing are asserted, which a busy machine
//! cannot break.

mod common;

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use rlm_sched::{ModelLimits, Scheduler, SchedulerConfig, SubcallEventKind};

fn limited(limits: ModelLimits) -> SchedulerConfig {
    let mut config = SchedulerConfig { max_concurrency: 32, ..SchedulerConfig::default() };
    config.model_limits.insert(model().clone(), limits);
    config
}

#[tokio::test]
async fn requests_per_minute_spaces_calls_evenly() {
    let exec = FakeExecutor::new(Duration::ZERO);
    let recorder = Arc::new(Recorder::default());
    // 3,000 per minute = one every 20 ms, burst 1.
    let limits = ModelLimits {
        requests_per_minute: NonZeroU32::new(3_000),
        request_burst: NonZeroU32::new(1),
        ..ModelLimits::default()
    };
    let sched = Scheduler::builder(exec.clone())
        .config(limited(limits))
        .listener(recorder.clone())
        .build()
        .unwrap();
    let prompts: Vec<String> = (0..11).map(|i| format!("r{i}")).collect();
    let started = Instant::now();
    let results = sched.run_batch(model(), requests(&prompts), None).await;
    let elapsed = started.elapsed();
    assert!(results.iter().all(|r| r.is_ok()));
    // 11 calls: the first at once, then 10 intervals of 20 ms.
    assert!(elapsed >= Duration::from_millis(195), "11 calls took only {elapsed:?}");
    let started_events = recorder
        .take()
        .into_iter()
        .filter(|e| matches!(e.kind, SubcallEventKind::Started { .. }))
        .count();
    assert_eq!(started_events, 11);

    // Another model has no limit.
    let other = rlm_types::ModelId::new("fake", "free");
    let started = Instant::now();
    sched.run_batch(&other, requests(&prompts), None).await;
    assert!(started.elapsed() < Duration::from_millis(150));
}

#[tokio::test]
async fn burst_lets_the_first_calls_through_together() {
    let exec = FakeExecutor::new(Duration::ZERO);
    let limits = ModelLimits {
        requests_per_minute: NonZeroU32::new(600),
        request_burst: NonZeroU32::new(5),
        ..ModelLimits::default()
    };
    let sched = Scheduler::builder(exec.clone()).config(limited(limits)).build().unwrap();
    let prompts: Vec<String> = (0..6).map(|i| format!("b{i}")).collect();
    let started = Instant::now();
    sched.run_batch(model(), requests(&prompts), None).await;
    // Five at once, the sixth 100 ms later.
    assert!(started.elapsed() >= Duration::from_millis(95));
    assert_eq!(exec.invocations(), 6);
}

#[test]
fn default_burst_gives_about_50_ms_of_slack() {
    let limits = ModelLimits::default();
    let burst = |rpm: u32| limits.effective_request_burst(NonZeroU32::new(rpm).unwrap()).get();
    assert_eq!([burst(1), burst(600), burst(1_200), burst(1_201), burst(6_000)], [2, 2, 2, 3, 6]);
    let fixed = ModelLimits { request_burst: NonZeroU32::new(1), ..ModelLimits::default() };
    assert_eq!(fixed.effective_request_burst(NonZeroU32::new(6_000).unwrap()).get(), 1);
}

#[tokio::test]
async fn tokens_per_minute_charges_estimated_tokens() {
    let exec = FakeExecutor::new(Duration::ZERO);
    // 60,000 tokens per minute = 1 token per ms, burst 100.
    let limits = ModelLimits {
        tokens_per_minute: NonZeroU32::new(60_000),
        token_burst: NonZeroU32::new(100),
        ..ModelLimits::default()
    };
    let sched = Scheduler::builder(exec.clone()).config(limited(limits)).build().unwrap();
    // Each request: 3 + (1 + 4) + max_tokens 42 = 50 estimated tokens.
    let reqs: Vec<_> = (0..6)
        .map(|i| {
            let mut r = rlm_types::CompletionRequest::user(format!("t{i}"));
            r.params.max_tokens = Some(42);
            r
        })
        .collect();
    let started = Instant::now();
    sched.run_batch(model(), reqs, None).await;
    // 300 tokens: 100 from the burst, 200 more at 1 per ms. The fake reports
    // fewer tokens than estimated, so no debt adds to that.
    assert!(started.elapsed() >= Duration::from_millis(195), "took {:?}", started.elapsed());
}

#[tokio::test]
async fn tokens_beyond_the_estimate_are_charged_to_the_next_call() {
    let mut exec = FakeExecutor::new(Duration::ZERO);
    // Estimates 3 + 5 + 1 = 9 tokens (max_tokens 1), actual 2 + 200: 193 owed per call.
    exec.completion_tokens = 200;
    let limits = ModelLimits {
        tokens_per_minute: NonZeroU32::new(60_000),
        token_burst: NonZeroU32::new(400),
        ..ModelLimits::default()
    };
    let sched = Scheduler::builder(exec.clone()).config(limited(limits)).build().unwrap();
    let started = Instant::now();
    for i in 0..4 {
        let mut r = rlm_types::CompletionRequest::user(format!("d{i}"));
        r.params.max_tokens = Some(1);
        sched.run_one(model(), r, None).await.unwrap();
    }
    // Charged: 9, then 9+193 three times = 615 tokens; the burst covers 400.
    assert!(started.elapsed() >= Duration::from_millis(200), "took {:?}", started.elapsed());
}

/// A rate that frees no request before the run's time budget ends fails the
/// waiting call at that end (never sent), rather than holding the run a
/// minute past its budget.
#[tokio::test]
async fn a_rate_that_frees_no_request_before_the_run_s_end_fails_the_call_then() {
    let exec = FakeExecutor::new(Duration::ZERO);
    // One request a minute, burst 1: the second call would wait a minute.
    let limits = ModelLimits {
        requests_per_minute: NonZeroU32::new(1),
        request_burst: NonZeroU32::new(1),
        ..ModelLimits::default()
    };
    let sched = Scheduler::builder(exec.clone()).config(limited(limits)).build().unwrap();
    let budget = rlm_policy::Budget::new(rlm_policy::BudgetLimits {
        max_wall_time: Some(Duration::from_millis(300)),
        ..rlm_policy::BudgetLimits::default()
    })
    .unwrap();
    let prompts = ["first", "second"];
    let batch = sched.run_batch(model(), requests(&prompts), Some(&budget));
    // Bounded only so a regression fails instead of hanging the suite.
    let results = tokio::time::timeout(Duration::from_secs(30), batch)
        .await
        .expect("the waiting call ends with the run's time budget, not the rate's minute");
    assert!(results[0].is_ok(), "{:?}", results[0]);
    match &results[1] {
        Err(rlm_sched::SubcallError::Deadline { attempts: 0, run_budget: true, .. }) => {}
        other => panic!("expected a call never sent within the run's budget, got {other:?}"),
    }
    let message = results[1].as_ref().err().map(ToString::to_string).unwrap_or_default();
    assert!(message.contains("not sent within the run's time budget"), "{message}");
    assert_eq!(exec.invocations(), 1, "the held call was never sent");
}
