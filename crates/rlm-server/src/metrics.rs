//! Prometheus metrics (`GET /metrics`): executions by status, their latency,
//! tokens, cost, tokens/cost/calls per model, subcalls by how they were
//! served, retries by reason, cache hits, queued jobs and executions in flight. Counters are fed once per
//! finished execution, from its record and trace.

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use rlm_trace::{CallFinished, EventKind, SpanId, SpanOutcome, TraceEvent};

use crate::store::ExecutionRecord;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Status {
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Kind {
    kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ModelKind {
    model: String,
    kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Model {
    model: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Served {
    result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Reason {
    reason: String,
}

/// The server's metrics registry.
pub struct Metrics {
    registry: Registry,
    executions: Family<Status, Counter>,
    execution_seconds: Histogram,
    tokens: Family<Kind, Counter>,
    cost_usd: Counter<f64, AtomicU64>,
    model_tokens: Family<ModelKind, Counter>,
    model_cost_usd: Family<Model, Counter<f64, AtomicU64>>,
    model_calls: Family<Model, Counter>,
    subcalls: Family<Served, Counter>,
    subcall_seconds: Histogram,
    retries: Family<Reason, Counter>,
    cache_hits: Counter,
    /// Jobs waiting for a worker.
    pub jobs_queued: Gauge,
    /// Executions running now.
    pub in_flight: Gauge,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("rlm");
        let executions = Family::<Status, Counter>::default();
        registry.register("executions", "Finished executions by status", executions.clone());
        let execution_seconds = Histogram::new(exponential_buckets(0.005, 2.0, 18));
        registry.register(
            "execution_duration_seconds",
            "Wall time of finished executions",
            execution_seconds.clone(),
        );
        let tokens = Family::<Kind, Counter>::default();
        registry.register("tokens", "Model tokens spent (input, output)", tokens.clone());
        let cost_usd = Counter::<f64, AtomicU64>::default();
        registry.register("cost_usd", "Model spend in US dollars", cost_usd.clone());
        let model_tokens = Family::<ModelKind, Counter>::default();
        registry.register(
            "model_tokens",
            "Tokens per model (root and sub-model calls; input, output)",
            model_tokens.clone(),
        );
        let model_cost_usd = Family::<Model, Counter<f64, AtomicU64>>::default();
        registry.register(
            "model_cost_usd",
            "Spend per model in US dollars",
            model_cost_usd.clone(),
        );
        let model_calls = Family::<Model, Counter>::default();
        registry.register("model_calls", "Finished calls per model", model_calls.clone());
        let subcalls = Family::<Served, Counter>::default();
        registry.register(
            "subcalls",
            "Sub-model calls by result (ok, error, cancelled, cached, deduped)",
            subcalls.clone(),
        );
        let subcall_seconds = Histogram::new(exponential_buckets(0.001, 2.0, 18));
        registry.register(
            "subcall_duration_seconds",
            "Latency of sub-model calls that reached the provider",
            subcall_seconds.clone(),
        );
        let retries = Family::<Reason, Counter>::default();
        registry.register("retries", "Model call retries by reason", retries.clone());
        let cache_hits = Counter::default();
        registry.register("cache_hits", "Subcalls served from the cache", cache_hits.clone());
        let jobs_queued = Gauge::default();
        registry.register("jobs_queued", "Jobs waiting for a worker", jobs_queued.clone());
        let in_flight = Gauge::default();
        registry.register("executions_in_flight", "Executions running now", in_flight.clone());
        Metrics {
            registry,
            executions,
            execution_seconds,
            tokens,
            cost_usd,
            model_tokens,
            model_cost_usd,
            model_calls,
            subcalls,
            subcall_seconds,
            retries,
            cache_hits,
            jobs_queued,
            in_flight,
        }
    }

    /// Counts a finished execution.
    pub fn record_execution(&self, record: &ExecutionRecord, trace: &[TraceEvent]) {
        self.executions.get_or_create(&Status { status: record.status.as_str().into() }).inc();
        if let Some(ms) = record.latency_ms() {
            self.execution_seconds.observe(ms as f64 / 1000.0);
        }
        let kind = |k: &str| Kind { kind: k.to_string() };
        self.tokens.get_or_create(&kind("input")).inc_by(record.spend.input_tokens);
        self.tokens.get_or_create(&kind("output")).inc_by(record.spend.output_tokens);
        self.cost_usd.inc_by(record.spend.cost_usd.max(0.0));
        // A finished call names no model: its span's start does.
        let mut models: HashMap<SpanId, &str> = HashMap::new();
        for event in trace {
            match &event.kind {
                EventKind::ModelCallStarted(c) => {
                    models.insert(event.span_id, &c.model);
                }
                EventKind::SubcallStarted(c) => {
                    models.insert(event.span_id, &c.model);
                }
                EventKind::ModelCallFinished(call) | EventKind::SubcallFinished(call) => {
                    if let Some(model) = models.get(&event.span_id) {
                        self.count_model_call(model, call);
                    }
                }
                _ => {}
            }
            match &event.kind {
                EventKind::SubcallFinished(call) => {
                    let result = if call.cached {
                        self.cache_hits.inc();
                        "cached"
                    } else if call.deduped {
                        "deduped"
                    } else {
                        self.subcall_seconds.observe(call.latency_ms as f64 / 1000.0);
                        match call.outcome {
                            SpanOutcome::Ok => "ok",
                            SpanOutcome::Cancelled => "cancelled",
                            _ => "error",
                        }
                    };
                    self.subcalls.get_or_create(&Served { result: result.into() }).inc();
                }
                EventKind::Retry(r) => {
                    self.retries.get_or_create(&Reason { reason: r.reason.clone() }).inc();
                }
                _ => {}
            }
        }
    }

    fn count_model_call(&self, model: &str, call: &CallFinished) {
        let kind = |kind: &str| ModelKind { model: model.to_string(), kind: kind.to_string() };
        self.model_tokens.get_or_create(&kind("input")).inc_by(call.usage.prompt_tokens);
        self.model_tokens.get_or_create(&kind("output")).inc_by(call.usage.completion_tokens);
        let model = Model { model: model.to_string() };
        self.model_cost_usd.get_or_create(&model).inc_by(call.cost_usd.max(0.0));
        self.model_calls.get_or_create(&model).inc();
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}
