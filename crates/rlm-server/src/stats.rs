//! `GET /api/stats`: totals over a caller's executions (optionally one
//! session's): tokens, cost, outcomes, latency percentiles, cache hit rate,
//! the same per session, and executions over time.

use std::collections::BTreeMap;

use rlm_trace::LatencySummary;
use uuid::Uuid;

use crate::shapes::{Percentiles, SessionStats, TimeBucket, Timeline, UsageStats, time};
use crate::store::{ExecutionRecord, ExecutionStatus};

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
        timeline: timeline(executions),
    }
}

/// Bucket widths the timeline may use, narrowest first.
const BUCKET_SECS: [u64; 9] =
    [60, 300, 900, 3600, 6 * 3600, 86_400, 7 * 86_400, 30 * 86_400, 365 * 86_400];

/// At most this many buckets (when even the widest width gives more, the
/// oldest executions fall outside).
const MAX_BUCKETS: u64 = 60;

/// Executions per bucket of the narrowest width that spans them all in at
/// most [`MAX_BUCKETS`] buckets; buckets are aligned to multiples of their width.
pub fn timeline(executions: &[ExecutionRecord]) -> Timeline {
    let secs = |e: &ExecutionRecord| e.created_at.div_euclid(1_000_000);
    let (Some(oldest), Some(newest)) =
        (executions.iter().map(secs).min(), executions.iter().map(secs).max())
    else {
        return Timeline::default();
    };
    let width = BUCKET_SECS
        .iter()
        .copied()
        .find(|w| {
            (newest.div_euclid(*w as i64) - oldest.div_euclid(*w as i64)) < MAX_BUCKETS as i64
        })
        .unwrap_or(BUCKET_SECS[BUCKET_SECS.len() - 1]) as i64;
    let last = newest.div_euclid(width);
    let first = oldest.div_euclid(width).max(last - (MAX_BUCKETS as i64 - 1));
    let mut buckets: Vec<TimeBucket> = (first..=last)
        .map(|b| TimeBucket {
            start: time(b * width * 1_000_000),
            executions: 0,
            completed: 0,
            failed: 0,
            tokens: 0,
            cost_usd: 0.0,
        })
        .collect();
    for e in executions {
        let index = secs(e).div_euclid(width) - first;
        let Some(bucket) = usize::try_from(index).ok().and_then(|i| buckets.get_mut(i)) else {
            continue;
        };
        bucket.executions += 1;
        match e.status {
            ExecutionStatus::Completed => bucket.completed += 1,
            s if s.is_terminal() => bucket.failed += 1,
            _ => {}
        }
        bucket.tokens += e.spend.total_tokens();
        bucket.cost_usd += e.spend.cost_usd;
    }
    Timeline { bucket_secs: width as u64, buckets }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Spend;
    use uuid::Uuid;

    fn record(created_secs: i64, status: ExecutionStatus, tokens: u64) -> ExecutionRecord {
        ExecutionRecord {
            id: Uuid::new_v4(),
            session_id: None,
            owner: "local".into(),
            job_id: None,
            user_query: "q".into(),
            context_size: 0,
            model: "scripted".into(),
            status,
            finish: None,
            created_at: created_secs * 1_000_000,
            started_at: None,
            completed_at: None,
            spend: Spend { input_tokens: tokens, cost_usd: 0.5, ..Spend::default() },
            steps: 0,
            context_breakdown: None,
            cache_hits: 0,
            retries: 0,
            final_result: None,
            error_message: None,
        }
    }

    #[test]
    fn no_execution_no_bucket() {
        let t = timeline(&[]);
        assert_eq!((t.bucket_secs, t.buckets.len()), (0, 0));
    }

    #[test]
    fn minute_buckets_with_the_gaps_filled() {
        let base = 1_800_000_000; // a multiple of 60
        let t = timeline(&[
            record(base + 5, ExecutionStatus::Completed, 10),
            record(base + 50, ExecutionStatus::Failed, 20),
            record(base + 185, ExecutionStatus::Running, 1),
        ]);
        assert_eq!(t.bucket_secs, 60);
        let counts: Vec<(u64, u64, u64, u64)> =
            t.buckets.iter().map(|b| (b.executions, b.completed, b.failed, b.tokens)).collect();
        assert_eq!(counts, vec![(2, 1, 1, 30), (0, 0, 0, 0), (0, 0, 0, 0), (1, 0, 0, 1)]);
        assert_eq!(t.buckets[0].start.timestamp(), base);
        assert_eq!(t.buckets[3].start.timestamp(), base + 180);
        assert!((t.buckets[0].cost_usd - 1.0).abs() < 1e-9);
    }

    #[test]
    fn a_wider_width_keeps_at_most_sixty_buckets() {
        let base = 1_800_000_000;
        // Two hours apart: minutes would need 121 buckets, 5 minutes 25.
        let t = timeline(&[
            record(base, ExecutionStatus::Completed, 1),
            record(base + 7200, ExecutionStatus::Completed, 1),
        ]);
        assert_eq!(t.bucket_secs, 300);
        assert_eq!(t.buckets.len(), 25);
        assert_eq!(t.buckets.iter().map(|b| b.executions).sum::<u64>(), 2);
        // A century apart: even yearly buckets are too many; the newest 60
        // are kept and the oldest execution falls outside.
        let t = timeline(&[
            record(0, ExecutionStatus::Completed, 1),
            record(2 * base, ExecutionStatus::Completed, 1),
        ]);
        assert_eq!(t.bucket_secs, 365 * 86_400);
        assert_eq!(t.buckets.len(), 60);
        assert_eq!(t.buckets.iter().map(|b| b.executions).sum::<u64>(), 1);
    }
}
