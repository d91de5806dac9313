//! Incremental aggregates for `/api/stats`: what one execution adds to its
//! owner's and its session's totals, latency histogram and time buckets.
//! A store applies an execution's change as "take the old record's
//! contribution out, put the new one's in", in the same transaction as the
//! write, so `/api/stats` reads a few records instead of every execution.
//! Costs are summed in nano-dollars: taking out exactly what was put in
//! leaves no floating-point residue.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::clock::Micros;
use super::records::{ExecutionRecord, ExecutionStatus};

/// Latencies below this are counted exactly; above it, to 8 significant
/// bits (a bucket is less than 1% wide).
const EXACT_LATENCY_MS: u64 = 256;

/// Bucket widths the timeline may use, narrowest first. Every width is a
/// multiple of the first, so the minute buckets tell the oldest and newest
/// execution's bucket at every width.
pub const BUCKET_SECS: [u64; 9] =
    [60, 300, 900, 3600, 6 * 3600, 86_400, 7 * 86_400, 30 * 86_400, 365 * 86_400];

/// At most this many buckets in a timeline (when even the widest width
/// gives more, the oldest executions fall outside).
pub const MAX_BUCKETS: i64 = 60;

/// Nano-dollars, the unit costs are summed in.
fn to_nano(usd: f64) -> i64 {
    if usd.is_finite() { (usd * 1e9).round() as i64 } else { 0 }
}

/// Adds or takes out `by` (a count never goes below zero).
fn bump(value: &mut u64, by: u64, add: bool) {
    *value = if add { value.saturating_add(by) } else { value.saturating_sub(by) };
}

fn bump_key<K: Ord>(map: &mut BTreeMap<K, u64>, key: K, add: bool) {
    let count = map.entry(key).or_insert(0);
    bump(count, 1, add);
    if *count == 0 {
        map.retain(|_, c| *c > 0);
    }
}

/// Adds `from`'s counts to `into`'s, key by key.
fn add_counts<K: Ord + Clone>(into: &mut BTreeMap<K, u64>, from: &BTreeMap<K, u64>) {
    for (key, by) in from {
        let count = into.entry(key.clone()).or_insert(0);
        *count = count.saturating_add(*by);
    }
}

/// The histogram bucket of a latency: its lower bound.
pub fn latency_bucket(ms: u64) -> u64 {
    if ms < EXACT_LATENCY_MS {
        return ms;
    }
    let shift = 64 - ms.leading_zeros() - 8;
    (ms >> shift) << shift
}

/// Totals over a set of executions (an owner's or one session's).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Aggregate {
    pub executions: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cost_nano: i64,
    pub by_status: BTreeMap<String, u64>,
    pub outcomes: BTreeMap<String, u64>,
    /// Sub-model calls plus cache hits (what the hit rate divides by).
    pub subcalls: u64,
    pub cache_hits: u64,
    pub retries: u64,
    /// Ended executions' latencies: bucket lower bound (ms) → count.
    pub latency: BTreeMap<u64, u64>,
}

impl Aggregate {
    /// Puts `e`'s contribution in (`add`) or takes it out.
    pub fn apply(&mut self, e: &ExecutionRecord, add: bool) {
        bump(&mut self.executions, 1, add);
        bump(&mut self.input_tokens, e.spend.input_tokens, add);
        bump(&mut self.output_tokens, e.spend.output_tokens, add);
        let cost = to_nano(e.spend.cost_usd);
        self.cost_nano = if add {
            self.cost_nano.saturating_add(cost)
        } else {
            self.cost_nano.saturating_sub(cost)
        };
        bump_key(&mut self.by_status, e.status.as_str().to_string(), add);
        if let Some(f) = &e.finish {
            bump_key(&mut self.outcomes, f.clone(), add);
        }
        bump(&mut self.subcalls, e.spend.calls.saturating_add(e.cache_hits), add);
        bump(&mut self.cache_hits, e.cache_hits, add);
        bump(&mut self.retries, e.retries, add);
        if let Some(ms) = latency_of(e) {
            bump_key(&mut self.latency, latency_bucket(ms), add);
        }
    }

    /// Adds `other`'s totals (one scope's, kept in several shards).
    pub fn merge(&mut self, other: &Aggregate) {
        self.executions = self.executions.saturating_add(other.executions);
        self.input_tokens = self.input_tokens.saturating_add(other.input_tokens);
        self.output_tokens = self.output_tokens.saturating_add(other.output_tokens);
        self.cost_nano = self.cost_nano.saturating_add(other.cost_nano);
        add_counts(&mut self.by_status, &other.by_status);
        add_counts(&mut self.outcomes, &other.outcomes);
        self.subcalls = self.subcalls.saturating_add(other.subcalls);
        self.cache_hits = self.cache_hits.saturating_add(other.cache_hits);
        self.retries = self.retries.saturating_add(other.retries);
        add_counts(&mut self.latency, &other.latency);
    }

    pub fn cost_usd(&self) -> f64 {
        self.cost_nano as f64 / 1e9
    }

    /// How many latencies the histogram holds.
    pub fn latency_count(&self) -> u64 {
        self.latency.values().sum()
    }

    /// Nearest-rank percentile over the histogram: the lower bound of the
    /// smallest bucket with at least `p`% of the latencies at or below it
    /// (exact below 256 ms, within 1% above). 0 with no latency.
    pub fn latency_percentile(&self, p: f64) -> u64 {
        let n = self.latency_count();
        if n == 0 {
            return 0;
        }
        let rank = (((p / 100.0) * n as f64).ceil() as u64).clamp(1, n);
        let mut seen = 0;
        for (bucket, count) in &self.latency {
            seen += count;
            if seen >= rank {
                return *bucket;
            }
        }
        0
    }
}

/// The latency that counts in the statistics: ended executions only.
fn latency_of(e: &ExecutionRecord) -> Option<u64> {
    if e.status.is_terminal() { e.latency_ms() } else { None }
}

/// One time bucket's totals, stored per scope and width.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BucketTotals {
    pub executions: u64,
    pub completed: u64,
    pub failed: u64,
    pub tokens: u64,
    pub cost_nano: i64,
}

impl BucketTotals {
    pub fn apply(&mut self, e: &ExecutionRecord, add: bool) {
        bump(&mut self.executions, 1, add);
        match e.status {
            ExecutionStatus::Completed => bump(&mut self.completed, 1, add),
            s if s.is_terminal() => bump(&mut self.failed, 1, add),
            _ => {}
        }
        bump(&mut self.tokens, e.spend.total_tokens(), add);
        let cost = to_nano(e.spend.cost_usd);
        self.cost_nano = if add {
            self.cost_nano.saturating_add(cost)
        } else {
            self.cost_nano.saturating_sub(cost)
        };
    }

    pub fn is_empty(&self) -> bool {
        self.executions == 0
    }

    /// Adds `other`'s totals (one bucket's, kept in two records).
    pub fn merge(&mut self, other: &BucketTotals) {
        self.executions = self.executions.saturating_add(other.executions);
        self.completed = self.completed.saturating_add(other.completed);
        self.failed = self.failed.saturating_add(other.failed);
        self.tokens = self.tokens.saturating_add(other.tokens);
        self.cost_nano = self.cost_nano.saturating_add(other.cost_nano);
    }

    /// What [`BucketTotals::apply`] reads of an execution: a change that
    /// leaves it as it was changes no bucket (a start: pending to running).
    pub fn share(e: &ExecutionRecord) -> impl PartialEq + use<> {
        let class = match e.status {
            ExecutionStatus::Completed => 2u8,
            s if s.is_terminal() => 1,
            _ => 0,
        };
        (class, e.spend.total_tokens(), to_nano(e.spend.cost_usd))
    }
}

/// The bucket number of `created_at` at width `BUCKET_SECS[width]`.
pub fn bucket_of(created_at: Micros, width: usize) -> i64 {
    created_at.div_euclid(1_000_000).div_euclid(BUCKET_SECS[width] as i64)
}

/// Which width a timeline uses and its first and last bucket there, given
/// the oldest and newest execution's minute bucket: the narrowest width
/// spanning them in at most [`MAX_BUCKETS`] buckets (the newest 60 of the
/// widest width otherwise).
pub fn timeline_span(oldest_minute: i64, newest_minute: i64) -> (usize, i64, i64) {
    let (oldest, newest) = (oldest_minute * 60, newest_minute * 60);
    let width = BUCKET_SECS
        .iter()
        .position(|w| newest.div_euclid(*w as i64) - oldest.div_euclid(*w as i64) < MAX_BUCKETS)
        .unwrap_or(BUCKET_SECS.len() - 1);
    let w = BUCKET_SECS[width] as i64;
    let last = newest.div_euclid(w);
    let first = oldest.div_euclid(w).max(last - (MAX_BUCKETS - 1));
    (width, first, last)
}

/// What the fields an aggregate reads of an execution are: a write that
/// leaves them as they were changes no aggregate.
pub fn contribution(e: &ExecutionRecord) -> impl PartialEq + use<> {
    (
        e.owner.clone(),
        e.session_id,
        e.created_at,
        e.status,
        e.finish.clone(),
        e.spend,
        e.cache_hits,
        e.retries,
        latency_of(e),
    )
}

/// A time bucket as the store reads it back.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredBucket {
    /// Start of the bucket, seconds since the epoch.
    pub start_secs: i64,
    pub totals: BucketTotals,
}

/// Everything `/api/stats` shows, read from the aggregates.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatsSnapshot {
    pub totals: Aggregate,
    /// Per session of the owner (only the asked session's with a session filter).
    pub per_session: Vec<(Uuid, Aggregate)>,
    /// Bucket width in seconds (0 with no execution).
    pub bucket_secs: u64,
    /// Consecutive buckets, empty ones included.
    pub buckets: Vec<StoredBucket>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Spend;

    fn record(status: ExecutionStatus, latency_ms: i64, cost: f64) -> ExecutionRecord {
        let at = 1_800_000_000_000_000;
        ExecutionRecord {
            status,
            finish: Some("final".into()),
            completed_at: Some(at + latency_ms * 1000),
            spend: Spend { input_tokens: 10, cost_usd: cost, ..Spend::default() },
            steps: 1,
            cache_hits: 1,
            ..ExecutionRecord::pending(Uuid::new_v4(), "local", "q", "scripted", at)
                .running_since(at)
        }
    }

    #[test]
    fn taking_out_what_was_put_in_gives_back_the_empty_aggregate() {
        let mut a = Aggregate::default();
        let records: Vec<_> = (0..50)
            .map(|i| record(ExecutionStatus::Completed, i * 37, 0.1 + i as f64 * 1e-3))
            .collect();
        for r in &records {
            a.apply(r, true);
        }
        assert_eq!(a.executions, 50);
        assert_eq!(a.latency_count(), 50);
        for r in &records {
            a.apply(r, false);
        }
        assert_eq!(a, Aggregate::default());
    }

    #[test]
    fn percentiles_are_exact_below_256_ms_and_within_one_percent_above() {
        let mut a = Aggregate::default();
        for ms in 1..=100 {
            a.apply(&record(ExecutionStatus::Completed, ms, 0.0), true);
        }
        assert_eq!((a.latency_percentile(50.0), a.latency_percentile(99.0)), (50, 99));
        let mut b = Aggregate::default();
        for ms in [1000, 2000, 30_000, 600_000] {
            b.apply(&record(ExecutionStatus::Failed, ms, 0.0), true);
        }
        for (p, exact) in [(25.0, 1000u64), (50.0, 2000), (75.0, 30_000), (100.0, 600_000)] {
            let got = b.latency_percentile(p);
            assert!(got <= exact && got * 100 >= exact * 99, "p{p}: {got} for {exact}");
        }
    }

    #[test]
    fn running_executions_have_no_latency() {
        let mut a = Aggregate::default();
        a.apply(&record(ExecutionStatus::Running, 5, 0.0), true);
        assert_eq!(a.latency_count(), 0);
        assert_eq!(a.by_status.get("running"), Some(&1));
    }

    #[test]
    fn timeline_span_picks_the_narrowest_width_with_at_most_sixty_buckets() {
        let base_minute = 1_800_000_000 / 60;
        assert_eq!(timeline_span(base_minute, base_minute + 3), (0, base_minute, base_minute + 3));
        // Two hours apart: minutes would need 121 buckets, 5 minutes 25.
        let (width, first, last) = timeline_span(base_minute, base_minute + 120);
        assert_eq!((BUCKET_SECS[width], last - first + 1), (300, 25));
        // A century apart: the newest 60 yearly buckets.
        let (width, first, last) = timeline_span(0, 2 * base_minute);
        assert_eq!((BUCKET_SECS[width], last - first + 1), (365 * 86_400, 60));
    }
}
