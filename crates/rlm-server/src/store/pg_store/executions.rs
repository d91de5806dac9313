//! Executions on PostgreSQL: their records, settlement with the session's
//! new state in one transaction, and marking the executions of a dead
//! process `interrupted` (their leases are `leases.rs`).

use uuid::Uuid;

use super::batch_items::Settling;
use super::recordings::delete_recording;
use super::rows::{
    lock_execution, lock_job, lock_session, write_execution, write_job, write_session,
};
use super::sql::{
    Tx, big, big_usize, cursor_of, decode, encode, page_bytes, paged, paged_sql, pg, prepared,
    prepared_on,
};
use super::traces::{INSERT_TRACE_BATCHES, TraceColumns, merge_refused};
use super::{OWNER_ROW, PgStore};
use crate::store::clock::{Micros, now_micros};
use crate::store::errors::StoreError;
use crate::store::pages::{ExecutionFilter, Listed, PageRequest};
use crate::store::records::{EncodedEvent, ExecutionRecord, ExecutionStatus, check_write};
use crate::store::settlement::{JobSettlement, Settled, SettledExecution, split_history};
use crate::store::traits::ExecutionStore;

impl PgStore {
    /// Marks each of `ids` still pending or running `interrupted` with
    /// `message`, one transaction each (the row locked, the aggregates
    /// moved in it). With `lease_now`, only those whose lease has not been
    /// renewed past it (their process is dead) and whose job, if any, has
    /// ended; their lease then goes. Returns how many were marked.
    pub(super) async fn interrupt_each(
        &self,
        ids: &[Uuid],
        message: &str,
        lease_now: Option<Micros>,
    ) -> Result<u64, StoreError> {
        let mut count = 0;
        for &id in ids {
            let mut client = self.client().await?;
            let tx = client.transaction().await.map_err(pg)?;
            let Some(old) = lock_execution(&tx, id).await? else { continue };
            if old.status.is_terminal() {
                continue;
            }
            if let Some(now) = lease_now {
                // Renewed since it was read: its process is alive.
                let renewed = tx
                    .query_opt(
                        &prepared(&tx, "SELECT 1 FROM execution_leases WHERE execution_id = $1 AND expires_at >= $2").await?,
                        &[&id, &now],
                    )
                    .await
                    .map_err(pg)?;
                if renewed.is_some() {
                    continue;
                }
                // An execution an api queued is its queue's, as a job's is:
                // its next delivery goes on with it from its checkpoint, and
                // the queue's last failed delivery ends it.
                if old.queued {
                    continue;
                }
                // A job still open is its queue's to deliver again; the next
                // delivery goes on with this execution from its checkpoint
                // (one execution, one trace). Ending it here would make that
                // delivery start over. Once the job ends, the sweep ends it.
                if let Some(job) = old.job_id {
                    let open = tx
                        .query_opt(
                            &prepared(&tx, "SELECT 1 FROM jobs WHERE id = $1 AND status IN ('PENDING', 'RUNNING')").await?,
                            &[&job],
                        )
                        .await
                        .map_err(pg)?;
                    if open.is_some() {
                        continue;
                    }
                }
            }
            let mut e = old.clone();
            e.status = ExecutionStatus::Interrupted;
            e.error_message = Some(message.to_string());
            e.completed_at = Some(now_micros());
            write_execution(&tx, Some(&old), Some(&e)).await?;
            if lease_now.is_some() {
                tx.execute(
                    &prepared(&tx, "DELETE FROM execution_leases WHERE execution_id = $1").await?,
                    &[&id],
                )
                .await
                .map_err(pg)?;
            }
            tx.commit().await.map_err(pg)?;
            count += 1;
        }
        Ok(count)
    }
}

#[async_trait::async_trait]
impl ExecutionStore for PgStore {
    async fn put_execution(&self, execution: &ExecutionRecord) -> Result<(), StoreError> {
        self.writing(move || async move {
            let mut client = self.client().await?;
            let tx = client.transaction().await.map_err(pg)?;
            put_execution_in(&tx, execution).await?;
            tx.commit().await.map_err(pg)
        })
        .await
    }

    async fn get_execution(&self, id: Uuid) -> Result<Option<ExecutionRecord>, StoreError> {
        self.reading(move || async move {
            let client = self.client().await?;
            let row = client
                .query_opt(
                    &prepared_on(&client, "SELECT record FROM executions WHERE id = $1").await?,
                    &[&id],
                )
                .await
                .map_err(pg)?;
            row.map(|r| decode("execution", r.get(0))).transpose()
        })
        .await
    }

    async fn list_executions(
        &self,
        filter: &ExecutionFilter,
        page: &PageRequest,
    ) -> Result<Listed<ExecutionRecord>, StoreError> {
        self.reading(move || async move {
            let cursor = cursor_of(page)?;
            let (before_at, before_id) = cursor.unwrap_or((i64::MAX, Uuid::max()));
            let client = self.client().await?;
            let total = self
                .aggregate(&client, &filter.owner, filter.session_id.unwrap_or(OWNER_ROW))
                .await?
                .executions as usize;
            let limit = big_usize(page.limit.saturating_add(1));
            let offset = big_usize(page.offset);
            let bytes = page_bytes();
            let rows = match filter.session_id {
                Some(s) => {
                    let filter_sql =
                        "session_id = $1 AND owner = $2 AND (created_at, id) < ($3, $4)";
                    client
                        .query(
                            &paged_sql("executions", filter_sql, 5),
                            &[&s, &filter.owner, &before_at, &before_id, &limit, &offset, &bytes],
                        )
                        .await
                }
                None => {
                    let filter_sql = "owner = $1 AND (created_at, id) < ($2, $3)";
                    client
                        .query(
                            &paged_sql("executions", filter_sql, 4),
                            &[&filter.owner, &before_at, &before_id, &limit, &offset, &bytes],
                        )
                        .await
                }
            }
            .map_err(pg)?;
            let rows = rows
                .iter()
                .map(|r| {
                    let record: Option<&str> = r.get(2);
                    Ok((r.get(0), r.get(1), record.map(|b| decode("execution", b)).transpose()?))
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            Ok(paged(rows, page.limit, total))
        })
        .await
    }

    async fn delete_execution(&self, id: Uuid) -> Result<bool, StoreError> {
        self.writing(move || async move {
            let mut client = self.client().await?;
            let tx = client.transaction().await.map_err(pg)?;
            let Some(old) = lock_execution(&tx, id).await? else { return Ok(false) };
            write_execution(&tx, Some(&old), None).await?;
            tx.execute(
                &prepared(&tx, "DELETE FROM checkpoints WHERE execution_id = $1").await?,
                &[&id],
            )
            .await
            .map_err(pg)?;
            delete_recording(&tx, id).await?;
            tx.commit().await.map_err(pg)?;
            Ok(true)
        })
        .await
    }

    async fn ended_executions_before(
        &self,
        before: Micros,
        limit: usize,
    ) -> Result<Vec<Uuid>, StoreError> {
        self.reading(move || async move {
            let client = self.client().await?;
            let rows = client
                .query(
                    &prepared_on(
                        &client,
                        "SELECT id FROM executions WHERE created_at < $1 AND terminal
             ORDER BY created_at, id LIMIT $2",
                    )
                    .await?,
                    &[&before, &big_usize(limit)],
                )
                .await
                .map_err(pg)?;
            Ok(rows.iter().map(|r| r.get(0)).collect())
        })
        .await
    }

    async fn finish_execution(&self, settled: &SettledExecution) -> Result<Settled, StoreError> {
        self.settle_grouped(Settling::of(settled, &[], None)).await
    }

    async fn finish_execution_with_trace(
        &self,
        settled: &SettledExecution,
        trace: &[EncodedEvent<'_>],
    ) -> Result<Settled, StoreError> {
        self.settle_grouped(Settling::of(settled, trace, None)).await
    }

    async fn interrupt_running_executions(&self, message: &str) -> Result<u64, StoreError> {
        self.writing(move || async move {
            let ids: Vec<Uuid> = {
                let client = self.client().await?;
                let rows = client
                    .query(
                        &prepared_on(&client, "SELECT id FROM executions WHERE NOT terminal")
                            .await?,
                        &[],
                    )
                    .await
                    .map_err(pg)?;
                rows.iter().map(|r| r.get(0)).collect()
            };
            self.interrupt_each(&ids, message, None).await
        })
        .await
    }
}

/// [`ExecutionStore::put_execution`] in the caller's transaction.
pub(super) async fn put_execution_in(
    tx: &Tx<'_>,
    execution: &ExecutionRecord,
) -> Result<(), StoreError> {
    let old = lock_execution(tx, execution.id).await?;
    write_execution(tx, old.as_ref(), Some(execution)).await
}

/// Gives `$2`'s lease on the session `$1` up.
pub(super) const RELEASE_SESSION_LEASE: &str =
    "DELETE FROM session_leases WHERE session_id = $1 AND holder = $2";

/// The settlement ([`ExecutionStore::finish_execution_with_trace`]), and with
/// `release`, the holder's lease on the execution's session given up in
/// its transaction (or, when the settlement writes nothing, alone).
pub(super) async fn settle(
    store: &PgStore,
    settled: &SettledExecution,
    trace: &[EncodedEvent<'_>],
    release: Option<&str>,
) -> Result<Settled, StoreError> {
    let mut client = store.client().await?;
    let tx = client.transaction().await.map_err(pg)?;
    let (done, write) = settle_in(&tx, settled, trace).await?;
    let release = release.zip(settled.record.session_id);
    if write {
        if let Some((holder, sid)) = release {
            tx.execute(&prepared(&tx, RELEASE_SESSION_LEASE).await?, &[&sid, &holder])
                .await
                .map_err(pg)?;
        }
        tx.commit().await.map_err(pg)?;
    } else {
        // Nothing of the settlement's is kept (as before: rolled back).
        tx.rollback().await.map_err(pg)?;
        if let Some((holder, sid)) = release {
            client
                .execute(&prepared_on(&client, RELEASE_SESSION_LEASE).await?, &[&sid, &holder])
                .await
                .map_err(pg)?;
        }
    }
    Ok(done)
}

/// The settlement's writes in `tx`: what it wrote, and whether `tx` is to
/// be committed (`false`: the execution had ended, or a later attempt
/// runs it, and nothing is written).
async fn settle_in(
    tx: &Tx<'_>,
    settled: &SettledExecution,
    trace: &[EncodedEvent<'_>],
) -> Result<(Settled, bool), StoreError> {
    let record = &settled.record;
    let old = lock_execution(tx, record.id).await?;
    // The trace events not stored yet, in the settlement's transaction (a
    // superseded attempt's refused, as an append's; a batch meeting stored
    // events merged with them).
    let mut traces = TraceColumns::default();
    traces.push(record.id, trace);
    if !traces.is_empty() {
        let written = tx
            .query(&prepared(tx, INSERT_TRACE_BATCHES).await?, &traces.params())
            .await
            .map_err(pg)?;
        merge_refused(tx, &traces, &written).await?;
    }
    if let Some(old) = old.as_ref().filter(|o| o.status.is_terminal()) {
        // Ended already: by an earlier try of this settlement (its commit's
        // answer lost), or otherwise. Nothing is written either way.
        let execution = record.is_same_settlement(old);
        let job = match (&settled.job, execution) {
            (Some(j), true) => lock_job(tx, j.id).await?.is_some_and(|job| j.is_written(&job)),
            _ => false,
        };
        return Ok((Settled { execution, job }, false));
    }
    // A later attempt runs it now: this one's end is not the execution's.
    if let Some(old) = &old
        && check_write(old, record).is_err()
    {
        return Ok((Settled::default(), false));
    }
    write_execution(tx, old.as_ref(), Some(record)).await?;
    tx.execute(
        &prepared(tx, "DELETE FROM execution_leases WHERE execution_id = $1").await?,
        &[&record.id],
    )
    .await
    .map_err(pg)?;
    let job = settle_job(tx, settled.job.as_ref(), record.id).await?;
    settle_session(tx, settled).await?;
    Ok((Settled { execution: true, job }, true))
}

/// The job's part of a settlement: its outcome, if `holder` still holds it.
async fn settle_job(
    tx: &Tx<'_>,
    job: Option<&JobSettlement>,
    execution: Uuid,
) -> Result<bool, StoreError> {
    let Some(settlement) = job else { return Ok(false) };
    let Some(mut job) = lock_job(tx, settlement.id).await? else { return Ok(false) };
    if !settlement.may_write(&job) {
        return Ok(false);
    }
    settlement.apply(&mut job, now_micros());
    // The execution that answered names itself (its delivery may not have
    // been able to record it: the database was away).
    job.execution_id = Some(execution);
    write_job(tx, &job).await?;
    Ok(true)
}

/// The session's part of a settlement: its new state and history turns.
async fn settle_session(tx: &Tx<'_>, settled: &SettledExecution) -> Result<(), StoreError> {
    let record = &settled.record;
    let Some(session_id) = record.session_id else { return Ok(()) };
    let Some(mut session) = lock_session(tx, session_id).await? else { return Ok(()) };
    let Some(state) = settled.merged_state(&session.state) else { return Ok(()) };
    let first = session.history_len;
    let turns = split_history(&mut session, state, record.id);
    for (n, turn) in turns.iter().enumerate() {
        tx.execute(
            &prepared(
                tx,
                "INSERT INTO session_history (session_id, turn, body) VALUES ($1, $2, $3)
             ON CONFLICT (session_id, turn) DO UPDATE SET body = excluded.body",
            )
            .await?,
            &[&session_id, &big(first + n as u64), &encode(turn)?],
        )
        .await
        .map_err(pg)?;
    }
    session.updated_at = record.completed_at.unwrap_or(session.updated_at);
    write_session(tx, &session).await
}
