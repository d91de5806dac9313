//! [`TraceSummary`]: metrics of a trace, and their Prometheus text exposition.
//!
//! Counting rules: tokens and cost by model count only calls that reached the
//! provider (not `cached`, not `deduped`), so they are what was spent; the
//! cache hit rate is cached subcalls over finished subcalls (root-model calls
//! never go through the subcall cache, so counting them would only dilute
//! it); latency percentiles are exact (nearest rank over every recorded
//! latency) and likewise cover only calls that reached the provider.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use rlm_types::Usage;
use serde::{Deserialize, Serialize};

use crate::event::*;

/// Exact percentiles of a set of durations, in milliseconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LatencySummary {
    pub count: u64,
    pub sum_ms: u64,
    pub p50_ms: u64,
    pub p95_ms: u64,
    pub p99_ms: u64,
    pub max_ms: u64,
}

impl LatencySummary {
    /// Summarise `values` (any order).
    pub fn from_values(mut values: Vec<u64>) -> Self {
        if values.is_empty() {
            return Self::default();
        }
        values.sort_unstable();
        LatencySummary {
            count: values.len() as u64,
            sum_ms: values.iter().fold(0u64, |a, v| a.saturating_add(*v)),
            p50_ms: nearest_rank(&values, 50.0),
            p95_ms: nearest_rank(&values, 95.0),
            p99_ms: nearest_rank(&values, 99.0),
            max_ms: values[values.len() - 1],
        }
    }
}

pub(crate) fn to_nano(usd: f64) -> i128 {
    if usd.is_finite() { (usd * 1e9).round() as i128 } else { 0 }
}

pub(crate) fn from_nano(nano: i128) -> f64 {
    nano as f64 / 1e9
}

/// Nearest-rank percentile of sorted, non-empty `values`: the smallest value
/// with at least `p`% of the values at or below it.
fn nearest_rank(sorted: &[u64], p: f64) -> u64 {
    let n = sorted.len();
    let rank = ((p / 100.0) * n as f64).ceil() as usize;
    sorted[rank.clamp(1, n) - 1]
}

/// Calls and spend of one model.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelSummary {
    /// Finished calls (model calls and subcalls) to this model, however served.
    pub calls: u64,
    pub cached_calls: u64,
    pub deduped_calls: u64,
    /// Calls whose outcome was not `ok`.
    pub failed_calls: u64,
    /// Tokens of the calls that reached the provider.
    pub usage: Usage,
    pub cost_usd: f64,
}

/// Cache effectiveness over finished subcalls.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CacheSummary {
    /// Finished subcalls.
    pub calls: u64,
    pub hits: u64,
    pub deduped: u64,
    /// `hits / calls`; `None` with no finished call.
    pub hit_rate: Option<f64>,
}

/// Metrics of a trace.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TraceSummary {
    pub events: u64,
    /// Events by kind (`run_started`, `retry`, ...).
    pub events_by_kind: BTreeMap<String, u64>,
    /// Spans by kind, then by outcome (`open` for spans not finished).
    pub spans: BTreeMap<String, BTreeMap<String, u64>>,
    /// By model (`provider:model` as recorded at the call's start).
    pub models: BTreeMap<String, ModelSummary>,
    /// Root model calls that reached the provider.
    pub model_call_latency: LatencySummary,
    /// Subcalls that reached the provider.
    pub subcall_latency: LatencySummary,
    pub program_duration: LatencySummary,
    pub retries_by_reason: BTreeMap<String, u64>,
    pub cache: CacheSummary,
    /// Budget signals by level (`soft_limit`, `hard_stop`), then budget name.
    pub budget_events: BTreeMap<String, BTreeMap<String, u64>>,
    pub errors: u64,
    /// History compactions (not errors).
    #[serde(default)]
    pub compactions: u64,
    /// Spend over all models.
    pub usage: Usage,
    pub cost_usd: f64,
}

impl TraceSummary {
    /// Summarise a stream of events (any events; no structural check needed).
    pub fn from_events(events: &[TraceEvent]) -> Self {
        let mut s = TraceSummary::default();
        let mut open: HashMap<SpanId, (SpanKind, Option<&str>)> = HashMap::new();
        let (mut model_lat, mut sub_lat, mut prog) = (Vec::new(), Vec::new(), Vec::new());
        // Costs are summed in nano-dollars so that totals print as the sums a
        // person would compute (0.0003 + 0.0005 = 0.0008, not 0.00079999...).
        let mut nano_by_model: HashMap<String, i128> = HashMap::new();
        let mut nano_total: i128 = 0;
        for event in events {
            s.events += 1;
            *s.events_by_kind.entry(event.kind.name().to_string()).or_default() += 1;
            match &event.kind {
                EventKind::RunStarted(_) => {
                    open.insert(event.span_id, (SpanKind::Run, None));
                }
                EventKind::ModelCallStarted(m) => {
                    open.insert(event.span_id, (SpanKind::ModelCall, Some(m.model.as_str())));
                }
                EventKind::ProgramStarted(_) => {
                    open.insert(event.span_id, (SpanKind::Program, None));
                }
                EventKind::SubcallStarted(c) => {
                    open.insert(event.span_id, (SpanKind::Subcall, Some(c.model.as_str())));
                }
                EventKind::ToolCallStarted(_) => {
                    open.insert(event.span_id, (SpanKind::ToolCall, None));
                }
                EventKind::ToolCallFinished(t) => s.close(&mut open, event.span_id, t.outcome),
                EventKind::RunFinished(r) => s.close(&mut open, event.span_id, r.outcome),
                EventKind::ProgramFinished(p) => {
                    s.close(&mut open, event.span_id, p.outcome);
                    prog.push(p.duration_ms);
                }
                EventKind::ModelCallFinished(c) | EventKind::SubcallFinished(c) => {
                    let model = open.get(&event.span_id).and_then(|(_, m)| *m).unwrap_or("unknown");
                    let model = model.to_string();
                    s.close(&mut open, event.span_id, c.outcome);
                    if matches!(event.kind, EventKind::SubcallFinished(_)) {
                        s.cache.calls += 1;
                    }
                    let m = s.models.entry(model.clone()).or_default();
                    m.calls += 1;
                    if c.outcome != SpanOutcome::Ok {
                        m.failed_calls += 1;
                    }
                    if c.cached {
                        m.cached_calls += 1;
                        s.cache.hits += 1;
                    } else if c.deduped {
                        m.deduped_calls += 1;
                        s.cache.deduped += 1;
                    } else {
                        m.usage += c.usage;
                        s.usage += c.usage;
                        let nano = to_nano(c.cost_usd);
                        *nano_by_model.entry(model).or_default() += nano;
                        nano_total += nano;
                        match event.kind {
                            EventKind::ModelCallFinished(_) => model_lat.push(c.latency_ms),
                            _ => sub_lat.push(c.latency_ms),
                        }
                    }
                }
                EventKind::Retry(r) => {
                    *s.retries_by_reason.entry(r.reason.clone()).or_default() += 1;
                }
                EventKind::Budget(b) => {
                    *s.budget_events
                        .entry(b.level.as_str().to_string())
                        .or_default()
                        .entry(b.budget.clone())
                        .or_default() += 1;
                }
                EventKind::Error(_) => s.errors += 1,
                EventKind::Compaction(_) => s.compactions += 1,
                EventKind::FinalAnswer(_) => {}
            }
        }
        for (kind, _) in open.values() {
            *s.spans
                .entry(kind.as_str().to_string())
                .or_default()
                .entry("open".into())
                .or_default() += 1;
        }
        for (model, nano) in nano_by_model {
            if let Some(m) = s.models.get_mut(&model) {
                m.cost_usd = from_nano(nano);
            }
        }
        s.cost_usd = from_nano(nano_total);
        s.model_call_latency = LatencySummary::from_values(model_lat);
        s.subcall_latency = LatencySummary::from_values(sub_lat);
        s.program_duration = LatencySummary::from_values(prog);
        s.cache.hit_rate = (s.cache.calls > 0).then(|| s.cache.hits as f64 / s.cache.calls as f64);
        s
    }

    fn close(
        &mut self,
        open: &mut HashMap<SpanId, (SpanKind, Option<&str>)>,
        span: SpanId,
        outcome: SpanOutcome,
    ) {
        // A close without its open (a partial stream) still counts, under the closer's kind.
        let kind = open.remove(&span).map(|(k, _)| k.as_str()).unwrap_or("unknown");
        *self
            .spans
            .entry(kind.to_string())
            .or_default()
            .entry(outcome.as_str().to_string())
            .or_default() += 1;
    }

    /// The summary in the Prometheus text exposition format (version 0.0.4),
    /// metric names prefixed by `namespace` (sanitised to a valid name; e.g. `rlm`).
    pub fn to_prometheus(&self, namespace: &str) -> String {
        let ns = sanitize_metric_name(namespace);
        let mut out = PromWriter { out: String::new(), ns };

        let fam = out.family("trace_events_total", "counter", "Trace events recorded, by kind.");
        for (kind, n) in &self.events_by_kind {
            out.sample(&fam, &[("kind", kind)], *n as f64);
        }

        let fam =
            out.family("spans_total", "counter", "Spans by kind and outcome (open: not finished).");
        for (kind, outcomes) in &self.spans {
            for (outcome, n) in outcomes {
                out.sample(&fam, &[("kind", kind), ("outcome", outcome)], *n as f64);
            }
        }

        let fam = out.family(
            "model_calls_total",
            "counter",
            "Finished model calls and subcalls by model and how they were served.",
        );
        for (model, m) in &self.models {
            let provider = m.calls - m.cached_calls - m.deduped_calls;
            out.sample(&fam, &[("model", model), ("served", "provider")], provider as f64);
            out.sample(&fam, &[("model", model), ("served", "cache")], m.cached_calls as f64);
            out.sample(&fam, &[("model", model), ("served", "dedup")], m.deduped_calls as f64);
        }

        let fam = out.family(
            "model_call_failures_total",
            "counter",
            "Calls whose outcome was not ok, by model.",
        );
        for (model, m) in &self.models {
            out.sample(&fam, &[("model", model)], m.failed_calls as f64);
        }

        let fam = out.family(
            "tokens_total",
            "counter",
            "Tokens of calls that reached the provider, by model and type.",
        );
        for (model, m) in &self.models {
            out.sample(&fam, &[("model", model), ("type", "prompt")], m.usage.prompt_tokens as f64);
            out.sample(
                &fam,
                &[("model", model), ("type", "completion")],
                m.usage.completion_tokens as f64,
            );
            out.sample(
                &fam,
                &[("model", model), ("type", "cached_prompt")],
                m.usage.cached_tokens as f64,
            );
        }

        let fam = out.family("cost_usd_total", "counter", "Cost in US dollars, by model.");
        for (model, m) in &self.models {
            out.sample(&fam, &[("model", model)], m.cost_usd);
        }

        let fam = out.family(
            "call_latency_seconds",
            "summary",
            "Latency of calls that reached the provider (exact quantiles).",
        );
        for (call, lat) in
            [("model_call", &self.model_call_latency), ("subcall", &self.subcall_latency)]
        {
            out.summary_samples(&fam, "call", call, lat);
        }

        let fam =
            out.family("program_duration_seconds", "summary", "Wall time of program executions.");
        out.summary_samples(&fam, "", "", &self.program_duration);

        let fam = out.family("retries_total", "counter", "Retries by reason.");
        for (reason, n) in &self.retries_by_reason {
            out.sample(&fam, &[("reason", reason)], *n as f64);
        }

        let fam = out.family("cache_hit_ratio", "gauge", "Cached subcalls over finished subcalls.");
        if let Some(rate) = self.cache.hit_rate {
            out.sample(&fam, &[], rate);
        }

        let fam = out.family(
            "budget_events_total",
            "counter",
            "Budget limits reached, by level and budget.",
        );
        for (level, budgets) in &self.budget_events {
            for (budget, n) in budgets {
                out.sample(&fam, &[("level", level), ("budget", budget)], *n as f64);
            }
        }

        let fam = out.family("errors_total", "counter", "Error events recorded.");
        out.sample(&fam, &[], self.errors as f64);

        let fam = out.family("compactions_total", "counter", "History compactions.");
        out.sample(&fam, &[], self.compactions as f64);
        out.out
    }
}

pub(crate) struct PromWriter {
    pub(crate) out: String,
    pub(crate) ns: String,
}

impl PromWriter {
    /// Write the HELP and TYPE lines of a family; returns its full name.
    pub(crate) fn family(&mut self, name: &str, kind: &str, help: &str) -> String {
        let full =
            if self.ns.is_empty() { name.to_string() } else { format!("{}_{name}", self.ns) };
        let _ = writeln!(self.out, "# HELP {full} {}", escape_help(help));
        let _ = writeln!(self.out, "# TYPE {full} {kind}");
        full
    }

    pub(crate) fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        self.out.push_str(name);
        if !labels.is_empty() {
            self.out.push('{');
            for (i, (k, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.out.push(',');
                }
                let _ = write!(self.out, "{k}=\"{}\"", escape_label_value(v));
            }
            self.out.push('}');
        }
        let _ = writeln!(self.out, " {}", format_value(value));
    }

    /// Quantile, `_sum` and `_count` lines of a summary; `label` may be empty.
    pub(crate) fn summary_samples(
        &mut self,
        name: &str,
        label: &str,
        value: &str,
        lat: &LatencySummary,
    ) {
        if lat.count == 0 {
            return;
        }
        let base: Vec<(&str, &str)> = if label.is_empty() { vec![] } else { vec![(label, value)] };
        for (q, ms) in [("0.5", lat.p50_ms), ("0.95", lat.p95_ms), ("0.99", lat.p99_ms)] {
            let mut labels = base.clone();
            labels.push(("quantile", q));
            self.sample(name, &labels, ms as f64 / 1000.0);
        }
        self.sample(&format!("{name}_sum"), &base, lat.sum_ms as f64 / 1000.0);
        self.sample(&format!("{name}_count"), &base, lat.count as f64);
    }
}

/// Label values escape backslash, double quote and line feed.
pub fn escape_label_value(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// HELP text escapes backslash and line feed.
fn escape_help(v: &str) -> String {
    v.replace('\\', "\\\\").replace('\n', "\\n")
}

/// Metric names match `[a-zA-Z_:][a-zA-Z0-9_:]*`; anything else becomes `_`.
pub(crate) fn sanitize_metric_name(name: &str) -> String {
    name.chars()
        .enumerate()
        .map(|(i, c)| {
            if c.is_ascii_alphabetic() || c == '_' || c == ':' || (i > 0 && c.is_ascii_digit()) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn format_value(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v == f64::INFINITY {
        "+Inf".into()
    } else if v == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        format!("{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let l = LatencySummary::from_values((1..=100).rev().collect());
        assert_eq!(
            (l.p50_ms, l.p95_ms, l.p99_ms, l.max_ms, l.count, l.sum_ms),
            (50, 95, 99, 100, 100, 5050)
        );
        let one = LatencySummary::from_values(vec![7]);
        assert_eq!((one.p50_ms, one.p99_ms), (7, 7));
        let few = LatencySummary::from_values(vec![10, 20, 30]);
        assert_eq!((few.p50_ms, few.p95_ms), (20, 30));
        assert_eq!(LatencySummary::from_values(vec![]), LatencySummary::default());
    }

    #[test]
    fn escaping_and_names() {
        assert_eq!(escape_label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
        assert_eq!(escape_help("x\\y\nz \"q\""), "x\\\\y\\nz \"q\"");
        assert_eq!(sanitize_metric_name("9rlm-app.x"), "_rlm_app_x");
        assert_eq!(format_value(0.25), "0.25");
        assert_eq!(format_value(f64::NAN), "NaN");
        assert_eq!(format_value(f64::INFINITY), "+Inf");
        assert_eq!(format_value(3.0), "3");
    }
}
