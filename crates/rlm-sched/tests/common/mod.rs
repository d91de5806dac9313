//! Shared test fixtures: a scripted executor that counts what it is asked to
//! do, an in-memory completion cache, and an event recorder.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use rlm_sched::{SchedListener, SubcallEvent, SubcallExecutor};
use rlm_types::{Completion, CompletionCache, CompletionRequest, FinishReason, ModelId, Usage};

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("scripted failure for {0:?}")]
pub struct ScriptedError(pub String);

#[derive(Default)]
pub struct FakeState {
    pub invocations: AtomicUsize,
    pub in_flight: AtomicUsize,
    pub max_in_flight: AtomicUsize,
    pub completed: AtomicUsize,
    /// Executor futures dropped before completing.
    pub abandoned: AtomicUsize,
    pub prompts: Mutex<Vec<String>>,
}

/// Replies `echo:<prompt>` after `latency` (or the number of milliseconds in a
/// prompt of the form `sleep:<ms>:...`); fails prompts starting with `fail`.
/// Usage: prompt tokens = prompt length, completion tokens = `completion_tokens`.
#[derive(Clone)]
pub struct FakeExecutor {
    pub state: Arc<FakeState>,
    pub latency: Duration,
    pub completion_tokens: u64,
}

impl FakeExecutor {
    pub fn new(latency: Duration) -> Self {
        Self { state: Arc::new(FakeState::default()), latency, completion_tokens: 5 }
    }
    pub fn invocations(&self) -> usize {
        self.state.invocations.load(Ordering::SeqCst)
    }
}

struct InFlight {
    state: Arc<FakeState>,
    done: bool,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.state.in_flight.fetch_sub(1, Ordering::SeqCst);
        if !self.done {
            self.state.abandoned.fetch_add(1, Ordering::SeqCst);
        }
    }
}

pub fn prompt_of(request: &CompletionRequest) -> String {
    request.messages.iter().map(|m| m.content.as_str()).collect::<Vec<_>>().join("\n")
}

impl SubcallExecutor for FakeExecutor {
    type Error = ScriptedError;

    fn execute(
        &self,
        model: &ModelId,
        request: CompletionRequest,
    ) -> BoxFuture<'static, Result<Completion, ScriptedError>> {
        let state = Arc::clone(&self.state);
        let model = model.to_string();
        let completion_tokens = self.completion_tokens;
        let prompt = prompt_of(&request);
        let latency = match prompt.strip_prefix("sleep:").and_then(|rest| rest.split(':').next()) {
            Some(ms) => Duration::from_millis(ms.parse().unwrap_or(0)),
            None => self.latency,
        };
        Box::pin(async move {
            state.invocations.fetch_add(1, Ordering::SeqCst);
            state.prompts.lock().unwrap().push(prompt.clone());
            let now = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            state.max_in_flight.fetch_max(now, Ordering::SeqCst);
            let mut guard = InFlight { state: Arc::clone(&state), done: false };
            tokio::time::sleep(latency).await;
            guard.done = true;
            state.completed.fetch_add(1, Ordering::SeqCst);
            if prompt.starts_with("fail") {
                return Err(ScriptedError(prompt));
            }
            Ok(Completion {
                text: format!("echo:{prompt}"),
                usage: Usage {
                    prompt_tokens: prompt.len() as u64,
                    completion_tokens,
                    cached_tokens: 0,
                },
                finish_reason: Some(FinishReason::Stop),
                model,
                latency,
            })
        })
    }
}

pub fn model() -> &'static ModelId {
    static MODEL: std::sync::LazyLock<ModelId> =
        std::sync::LazyLock::new(|| ModelId::new("fake", "echo"));
    &MODEL
}

pub fn requests<S: AsRef<str>>(prompts: &[S]) -> Vec<CompletionRequest> {
    prompts.iter().map(|p| CompletionRequest::user(p.as_ref())).collect()
}

/// An in-memory cache keyed by model and prompt.
#[derive(Default)]
pub struct MemoryCache {
    pub entries: Mutex<HashMap<(String, String), Completion>>,
    pub gets: AtomicUsize,
}

impl CompletionCache for MemoryCache {
    fn get(&self, model: &ModelId, request: &CompletionRequest) -> Option<Completion> {
        self.gets.fetch_add(1, Ordering::SeqCst);
        self.entries.lock().unwrap().get(&(model.to_string(), prompt_of(request))).cloned()
    }
    fn put(&self, model: &ModelId, request: &CompletionRequest, completion: &Completion) {
        self.entries
            .lock()
            .unwrap()
            .insert((model.to_string(), prompt_of(request)), completion.clone());
    }
}

/// Records every event.
#[derive(Default)]
pub struct Recorder {
    pub events: Mutex<Vec<SubcallEvent>>,
}

impl SchedListener for Recorder {
    fn on_event(&self, event: &SubcallEvent) {
        self.events.lock().unwrap().push(event.clone());
    }
}

impl Recorder {
    pub fn take(&self) -> Vec<SubcallEvent> {
        std::mem::take(&mut *self.events.lock().unwrap())
    }
}
