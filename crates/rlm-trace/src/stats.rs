//! [`RunStats`]: analytics across many runs' traces (`rlm stats`): latency
//! percentiles per call kind and model, run outcomes, tokens and cost per
//! model, retries by reason, the cache hit rate, and whether retry storms go
//! with budget exhaustion. Rendered as a table, JSON (serde) or Prometheus
//! text.
//!
//! Each trace is one run (its root run's outcome is the run's); per-trace
//! counts come from [`TraceSummary`], so the counting rules are the same
//! (tokens, cost and latency count only calls that reached the provider).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use rlm_types::Usage;
use serde::Serialize;

use crate::event::{BudgetLevel, EventKind, SpanId, SpanOutcome, TraceEvent};
use crate::summary::{
    CacheSummary, LatencySummary, ModelSummary, PromWriter, TraceSummary, from_nano,
    sanitize_metric_name, to_nano,
};

/// A run with at least this many retries is in a retry storm, by default.
pub const DEFAULT_STORM_RETRIES: u64 = 3;

/// Analytics over a set of runs.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RunStats {
    pub runs: u64,
    /// Root-run outcomes (`ok`, `error`, `budget_exceeded`, `cancelled`,
    /// `timeout`; `open` for a trace whose root run never finished).
    pub outcomes: BTreeMap<String, u64>,
    /// Root-run durations.
    pub run_duration: LatencySummary,
    /// Call latency by kind (`model_call`: the root model; `subcall`), then model.
    pub latency: BTreeMap<String, BTreeMap<String, LatencySummary>>,
    pub models: BTreeMap<String, ModelSummary>,
    pub usage: Usage,
    pub cost_usd: f64,
    pub retries_by_reason: BTreeMap<String, u64>,
    pub cache: CacheSummary,
    /// Runs that hit a hard budget stop or ended `budget_exceeded`.
    pub budget_exhausted_runs: u64,
    pub retry_storms: RetryStorms,
}

/// Retry storms against budget exhaustion.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RetryStorms {
    /// Retries in one run from which it counts as a storm.
    pub threshold: u64,
    pub storm_runs: u64,
    /// Storm runs whose budget ran out.
    pub storm_runs_exhausted: u64,
    pub calm_runs: u64,
    pub calm_runs_exhausted: u64,
    /// Pearson correlation of a run's retry count with its budget running out
    /// (0 or 1); `None` when either does not vary.
    pub correlation: Option<f64>,
}

/// What one trace says about its run.
struct RunFacts {
    outcome: String,
    duration_ms: Option<u64>,
    retries: u64,
    exhausted: bool,
}

impl RunStats {
    /// Analytics over `traces` (each the events of one run); runs with at
    /// least `storm_threshold` retries are storms.
    pub fn from_traces(traces: &[Vec<TraceEvent>], storm_threshold: u64) -> RunStats {
        let mut stats = RunStats::default();
        let mut latencies: BTreeMap<(String, String), Vec<u64>> = BTreeMap::new();
        let mut durations = Vec::new();
        let mut nano_by_model: BTreeMap<String, i128> = BTreeMap::new();
        let mut facts = Vec::with_capacity(traces.len());
        for events in traces {
            let summary = TraceSummary::from_events(events);
            for (model, m) in &summary.models {
                let total = stats.models.entry(model.clone()).or_default();
                total.calls += m.calls;
                total.cached_calls += m.cached_calls;
                total.deduped_calls += m.deduped_calls;
                total.failed_calls += m.failed_calls;
                total.usage += m.usage;
                *nano_by_model.entry(model.clone()).or_default() += to_nano(m.cost_usd);
            }
            stats.usage += summary.usage;
            for (reason, n) in &summary.retries_by_reason {
                *stats.retries_by_reason.entry(reason.clone()).or_default() += n;
            }
            stats.cache.calls += summary.cache.calls;
            stats.cache.hits += summary.cache.hits;
            stats.cache.deduped += summary.cache.deduped;
            collect_latencies(events, &mut latencies);
            let run = run_facts(events, &summary);
            if let Some(d) = run.duration_ms {
                durations.push(d);
            }
            *stats.outcomes.entry(run.outcome.clone()).or_default() += 1;
            facts.push(run);
        }
        stats.runs = traces.len() as u64;
        let mut nano_total = 0i128;
        for (model, nano) in nano_by_model {
            nano_total += nano;
            if let Some(m) = stats.models.get_mut(&model) {
                m.cost_usd = from_nano(nano);
            }
        }
        stats.cost_usd = from_nano(nano_total);
        stats.cache.hit_rate =
            (stats.cache.calls > 0).then(|| stats.cache.hits as f64 / stats.cache.calls as f64);
        stats.run_duration = LatencySummary::from_values(durations);
        for ((kind, model), values) in latencies {
            stats
                .latency
                .entry(kind)
                .or_default()
                .insert(model, LatencySummary::from_values(values));
        }
        stats.budget_exhausted_runs = facts.iter().filter(|f| f.exhausted).count() as u64;
        stats.retry_storms = retry_storms(&facts, storm_threshold);
        stats
    }

    /// A plain-text report, one section per aspect.
    pub fn to_table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "runs: {}", self.runs);
        let outcomes: Vec<String> = self.outcomes.iter().map(|(k, n)| format!("{k} {n}")).collect();
        let _ = writeln!(out, "outcomes: {}", outcomes.join(", "));
        let d = &self.run_duration;
        let _ = writeln!(
            out,
            "run duration ms: p50 {} p95 {} p99 {} max {}",
            d.p50_ms, d.p95_ms, d.p99_ms, d.max_ms
        );
        let _ = writeln!(out, "\nlatency (ms, calls that reached the provider)");
        let _ = writeln!(
            out,
            "{:<11} {:<32} {:>6} {:>7} {:>7} {:>7} {:>7}",
            "kind", "model", "calls", "p50", "p95", "p99", "max"
        );
        for (kind, models) in &self.latency {
            for (model, l) in models {
                let _ = writeln!(
                    out,
                    "{kind:<11} {model:<32} {:>6} {:>7} {:>7} {:>7} {:>7}",
                    l.count, l.p50_ms, l.p95_ms, l.p99_ms, l.max_ms
                );
            }
        }
        let _ = writeln!(out, "\nmodels");
        let _ = writeln!(
            out,
            "{:<32} {:>6} {:>6} {:>6} {:>6} {:>10} {:>10} {:>12}",
            "model", "calls", "cached", "dedup", "failed", "prompt", "completion", "cost_usd"
        );
        for (model, m) in &self.models {
            let _ = writeln!(
                out,
                "{model:<32} {:>6} {:>6} {:>6} {:>6} {:>10} {:>10} {:>12.6}",
                m.calls,
                m.cached_calls,
                m.deduped_calls,
                m.failed_calls,
                m.usage.prompt_tokens,
                m.usage.completion_tokens,
                m.cost_usd
            );
        }
        let _ = writeln!(
            out,
            "total tokens: {} (prompt {}, completion {}); cost ${:.6}",
            self.usage.total(),
            self.usage.prompt_tokens,
            self.usage.completion_tokens,
            self.cost_usd
        );
        let retries: Vec<String> =
            self.retries_by_reason.iter().map(|(k, n)| format!("{k} {n}")).collect();
        let _ = writeln!(
            out,
            "\nretries: {}",
            if retries.is_empty() { "none".to_string() } else { retries.join(", ") }
        );
        let rate = self.cache.hit_rate.map_or("n/a".to_string(), |r| format!("{:.1}%", r * 100.0));
        let _ = writeln!(
            out,
            "cache: {} hits of {} subcalls ({rate}), {} deduplicated",
            self.cache.hits, self.cache.calls, self.cache.deduped
        );
        let s = &self.retry_storms;
        let _ = writeln!(
            out,
            "budget exhausted: {} of {} runs\nretry storms (>= {} retries): {} runs, {} exhausted; other runs: {}, {} exhausted; correlation(retries, exhausted): {}",
            self.budget_exhausted_runs,
            self.runs,
            s.threshold,
            s.storm_runs,
            s.storm_runs_exhausted,
            s.calm_runs,
            s.calm_runs_exhausted,
            s.correlation.map_or("n/a".to_string(), |c| format!("{c:.2}"))
        );
        out
    }

    /// The stats in the Prometheus text exposition format, names prefixed by `namespace`.
    pub fn to_prometheus(&self, namespace: &str) -> String {
        let mut w = PromWriter { out: String::new(), ns: sanitize_metric_name(namespace) };
        let fam = w.family("runs_total", "counter", "Runs by root-run outcome.");
        for (outcome, n) in &self.outcomes {
            w.sample(&fam, &[("outcome", outcome)], *n as f64);
        }
        let fam = w.family("run_duration_seconds", "summary", "Root-run duration.");
        w.summary_samples(&fam, "", "", &self.run_duration);
        let fam = w.family(
            "call_latency_seconds",
            "summary",
            "Latency of calls that reached the provider, by kind and model.",
        );
        for (kind, models) in &self.latency {
            for (model, l) in models {
                if l.count == 0 {
                    continue;
                }
                for (q, ms) in [("0.5", l.p50_ms), ("0.95", l.p95_ms), ("0.99", l.p99_ms)] {
                    w.sample(
                        &fam,
                        &[("kind", kind), ("model", model), ("quantile", q)],
                        ms as f64 / 1000.0,
                    );
                }
                let labels = [("kind", kind.as_str()), ("model", model.as_str())];
                w.sample(&format!("{fam}_sum"), &labels, l.sum_ms as f64 / 1000.0);
                w.sample(&format!("{fam}_count"), &labels, l.count as f64);
            }
        }
        let fam = w.family("tokens_total", "counter", "Tokens of calls that reached the provider.");
        for (model, m) in &self.models {
            w.sample(&fam, &[("model", model), ("type", "prompt")], m.usage.prompt_tokens as f64);
            w.sample(
                &fam,
                &[("model", model), ("type", "completion")],
                m.usage.completion_tokens as f64,
            );
        }
        let fam = w.family("cost_usd_total", "counter", "Cost in US dollars, by model.");
        for (model, m) in &self.models {
            w.sample(&fam, &[("model", model)], m.cost_usd);
        }
        let fam = w.family("retries_total", "counter", "Retries by reason.");
        for (reason, n) in &self.retries_by_reason {
            w.sample(&fam, &[("reason", reason)], *n as f64);
        }
        let fam = w.family("cache_hit_ratio", "gauge", "Cached subcalls over finished subcalls.");
        w.sample(&fam, &[], self.cache.hit_rate.unwrap_or(0.0));
        let fam = w.family("budget_exhausted_runs_total", "counter", "Runs whose budget ran out.");
        w.sample(&fam, &[], self.budget_exhausted_runs as f64);
        let fam = w.family(
            "retry_storm_runs_total",
            "counter",
            "Runs with at least the storm threshold of retries, by whether their budget ran out.",
        );
        let s = &self.retry_storms;
        w.sample(&fam, &[("exhausted", "true")], s.storm_runs_exhausted as f64);
        w.sample(&fam, &[("exhausted", "false")], (s.storm_runs - s.storm_runs_exhausted) as f64);
        w.out
    }
}

/// Latency of every finished call that reached the provider, keyed by kind and model.
fn collect_latencies(events: &[TraceEvent], into: &mut BTreeMap<(String, String), Vec<u64>>) {
    let mut models: HashMap<SpanId, &str> = HashMap::new();
    for event in events {
        match &event.kind {
            EventKind::ModelCallStarted(m) => {
                models.insert(event.span_id, m.model.as_str());
            }
            EventKind::SubcallStarted(c) => {
                models.insert(event.span_id, c.model.as_str());
            }
            EventKind::ModelCallFinished(c) | EventKind::SubcallFinished(c) => {
                if c.cached || c.deduped {
                    continue;
                }
                let kind = match event.kind {
                    EventKind::ModelCallFinished(_) => "model_call",
                    _ => "subcall",
                };
                let model = models.get(&event.span_id).copied().unwrap_or("unknown");
                into.entry((kind.to_string(), model.to_string())).or_default().push(c.latency_ms);
            }
            _ => {}
        }
    }
}

/// The root run's outcome and duration, its retries, and whether its budget ran out.
fn run_facts(events: &[TraceEvent], summary: &TraceSummary) -> RunFacts {
    let root = events.iter().find_map(|e| match &e.kind {
        EventKind::RunStarted(_) if e.parent_span_id.is_none() => Some(e.span_id),
        _ => None,
    });
    let finished = events.iter().find_map(|e| match &e.kind {
        EventKind::RunFinished(r) if Some(e.span_id) == root => Some(r),
        _ => None,
    });
    let hard_stop = events
        .iter()
        .any(|e| matches!(&e.kind, EventKind::Budget(b) if b.level == BudgetLevel::HardStop));
    RunFacts {
        outcome: finished.map_or("open", |r| r.outcome.as_str()).to_string(),
        duration_ms: finished.map(|r| r.duration_ms),
        retries: summary.retries_by_reason.values().sum(),
        exhausted: hard_stop || finished.is_some_and(|r| r.outcome == SpanOutcome::BudgetExceeded),
    }
}

fn retry_storms(facts: &[RunFacts], threshold: u64) -> RetryStorms {
    let mut s = RetryStorms { threshold, ..RetryStorms::default() };
    for f in facts {
        let (runs, exhausted) = if f.retries >= threshold {
            (&mut s.storm_runs, &mut s.storm_runs_exhausted)
        } else {
            (&mut s.calm_runs, &mut s.calm_runs_exhausted)
        };
        *runs += 1;
        if f.exhausted {
            *exhausted += 1;
        }
    }
    let xs: Vec<f64> = facts.iter().map(|f| f.retries as f64).collect();
    let ys: Vec<f64> = facts.iter().map(|f| if f.exhausted { 1.0 } else { 0.0 }).collect();
    s.correlation = pearson(&xs, &ys);
    s
}

/// Pearson's r; `None` for fewer than two points or a constant series.
fn pearson(xs: &[f64], ys: &[f64]) -> Option<f64> {
    let n = xs.len() as f64;
    if xs.len() < 2 {
        return None;
    }
    let (mx, my) = (xs.iter().sum::<f64>() / n, ys.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in xs.iter().zip(ys) {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx) * (x - mx);
        syy += (y - my) * (y - my);
    }
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx.sqrt() * syy.sqrt()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pearson_of_known_series() {
        let r = pearson(&[0.0, 1.0, 5.0, 6.0], &[0.0, 0.0, 1.0, 1.0]).unwrap();
        // Computed by hand: mx = 3, my = 0.5; sxy = 5.5 + ... = (−3)(−.5)+(−2)(−.5)+(2)(.5)+(3)(.5) = 5
        // sxx = 9+4+4+9 = 26, syy = 1 → r = 5 / sqrt(26).
        assert!((r - 5.0 / 26f64.sqrt()).abs() < 1e-12);
        assert_eq!(pearson(&[1.0, 1.0], &[0.0, 1.0]), None);
        assert_eq!(pearson(&[1.0], &[1.0]), None);
    }
}
