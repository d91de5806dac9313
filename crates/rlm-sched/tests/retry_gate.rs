//! Issue #53: what the scheduler puts between a call's attempts. A retry's
//! wait holds no concurrency permit and no place in its batch's window; each
//! retry is an event as it starts and a request counted in the budget; the
//! call's deadline (the subcall deadline, or the run's time left when sooner)
//! abandons a call still going; a provider refusing most calls pauses them all.

mod common;

use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use rlm_policy::{Budget, BudgetLimits};
use rlm_sched::{
    CallGate, Executed, ProviderPacing, RetryNote, Scheduler, SchedulerConfig, SubcallError,
    SubcallEventKind, SubcallExecutor,
};
use rlm_types::{Completion, CompletionRequest, ModelId, Usage};

use common::{Recorder, ScriptedError, model, prompt_of, requests};

/// What the fake provider does with one request.
type Provider = dyn Fn(&str, u32) -> Outcome + Send + Sync;

enum Outcome {
    Answer,
    /// A 429 asking to wait this long.
    Limited(Duration),
}

/// An executor that retries through the gate, as rlm-core's does: each
/// attempt takes `latency`; a 429 is waited out through
/// [`CallGate::between_attempts`] unless the wait would pass the deadline.
#[derive(Clone)]
struct GatedExecutor {
    latency: Duration,
    provider: Arc<Provider>,
    sent: Arc<Mutex<Vec<(String, Instant)>>>,
}

impl GatedExecutor {
    fn new(
        latency: Duration,
        provider: impl Fn(&str, u32) -> Outcome + Send + Sync + 'static,
    ) -> Self {
        GatedExecutor { latency, provider: Arc::new(provider), sent: Arc::default() }
    }
}

fn answer(prompt: &str) -> Completion {
    Completion {
        text: format!("echo:{prompt}"),
        usage: Usage { prompt_tokens: 1, completion_tokens: 1, cached_tokens: 0 },
        finish_reason: None,
        model: "fake".into(),
        latency: Duration::ZERO,
    }
}

impl SubcallExecutor for GatedExecutor {
    type Error = ScriptedError;

    fn execute(
        &self,
        model: &ModelId,
        request: CompletionRequest,
    ) -> BoxFuture<'static, Result<Completion, ScriptedError>> {
        let call = self.execute_gated(model, request, CallGate::detached(model.clone()));
        Box::pin(async move { call.await.result })
    }

    fn execute_gated(
        &self,
        _model: &ModelId,
        request: CompletionRequest,
        gate: CallGate,
    ) -> BoxFuture<'static, Executed<ScriptedError>> {
        let this = self.clone();
        Box::pin(async move {
            let prompt = prompt_of(&request);
            let mut retries = Vec::new();
            for attempt in 1.. {
                this.sent.lock().unwrap().push((prompt.clone(), Instant::now()));
                tokio::time::sleep(this.latency).await;
                let wait = match (this.provider)(&prompt, attempt) {
                    Outcome::Answer => return Executed { result: Ok(answer(&prompt)), retries },
                    Outcome::Limited(wait) => wait,
                };
                if gate.deadline().is_some_and(|d| Instant::now() + wait > d) {
                    break;
                }
                let note = RetryNote {
                    attempt,
                    reason: "rate_limited".into(),
                    delay_ms: wait.as_millis() as u64,
                };
                retries.push(note.clone());
                gate.between_attempts(note, true, Box::pin(tokio::time::sleep(wait))).await;
            }
            Executed { result: Err(ScriptedError(format!("{prompt}: rate limited"))), retries }
        })
    }
}

fn scheduler(
    executor: GatedExecutor,
    config: SchedulerConfig,
    recorder: Arc<Recorder>,
) -> Scheduler<GatedExecutor> {
    Scheduler::builder(executor)
        .config(config)
        .listener(recorder)
        .pacing(Arc::new(ProviderPacing::default()))
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_retry_waits_without_its_permit_or_its_place_in_the_window() {
    // One permit and a window of one: `slow` is refused once and told to wait
    // 300 ms; the two others must run meanwhile, not after it.
    let executor = GatedExecutor::new(Duration::from_millis(10), |prompt, attempt| {
        if prompt == "slow" && attempt == 1 {
            Outcome::Limited(Duration::from_millis(300))
        } else {
            Outcome::Answer
        }
    });
    let sent = Arc::clone(&executor.sent);
    let recorder = Arc::new(Recorder::default());
    let config =
        SchedulerConfig { max_concurrency: 1, batch_window: 1, ..SchedulerConfig::default() };
    let s = scheduler(executor, config, Arc::clone(&recorder));
    let budget = Budget::new(BudgetLimits::default()).unwrap();
    let started = Instant::now();
    let results = s.run_batch(model(), requests(&["slow", "a", "b"]), Some(&budget)).await;
    let texts: Vec<String> = results.into_iter().map(|r| r.unwrap().text).collect();
    assert_eq!(texts, ["echo:slow", "echo:a", "echo:b"]);
    let sent = sent.lock().unwrap().clone();
    let order: Vec<&str> = sent.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(order, ["slow", "a", "b", "slow"], "a and b ran during slow's wait");
    assert!(sent[2].1 - started < Duration::from_millis(250), "b did not wait for slow");
    assert_eq!(s.available_permits(), 1);
    // Four requests sent, three subcalls settled; one retry event, live, once.
    assert_eq!((budget.snapshot().requests, budget.snapshot().subcalls), (4, 3));
    let retried: Vec<_> = recorder
        .take()
        .into_iter()
        .filter_map(|e| match e.kind {
            SubcallEventKind::Retried { attempt, delay_ms, .. } => {
                Some((e.index, attempt, delay_ms))
            }
            _ => None,
        })
        .collect();
    assert_eq!(retried, vec![(0, 1, 300)]);
}

#[tokio::test]
async fn the_deadline_ends_waits_and_abandons_a_call_still_going() {
    // Always refused with a 50 ms wait: retried until the next wait would
    // pass the 300 ms deadline, then failed with the provider's error.
    let executor = GatedExecutor::new(Duration::from_millis(5), |_, _| {
        Outcome::Limited(Duration::from_millis(50))
    });
    let config = SchedulerConfig {
        subcall_deadline: Some(Duration::from_millis(300)),
        ..SchedulerConfig::default()
    };
    let s = scheduler(executor.clone(), config.clone(), Arc::default());
    let started = Instant::now();
    let result = s.run_one(model(), CompletionRequest::user("q"), None).await;
    assert!(matches!(result, Err(SubcallError::Executor(_))), "{result:?}");
    let sent = executor.sent.lock().unwrap().len();
    // 5 on a quiet machine; fewer when a loaded one stretches each attempt.
    assert!((2..=6).contains(&sent), "{sent} attempts in 300 ms of 55 ms each");
    // The deadline stops the retries: not a speed bound, so a loaded machine's
    // scheduling delay is allowed on top of the 300 ms.
    assert!(started.elapsed() < Duration::from_secs(3));

    // A call whose attempt outlasts the deadline is abandoned at it.
    let stuck = GatedExecutor::new(Duration::from_secs(30), |_, _| Outcome::Answer);
    let s = scheduler(stuck, config, Arc::default());
    let started = Instant::now();
    let result = s.run_one(model(), CompletionRequest::user("q"), None).await;
    match result {
        Err(e @ SubcallError::Deadline { attempts: 1, run_budget: false, .. }) => {
            assert!(e.to_string().contains("subcall deadline"), "{e}")
        }
        other => panic!("{other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(s.available_permits(), SchedulerConfig::default().max_concurrency);
}

#[tokio::test]
async fn the_runs_time_left_is_the_deadline_when_sooner() {
    let stuck = GatedExecutor::new(Duration::from_secs(30), |_, _| Outcome::Answer);
    let s = scheduler(stuck, SchedulerConfig::default(), Arc::default());
    let budget = Budget::new(BudgetLimits {
        max_wall_time: Some(Duration::from_millis(200)),
        ..BudgetLimits::default()
    })
    .unwrap();
    let result = s.run_one(model(), CompletionRequest::user("q"), Some(&budget)).await;
    match result {
        Err(e @ SubcallError::Deadline { run_budget: true, .. }) => {
            assert!(e.to_string().contains("run's time budget"), "{e}")
        }
        other => panic!("{other:?}"),
    }
    // Nothing was charged but the request sent.
    let usage = budget.snapshot();
    assert_eq!((usage.requests, usage.subcalls, usage.in_flight), (1, 0, 0));
}

#[tokio::test]
async fn a_provider_refusing_most_calls_pauses_them_all() {
    // The provider refuses everything for its first 400 ms, asking for 50 ms
    // each time. Calls retrying on their own would send 8 requests each in
    // that time; paused together, the whole batch sends a few per 50 ms.
    let opened = Instant::now();
    let refused = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&refused);
    let executor = GatedExecutor::new(Duration::from_millis(2), move |_, _| {
        if opened.elapsed() < Duration::from_millis(400) {
            count.fetch_add(1, Ordering::SeqCst);
            Outcome::Limited(Duration::from_millis(50))
        } else {
            Outcome::Answer
        }
    });
    let pacing = Arc::new(ProviderPacing::default());
    let s = Scheduler::builder(executor.clone())
        .config(SchedulerConfig { max_concurrency: 8, ..SchedulerConfig::default() })
        .pacing(Arc::clone(&pacing))
        .build()
        .unwrap();
    let prompts: Vec<String> = (0..40).map(|i| format!("p{i}")).collect();
    let results = s.run_batch(model(), requests(&prompts), None).await;
    assert!(results.iter().all(Result::is_ok));
    let refused = refused.load(Ordering::SeqCst);
    // Unpaused: 40 calls x 8 refusals = 320. Paused together: the 20 that
    // tip the balance, then one round of 8 (the permits) per 50 ms pause,
    // about 80 (a slower machine sends fewer).
    assert!(refused < 120, "{refused} refused requests");
    assert!(refused >= 20, "the pause needs 20 responses to judge: {refused}");
}

#[tokio::test]
async fn retries_of_an_executor_without_the_gate_are_reported_at_its_end() {
    // The default `execute_gated` ignores the gate: its retries come back in
    // `Executed` and become events when the call ends, each once.
    struct Reporting(AtomicU32);
    impl SubcallExecutor for Reporting {
        type Error = ScriptedError;
        fn execute(
            &self,
            _: &ModelId,
            request: CompletionRequest,
        ) -> BoxFuture<'static, Result<Completion, ScriptedError>> {
            let prompt = prompt_of(&request);
            Box::pin(async move { Ok(answer(&prompt)) })
        }
        fn execute_reporting(
            &self,
            model: &ModelId,
            request: CompletionRequest,
        ) -> BoxFuture<'static, Executed<ScriptedError>> {
            self.0.fetch_add(1, Ordering::SeqCst);
            let call = self.execute(model, request);
            let note = RetryNote { attempt: 1, reason: "http_503".into(), delay_ms: 1 };
            Box::pin(async move { Executed { result: call.await, retries: vec![note] } })
        }
    }
    let recorder = Arc::new(Recorder::default());
    let s = Scheduler::builder(Reporting(AtomicU32::new(0)))
        .listener(Arc::clone(&recorder) as Arc<dyn rlm_sched::SchedListener>)
        .build()
        .unwrap();
    s.run_one(model(), CompletionRequest::user("q"), None).await.unwrap();
    let kinds: Vec<String> = recorder
        .take()
        .into_iter()
        .map(|e| serde_json::to_value(&e.kind).unwrap()["event"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(kinds, ["started", "retried", "finished"]);
}
