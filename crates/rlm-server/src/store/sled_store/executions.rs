//! Executions on sled: records and their indexes, settlement with the
//! session's new state in one transaction, and marking running ones
//! `interrupted` at start-up.

use sled::Transactional;
use uuid::Uuid;

use super::SledStore;
use super::codec::*;
use super::recordings::delete_recording;
use super::traces::chunk_of;
use super::tx::*;
use super::writer::{Durability, Trees};
use crate::store::clock::{Micros, now_micros};
use crate::store::errors::StoreError;
use crate::store::job_records::JobRecord;
use crate::store::keys::{self, *};
use crate::store::pages::{ExecutionFilter, Listed, PageRequest};
use crate::store::records::{
    EncodedEvent, ExecutionRecord, ExecutionStatus, SessionRecord, check_write,
};
use crate::store::settlement::{JobSettlement, Settled, SettledExecution};
use crate::store::traits::ExecutionStore;

/// The write of an execution's record and its indexes (refused when a
/// later attempt wrote the stored one).
pub(super) fn put_op(execution: ExecutionRecord) -> impl for<'a> Fn(&Trees<'a>) -> TxResult<()> {
    move |t: &Trees<'_>| {
        let old: Option<ExecutionRecord> =
            tx_get(t.executions, execution.id.as_bytes(), "execution")?;
        if let Some(old) = &old {
            check_write(old, &execution).map_err(abort)?;
        }
        tx_put(t.executions, execution.id.as_bytes(), &execution)?;
        tx_note_attempt(t.index, &execution)?;
        tx_index_execution(t.index, old.as_ref(), Some(&execution))
    }
}

#[async_trait::async_trait]
impl ExecutionStore for SledStore {
    async fn put_execution(&self, execution: &ExecutionRecord) -> Result<(), StoreError> {
        self.writer.write(Durability::Acknowledged, put_op(execution.clone())).await
    }

    async fn mark_running(&self, execution: &ExecutionRecord) -> Result<(), StoreError> {
        self.writer.write(Durability::Logged, put_op(execution.clone())).await
    }

    async fn put_execution_unacknowledged(
        &self,
        execution: &ExecutionRecord,
    ) -> Result<(), StoreError> {
        self.writer.write(Durability::Logged, put_op(execution.clone())).await
    }

    async fn get_execution(&self, id: Uuid) -> Result<Option<ExecutionRecord>, StoreError> {
        match self.executions.get(id.as_bytes()).map_err(backend)? {
            Some(bytes) => Ok(Some(decode("execution", &bytes)?)),
            None => Ok(None),
        }
    }

    async fn list_executions(
        &self,
        filter: &ExecutionFilter,
        page: &PageRequest,
    ) -> Result<Listed<ExecutionRecord>, StoreError> {
        let (prefix, total) = match filter.session_id {
            Some(s) => (
                session_prefix(EXECUTIONS_BY_SESSION, s),
                self.aggregate(&keys::session_aggregate(&filter.owner, s))?.executions,
            ),
            None => (
                owner_prefix(EXECUTIONS_BY_OWNER, &filter.owner),
                self.aggregate(&owner_prefix(OWNER_AGGREGATE, &filter.owner))?.executions,
            ),
        };
        self.page(
            prefix,
            page,
            total as usize,
            |id| match self.executions.get(id.as_bytes()).map_err(backend)? {
                Some(bytes) => Ok(Some((decode("execution", &bytes)?, bytes.len()))),
                None => Ok(None),
            },
            |e: &ExecutionRecord| e.owner == filter.owner,
        )
    }

    async fn delete_execution(&self, id: Uuid) -> Result<bool, StoreError> {
        // The trace's keys are read first (a transaction cannot scan); a trace
        // event stored after this read belongs to an execution still running,
        // which retention never deletes.
        let mut trace_keys = Vec::new();
        for item in self.trace.scan_prefix(id.as_bytes()) {
            trace_keys.push(item.map_err(backend)?.0);
        }
        let deleted = self
            .writer
            .write(Durability::Acknowledged, move |t: &Trees<'_>| {
                let Some(old) =
                    tx_get::<ExecutionRecord>(t.executions, id.as_bytes(), "execution")?
                else {
                    return Ok(None);
                };
                t.executions.remove(id.as_bytes())?;
                tx_index_execution(t.index, Some(&old), None)?;
                for key in &trace_keys {
                    t.trace.remove(key)?;
                }
                Ok(Some(old.owner))
            })
            .await?;
        if let Some(owner) = &deleted {
            self.checkpoints.remove(id.as_bytes()).map_err(backend)?;
            delete_recording(self, owner, id)?;
        }
        Ok(deleted.is_some())
    }

    async fn ended_executions_before(
        &self,
        before: Micros,
        limit: usize,
    ) -> Result<Vec<Uuid>, StoreError> {
        let end = keys::entry(vec![EXECUTIONS_BY_TIME], before, Uuid::nil());
        let mut ids = Vec::new();
        for item in self.index.range(vec![EXECUTIONS_BY_TIME]..end) {
            if ids.len() == limit {
                break;
            }
            let (key, _) = item.map_err(backend)?;
            let Some((_, id)) = keys::position(&key) else { continue };
            if self.get_execution(id).await?.is_some_and(|e| e.status.is_terminal()) {
                ids.push(id);
            }
        }
        Ok(ids)
    }

    async fn finish_execution(&self, settled: &SettledExecution) -> Result<Settled, StoreError> {
        self.finish_execution_with_trace(settled, &[]).await
    }

    async fn finish_execution_with_trace(
        &self,
        settled: &SettledExecution,
        trace: &[EncodedEvent<'_>],
    ) -> Result<Settled, StoreError> {
        let settled = settled.clone();
        // The trace events held until the end, as their own append would self
        // them (`traces.rs`), in the settlement's transaction.
        let chunk = chunk_of(settled.record.id, trace);
        // A repeated settlement changes nothing, but its caller still waits for
        // the first one to be on disk: every settlement is acknowledged.
        self.writer
            .write(Durability::Acknowledged, move |t: &Trees<'_>| {
                if let Some((key, value, attempt)) = &chunk
                    && tx_newest_attempt(t.index, settled.record.id)? <= *attempt
                {
                    t.trace.insert(&key[..], value.as_slice())?;
                }
                tx_finish(t, &settled)
            })
            .await
    }

    async fn interrupt_running_executions(&self, message: &str) -> Result<u64, StoreError> {
        // The index of running executions, not every execution: start-up
        // reads what was running, whatever the self's size.
        let mut count = 0;
        for item in self.index.scan_prefix([RUNNING_EXECUTIONS]) {
            let (key, _) = item.map_err(backend)?;
            let Ok(id) = Uuid::from_slice(&key[1..]) else { continue };
            let changed = (&self.executions, &self.index)
                .transaction(|(executions, index)| {
                    let Some(old) =
                        tx_get::<ExecutionRecord>(executions, id.as_bytes(), "execution")?
                    else {
                        index.remove(&by_id(RUNNING_EXECUTIONS, id)[..])?;
                        return Ok(false);
                    };
                    if old.status.is_terminal() {
                        index.remove(&by_id(RUNNING_EXECUTIONS, id)[..])?;
                        return Ok(false);
                    }
                    let mut e = old.clone();
                    e.status = ExecutionStatus::Interrupted;
                    e.error_message = Some(message.to_string());
                    e.completed_at = Some(now_micros());
                    tx_put(executions, id.as_bytes(), &e)?;
                    tx_index_execution(index, Some(&old), Some(&e))?;
                    Ok(true)
                })
                .map_err(tx_err)?;
            count += u64::from(changed);
        }
        self.durable().await?;
        Ok(count)
    }
}

/// The settlement's writes (see [`ExecutionStore::finish_execution`]).
fn tx_finish(t: &Trees<'_>, settled: &SettledExecution) -> TxResult<Settled> {
    let record = &settled.record;
    let old: Option<ExecutionRecord> = tx_get(t.executions, record.id.as_bytes(), "execution")?;
    if let Some(old) = old.as_ref().filter(|o| o.status.is_terminal()) {
        let execution = record.is_same_settlement(old);
        let job = match (&settled.job, execution) {
            (Some(j), true) => tx_get::<JobRecord>(t.jobs, j.id.as_bytes(), "job")?
                .is_some_and(|job| j.is_written(&job)),
            _ => false,
        };
        return Ok(Settled { execution, job });
    }
    // A later attempt runs it now: this one's end is not the execution's.
    if old.as_ref().is_some_and(|o| check_write(o, record).is_err()) {
        return Ok(Settled::default());
    }
    tx_put(t.executions, record.id.as_bytes(), record)?;
    tx_note_attempt(t.index, record)?;
    tx_index_execution(t.index, old.as_ref(), Some(record))?;
    let job = tx_settle_job(t, settled.job.as_ref(), record.id)?;
    tx_settle_session(t, settled)?;
    Ok(Settled { execution: true, job })
}

/// The job's part of a settlement: its outcome, if `holder` still holds it.
fn tx_settle_job(
    t: &Trees<'_>,
    settlement: Option<&JobSettlement>,
    execution: Uuid,
) -> TxResult<bool> {
    let Some(settlement) = settlement else { return Ok(false) };
    let Some(mut job) = tx_get::<JobRecord>(t.jobs, settlement.id.as_bytes(), "job")? else {
        return Ok(false);
    };
    if !settlement.may_write(&job) {
        return Ok(false);
    }
    settlement.apply(&mut job, now_micros());
    // The execution that answered names itself (see the PostgreSQL store).
    job.execution_id = Some(execution);
    t.index.remove(&by_id(RUNNING_JOBS, job.id)[..])?;
    tx_put(t.jobs, job.id.as_bytes(), &job)?;
    Ok(true)
}

/// The session's part of a settlement: its new state and history turns.
fn tx_settle_session(t: &Trees<'_>, settled: &SettledExecution) -> TxResult<()> {
    let record = &settled.record;
    let Some(session_id) = record.session_id else { return Ok(()) };
    let Some(mut session) = tx_get::<SessionRecord>(t.sessions, session_id.as_bytes(), "session")?
    else {
        return Ok(());
    };
    let Some(state) = settled.merged_state(&session.state) else { return Ok(()) };
    tx_split_history(t.history, &mut session, state, record.id)?;
    session.updated_at = record.completed_at.unwrap_or(session.updated_at);
    tx_put(t.sessions, session_id.as_bytes(), &session)
}
