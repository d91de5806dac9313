//! The row reads and writes the transactions share: an execution written
//! with its aggregates, records locked `FOR UPDATE`, a job's and a
//! session's record rewritten.

use super::*;

/// Writes `new` (or deletes the execution with `None`) with its aggregates.
pub(super) async fn write_execution(
    tx: &Tx<'_>,
    old: Option<&ExecutionRecord>,
    new: Option<&ExecutionRecord>,
) -> Result<(), StoreError> {
    // The owner's shard the execution is counted in (see `aggregates.rs`).
    let shard: i32 = match new {
        Some(e) => {
            if let Some(o) = old {
                super::super::check_write(o, e)?;
            }
            let attempt = i32::try_from(e.attempt()).unwrap_or(i32::MAX);
            // `agg_shard` is the execution's from its first write on (an
            // execution a version-9 store counted keeps shard 0).
            let row = tx
                .query_one(
                    &prepared(
                        tx,
                        "INSERT INTO executions
                             (id, owner, session_id, created_at, terminal, record, attempt, agg_shard)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                         ON CONFLICT (id) DO UPDATE SET owner = excluded.owner,
                             session_id = excluded.session_id, created_at = excluded.created_at,
                             terminal = excluded.terminal, record = excluded.record,
                             attempt = excluded.attempt
                         RETURNING agg_shard",
                    )
                    .await?,
                    &[
                        &e.id,
                        &e.owner,
                        &e.session_id,
                        &e.created_at,
                        &e.status.is_terminal(),
                        &encode(e)?,
                        &attempt,
                        &new_shard(),
                    ],
                )
                .await
                .map_err(pg)?;
            row.get(0)
        }
        None => match old {
            Some(o) => {
                let row = tx
                    .query_opt(
                        &prepared(tx, "DELETE FROM executions WHERE id = $1 RETURNING agg_shard")
                            .await?,
                        &[&o.id],
                    )
                    .await
                    .map_err(pg)?;
                tx.execute(
                    &prepared(tx, "DELETE FROM trace WHERE execution_id = $1").await?,
                    &[&o.id],
                )
                .await
                .map_err(pg)?;
                row.map_or(0, |r| r.get(0))
            }
            None => 0,
        },
    };
    match (old, new) {
        // An execution's blob is its for its whole life: counted when the
        // record is made, dropped when it is deleted.
        (None, Some(n)) => move_blob_refs(tx, None, execution_blob(n)).await?,
        (Some(o), None) => move_blob_refs(tx, execution_blob(o), None).await?,
        _ => {}
    }
    apply_aggregates(tx, (old, new), shard).await
}

/// The stored execution, locked for the transaction.
pub(super) async fn lock_execution(
    tx: &Tx<'_>,
    id: Uuid,
) -> Result<Option<ExecutionRecord>, StoreError> {
    let row = tx
        .query_opt(
            &prepared(tx, "SELECT record FROM executions WHERE id = $1 FOR UPDATE").await?,
            &[&id],
        )
        .await
        .map_err(pg)?;
    row.map(|r| decode("execution", r.get(0))).transpose()
}

/// The stored session, locked for the transaction.
pub(super) async fn lock_session(
    tx: &Tx<'_>,
    id: Uuid,
) -> Result<Option<SessionRecord>, StoreError> {
    let row = tx
        .query_opt(
            &prepared(tx, "SELECT record FROM sessions WHERE id = $1 FOR UPDATE").await?,
            &[&id],
        )
        .await
        .map_err(pg)?;
    row.map(|r| decode("session", r.get(0))).transpose()
}

pub(super) async fn lock_job(tx: &Tx<'_>, id: Uuid) -> Result<Option<JobRecord>, StoreError> {
    let row = tx
        .query_opt(&prepared(tx, "SELECT record FROM jobs WHERE id = $1 FOR UPDATE").await?, &[&id])
        .await
        .map_err(pg)?;
    row.map(|r| decode("job", r.get(0))).transpose()
}

pub(super) async fn write_job(tx: &Tx<'_>, job: &JobRecord) -> Result<(), StoreError> {
    tx.execute(
        &prepared(tx, "UPDATE jobs SET status = $2, record = $3 WHERE id = $1").await?,
        &[&job.id, &job_status(job.status), &encode(job)?],
    )
    .await
    .map_err(pg)?;
    Ok(())
}

pub(super) async fn write_session(tx: &Tx<'_>, s: &SessionRecord) -> Result<(), StoreError> {
    tx.execute(
        &prepared(tx, "UPDATE sessions SET record = $2 WHERE id = $1").await?,
        &[&s.id, &encode(s)?],
    )
    .await
    .map_err(pg)?;
    Ok(())
}

/// The status column's value (the record's own spelling).
pub(super) fn job_status(status: JobStatus) -> &'static str {
    match status {
        JobStatus::Pending => "PENDING",
        JobStatus::Running => "RUNNING",
        JobStatus::Complete => "COMPLETE",
        JobStatus::Failed => "FAILED",
        JobStatus::Cancelled => "CANCELLED",
        JobStatus::Interrupted => "INTERRUPTED",
    }
}
