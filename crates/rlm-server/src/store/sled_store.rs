//! [`Store`] on sled: the embedded default, one directory, no other process.
//! sled operations are short in-memory steps, so the async methods call them
//! directly; a write is acknowledged only once sled's log is flushed past it
//! (group commit, `group_commit.rs`). Trace appends, job claims and lease
//! heartbeats are not acknowledged to anyone and ride on the next flush (or
//! sled's own timer).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rlm_trace::TraceEvent;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError};
use uuid::Uuid;

use super::group_commit::GroupCommit;
use super::*;

/// Format of the records below; a database written by another format is refused.
/// (2: a session record holds rlm-core's `SessionState`.)
const FORMAT: &[u8] = b"rlm-server-2";
/// How long to wait for a just-closed database's lock to be released.
const LOCK_RETRY_FOR: Duration = Duration::from_secs(3);

/// The sled store. Cheap to clone.
#[derive(Clone)]
pub struct SledStore {
    db: sled::Db,
    sessions: sled::Tree,
    executions: sled::Tree,
    trace: sled::Tree,
    jobs: sled::Tree,
    /// `created_at (8 bytes BE) ++ job id` → job id, for pending jobs only.
    pending: sled::Tree,
    commit: Arc<GroupCommit>,
}

impl std::fmt::Debug for SledStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SledStore").finish_non_exhaustive()
    }
}

fn backend(e: sled::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(value)
        .map_err(|e| StoreError::Corrupt { what: "encoding".into(), message: e.to_string() })
}

fn decode<T: DeserializeOwned>(what: &str, bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes)
        .map_err(|e| StoreError::Corrupt { what: what.to_string(), message: e.to_string() })
}

fn tx_err(e: TransactionError<StoreError>) -> StoreError {
    match e {
        TransactionError::Abort(e) => e,
        TransactionError::Storage(e) => backend(e),
    }
}

fn abort(e: StoreError) -> ConflictableTransactionError<StoreError> {
    ConflictableTransactionError::Abort(e)
}

fn pending_key(job: &JobRecord) -> Vec<u8> {
    let mut key = Vec::with_capacity(24);
    key.extend_from_slice(&job.created_at.to_be_bytes());
    key.extend_from_slice(job.id.as_bytes());
    key
}

fn trace_key(execution: Uuid, position: u64) -> [u8; 24] {
    let mut key = [0u8; 24];
    key[..16].copy_from_slice(execution.as_bytes());
    key[16..].copy_from_slice(&position.to_be_bytes());
    key
}

/// The stream position in a trace key (its last 8 bytes, big-endian).
fn trace_position(key: &[u8]) -> Option<u64> {
    let tail: [u8; 8] = key.get(16..24)?.try_into().ok()?;
    Some(u64::from_be_bytes(tail))
}

impl SledStore {
    /// Opens (creating) the store in `dir`. Fails with [`StoreError::Locked`]
    /// if another process has it open.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        let path: PathBuf = dir.to_path_buf();
        let locked = |e: &sled::Error| {
            matches!(e, sled::Error::Io(io) if io.kind() == std::io::ErrorKind::WouldBlock)
                || e.to_string().contains("lock")
        };
        let config = sled::Config::new().path(&path).flush_every_ms(Some(200));
        // A handle dropped a moment ago releases its lock only when sled's
        // flusher lets go: retry briefly before reporting the lock.
        let deadline = Instant::now() + LOCK_RETRY_FOR;
        let db = loop {
            match config.open() {
                Ok(db) => break db,
                Err(e) if locked(&e) && Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(e) if locked(&e) => {
                    return Err(StoreError::Locked {
                        path: path.display().to_string(),
                        message: e.to_string(),
                    });
                }
                Err(e) => return Err(backend(e)),
            }
        };
        match db.get("format").map_err(backend)? {
            None => {
                db.insert("format", FORMAT).map_err(backend)?;
            }
            Some(found) if found.as_ref() == FORMAT => {}
            Some(found) => {
                return Err(StoreError::Corrupt {
                    what: format!("database {}", path.display()),
                    message: format!(
                        "format {:?}, this build reads {:?}",
                        String::from_utf8_lossy(&found),
                        String::from_utf8_lossy(FORMAT)
                    ),
                });
            }
        }
        let tree = |name: &str| db.open_tree(name).map_err(backend);
        Ok(SledStore {
            sessions: tree("sessions")?,
            executions: tree("executions")?,
            trace: tree("trace")?,
            jobs: tree("jobs")?,
            pending: tree("jobs_pending")?,
            db,
            commit: Arc::new(GroupCommit::default()),
        })
    }

    /// Returns once every write this caller made is on disk.
    async fn durable(&self) -> Result<(), StoreError> {
        self.commit
            .commit(|| async { self.db.flush_async().await.map(|_| ()).map_err(backend) })
            .await
    }

    fn job(&self, id: Uuid) -> Result<Option<JobRecord>, StoreError> {
        match self.jobs.get(id.as_bytes()).map_err(backend)? {
            Some(bytes) => Ok(Some(decode("job", &bytes)?)),
            None => Ok(None),
        }
    }

    /// Applies `change` to a job atomically if `allowed` says so; returns the
    /// new record, or `None` if the job is missing or `allowed` refused.
    fn update_job(
        &self,
        id: Uuid,
        allowed: impl Fn(&JobRecord) -> bool,
        change: impl Fn(&mut JobRecord),
    ) -> Result<Option<JobRecord>, StoreError> {
        (&self.jobs, &self.pending)
            .transaction(|(jobs, pending)| {
                let Some(bytes) = jobs.get(id.as_bytes())? else { return Ok(None) };
                let mut job: JobRecord = decode("job", &bytes).map_err(abort)?;
                if !allowed(&job) {
                    return Ok(None);
                }
                let was_pending = job.status == JobStatus::Pending;
                change(&mut job);
                if was_pending && job.status != JobStatus::Pending {
                    pending.remove(pending_key(&job))?;
                }
                jobs.insert(id.as_bytes(), encode(&job).map_err(abort)?)?;
                Ok(Some(job))
            })
            .map_err(tx_err)
    }
}

#[async_trait::async_trait]
impl Store for SledStore {
    async fn put_session(&self, session: &SessionRecord) -> Result<(), StoreError> {
        let fresh = encode(session)?;
        self.sessions
            .transaction(|sessions| {
                let Some(bytes) = sessions.get(session.id.as_bytes())? else {
                    sessions.insert(session.id.as_bytes(), fresh.clone())?;
                    return Ok(());
                };
                // The stored state stands: only settling and `edit_memory` change it.
                let stored: SessionRecord = decode("session", &bytes).map_err(abort)?;
                let record = SessionRecord { state: stored.state, ..session.clone() };
                sessions.insert(session.id.as_bytes(), encode(&record).map_err(abort)?)?;
                Ok(())
            })
            .map_err(tx_err)?;
        self.durable().await
    }

    async fn get_session(&self, id: Uuid) -> Result<Option<SessionRecord>, StoreError> {
        match self.sessions.get(id.as_bytes()).map_err(backend)? {
            Some(bytes) => Ok(Some(decode("session", &bytes)?)),
            None => Ok(None),
        }
    }

    async fn list_sessions(
        &self,
        owner: Option<&str>,
        offset: usize,
        limit: usize,
    ) -> Result<(Vec<SessionRecord>, usize), StoreError> {
        let mut all = Vec::new();
        for item in self.sessions.iter() {
            let (_, bytes) = item.map_err(backend)?;
            let s: SessionRecord = decode("session", &bytes)?;
            if owner.is_none_or(|o| o == s.owner) {
                all.push(s);
            }
        }
        all.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
        let total = all.len();
        Ok((all.into_iter().skip(offset).take(limit).collect(), total))
    }

    async fn delete_session(&self, id: Uuid) -> Result<bool, StoreError> {
        let deleted = self.sessions.remove(id.as_bytes()).map_err(backend)?.is_some();
        self.durable().await?;
        Ok(deleted)
    }

    async fn get_memory(
        &self,
        session: Uuid,
    ) -> Result<serde_json::Map<String, serde_json::Value>, StoreError> {
        Ok(self.get_session(session).await?.map(|s| s.state.memory).unwrap_or_default())
    }

    async fn edit_memory(
        &self,
        session: Uuid,
        edit: &MemoryEdit,
    ) -> Result<Option<bool>, StoreError> {
        let edited = self
            .sessions
            .transaction(|sessions| {
                let Some(bytes) = sessions.get(session.as_bytes())? else { return Ok(None) };
                let mut record: SessionRecord = decode("session", &bytes).map_err(abort)?;
                if !edit.apply(&mut record.state.memory) {
                    return Ok(Some(false));
                }
                record.updated_at = now_micros();
                sessions.insert(session.as_bytes(), encode(&record).map_err(abort)?)?;
                Ok(Some(true))
            })
            .map_err(tx_err)?;
        if edited == Some(true) {
            self.durable().await?;
        }
        Ok(edited)
    }

    async fn put_execution(&self, execution: &ExecutionRecord) -> Result<(), StoreError> {
        self.executions.insert(execution.id.as_bytes(), encode(execution)?).map_err(backend)?;
        self.durable().await
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
        offset: usize,
        limit: usize,
    ) -> Result<(Vec<ExecutionRecord>, usize), StoreError> {
        let mut all = Vec::new();
        for item in self.executions.iter() {
            let (_, bytes) = item.map_err(backend)?;
            let e: ExecutionRecord = decode("execution", &bytes)?;
            if filter.owner.as_deref().is_none_or(|o| o == e.owner)
                && filter.session_id.is_none_or(|s| Some(s) == e.session_id)
            {
                all.push(e);
            }
        }
        all.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
        let total = all.len();
        Ok((all.into_iter().skip(offset).take(limit).collect(), total))
    }

    async fn finish_execution(&self, settled: &SettledExecution) -> Result<bool, StoreError> {
        let record = &settled.record;
        let encoded = encode(record)?;
        let finished = (&self.executions, &self.sessions)
            .transaction(|(executions, sessions)| {
                if let Some(bytes) = executions.get(record.id.as_bytes())? {
                    let stored: ExecutionRecord = decode("execution", &bytes).map_err(abort)?;
                    if stored.status.is_terminal() {
                        return Ok(false);
                    }
                }
                executions.insert(record.id.as_bytes(), encoded.clone())?;
                let Some(session_id) = record.session_id else { return Ok(true) };
                if let Some(bytes) = sessions.get(session_id.as_bytes())? {
                    let mut session: SessionRecord = decode("session", &bytes).map_err(abort)?;
                    let Some(state) = settled.merged_state(&session.state.memory) else {
                        return Ok(true);
                    };
                    session.state = state;
                    session.updated_at = record.completed_at.unwrap_or(session.updated_at);
                    sessions.insert(session_id.as_bytes(), encode(&session).map_err(abort)?)?;
                }
                Ok(true)
            })
            .map_err(tx_err)?;
        // A repeated settlement changed nothing, but its caller still waits
        // for the first one to be on disk.
        self.durable().await?;
        Ok(finished)
    }

    async fn interrupt_running_executions(&self, message: &str) -> Result<u64, StoreError> {
        let mut count = 0;
        for item in self.executions.iter() {
            let (key, bytes) = item.map_err(backend)?;
            let mut e: ExecutionRecord = decode("execution", &bytes)?;
            if !e.status.is_terminal() {
                e.status = ExecutionStatus::Interrupted;
                e.error_message = Some(message.to_string());
                e.completed_at = Some(now_micros());
                self.executions.insert(key, encode(&e)?).map_err(backend)?;
                count += 1;
            }
        }
        self.durable().await?;
        Ok(count)
    }

    async fn append_trace(
        &self,
        execution: Uuid,
        events: &[StreamedEvent],
    ) -> Result<(), StoreError> {
        let mut batch = sled::Batch::default();
        for e in events {
            batch.insert(&trace_key(execution, e.position)[..], encode(&e.event)?);
        }
        self.trace.apply_batch(batch).map_err(backend)
    }

    async fn trace(&self, execution: Uuid) -> Result<Vec<StreamedEvent>, StoreError> {
        let mut events = Vec::new();
        for item in self.trace.scan_prefix(execution.as_bytes()) {
            let (key, bytes) = item.map_err(backend)?;
            let event: TraceEvent = decode("trace event", &bytes)?;
            // Traces stored before positions were kept are keyed by `seq`, which
            // orders them the same way.
            let position = trace_position(&key).unwrap_or(event.seq);
            events.push(StreamedEvent { position, event });
        }
        Ok(events)
    }

    async fn enqueue_job(&self, job: &JobRecord) -> Result<(), StoreError> {
        let encoded = encode(job)?;
        let key = pending_key(job);
        (&self.jobs, &self.pending)
            .transaction(|(jobs, pending)| {
                jobs.insert(job.id.as_bytes(), encoded.clone())?;
                if job.status == JobStatus::Pending {
                    pending.insert(key.clone(), job.id.as_bytes())?;
                }
                Ok(())
            })
            .map_err(tx_err)?;
        self.durable().await
    }

    async fn get_job(&self, id: Uuid) -> Result<Option<JobRecord>, StoreError> {
        self.job(id)
    }

    async fn list_jobs(&self, owner: Option<&str>) -> Result<Vec<JobRecord>, StoreError> {
        let mut all = Vec::new();
        for item in self.jobs.iter() {
            let (_, bytes) = item.map_err(backend)?;
            let j: JobRecord = decode("job", &bytes)?;
            if owner.is_none_or(|o| o == j.owner) {
                all.push(j);
            }
        }
        all.sort_by_key(|j| std::cmp::Reverse(j.created_at));
        Ok(all)
    }

    async fn pending_jobs(&self) -> Result<usize, StoreError> {
        Ok(self.pending.len())
    }

    async fn claim_job(
        &self,
        worker: &str,
        lease_until: Micros,
    ) -> Result<Option<JobRecord>, StoreError> {
        // Oldest first; a job another worker took in between is skipped.
        for item in self.pending.iter() {
            let (_, id) = item.map_err(backend)?;
            let Ok(id) = Uuid::from_slice(&id) else { continue };
            let claimed = self.update_job(
                id,
                |job| job.status == JobStatus::Pending,
                |job| {
                    job.status = JobStatus::Running;
                    job.started_at = Some(now_micros());
                    job.lease = Some(Lease { worker: worker.to_string(), expires_at: lease_until });
                },
            )?;
            if claimed.is_some() {
                return Ok(claimed);
            }
        }
        Ok(None)
    }

    async fn set_job_execution(
        &self,
        id: Uuid,
        worker: &str,
        execution: Uuid,
    ) -> Result<(), StoreError> {
        self.update_job(
            id,
            |job| job.lease.as_ref().is_some_and(|l| l.worker == worker),
            |job| job.execution_id = Some(execution),
        )?;
        self.durable().await
    }

    async fn heartbeat_job(
        &self,
        id: Uuid,
        worker: &str,
        lease_until: Micros,
    ) -> Result<Option<JobRecord>, StoreError> {
        self.update_job(
            id,
            |job| {
                job.status == JobStatus::Running
                    && job.lease.as_ref().is_some_and(|l| l.worker == worker)
            },
            |job| {
                if let Some(l) = job.lease.as_mut() {
                    l.expires_at = lease_until;
                }
            },
        )
    }

    async fn finish_job(
        &self,
        id: Uuid,
        worker: &str,
        outcome: &JobOutcome,
    ) -> Result<bool, StoreError> {
        let done = self.update_job(
            id,
            |job| {
                job.status == JobStatus::Running
                    && job.lease.as_ref().is_some_and(|l| l.worker == worker)
            },
            |job| {
                job.status = outcome.status;
                job.answer = outcome.answer.clone();
                job.error = outcome.error.clone();
                job.finished_at = Some(now_micros());
                job.lease = None;
            },
        )?;
        self.durable().await?;
        Ok(done.is_some())
    }

    async fn request_cancel_job(&self, id: Uuid) -> Result<Option<CancelRequest>, StoreError> {
        let request = self.request_cancel_job_unflushed(id).await?;
        self.durable().await?;
        Ok(request)
    }

    async fn interrupt_expired_jobs(
        &self,
        now: Micros,
        message: &str,
    ) -> Result<Vec<Uuid>, StoreError> {
        let ids = self.interrupt_expired_jobs_unflushed(now, message)?;
        if !ids.is_empty() {
            self.durable().await?;
        }
        Ok(ids)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.db.get("format").map_err(backend).map(|_| ())
    }

    async fn flush(&self) -> Result<(), StoreError> {
        self.db.flush_async().await.map_err(backend).map(|_| ())
    }
}

impl SledStore {
    async fn request_cancel_job_unflushed(
        &self,
        id: Uuid,
    ) -> Result<Option<CancelRequest>, StoreError> {
        let Some(before) = self.job(id)? else { return Ok(None) };
        match before.status {
            JobStatus::Pending => {
                let cancelled = self.update_job(
                    id,
                    |job| job.status == JobStatus::Pending,
                    |job| {
                        job.status = JobStatus::Cancelled;
                        job.cancel_requested = true;
                        job.error = Some("cancelled before it started".into());
                        job.finished_at = Some(now_micros());
                    },
                )?;
                match cancelled {
                    Some(job) => Ok(Some(CancelRequest::CancelledPending(job))),
                    // Claimed in between: flag it instead.
                    None => Box::pin(self.request_cancel_job_unflushed(id)).await,
                }
            }
            JobStatus::Running => {
                let flagged = self.update_job(
                    id,
                    |job| job.status == JobStatus::Running,
                    |job| job.cancel_requested = true,
                )?;
                match flagged {
                    Some(job) => Ok(Some(CancelRequest::Flagged(job))),
                    None => Ok(self.job(id)?.map(CancelRequest::AlreadyFinished)),
                }
            }
            _ => Ok(Some(CancelRequest::AlreadyFinished(before))),
        }
    }

    fn interrupt_expired_jobs_unflushed(
        &self,
        now: Micros,
        message: &str,
    ) -> Result<Vec<Uuid>, StoreError> {
        let mut ids = Vec::new();
        for item in self.jobs.iter() {
            let (_, bytes) = item.map_err(backend)?;
            let job: JobRecord = decode("job", &bytes)?;
            if job.status == JobStatus::Running
                && job.lease.as_ref().is_none_or(|l| l.expires_at < now)
            {
                let changed = self.update_job(
                    job.id,
                    |j| {
                        j.status == JobStatus::Running
                            && j.lease.as_ref().is_none_or(|l| l.expires_at < now)
                    },
                    |j| {
                        j.status = JobStatus::Interrupted;
                        j.error = Some(message.to_string());
                        j.finished_at = Some(now_micros());
                        j.lease = None;
                    },
                )?;
                if changed.is_some() {
                    ids.push(job.id);
                }
            }
        }
        Ok(ids)
    }
}
