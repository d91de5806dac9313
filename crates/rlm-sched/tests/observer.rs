//! A batch's `CallObserver`: it sees the batch's events, each final one with
//! the call's result (cache hits, shared results and real calls alike), and
//! the retries an executor reports, between the call's start and its end.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{FakeExecutor, MemoryCache, ScriptedError, model, requests};
use futures::future::BoxFuture;
use rlm_sched::{
    CallObserver, CallResult, Executed, RetryNote, Scheduler, SchedulerConfig, SubcallEvent,
    SubcallEventKind, SubcallExecutor,
};
use rlm_types::{Completion, CompletionRequest, ModelId};

/// A final event's result: the completion's text, or the error's.
type Outcome = Option<Result<String, String>>;

/// Records (index, event name, result) for every event.
#[derive(Default)]
struct Seen(Mutex<Vec<(usize, String, Outcome)>>);

impl CallObserver<ScriptedError> for Seen {
    fn on_event(&self, e: &SubcallEvent, result: Option<&CallResult<ScriptedError>>) {
        let name = match &e.kind {
            SubcallEventKind::CacheHit { .. } => "cache_hit".to_string(),
            SubcallEventKind::DedupHit { .. } => "dedup_hit".into(),
            SubcallEventKind::BudgetRefused { .. } => "budget_refused".into(),
            SubcallEventKind::Started { .. } => "started".into(),
            SubcallEventKind::Retried { attempt, reason, .. } => {
                format!("retried {attempt} {reason}")
            }
            SubcallEventKind::Finished { .. } => "finished".into(),
            SubcallEventKind::Failed { .. } => "failed".into(),
            SubcallEventKind::Cancelled => "cancelled".into(),
        };
        let result = result.map(|r| r.as_ref().map(|c| c.text.clone()).map_err(|e| e.to_string()));
        self.0.lock().unwrap().push((e.index, name, result));
    }
}

/// The fake executor, reporting two retries for prompts starting with `flaky`.
struct Flaky(FakeExecutor);

impl SubcallExecutor for Flaky {
    type Error = ScriptedError;

    fn execute(
        &self,
        model: &ModelId,
        request: CompletionRequest,
    ) -> BoxFuture<'static, Result<Completion, ScriptedError>> {
        self.0.execute(model, request)
    }

    fn execute_reporting(
        &self,
        model: &ModelId,
        request: CompletionRequest,
    ) -> BoxFuture<'static, Executed<ScriptedError>> {
        let flaky = common::prompt_of(&request).starts_with("flaky");
        let call = self.0.execute(model, request);
        Box::pin(async move {
            let retries = if flaky {
                (1..=2)
                    .map(|attempt| RetryNote { attempt, reason: "http_503".into(), delay_ms: 10 })
                    .collect()
            } else {
                Vec::new()
            };
            Executed { result: call.await, retries }
        })
    }
}

#[tokio::test(start_paused = true)]
async fn the_observer_gets_each_final_event_with_its_result_and_the_retries() {
    let exec = FakeExecutor::new(Duration::from_millis(10));
    let cache = Arc::new(MemoryCache::default());
    let sched = Scheduler::builder(Flaky(exec.clone()))
        .config(SchedulerConfig { max_concurrency: 4, ..Default::default() })
        .cache(cache)
        .build()
        .unwrap();
    sched.run_batch(model(), requests(&["warm"]), None).await;

    let seen = Arc::new(Seen::default());
    let prompts = ["warm", "a", "a", "flaky", "fail"];
    let observer: Arc<dyn CallObserver<ScriptedError>> = seen.clone();
    sched.run_batch_observed(model(), requests(&prompts), None, Some(observer)).await;
    let events = seen.0.lock().unwrap().clone();
    let of = |i: usize| -> Vec<(String, Outcome)> {
        events.iter().filter(|e| e.0 == i).map(|e| (e.1.clone(), e.2.clone())).collect()
    };
    assert_eq!(of(0), vec![("cache_hit".into(), Some(Ok("echo:warm".into())))]);
    assert_eq!(
        of(1),
        vec![("started".into(), None), ("finished".into(), Some(Ok("echo:a".into())))]
    );
    assert_eq!(of(2), vec![("dedup_hit".into(), Some(Ok("echo:a".into())))]);
    assert_eq!(
        of(3),
        vec![
            ("started".into(), None),
            ("retried 1 http_503".into(), None),
            ("retried 2 http_503".into(), None),
            ("finished".into(), Some(Ok("echo:flaky".into()))),
        ]
    );
    let fail = of(4);
    assert_eq!(fail.len(), 2);
    assert!(matches!(&fail[1], (name, Some(Err(e))) if name == "failed" && e.contains("fail")));
}
