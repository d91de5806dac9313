//! The row reads and writes the transactions share: an execution written
//! with its aggregates, records locked `FOR UPDATE`, a job's and a
//! session's record rewritten, and the per-owner listing of sessions and jobs.

use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::PgStore;
use super::aggregates::{apply_aggregates, move_blob_refs, new_shard};
use super::sql::{
    Tx, big_usize, cursor_of, decode, encode, page_bytes, paged, paged_sql, pg, prepared,
};
use crate::store::errors::StoreError;
use crate::store::job_records::{JobRecord, JobStatus};
use crate::store::pages::{Listed, PageRequest};
use crate::store::records::{ExecutionRecord, SessionRecord, check_write, execution_blob};

/// A deleted execution's trace: its batches and the rows of version 11 (one
/// statement, one round trip).
const DELETE_TRACE: &str = "WITH legacy AS (DELETE FROM trace WHERE execution_id = $1)
     DELETE FROM trace_batches WHERE execution_id = $1";

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
                check_write(o, e)?;
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
                tx.execute(&prepared(tx, DELETE_TRACE).await?, &[&o.id]).await.map_err(pg)?;
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

/// A table listed per owner, newest first, by cursor (`list_sessions`,
/// `list_jobs`): its name in SQL and what a damaged record is called.
#[derive(Debug, Clone, Copy)]
pub(super) enum OwnedTable {
    Sessions,
    Jobs,
}

impl OwnedTable {
    fn name(self) -> &'static str {
        match self {
            OwnedTable::Sessions => "sessions",
            OwnedTable::Jobs => "jobs",
        }
    }

    fn record(self) -> &'static str {
        match self {
            OwnedTable::Sessions => "session",
            OwnedTable::Jobs => "job",
        }
    }
}

/// One page of `owner`'s records in `table`, newest first, after the page's
/// cursor; the total is the owner's incremental count, not a scan.
pub(super) async fn list_owned<T: DeserializeOwned>(
    store: &PgStore,
    table: OwnedTable,
    owner: &str,
    page: &PageRequest,
) -> Result<Listed<T>, StoreError> {
    let cursor = cursor_of(page)?;
    let total = store.count(owner, table.name()).await? as usize;
    let (before_at, before_id) = cursor.unwrap_or((i64::MAX, Uuid::max()));
    let client = store.client().await?;
    let sql = paged_sql(table.name(), "owner = $1 AND (created_at, id) < ($2, $3)", 4);
    let rows = client
        .query(
            &sql,
            &[
                &owner,
                &before_at,
                &before_id,
                &big_usize(page.limit.saturating_add(1)),
                &big_usize(page.offset),
                &page_bytes(),
            ],
        )
        .await
        .map_err(pg)?;
    let rows = rows
        .iter()
        .map(|r| {
            let record: Option<&str> = r.get(2);
            Ok((r.get(0), r.get(1), record.map(|b| decode(table.record(), b)).transpose()?))
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(paged(rows, page.limit, total))
}
