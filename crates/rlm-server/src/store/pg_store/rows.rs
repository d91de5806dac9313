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
    match new {
        Some(e) => {
            if let Some(o) = old {
                super::super::check_write(o, e)?;
            }
            let attempt = i32::try_from(e.attempt()).unwrap_or(i32::MAX);
            tx.execute(
                "INSERT INTO executions (id, owner, session_id, created_at, terminal, record, attempt)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (id) DO UPDATE SET owner = excluded.owner,
                     session_id = excluded.session_id, created_at = excluded.created_at,
                     terminal = excluded.terminal, record = excluded.record,
                     attempt = excluded.attempt",
                &[
                    &e.id,
                    &e.owner,
                    &e.session_id,
                    &e.created_at,
                    &e.status.is_terminal(),
                    &encode(e)?,
                    &attempt,
                ],
            )
            .await
            .map_err(pg)?;
        }
        None => {
            if let Some(o) = old {
                tx.execute("DELETE FROM executions WHERE id = $1", &[&o.id]).await.map_err(pg)?;
                tx.execute("DELETE FROM trace WHERE execution_id = $1", &[&o.id])
                    .await
                    .map_err(pg)?;
            }
        }
    }
    match (old, new) {
        // An execution's blob is its for its whole life: counted when the
        // record is made, dropped when it is deleted.
        (None, Some(n)) => move_blob_refs(tx, None, execution_blob(n)).await?,
        (Some(o), None) => move_blob_refs(tx, execution_blob(o), None).await?,
        _ => {}
    }
    apply_aggregates(tx, old, new).await
}

/// The stored execution, locked for the transaction.
pub(super) async fn lock_execution(
    tx: &Tx<'_>,
    id: Uuid,
) -> Result<Option<ExecutionRecord>, StoreError> {
    let row = tx
        .query_opt("SELECT record FROM executions WHERE id = $1 FOR UPDATE", &[&id])
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
        .query_opt("SELECT record FROM sessions WHERE id = $1 FOR UPDATE", &[&id])
        .await
        .map_err(pg)?;
    row.map(|r| decode("session", r.get(0))).transpose()
}

pub(super) async fn lock_job(tx: &Tx<'_>, id: Uuid) -> Result<Option<JobRecord>, StoreError> {
    let row = tx
        .query_opt("SELECT record FROM jobs WHERE id = $1 FOR UPDATE", &[&id])
        .await
        .map_err(pg)?;
    row.map(|r| decode("job", r.get(0))).transpose()
}

pub(super) async fn write_job(tx: &Tx<'_>, job: &JobRecord) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE jobs SET status = $2, record = $3 WHERE id = $1",
        &[&job.id, &job_status(job.status), &encode(job)?],
    )
    .await
    .map_err(pg)?;
    Ok(())
}

pub(super) async fn write_session(tx: &Tx<'_>, s: &SessionRecord) -> Result<(), StoreError> {
    tx.execute("UPDATE sessions SET record = $2 WHERE id = $1", &[&s.id, &encode(s)?])
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
