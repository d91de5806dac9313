//! `GET /api/stats`: totals over a caller's executions (optionally one
//! session's): tokens, cost, outcomes, latency percentiles, cache hit rate,
//! and the same per session.

use std::collections::BTreeMap;

use rlm_trace::LatencySummary;
use uuid::Uuid;

use crate::shapes::{Percentiles, SessionStats, UsageStats};
use crate::store::ExecutionRecord;

pub fn usage_stats(executions: &[ExecutionRecord]) -> UsageStats {
    let mut by_status = BTreeMap::new();
    let mut outcomes = BTreeMap::new();
    let mut per_session: BTreeMap<Uuid, SessionStats> = BTreeMap::new();
    let (mut input, mut output, mut cost, mut subcalls, mut hits, mut retries) =
        (0u64, 0u64, 0f64, 0u64, 0u64, 0u64);
    let mut latencies = Vec::new();
    for e in executions {
        *by_status.entry(e.status.as_str().to_string()).or_insert(0u64) += 1;
        if let Some(f) = &e.finish {
            *outcomes.entry(f.clone()).or_insert(0u64) += 1;
        }
        input += e.spend.input_tokens;
        output += e.spend.output_tokens;
        cost += e.spend.cost_usd;
        subcalls += e.spend.calls + e.cache_hits;
        hits += e.cache_hits;
        retries += e.retries;
        if e.status.is_terminal()
            && let Some(ms) = e.latency_ms()
        {
            latencies.push(ms);
        }
        if let Some(sid) = e.session_id {
            let s = per_session.entry(sid).or_insert(SessionStats {
                session_id: sid,
                executions: 0,
                input_tokens: 0,
                output_tokens: 0,
                cost_usd: 0.0,
            });
            s.executions += 1;
            s.input_tokens += e.spend.input_tokens;
            s.output_tokens += e.spend.output_tokens;
            s.cost_usd += e.spend.cost_usd;
        }
    }
    let lat = LatencySummary::from_values(latencies);
    let total = executions.len() as u64;
    UsageStats {
        total_executions: total,
        total_input_tokens: input,
        total_output_tokens: output,
        total_cost_usd: cost,
        average_cost_per_execution: if total == 0 { 0.0 } else { cost / total as f64 },
        executions_by_status: by_status,
        metrics_summary: None,
        outcomes,
        latency: Percentiles {
            count: lat.count,
            p50_ms: lat.p50_ms,
            p95_ms: lat.p95_ms,
            p99_ms: lat.p99_ms,
        },
        total_subcalls: subcalls,
        cache_hits: hits,
        cache_hit_rate: (subcalls > 0).then(|| hits as f64 / subcalls as f64),
        total_retries: retries,
        per_session: per_session.into_values().collect(),
    }
}
