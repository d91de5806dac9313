//! Opening a format-2 sled database: what format 3 adds, built once.

use rlm_core::SessionState;
use sled::Transactional;
use uuid::Uuid;

use super::codec::*;
use super::tx::*;
use super::{FORMAT, SledStore};
use crate::store::errors::StoreError;
use crate::store::job_records::{JobRecord, JobStatus};
use crate::store::keys::{self, *};
use crate::store::records::{ExecutionRecord, SessionRecord};

impl SledStore {
    /// Builds what format 3 adds to a format-2 database, once: every
    /// record's index entries, counts and aggregates, and each session's
    /// history moved apart (its state keeps the window). The only pass over
    /// every record, run when the format changes; the format is written
    /// last and flushed, so an interrupted migration runs again.
    pub(super) fn migrate_from_2(&self) -> Result<(), StoreError> {
        self.index.clear().map_err(backend)?;
        self.history.clear().map_err(backend)?;
        for item in self.sessions.iter() {
            let (_, bytes) = item.map_err(backend)?;
            let mut session: SessionRecord = decode("session", &bytes)?;
            let history = std::mem::take(&mut session.state.history);
            (&self.sessions, &self.index, &self.history)
                .transaction(|(sessions, index, turns)| {
                    let mut record = session.clone();
                    record.history_len = 0;
                    let state = SessionState { history: history.clone(), ..record.state.clone() };
                    tx_split_history(turns, &mut record, state, Uuid::nil())?;
                    tx_put(sessions, record.id.as_bytes(), &record)?;
                    let by_owner = owner_prefix(SESSIONS_BY_OWNER, &record.owner);
                    index.insert(keys::entry(by_owner, record.created_at, record.id), &[][..])?;
                    tx_count(index, &keys::count(SESSIONS_BY_OWNER, &record.owner), true)?;
                    let bytes = context_bytes(&record);
                    tx_add(index, &keys::count(CONTEXT_BYTES, &record.owner), bytes)
                })
                .map_err(tx_err)?;
        }
        for item in self.executions.iter() {
            let (_, bytes) = item.map_err(backend)?;
            let e: ExecutionRecord = decode("execution", &bytes)?;
            self.index
                .transaction(|index| tx_index_execution(index, None, Some(&e)))
                .map_err(tx_err)?;
        }
        for item in self.jobs.iter() {
            let (_, bytes) = item.map_err(backend)?;
            let job: JobRecord = decode("job", &bytes)?;
            self.index
                .transaction(|index| {
                    let by_owner = owner_prefix(JOBS_BY_OWNER, &job.owner);
                    index.insert(keys::entry(by_owner, job.created_at, job.id), &[][..])?;
                    tx_count(index, &keys::count(JOBS_BY_OWNER, &job.owner), true)?;
                    if job.status == JobStatus::Running {
                        index.insert(&by_id(RUNNING_JOBS, job.id)[..], &[][..])?;
                    }
                    Ok(())
                })
                .map_err(tx_err)?;
        }
        self.db.insert("format", FORMAT).map_err(backend)?;
        self.db.flush().map_err(backend)?;
        Ok(())
    }
}
