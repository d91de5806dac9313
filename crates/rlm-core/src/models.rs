//! The models a run can call besides its root model: [`ModelSet`] resolves a
//! program's `model=` argument and is the scheduler's executor (one adapter
//! call per subcall, its retries waited through the scheduler's [`CallGate`]
//! and reported), [`PriceCosting`] prices calls with
//! the adapters' price table for both the budget and the trace, and
//! [`subcall_request`] builds a subcall's request.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use futures::future::BoxFuture;
use rlm_adapters::{AdapterError, ModelAdapter, PriceTable, RetryGate, RetryReason, RetryRecord};
use rlm_sched::{CallGate, Costing, Executed, HeuristicCosting, RetryNote, SubcallExecutor};
use rlm_types::{ChatMessage, Completion, CompletionRequest, GenerationParams, ModelId, Usage};

/// The adapters subcalls may use, by model id; the default one is the sub-model.
pub struct ModelSet {
    models: HashMap<ModelId, Arc<dyn ModelAdapter>>,
    default: Arc<dyn ModelAdapter>,
}

/// A `model=` argument that names no configured model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UnknownModel {
    pub name: String,
    /// The configured models, sorted.
    pub known: Vec<String>,
}

impl ModelSet {
    pub(crate) fn new(models: Vec<Arc<dyn ModelAdapter>>, default: Arc<dyn ModelAdapter>) -> Self {
        // The sub-model first: if another model shares its id, subcalls still reach it.
        let mut map = HashMap::new();
        map.insert(default.model_id(), Arc::clone(&default));
        for m in models {
            map.entry(m.model_id()).or_insert(m);
        }
        ModelSet { models: map, default }
    }

    /// The sub-model.
    pub(crate) fn default_model(&self) -> &Arc<dyn ModelAdapter> {
        &self.default
    }

    /// The adapter for a program's `model=` argument (`None`: the sub-model).
    pub(crate) fn resolve(
        &self,
        name: Option<&str>,
    ) -> Result<Arc<dyn ModelAdapter>, UnknownModel> {
        let Some(name) = name else { return Ok(Arc::clone(&self.default)) };
        if let Some(a) = self.models.values().find(|a| {
            let id = a.model_id();
            id.to_string() == name || id.model == name
        }) {
            return Ok(Arc::clone(a));
        }
        let mut known: Vec<String> = self.models.keys().map(|k| k.to_string()).collect();
        known.sort();
        Err(UnknownModel { name: name.to_string(), known })
    }
}

impl SubcallExecutor for ModelSet {
    type Error = AdapterError;

    fn execute(
        &self,
        model: &ModelId,
        request: CompletionRequest,
    ) -> BoxFuture<'static, Result<Completion, AdapterError>> {
        let call = self.execute_reporting(model, request);
        Box::pin(async move { call.await.result })
    }

    fn execute_reporting(
        &self,
        model: &ModelId,
        request: CompletionRequest,
    ) -> BoxFuture<'static, Executed<AdapterError>> {
        self.execute_gated(model, request, CallGate::detached(model.clone()))
    }

    fn execute_gated(
        &self,
        model: &ModelId,
        request: CompletionRequest,
        gate: CallGate,
    ) -> BoxFuture<'static, Executed<AdapterError>> {
        let adapter = self.models.get(model).cloned();
        let model = model.clone();
        Box::pin(async move {
            let Some(adapter) = adapter else {
                return Executed {
                    result: Err(AdapterError::synthetic(
                        rlm_adapters::AdapterErrorKind::ModelNotFound,
                        format!("no adapter for {model}"),
                    )),
                    retries: Vec::new(),
                };
            };
            let gate = SchedulerGate(gate);
            let report = adapter.call_gated(&request, Some(&gate)).await;
            let retries = report.retries.iter().map(retry_note).collect();
            Executed { result: report.result, retries }
        })
    }
}

/// The scheduler's [`CallGate`] as an adapter's retry loop calls it.
struct SchedulerGate(CallGate);

impl RetryGate for SchedulerGate {
    fn deadline(&self) -> Option<Instant> {
        self.0.deadline()
    }

    fn between_attempts<'a>(
        &'a self,
        record: &'a RetryRecord,
        wait: BoxFuture<'static, ()>,
    ) -> BoxFuture<'a, ()> {
        let rate_limited = record.reason == RetryReason::RateLimited;
        Box::pin(self.0.between_attempts(retry_note(record), rate_limited, wait))
    }
}

/// An adapter's retry as the scheduler reports it.
fn retry_note(r: &RetryRecord) -> RetryNote {
    RetryNote {
        attempt: r.attempt,
        reason: retry_reason(&r.reason),
        delay_ms: u64::try_from(r.delay.as_millis()).unwrap_or(u64::MAX),
    }
}

/// The scheduler's estimates (characters per token) and the adapters' prices,
/// so that the budget and the trace charge a subcall the same cost.
pub(crate) struct PriceCosting {
    pub estimate: HeuristicCosting,
    pub prices: Arc<PriceTable>,
}

impl Costing for PriceCosting {
    fn estimate_usage(&self, model: &ModelId, request: &CompletionRequest) -> Usage {
        self.estimate.estimate_usage(model, request)
    }

    fn cost_usd(&self, model: &ModelId, usage: &Usage) -> f64 {
        self.prices.cost(model, usage).unwrap_or(0.0)
    }
}

/// A subcall request: the subcall system prompt and the program's prompt.
pub(crate) fn subcall_request(
    system: &str,
    prompt: String,
    max_tokens: Option<u32>,
) -> CompletionRequest {
    CompletionRequest {
        messages: vec![ChatMessage::system(system), ChatMessage::user(prompt)],
        params: GenerationParams { max_tokens, ..GenerationParams::default() },
        traceparent: None,
    }
}

/// A short machine-friendly name for a retry reason (for trace events):
/// `rate_limited`, `http_503`, `timeout`, `connection`.
pub(crate) fn retry_reason(r: &RetryReason) -> String {
    match r {
        RetryReason::RateLimited => "rate_limited".to_string(),
        RetryReason::Status { status } => format!("http_{status}"),
        RetryReason::Timeout => "timeout".to_string(),
        RetryReason::Connection => "connection".to_string(),
    }
}
