//! The deployment-wide series of `/metrics` (issue #55): the job counts and
//! the outbox read from the store (at each scrape, so every api shows the
//! same figures whatever it saw itself), the relay's publications and
//! failures, the sweeps' copies, refused submissions and idempotent
//! replays; and, for each tenant, its stored executions, tokens and spend
//! (`rlm_stored_*`, the store's aggregates: what the cluster did, not what
//! this process ran).

use std::fmt::Write as _;
use std::sync::atomic::AtomicU64;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::store::{Micros, OutboxDepth, StatsSnapshot, Store, StoreError};

/// See the module docs; cheap to clone (every series is shared).
#[derive(Debug, Clone, Default)]
pub struct ClusterSeries {
    pub jobs_queued: Gauge,
    pub jobs_running: Gauge,
    pub outbox_backlog: Gauge,
    pub outbox_oldest_age_seconds: Gauge<f64, AtomicU64>,
    pub relay_published: Counter,
    pub relay_failures: Counter,
    pub sweep_republished: Counter,
    pub submissions_refused: Counter,
    pub idempotent_replays: Counter,
    /// 1 while this process's NATS connection is up (absent without a queue).
    pub queue_connected: Gauge,
}

impl ClusterSeries {
    /// Registers every series in `registry` (each tenant's, and the process's).
    pub fn register(&self, registry: &mut Registry) {
        let gauges = [
            (
                "jobs_queued",
                "Jobs waiting for a worker, deployment-wide (from the store)",
                &self.jobs_queued,
            ),
            ("jobs_running", "Jobs running, deployment-wide (from the store)", &self.jobs_running),
            (
                "outbox_backlog",
                "Messages committed and not yet published to the job queue",
                &self.outbox_backlog,
            ),
            (
                "queue_connected",
                "1 while this process's NATS connection is up",
                &self.queue_connected,
            ),
        ];
        for (name, help, gauge) in gauges {
            registry.register(name, help, gauge.clone());
        }
        registry.register(
            "outbox_oldest_age_seconds",
            "Age of the oldest message waiting in the outbox (0: none)",
            self.outbox_oldest_age_seconds.clone(),
        );
        let counters = [
            (
                "relay_published",
                "Outbox messages published to the job queue by this process",
                &self.relay_published,
            ),
            (
                "relay_failures",
                "Outbox publications that failed (NATS down or slow)",
                &self.relay_failures,
            ),
            (
                "sweep_republished",
                "Copies of jobs whose message was lost, queued by the sweeps",
                &self.sweep_republished,
            ),
            (
                "submissions_refused",
                "Submissions refused with 503 (queue unreachable or outbox full)",
                &self.submissions_refused,
            ),
            (
                "idempotent_replays",
                "Requests answered from an idempotency key's stored response",
                &self.idempotent_replays,
            ),
        ];
        for (name, help, counter) in counters {
            registry.register(name, help, counter.clone());
        }
    }

    /// Records the outbox's depth at `now`.
    pub fn set_depth(&self, depth: &OutboxDepth, now: Micros) {
        self.outbox_backlog.set(i64::try_from(depth.entries).unwrap_or(i64::MAX));
        let age = depth.oldest.map_or(0.0, |at| (now - at).max(0) as f64 / 1e6);
        self.outbox_oldest_age_seconds.set(age);
    }

    /// Reads the deployment's job counts and outbox from the store.
    pub async fn refresh(&self, store: &dyn Store, now: Micros) -> Result<(), StoreError> {
        let counts = store.job_counts().await?;
        self.jobs_queued.set(i64::try_from(counts.pending).unwrap_or(i64::MAX));
        self.jobs_running.set(i64::try_from(counts.running).unwrap_or(i64::MAX));
        self.set_depth(&store.outbox_depth().await?, now);
        Ok(())
    }
}

/// A tenant's stored totals as exposition lines, put before the `# EOF`
/// that ends `rendered`.
pub fn with_stored_totals(rendered: String, stats: &StatsSnapshot) -> String {
    let totals = &stats.totals;
    let mut lines = String::new();
    let _ = writeln!(
        lines,
        "# HELP rlm_stored_executions Executions in the store by status (every process's)"
    );
    let _ = writeln!(lines, "# TYPE rlm_stored_executions gauge");
    for (status, n) in &totals.by_status {
        let _ = writeln!(lines, "rlm_stored_executions{{status=\"{status}\"}} {n}");
    }
    let _ =
        writeln!(lines, "# HELP rlm_stored_tokens Tokens of the stored executions (input, output)");
    let _ = writeln!(lines, "# TYPE rlm_stored_tokens gauge");
    let _ = writeln!(lines, "rlm_stored_tokens{{kind=\"input\"}} {}", totals.input_tokens);
    let _ = writeln!(lines, "rlm_stored_tokens{{kind=\"output\"}} {}", totals.output_tokens);
    let _ =
        writeln!(lines, "# HELP rlm_stored_cost_usd Spend of the stored executions in US dollars");
    let _ = writeln!(lines, "# TYPE rlm_stored_cost_usd gauge");
    let _ = writeln!(lines, "rlm_stored_cost_usd {}", totals.cost_nano as f64 / 1e9);
    match rendered.rfind("# EOF") {
        Some(at) => {
            let mut out = rendered;
            out.insert_str(at, &lines);
            out
        }
        None => rendered + &lines,
    }
}
