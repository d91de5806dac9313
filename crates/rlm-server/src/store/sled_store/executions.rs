//! Executions on sled: records and their indexes, settlement with the
//! session's new state in one transaction, and marking running ones
//! `interrupted` at start-up.

use super::*;

/// The write of an execution's record and its indexes (refused when a
/// later attempt wrote the stored one).
pub(super) fn put_op(execution: ExecutionRecord) -> impl for<'a> Fn(&Trees<'a>) -> TxResult<()> {
    move |t: &Trees<'_>| {
        let old: Option<ExecutionRecord> =
            tx_get(t.executions, execution.id.as_bytes(), "execution")?;
        if let Some(old) = &old {
            crate::store::check_write(old, &execution).map_err(abort)?;
        }
        tx_put(t.executions, execution.id.as_bytes(), &execution)?;
        tx_note_attempt(t.index, &execution)?;
        tx_index_execution(t.index, old.as_ref(), Some(&execution))
    }
}

/// Keeps a redelivered execution's newest attempt where a trace batch or a
/// checkpoint of an older one finds it (see [`keys::ATTEMPTS`]).
fn tx_note_attempt(
    index: &sled::transaction::TransactionalTree,
    execution: &ExecutionRecord,
) -> TxResult<()> {
    if execution.attempt() > 1 {
        let key = by_id(ATTEMPTS, execution.id);
        index.insert(&key[..], &execution.attempt().to_be_bytes()[..])?;
    }
    Ok(())
}

/// The newest attempt the store knows of `execution` (1 unless a queue
/// delivered it again), read in a transaction.
pub(super) fn tx_newest_attempt(
    index: &sled::transaction::TransactionalTree,
    execution: Uuid,
) -> TxResult<u32> {
    Ok(index
        .get(&by_id(ATTEMPTS, execution)[..])?
        .and_then(|b| <[u8; 4]>::try_from(b.as_ref()).ok())
        .map_or(1, u32::from_be_bytes))
}

pub(super) async fn put_execution(
    store: &SledStore,
    execution: &ExecutionRecord,
) -> Result<(), StoreError> {
    store.writer.write(Durability::Acknowledged, put_op(execution.clone())).await
}

pub(super) async fn mark_running(
    store: &SledStore,
    execution: &ExecutionRecord,
) -> Result<(), StoreError> {
    store.writer.write(Durability::Logged, put_op(execution.clone())).await
}

pub(super) async fn put_execution_unacknowledged(
    store: &SledStore,
    execution: &ExecutionRecord,
) -> Result<(), StoreError> {
    store.writer.write(Durability::Logged, put_op(execution.clone())).await
}

pub(super) async fn get_execution(
    store: &SledStore,
    id: Uuid,
) -> Result<Option<ExecutionRecord>, StoreError> {
    match store.executions.get(id.as_bytes()).map_err(backend)? {
        Some(bytes) => Ok(Some(decode("execution", &bytes)?)),
        None => Ok(None),
    }
}

pub(super) async fn list_executions(
    store: &SledStore,
    filter: &ExecutionFilter,
    page: &PageRequest,
) -> Result<Listed<ExecutionRecord>, StoreError> {
    let (prefix, total) = match filter.session_id {
        Some(s) => (
            session_prefix(EXECUTIONS_BY_SESSION, s),
            store.aggregate(&keys::session_aggregate(&filter.owner, s))?.executions,
        ),
        None => (
            owner_prefix(EXECUTIONS_BY_OWNER, &filter.owner),
            store.aggregate(&owner_prefix(OWNER_AGGREGATE, &filter.owner))?.executions,
        ),
    };
    store.page(
        prefix,
        page,
        total as usize,
        |id| match store.executions.get(id.as_bytes()).map_err(backend)? {
            Some(bytes) => Ok(Some((decode("execution", &bytes)?, bytes.len()))),
            None => Ok(None),
        },
        |e: &ExecutionRecord| e.owner == filter.owner,
    )
}

pub(super) async fn delete_execution(store: &SledStore, id: Uuid) -> Result<bool, StoreError> {
    // The trace's keys are read first (a transaction cannot scan); a trace
    // event stored after this read belongs to an execution still running,
    // which retention never deletes.
    let mut trace_keys = Vec::new();
    for item in store.trace.scan_prefix(id.as_bytes()) {
        trace_keys.push(item.map_err(backend)?.0);
    }
    let deleted = store
        .writer
        .write(Durability::Acknowledged, move |t: &Trees<'_>| {
            let Some(old) = tx_get::<ExecutionRecord>(t.executions, id.as_bytes(), "execution")?
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
        store.checkpoints.remove(id.as_bytes()).map_err(backend)?;
        super::recordings::delete_recording(store, owner, id)?;
    }
    Ok(deleted.is_some())
}

pub(super) async fn ended_executions_before(
    store: &SledStore,
    before: Micros,
    limit: usize,
) -> Result<Vec<Uuid>, StoreError> {
    let end = keys::entry(vec![EXECUTIONS_BY_TIME], before, Uuid::nil());
    let mut ids = Vec::new();
    for item in store.index.range(vec![EXECUTIONS_BY_TIME]..end) {
        if ids.len() == limit {
            break;
        }
        let (key, _) = item.map_err(backend)?;
        let Some((_, id)) = keys::position(&key) else { continue };
        if store.get_execution(id).await?.is_some_and(|e| e.status.is_terminal()) {
            ids.push(id);
        }
    }
    Ok(ids)
}

pub(super) async fn finish_execution(
    store: &SledStore,
    settled: &SettledExecution,
    trace: &[EncodedEvent<'_>],
) -> Result<Settled, StoreError> {
    let settled = settled.clone();
    // The trace events held until the end, as their own append would store
    // them (`traces.rs`), in the settlement's transaction.
    let chunk = super::traces::chunk_of(settled.record.id, trace);
    // A repeated settlement changes nothing, but its caller still waits for
    // the first one to be on disk: every settlement is acknowledged.
    store
        .writer
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

/// The settlement's writes (see [`crate::store::Store::finish_execution`]).
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
    if old.as_ref().is_some_and(|o| crate::store::check_write(o, record).is_err()) {
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

pub(super) async fn interrupt_running_executions(
    store: &SledStore,
    message: &str,
) -> Result<u64, StoreError> {
    // The index of running executions, not every execution: start-up
    // reads what was running, whatever the store's size.
    let mut count = 0;
    for item in store.index.scan_prefix([RUNNING_EXECUTIONS]) {
        let (key, _) = item.map_err(backend)?;
        let Ok(id) = Uuid::from_slice(&key[1..]) else { continue };
        let changed = (&store.executions, &store.index)
            .transaction(|(executions, index)| {
                let Some(old) = tx_get::<ExecutionRecord>(executions, id.as_bytes(), "execution")?
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
    store.durable().await?;
    Ok(count)
}
