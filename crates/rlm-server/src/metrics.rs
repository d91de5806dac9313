//! Prometheus metrics (`GET /metrics`): executions by status, their latency,
//! tokens, cost, tokens/cost/calls per model, subcalls by how they were
//! served, retries by reason, cache hits, queued jobs and executions in flight. Counters are fed once per
//! finished execution, from its record and trace.
//!
//! Per tenant: each API key (its id, the records' `owner`) has its own
//! registry, and `/metrics` shows the caller's only, so no key sees another
//! tenant's executions, tokens or spend. The deployment-wide series (job
//! counts and the outbox, read from the store at each scrape; the relay's
//! and the sweeps' counters: see [`crate::cluster_metrics`]) count every
//! tenant's jobs together, so only an operator sees them: a key named by
//! `--operator-key`, or `local` on a server without keys (one user, the
//! operator). A worker's `/metrics` (its probe port) shows every execution
//! it ran, whoever's, in one registry, with the deployment's series.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use dashmap::DashMap;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use rlm_trace::{CallFinished, EventKind, SpanId, SpanOutcome, TraceEvent};

use crate::cluster_metrics::ClusterSeries;
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

/// Every tenant's metrics.
pub struct Metrics {
    tenants: DashMap<String, Arc<TenantMetrics>>,
    /// Jobs waiting for a worker (server-wide: the shared queue's depth;
    /// `cluster.jobs_queued`, refreshed from the store at each scrape).
    pub jobs_queued: Gauge,
    /// The deployment-wide series every registry shows.
    pub cluster: ClusterSeries,
    /// Every tenant's executions together: a worker's `/metrics` (its probe
    /// port, which no client reaches).
    process: Arc<TenantMetrics>,
    /// The deployment-wide series alone (what an operator's `/metrics` adds).
    deployment: Registry,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").field("tenants", &self.tenants.len()).finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let cluster = ClusterSeries::default();
        let process = Arc::new(TenantMetrics::new(Some(&cluster)));
        let mut deployment = Registry::with_prefix("rlm");
        cluster.register(&mut deployment);
        Metrics {
            tenants: DashMap::new(),
            jobs_queued: cluster.jobs_queued.clone(),
            cluster,
            process,
            deployment,
        }
    }

    /// The metrics of `owner`'s executions (made on first use; owners are the
    /// configured keys' ids, so there are few).
    fn tenant(&self, owner: &str) -> Arc<TenantMetrics> {
        if let Some(t) = self.tenants.get(owner) {
            return Arc::clone(&t);
        }
        let made = Arc::new(TenantMetrics::new(None));
        Arc::clone(self.tenants.entry(owner.to_string()).or_insert(made).value())
    }

    /// `owner`'s executions running now.
    pub fn in_flight(&self, owner: &str) -> Gauge {
        self.tenant(owner).in_flight.clone()
    }

    /// Counts a finished execution, for its owner.
    pub fn record_execution(&self, record: &ExecutionRecord, trace: &[TraceEvent]) {
        self.tenant(&record.owner).record_execution(record, trace);
        self.process.record_execution(record, trace);
    }

    /// The exposition of every tenant's executions together, with the
    /// deployment's series (a worker's `/metrics`).
    pub fn render_process(&self) -> String {
        self.process.render()
    }

    /// The Prometheus text exposition of `owner`'s metrics, with the
    /// deployment's series when `owner` is an operator.
    pub fn render(&self, owner: &str, operator: bool) -> String {
        let own = self.tenant(owner).render();
        if !operator {
            return own;
        }
        let mut deployment = String::new();
        if prometheus_client::encoding::text::encode_registry(&mut deployment, &self.deployment)
            .is_err()
        {
            return own;
        }
        match own.rfind("# EOF") {
            Some(at) => {
                let mut out = own;
                out.insert_str(at, &deployment);
                out
            }
            None => own + &deployment,
        }
    }
}

/// One tenant's registry.
struct TenantMetrics {
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
    /// Executions running now.
    in_flight: Gauge,
}

impl TenantMetrics {
    /// A registry of a tenant's own series, and the deployment's beside
    /// them when `cluster` is given (the process's registry).
    fn new(cluster: Option<&ClusterSeries>) -> Self {
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
        if let Some(cluster) = cluster {
            cluster.register(&mut registry);
        }
        let in_flight = Gauge::default();
        registry.register("executions_in_flight", "Executions running now", in_flight.clone());
        TenantMetrics {
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
            in_flight,
        }
    }

    fn record_execution(&self, record: &ExecutionRecord, trace: &[TraceEvent]) {
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

    fn render(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}
