//! An execution record's attempt marks: the mark a new attempt adds, and
//! the spend the earlier attempts carried, added once at the settlement.

use crate::store::{AttemptMark, ExecutionRecord, Spend, now_micros};

/// Marks attempt `n` in `record`, after the marks the earlier attempts
/// stored (which the record holds), as not yet going on from anything.
pub(super) fn mark_attempt(record: &mut ExecutionRecord, n: u32) {
    record.attempts.retain(|m| m.attempt < n);
    let mark = AttemptMark {
        attempt: n,
        started_at: now_micros(),
        from_step: 0,
        carried: Spend::default(),
    };
    record.attempts.push(mark);
}

/// Adds the spend the earlier attempts carried to a settled record's and
/// to the session's new state (charged once: the earlier attempts were
/// never settled, so the session was not charged for them).
pub(super) fn add_carried(
    record: &mut ExecutionRecord,
    state: Option<&mut rlm_core::SessionState>,
) {
    let Some(carried) = record.attempts.last().map(|m| m.carried) else { return };
    record.spend.add_work(&carried);
    if let Some(state) = state {
        carried.charge(&mut state.usage);
    }
}
