//! `GET /api/stats`: totals over a caller's executions (optionally one
//! session's): tokens, cost, outcomes, latency percentiles, cache hit rate,
//! the same per session, and executions over time. Built from the store's
//! incremental aggregates ([`StatsSnapshot`]), never from the executions.

use crate::shapes::{Percentiles, SessionStats, TimeBucket, Timeline, UsageStats, time};
use crate::store::StatsSnapshot;

pub fn usage_stats(snapshot: &StatsSnapshot) -> UsageStats {
    let a = &snapshot.totals;
    let total = a.executions;
    let cost = a.cost_usd();
    UsageStats {
        total_executions: total,
        total_input_tokens: a.input_tokens,
        total_output_tokens: a.output_tokens,
        total_cost_usd: cost,
        average_cost_per_execution: if total == 0 { 0.0 } else { cost / total as f64 },
        executions_by_status: a.by_status.clone(),
        metrics_summary: None,
        outcomes: a.outcomes.clone(),
        latency: Percentiles {
            count: a.latency_count(),
            p50_ms: a.latency_percentile(50.0),
            p95_ms: a.latency_percentile(95.0),
            p99_ms: a.latency_percentile(99.0),
        },
        total_subcalls: a.subcalls,
        cache_hits: a.cache_hits,
        cache_hit_rate: (a.subcalls > 0).then(|| a.cache_hits as f64 / a.subcalls as f64),
        total_retries: a.retries,
        per_session: snapshot
            .per_session
            .iter()
            .map(|(id, s)| SessionStats {
                session_id: *id,
                executions: s.executions,
                input_tokens: s.input_tokens,
                output_tokens: s.output_tokens,
                cost_usd: s.cost_usd(),
            })
            .collect(),
        timeline: Timeline {
            bucket_secs: snapshot.bucket_secs,
            buckets: snapshot
                .buckets
                .iter()
                .map(|b| TimeBucket {
                    start: time(b.start_secs * 1_000_000),
                    executions: b.totals.executions,
                    completed: b.totals.completed,
                    failed: b.totals.failed,
                    tokens: b.totals.tokens,
                    cost_usd: b.totals.cost_nano as f64 / 1e9,
                })
                .collect(),
        },
    }
}
