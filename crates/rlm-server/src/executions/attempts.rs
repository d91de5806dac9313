//! A queued execution's attempts: each delivery that runs it is marked in
//! its record ([`AttemptMark`]: its number, when it started, the step it
//! went on from), and a later delivery carries the spend of the earlier
//! ones up to the checkpoint it goes on from, read from the stored trace,
//! so the settled `spend` (and the session's charge) is the sum over the
//! attempts' checkpointed work. What a killed attempt did after its last
//! checkpoint is not stored anywhere, so it is not counted.

use std::sync::atomic::Ordering;

use crate::engine::durable::{ResumePoint, resume_point};
use crate::error::ServerError;
use crate::store::{ExecutionRecord, ExecutionStatus, Spend, StoreError, now_micros};

use super::attempt_marks::mark_attempt;
use super::{Executions, Live};

/// Why an attempt cannot go on: the database was away (the delivery is
/// given back, for a later one), a later delivery runs the execution now
/// (this one stops without a write), or anything else (the execution fails).
pub(super) struct AttemptRefused {
    pub why: String,
    pub unavailable: bool,
    pub superseded: bool,
}

impl AttemptRefused {
    fn new(what: &str, e: &ServerError) -> Self {
        let unavailable = matches!(e, ServerError::Store(s) if s.is_unavailable());
        let superseded = matches!(e, ServerError::Store(StoreError::Superseded { .. }));
        AttemptRefused { why: format!("{what}: {e}"), unavailable, superseded }
    }
}

impl Executions {
    /// Marks attempt `attempt` (a queue's delivery; `None`: not queued) in
    /// `record`, after the marks the earlier attempts stored (which the
    /// record holds), and reads
    /// where it goes on from (attempts after the first); `Err`: why it
    /// cannot go on.
    pub(super) async fn prepare_attempt(
        &self,
        record: &mut ExecutionRecord,
        attempt: Option<u32>,
    ) -> Result<Option<ResumePoint>, AttemptRefused> {
        let Some(n) = attempt else { return Ok(None) };
        mark_attempt(record, n);
        if n == 1 {
            return Ok(None);
        }
        // Fenced first: once this attempt's mark is stored, every write of an
        // earlier one (a worker frozen past its lease, then thawed) is
        // refused, so the trace read below cannot change under it.
        record.status = ExecutionStatus::Running;
        record.started_at.get_or_insert_with(now_micros);
        self.store.mark_running(record).await.map_err(|e| {
            AttemptRefused::new("cannot take the execution over", &ServerError::Store(e))
        })?;
        let resume = resume_point(self.store.as_ref(), record.id, &record.user_query)
            .await
            .map_err(|e| AttemptRefused::new("cannot read where the execution stopped", &e))?;
        let from_step = resume.as_ref().map_or(0, |p| p.checkpoint.step);
        let carried = resume.as_ref().map_or_else(Spend::default, |p| Spend::of_trace(&p.trace));
        if resume.is_some() {
            tracing::info!(
                execution = %record.id,
                attempt = n,
                step = from_step,
                carried_tokens = carried.total_tokens(),
                "resuming the execution from its checkpoint"
            );
        }
        if let Some(mark) = record.attempts.last_mut() {
            mark.from_step = from_step;
            mark.carried = carried;
        }
        Ok(resume)
    }
}

impl Executions {
    /// Leaves a queue's delivery, stopped by the database being away
    /// before it ran, as stored (not settled, its checkpoints kept) for a
    /// later delivery: its job stays RUNNING under this holder, whose
    /// caller gives the delivery back.
    pub(super) fn left_for_later(
        &self,
        mut record: ExecutionRecord,
        live: &Live,
        why: &str,
    ) -> ExecutionRecord {
        live.handed_back.store(true, Ordering::SeqCst);
        live.bus.close();
        record.status = ExecutionStatus::Interrupted;
        record.error_message = Some(why.to_string());
        tracing::warn!(execution = %record.id, why, "the execution is left for a later delivery");
        record
    }
}
