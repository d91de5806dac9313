//! Scheduler behaviour: order, concurrency cap, deduplication, cache, budget,
//! failures, cancellation, events. Time is paused (tokio test-util) so the
//! scripted latencies cost nothing.

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use common::*;
use rlm_policy::{Budget, BudgetError, BudgetLimits};
use rlm_sched::{
    EstimateMode, HeuristicCosting, ModelLimits, SchedStats, Scheduler, SchedulerConfig,
    SchedulerConfigError, SubcallError, SubcallEventKind,
};
use rlm_types::ModelId;

fn config(max_concurrency: usize) -> SchedulerConfig {
    SchedulerConfig { max_concurrency, ..SchedulerConfig::default() }
}

fn texts(results: &[rlm_sched::CallResult<ScriptedError>]) -> Vec<String> {
    results
        .iter()
        .map(|r| match r {
            Ok(c) => c.text.clone(),
            Err(e) => format!("error: {e}"),
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn results_come_back_in_input_order() {
    let exec = FakeExecutor::new(Duration::from_millis(10));
    let sched = Scheduler::builder(exec.clone()).config(config(8)).build().unwrap();
    // Later requests finish first: latencies decrease along the batch.
    let prompts: Vec<String> = (0..100).map(|i| format!("sleep:{}:{i}", 200 - i)).collect();
    let results = sched.run_batch(model(), requests(&prompts), None).await;
    let expected: Vec<String> = prompts.iter().map(|p| format!("echo:{p}")).collect();
    assert_eq!(texts(&results), expected);
    assert_eq!(exec.invocations(), 100);
}

#[tokio::test(start_paused = true)]
async fn concurrency_cap_is_reached_and_never_passed() {
    let exec = FakeExecutor::new(Duration::from_millis(100));
    let sched = Scheduler::builder(exec.clone()).config(config(16)).build().unwrap();
    let prompts: Vec<String> = (0..200).map(|i| format!("p{i}")).collect();
    let started = tokio::time::Instant::now();
    let results = sched.run_batch(model(), requests(&prompts), None).await;
    assert!(results.iter().all(|r| r.is_ok()));
    assert_eq!(exec.state.max_in_flight.load(Ordering::SeqCst), 16);
    // 200 calls of 100 ms, 16 at a time: 13 waves (paused clock, so exact).
    assert_eq!(started.elapsed(), Duration::from_millis(1_300));
    assert_eq!(sched.available_permits(), 16);
}

#[tokio::test(start_paused = true)]
async fn per_model_concurrency_applies_within_the_global_cap() {
    let exec = FakeExecutor::new(Duration::from_millis(50));
    let slow = ModelId::new("fake", "slow");
    let mut cfg = config(16);
    cfg.model_limits.insert(
        slow.clone(),
        ModelLimits { max_concurrency: std::num::NonZeroUsize::new(3), ..ModelLimits::default() },
    );
    let sched = Scheduler::builder(exec.clone()).config(cfg).build().unwrap();
    let prompts: Vec<String> = (0..30).map(|i| format!("p{i}")).collect();
    sched.run_batch(&slow, requests(&prompts), None).await;
    assert_eq!(exec.state.max_in_flight.load(Ordering::SeqCst), 3);
}

#[tokio::test(start_paused = true)]
async fn a_busy_model_does_not_starve_another_of_global_permits() {
    let exec = FakeExecutor::new(Duration::from_millis(10));
    let slow = ModelId::new("fake", "slow");
    let mut cfg = config(4);
    cfg.model_limits.insert(
        slow.clone(),
        ModelLimits { max_concurrency: std::num::NonZeroUsize::new(2), ..ModelLimits::default() },
    );
    let sched = Scheduler::builder(exec.clone()).config(cfg).build().unwrap();
    let slow_prompts: Vec<String> = (0..20).map(|i| format!("sleep:1000:{i}")).collect();
    let fast_prompts: Vec<String> = (0..6).map(|i| format!("fast{i}")).collect();
    let started = tokio::time::Instant::now();
    let fast = async {
        let results = sched.run_batch(model(), requests(&fast_prompts), None).await;
        (results, started.elapsed())
    };
    let (_, (fast_results, fast_elapsed)) =
        tokio::join!(sched.run_batch(&slow, requests(&slow_prompts), None), fast);
    assert!(fast_results.iter().all(|r| r.is_ok()));
    // The slow model holds at most its 2 permits; the fast one runs on the other 2:
    // 6 calls of 10 ms in 3 waves, long before any 1-second call ends.
    assert_eq!(fast_elapsed, Duration::from_millis(30));
}

#[tokio::test(start_paused = true)]
async fn identical_requests_in_flight_share_one_call() {
    let exec = FakeExecutor::new(Duration::from_millis(100));
    let recorder = Arc::new(Recorder::default());
    let sched = Scheduler::builder(exec.clone())
        .config(config(64))
        .listener(recorder.clone())
        .build()
        .unwrap();
    // 100 requests, 50 distinct: each prompt appears twice.
    let prompts: Vec<String> = (0..100).map(|i| format!("q{}", i % 50)).collect();
    let results = sched.run_batch(model(), requests(&prompts), None).await;
    let expected: Vec<String> = prompts.iter().map(|p| format!("echo:{p}")).collect();
    assert_eq!(texts(&results), expected);
    assert_eq!(exec.invocations(), 50);
    let stats = sched.stats();
    assert_eq!((stats.executed, stats.finished, stats.dedup_hits), (50, 50, 50));
    assert_eq!(sched.inflight_calls(), 0, "dedup entries are removed when calls end");

    // Each follower names its leader, which ran the same prompt.
    let events = recorder.take();
    for e in &events {
        if let SubcallEventKind::DedupHit { leader_call_id, ok } = e.kind {
            assert!(ok);
            let leader = events
                .iter()
                .find(|l| {
                    l.call_id == leader_call_id
                        && matches!(l.kind, SubcallEventKind::Finished { .. })
                })
                .expect("leader finished");
            assert_eq!(prompts[leader.index], prompts[e.index]);
        }
    }

    // Different models never share a call.
    let other = ModelId::new("fake", "other");
    let (a, b) = tokio::join!(
        sched.run_batch(model(), requests(&["same"]), None),
        sched.run_batch(&other, requests(&["same"]), None)
    );
    assert!(a[0].is_ok() && b[0].is_ok());
    assert_eq!(exec.invocations(), 52);
}

#[tokio::test(start_paused = true)]
async fn concurrent_batches_share_identical_calls() {
    let exec = FakeExecutor::new(Duration::from_millis(100));
    let sched = Scheduler::builder(exec.clone()).config(config(8)).build().unwrap();
    let prompts: Vec<String> = (0..8).map(|i| format!("shared{i}")).collect();
    let (a, b) = tokio::join!(
        sched.run_batch(model(), requests(&prompts), None),
        sched.run_batch(model(), requests(&prompts), None)
    );
    assert_eq!(texts(&a), texts(&b));
    assert_eq!(exec.invocations(), 8);
}

#[tokio::test(start_paused = true)]
async fn dedup_can_be_turned_off() {
    let exec = FakeExecutor::new(Duration::from_millis(10));
    let cfg = SchedulerConfig { dedup: false, ..config(8) };
    let sched = Scheduler::builder(exec.clone()).config(cfg).build().unwrap();
    sched.run_batch(model(), requests(&["x", "x", "x"]), None).await;
    assert_eq!(exec.invocations(), 3);
}

#[tokio::test(start_paused = true)]
async fn cache_is_consulted_first_and_filled_after() {
    let exec = FakeExecutor::new(Duration::from_millis(10));
    let cache = Arc::new(MemoryCache::default());
    let recorder = Arc::new(Recorder::default());
    let sched = Scheduler::builder(exec.clone())
        .config(config(4))
        .cache(cache.clone())
        .listener(recorder.clone())
        .build()
        .unwrap();
    let prompts = ["a", "b", "c", "fail-d"];
    let first = sched.run_batch(model(), requests(&prompts), None).await;
    assert_eq!(exec.invocations(), 4);
    // Failures are not cached.
    assert_eq!(cache.entries.lock().unwrap().len(), 3);
    recorder.take();

    let second = sched.run_batch(model(), requests(&prompts), None).await;
    assert_eq!(texts(&first), texts(&second));
    assert_eq!(exec.invocations(), 5, "only the failed request is retried");
    let hits: Vec<_> = recorder
        .take()
        .into_iter()
        .filter_map(|e| match e.kind {
            SubcallEventKind::CacheHit { saved } => Some((e.index, saved.prompt_tokens)),
            _ => None,
        })
        .collect();
    assert_eq!(hits, vec![(0, 1), (1, 1), (2, 1)]);
    assert_eq!(sched.stats().cache_hits, 3);
}

#[tokio::test(start_paused = true)]
async fn executor_failures_are_per_call_and_shared_with_followers() {
    let exec = FakeExecutor::new(Duration::from_millis(10));
    let budget =
        Budget::new(BudgetLimits { max_total_tokens: Some(1_000_000), ..BudgetLimits::default() })
            .unwrap();
    let sched = Scheduler::builder(exec.clone()).config(config(4)).build().unwrap();
    let results = sched
        .run_batch(model(), requests(&["ok1", "fail-x", "ok2", "fail-x"]), Some(&budget))
        .await;
    assert!(results[0].is_ok() && results[2].is_ok());
    for i in [1, 3] {
        match &results[i] {
            Err(SubcallError::Executor(e)) => assert_eq!(e.0, "fail-x"),
            other => panic!("expected executor error, got {other:?}"),
        }
    }
    assert_eq!(exec.invocations(), 3);
    let snap = budget.snapshot();
    // Failed calls are not charged; their reservations are released.
    assert_eq!((snap.subcalls, snap.in_flight, snap.reserved_tokens), (2, 0, 0));
    let stats = sched.stats();
    assert_eq!((stats.failed, stats.finished, stats.dedup_hits), (1, 2, 1));
}

#[tokio::test(start_paused = true)]
async fn budget_refusals_are_typed_and_spend_stays_within_the_limit() {
    let exec = FakeExecutor::new(Duration::from_millis(20));
    // Upper-bound estimates: every prompt below is 4 bytes, so estimate = 3 + 4 + 4 + 5 = 16,
    // and the fake's actual usage is 4 + 5 = 9 <= 16.
    let costing =
        HeuristicCosting { mode: EstimateMode::UpperBound, ..HeuristicCosting::default() };
    let sched = Scheduler::builder(exec.clone())
        .config(config(64))
        .costing(Arc::new(costing))
        .build()
        .unwrap();
    let limit = 2_000;
    let budget =
        Budget::new(BudgetLimits { max_total_tokens: Some(limit), ..BudgetLimits::default() })
            .unwrap();
    let prompts: Vec<String> = (0..1_000).map(|i| format!("{i:04}")).collect();
    let reqs: Vec<_> = requests(&prompts)
        .into_iter()
        .map(|mut r| {
            r.params.max_tokens = Some(5);
            r
        })
        .collect();
    let results = sched.run_batch(model(), reqs, Some(&budget)).await;
    let refused = results
        .iter()
        .filter(|r| matches!(r, Err(SubcallError::Budget(BudgetError::TokenBudgetExceeded { .. }))))
        .count();
    let ok = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(ok + refused, 1_000);
    let snap = budget.snapshot();
    assert!(snap.usage.total() <= limit, "spent {} > {limit}", snap.usage.total());
    assert_eq!(snap.subcalls as usize, ok);
    assert_eq!((snap.in_flight, snap.reserved_tokens), (0, 0));
    // Room for at least limit / estimate calls was used (9-token calls, 16-token reservations).
    assert!(ok >= (limit / 16) as usize, "only {ok} calls admitted");
    assert_eq!(sched.stats().budget_refused as usize, refused);
}

#[tokio::test(start_paused = true)]
async fn underestimates_overshoot_by_at_most_concurrency_times_the_error() {
    let mut exec = FakeExecutor::new(Duration::from_millis(20));
    // Typical estimate of a 4-char prompt with max_tokens 5: 3 + 1 + 4 + 5 = 13;
    // actual: 4 + 30 = 34, an error of 21 per call.
    exec.completion_tokens = 30;
    let concurrency = 16;
    let sched = Scheduler::builder(exec.clone()).config(config(concurrency)).build().unwrap();
    let limit = 3_000;
    let budget =
        Budget::new(BudgetLimits { max_total_tokens: Some(limit), ..BudgetLimits::default() })
            .unwrap();
    let reqs: Vec<_> = (0..1_000)
        .map(|i| {
            let mut r = rlm_types::CompletionRequest::user(format!("{i:04}"));
            r.params.max_tokens = Some(5);
            r
        })
        .collect();
    sched.run_batch(model(), reqs, Some(&budget)).await;
    let spent = budget.snapshot().usage.total();
    assert!(spent > limit, "this test means to overshoot");
    assert!(spent <= limit + concurrency as u64 * 21, "spent {spent}");
}

#[tokio::test(start_paused = true)]
async fn dropping_a_batch_cancels_its_calls_and_releases_everything() {
    let exec = FakeExecutor::new(Duration::from_secs(3_600));
    let recorder = Arc::new(Recorder::default());
    let sched = Scheduler::builder(exec.clone())
        .config(config(8))
        .listener(recorder.clone())
        .build()
        .unwrap();
    let budget =
        Budget::new(BudgetLimits { max_total_tokens: Some(1_000_000), ..BudgetLimits::default() })
            .unwrap();
    let prompts: Vec<String> = (0..100).map(|i| format!("p{}", i % 90)).collect();
    let batch = sched.run_batch(model(), requests(&prompts), Some(&budget));
    // Give up after one second: the calls take an hour.
    let outcome = tokio::time::timeout(Duration::from_secs(1), batch).await;
    assert!(outcome.is_err(), "the batch must still be running");

    assert_eq!(exec.invocations(), 8, "only the first window's permitted calls started");
    assert_eq!(exec.state.abandoned.load(Ordering::SeqCst), 8, "every started call was dropped");
    assert_eq!(exec.state.in_flight.load(Ordering::SeqCst), 0);
    assert_eq!(sched.available_permits(), 8);
    assert_eq!(sched.inflight_calls(), 0);
    let snap = budget.snapshot();
    assert_eq!((snap.in_flight, snap.reserved_tokens, snap.usage.total()), (0, 0, 0));
    // Every request of the batch ends with one final event: all 100 were cancelled
    // (16 admitted calls report it themselves; the batch reports the other 84).
    let stats = sched.stats();
    assert_eq!(stats.cancelled, 100);
    assert_eq!(stats.executed, 8);
    let events = recorder.take();
    let mut cancelled: Vec<usize> =
        events.iter().filter(|e| e.kind == SubcallEventKind::Cancelled).map(|e| e.index).collect();
    cancelled.sort_unstable();
    assert_eq!(cancelled, (0..100).collect::<Vec<_>>());

    // The scheduler is fully usable afterwards.
    let exec_ok = sched.run_one(model(), rlm_types::CompletionRequest::user("sleep:5:after"), None);
    let result = tokio::time::timeout(Duration::from_secs(1), exec_ok).await.expect("finishes");
    assert_eq!(result.unwrap().text, "echo:sleep:5:after");
}

#[tokio::test(start_paused = true)]
async fn a_shared_call_survives_its_leaders_cancellation() {
    let exec = FakeExecutor::new(Duration::from_millis(500));
    let sched = Scheduler::builder(exec.clone()).config(config(4)).build().unwrap();
    let leader = sched.run_batch(model(), requests(&["shared"]), None);
    let follower = async {
        // Join after the leader has started.
        tokio::time::sleep(Duration::from_millis(100)).await;
        sched.run_batch(model(), requests(&["shared"]), None).await
    };
    let (leader_outcome, follower_result) =
        tokio::join!(tokio::time::timeout(Duration::from_millis(200), leader), follower);
    assert!(leader_outcome.is_err(), "leader dropped at 200 ms");
    assert_eq!(follower_result[0].as_ref().unwrap().text, "echo:shared");
    assert_eq!(exec.invocations(), 1);
    assert_eq!(exec.state.abandoned.load(Ordering::SeqCst), 0);
}

#[tokio::test(start_paused = true)]
async fn a_follower_refused_by_its_leaders_budget_runs_on_its_own() {
    let exec = FakeExecutor::new(Duration::from_millis(10));
    let recorder = Arc::new(Recorder::default());
    let sched = Scheduler::builder(exec.clone())
        .config(config(1))
        .listener(recorder.clone())
        .build()
        .unwrap();
    let exhausted =
        Budget::new(BudgetLimits { max_subcalls: Some(0), ..BudgetLimits::default() }).unwrap();
    let fresh =
        Budget::new(BudgetLimits { max_subcalls: Some(10), ..BudgetLimits::default() }).unwrap();
    // The only permit is busy for 100 ms, so the leader is still waiting when the follower joins.
    let blocker = sched.run_batch(model(), requests(&["sleep:100:block"]), None);
    let leader = async {
        tokio::time::sleep(Duration::from_millis(10)).await;
        sched.run_batch(model(), requests(&["same"]), Some(&exhausted)).await
    };
    let follower = async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        sched.run_batch(model(), requests(&["same"]), Some(&fresh)).await
    };
    let (_, leader, follower) = tokio::join!(blocker, leader, follower);
    assert!(matches!(
        leader[0],
        Err(SubcallError::Budget(BudgetError::MaxSubcallsExceeded { .. }))
    ));
    assert_eq!(follower[0].as_ref().unwrap().text, "echo:same");
    assert_eq!(exec.invocations(), 2);
    assert_eq!(fresh.snapshot().subcalls, 1);
    let events = recorder.take();
    assert!(events.iter().all(|e| !matches!(e.kind, SubcallEventKind::DedupHit { .. })));
    let finished =
        events.iter().filter(|e| matches!(e.kind, SubcallEventKind::Finished { .. })).count();
    assert_eq!(finished, 2);
}

#[tokio::test(start_paused = true)]
async fn every_call_ends_with_exactly_one_final_event() {
    let exec = FakeExecutor::new(Duration::from_millis(10));
    let recorder = Arc::new(Recorder::default());
    let cache = Arc::new(MemoryCache::default());
    let sched = Scheduler::builder(exec.clone())
        .config(config(4))
        .cache(cache.clone())
        .listener(recorder.clone())
        .build()
        .unwrap();
    sched.run_batch(model(), requests(&["warm"]), None).await;
    recorder.take();
    let budget =
        Budget::new(BudgetLimits { max_subcalls: Some(3), ..BudgetLimits::default() }).unwrap();
    let prompts = ["warm", "a", "a", "fail", "b", "c", "d"];
    sched.run_batch(model(), requests(&prompts), Some(&budget)).await;
    let events = recorder.take();
    let mut finals: Vec<(usize, &'static str)> = events
        .iter()
        .filter_map(|e| {
            let name = match &e.kind {
                SubcallEventKind::CacheHit { .. } => "cache_hit",
                SubcallEventKind::DedupHit { .. } => "dedup_hit",
                SubcallEventKind::BudgetRefused { .. } => "budget_refused",
                SubcallEventKind::Finished { .. } => "finished",
                SubcallEventKind::Failed { .. } => "failed",
                SubcallEventKind::Cancelled => "cancelled",
                SubcallEventKind::Started { .. } | SubcallEventKind::Retried { .. } => return None,
            };
            Some((e.index, name))
        })
        .collect();
    finals.sort();
    assert_eq!(
        finals,
        vec![
            (0, "cache_hit"),
            (1, "finished"),
            (2, "dedup_hit"),
            (3, "failed"),
            (4, "finished"),
            (5, "budget_refused"),
            (6, "budget_refused"),
        ]
    );
    // Started precedes each finished/failed call, once.
    for e in &events {
        if matches!(e.kind, SubcallEventKind::Finished { .. } | SubcallEventKind::Failed { .. }) {
            let starts = events
                .iter()
                .filter(|s| {
                    s.call_id == e.call_id && matches!(s.kind, SubcallEventKind::Started { .. })
                })
                .count();
            assert_eq!(starts, 1);
        }
    }
    let json = serde_json::to_value(&events[0]).unwrap();
    assert_eq!(json["event"], "cache_hit");
    assert_eq!(json["model"]["provider"], "fake");
}

#[tokio::test(start_paused = true)]
async fn empty_batch_and_bad_config() {
    let exec = FakeExecutor::new(Duration::from_millis(10));
    let sched = Scheduler::builder(exec.clone()).build().unwrap();
    assert!(sched.run_batch(model(), Vec::new(), None).await.is_empty());
    assert_eq!(sched.stats(), SchedStats::default());
    assert_eq!(
        Scheduler::builder(exec).config(config(0)).build().err(),
        Some(SchedulerConfigError::Zero("max_concurrency"))
    );
}

#[test]
fn batch_future_is_send() {
    fn assert_send<T: Send>(_: T) {}
    let sched = Scheduler::builder(FakeExecutor::new(Duration::ZERO)).build().unwrap();
    assert_send(sched.run_batch(model(), Vec::new(), None));
}

#[test]
fn events_have_a_stable_json_shape() {
    use rlm_sched::SubcallEvent;
    use rlm_types::Usage;
    let event = |kind| SubcallEvent { call_id: 7, index: 2, model: model().clone(), kind };
    let cases = [
        (
            event(SubcallEventKind::Started { queued_ms: 5, estimated_tokens: 40 }),
            r#"{"call_id":7,"index":2,"model":{"provider":"fake","model":"echo"},"event":"started","queued_ms":5,"estimated_tokens":40}"#,
        ),
        (
            event(SubcallEventKind::Finished {
                latency_ms: 100,
                usage: Usage { prompt_tokens: 3, completion_tokens: 4, cached_tokens: 0 },
                cost_usd: 0.5,
            }),
            r#"{"call_id":7,"index":2,"model":{"provider":"fake","model":"echo"},"event":"finished","latency_ms":100,"usage":{"prompt_tokens":3,"completion_tokens":4,"cached_tokens":0},"cost_usd":0.5}"#,
        ),
        (
            event(SubcallEventKind::DedupHit { leader_call_id: 3, ok: true }),
            r#"{"call_id":7,"index":2,"model":{"provider":"fake","model":"echo"},"event":"dedup_hit","leader_call_id":3,"ok":true}"#,
        ),
        (
            event(SubcallEventKind::BudgetRefused {
                error: BudgetError::MaxSubcallsExceeded { limit: 1, used: 1, scope_depth: 0 },
            }),
            r#"{"call_id":7,"index":2,"model":{"provider":"fake","model":"echo"},"event":"budget_refused","error":{"kind":"max_subcalls_exceeded","limit":1,"used":1,"scope_depth":0}}"#,
        ),
        (
            event(SubcallEventKind::Cancelled),
            r#"{"call_id":7,"index":2,"model":{"provider":"fake","model":"echo"},"event":"cancelled"}"#,
        ),
    ];
    for (event, json) in cases {
        assert_eq!(serde_json::to_string(&event).unwrap(), json);
        assert_eq!(serde_json::from_str::<SubcallEvent>(json).unwrap(), event);
    }
}
