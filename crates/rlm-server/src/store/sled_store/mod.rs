//! [`Store`] on sled: the embedded default, one directory, no other process.
//! Reads are short in-memory steps, so the async methods make them directly.
//! Record writes (sessions, executions, traces, `memory`) go through one
//! writer thread that applies every write waiting in one transaction and
//! answers an acknowledged one only after a flush that began after it
//! (`writer.rs`); jobs, leases and checkpoints write directly and flush by
//! group commit (`group_commit.rs`). Trace appends, job claims and lease
//! heartbeats are not acknowledged to anyone and ride on the next flush (or
//! sled's own timer). Indexes, counts and aggregates (compact, postcard)
//! live in one `index` tree (layouts in `keys.rs`), written in the
//! transaction of the record they describe; a session's history beyond its
//! window in `history`; a trace append is one key (a chunk of events), and
//! a settlement stores the events not appended yet in its own transaction.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rlm_trace::TraceEvent;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError};
use uuid::Uuid;

use super::aggregate::{
    Aggregate, BUCKET_SECS, BucketTotals, StoredBucket, bucket_of, contribution, timeline_span,
};
use super::group_commit::GroupCommit;
use super::keys::{self, *};
use super::*;

mod executions;
mod idempotency;
mod jobs;
mod migrate;
mod outbox;
mod reads;
mod recordings;
mod sessions;
mod traces;
mod tx;
mod writer;

use tx::*;
use writer::{Durability, TreeSet, Trees, Writer};

/// Format of the records below; a database written by another format is refused.
/// (2: a session record holds rlm-core's `SessionState`; 3: indexes,
/// aggregates and the history stored apart; 4: each scope's newest time
/// buckets in one record, `tx::HotBuckets`.)
const FORMAT: &[u8] = b"rlm-server-4";
/// Format 3, read as it is: its time buckets are all under their keys,
/// which format 4 reads too (a build of format 3 would not see the newest
/// buckets' record, so it is refused a format-4 database).
const FORMAT_3: &[u8] = b"rlm-server-3";
/// The format before, migrated at open (`migrate_from_2`).
const FORMAT_2: &[u8] = b"rlm-server-2";
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
    /// Indexes, counts and aggregates (`keys.rs`).
    index: sled::Tree,
    /// `session ++ turn number` → one history turn.
    history: sled::Tree,
    /// `execution id` → its newest checkpoint (`CheckpointRecord::to_bytes`).
    checkpoints: sled::Tree,
    /// `execution id` → its recording's JSON lines (`"record": true`).
    recordings: sled::Tree,
    /// `job id` → its [`OutboxEntry`], until the relay published it.
    outbox: sled::Tree,
    /// `owner ++ 0 ++ key` → a [`StoredKey`] (idempotency keys).
    idempotency: sled::Tree,
    /// `process` (and `deployment`) → its [`ProtocolSettings`].
    protocol: sled::Tree,
    commit: Arc<GroupCommit>,
    /// Applies the record writes in groups (`writer.rs`).
    writer: Arc<Writer>,
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

/// The first byte of a compact record (never `{`, which opens a JSON one).
const COMPACT: u8 = 0xB1;

/// Aggregates and time buckets, rewritten by every execution's settlement,
/// are stored compact (postcard behind [`COMPACT`]): decoding and encoding
/// them as JSON was a tenth of the writer thread's time.
fn encode_compact<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    postcard::to_extend(value, vec![COMPACT])
        .map_err(|e| StoreError::Corrupt { what: "encoding".into(), message: e.to_string() })
}

/// Reads a record written by [`encode_compact`], or as JSON (stores
/// written before compact records).
fn decode_compact<T: DeserializeOwned>(what: &str, bytes: &[u8]) -> Result<T, StoreError> {
    match bytes.split_first() {
        Some((&COMPACT, rest)) => postcard::from_bytes(rest)
            .map_err(|e| StoreError::Corrupt { what: what.to_string(), message: e.to_string() }),
        _ => decode(what, bytes),
    }
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

/// The thread a sled store is opened on. sled panics on some damaged files
/// (a truncated segment: an index out of bounds) instead of returning an
/// error; the open runs on a thread of its own whose panic is caught and
/// reported as [`StoreError::Damaged`]. A process-wide panic hook that ends
/// the process (rlm-cli's) must let a panic on this thread unwind.
pub const STORE_OPEN_THREAD: &str = "rlm-store-open";

/// A sled error met while opening: damage (a corrupt or cut file) is
/// [`StoreError::Damaged`], naming the folder; anything else the backend's.
fn opening(dir: &Path) -> impl Fn(sled::Error) -> StoreError + '_ {
    move |e| match &e {
        sled::Error::Corruption { .. } => damaged(dir, e.to_string()),
        sled::Error::Io(io)
            if matches!(
                io.kind(),
                std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::InvalidData
            ) =>
        {
            damaged(dir, e.to_string())
        }
        _ => backend(e),
    }
}

fn damaged(dir: &Path, reason: String) -> StoreError {
    StoreError::Damaged { path: dir.display().to_string(), reason }
}

/// What a caught panic said.
fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "the database library failed while reading it".into())
}

/// The bytes of pages sled keeps in memory (its default is 1 GiB).
pub const CACHE_BYTES: u64 = 64 << 20;

impl SledStore {
    /// Opens (creating) the store in `dir`. Fails with [`StoreError::Locked`]
    /// if another process has it open, and with [`StoreError::Damaged`] if
    /// its files are (sled's panics on them included: see
    /// [`STORE_OPEN_THREAD`]).
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        let owned = dir.to_path_buf();
        let opened = std::thread::Builder::new()
            .name(STORE_OPEN_THREAD.into())
            .spawn(move || Self::open_here(&owned))
            .map_err(|e| StoreError::Backend(format!("cannot start the store's thread: {e}")))?
            .join();
        match opened {
            Ok(store) => store,
            Err(panic) => {
                let reason = panic_text(panic.as_ref());
                tracing::error!(store = %dir.display(), %reason, "the store is damaged");
                Err(damaged(dir, reason))
            }
        }
    }

    /// [`SledStore::open`] on the calling thread.
    fn open_here(dir: &Path) -> Result<Self, StoreError> {
        let path: PathBuf = dir.to_path_buf();
        let locked = |e: &sled::Error| {
            matches!(e, sled::Error::Io(io) if io.kind() == std::io::ErrorKind::WouldBlock)
                || e.to_string().contains("lock")
        };
        // sled keeps up to 1 GiB of pages in memory by default, outside every
        // account (issue #74: replayed executions' records stayed held): its
        // cache is bounded to [`CACHE_BYTES`], the operating system's page
        // cache keeps the rest warm.
        let config =
            sled::Config::new().path(&path).flush_every_ms(Some(200)).cache_capacity(CACHE_BYTES);
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
                Err(e) => return Err(opening(dir)(e)),
            }
        };
        let mut migrate = false;
        match db.get("format").map_err(opening(dir))? {
            None => {
                db.insert("format", FORMAT).map_err(opening(dir))?;
            }
            Some(found) if found.as_ref() == FORMAT => {}
            Some(found) if found.as_ref() == FORMAT_3 => {
                db.insert("format", FORMAT).map_err(opening(dir))?;
            }
            Some(found) if found.as_ref() == FORMAT_2 => migrate = true,
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
        let tree = |name: &str| db.open_tree(name).map_err(opening(dir));
        let trees = TreeSet {
            sessions: tree("sessions")?,
            executions: tree("executions")?,
            trace: tree("trace")?,
            index: tree("index")?,
            history: tree("history")?,
            jobs: tree("jobs")?,
            idempotency: tree("idempotency_keys")?,
            outbox: tree("outbox")?,
        };
        let store = SledStore {
            sessions: trees.sessions.clone(),
            executions: trees.executions.clone(),
            trace: trees.trace.clone(),
            jobs: trees.jobs.clone(),
            pending: tree("jobs_pending")?,
            index: trees.index.clone(),
            history: trees.history.clone(),
            checkpoints: tree("checkpoints")?,
            recordings: tree("recordings")?,
            outbox: trees.outbox.clone(),
            idempotency: trees.idempotency.clone(),
            protocol: tree("protocol_settings")?,
            writer: Arc::new(Writer::start(db.clone(), trees)?),
            db,
            commit: Arc::new(GroupCommit::default()),
        };
        if migrate {
            store.migrate_from_2()?;
        }
        Ok(store)
    }

    /// Returns once every write this caller made is on disk.
    async fn durable(&self) -> Result<(), StoreError> {
        self.commit
            .commit(|| async { self.db.flush_async().await.map(|_| ()).map_err(backend) })
            .await
    }
}

impl SledStore {}

#[async_trait::async_trait]
impl Store for SledStore {
    async fn put_session(&self, session: &SessionRecord) -> Result<(), StoreError> {
        sessions::put_session(self, session).await
    }

    async fn get_session(&self, id: Uuid) -> Result<Option<SessionRecord>, StoreError> {
        sessions::get_session(self, id).await
    }

    async fn list_sessions(
        &self,
        owner: &str,
        page: &PageRequest,
    ) -> Result<Listed<SessionRecord>, StoreError> {
        sessions::list_sessions(self, owner, page).await
    }

    async fn owner_usage(&self, owner: &str) -> Result<OwnerUsage, StoreError> {
        sessions::owner_usage(self, owner).await
    }

    async fn blob_references(&self, name: &str) -> Result<u64, StoreError> {
        sessions::blob_references(self, name).await
    }

    async fn delete_session(&self, id: Uuid) -> Result<bool, StoreError> {
        sessions::delete_session(self, id).await
    }

    async fn history(
        &self,
        session: Uuid,
        from: u64,
        limit: usize,
    ) -> Result<HistoryPage, StoreError> {
        sessions::history(self, session, from, limit).await
    }

    async fn get_memory(
        &self,
        session: Uuid,
    ) -> Result<serde_json::Map<String, serde_json::Value>, StoreError> {
        sessions::get_memory(self, session).await
    }

    async fn edit_memory(
        &self,
        session: Uuid,
        edit: &MemoryEdit,
    ) -> Result<Option<bool>, StoreError> {
        sessions::edit_memory(self, session, edit).await
    }

    async fn put_execution(&self, execution: &ExecutionRecord) -> Result<(), StoreError> {
        executions::put_execution(self, execution).await
    }

    async fn mark_running(&self, execution: &ExecutionRecord) -> Result<(), StoreError> {
        executions::mark_running(self, execution).await
    }

    async fn put_execution_unacknowledged(
        &self,
        execution: &ExecutionRecord,
    ) -> Result<(), StoreError> {
        executions::put_execution_unacknowledged(self, execution).await
    }

    async fn get_execution(&self, id: Uuid) -> Result<Option<ExecutionRecord>, StoreError> {
        executions::get_execution(self, id).await
    }

    async fn list_executions(
        &self,
        filter: &ExecutionFilter,
        page: &PageRequest,
    ) -> Result<Listed<ExecutionRecord>, StoreError> {
        executions::list_executions(self, filter, page).await
    }

    async fn delete_execution(&self, id: Uuid) -> Result<bool, StoreError> {
        executions::delete_execution(self, id).await
    }

    async fn ended_executions_before(
        &self,
        before: Micros,
        limit: usize,
    ) -> Result<Vec<Uuid>, StoreError> {
        executions::ended_executions_before(self, before, limit).await
    }

    async fn stats(&self, owner: &str, session: Option<Uuid>) -> Result<StatsSnapshot, StoreError> {
        reads::stats(self, owner, session).await
    }

    async fn finish_execution(&self, settled: &SettledExecution) -> Result<Settled, StoreError> {
        executions::finish_execution(self, settled, &[]).await
    }

    async fn finish_execution_with_trace(
        &self,
        settled: &SettledExecution,
        trace: &[EncodedEvent<'_>],
    ) -> Result<Settled, StoreError> {
        executions::finish_execution(self, settled, trace).await
    }

    async fn interrupt_running_executions(&self, message: &str) -> Result<u64, StoreError> {
        executions::interrupt_running_executions(self, message).await
    }

    async fn append_trace_encoded(
        &self,
        execution: Uuid,
        events: &[EncodedEvent<'_>],
    ) -> Result<(), StoreError> {
        traces::append_trace(self, execution, events).await
    }

    async fn trace(&self, execution: Uuid) -> Result<Vec<StreamedEvent>, StoreError> {
        traces::trace(self, execution).await
    }

    async fn drop_trace_from(&self, execution: Uuid, position: u64) -> Result<u64, StoreError> {
        traces::drop_trace_from(self, execution, position).await
    }

    async fn create(&self, creation: &Creation<'_>) -> Result<(), StoreError> {
        outbox::create(self, creation).await
    }

    async fn add_outbox(&self, entry: &OutboxEntry) -> Result<bool, StoreError> {
        outbox::add_outbox(self, entry).await
    }

    async fn relay_outbox(
        &self,
        limit: usize,
        publish: &Publish,
    ) -> Result<RelayRound, StoreError> {
        outbox::relay_outbox(self, limit, publish).await
    }

    async fn outbox_depth(&self) -> Result<OutboxDepth, StoreError> {
        outbox::outbox_depth(self)
    }

    async fn job_counts(&self) -> Result<JobCounts, StoreError> {
        outbox::job_counts(self)
    }

    async fn unannounced_pending_jobs(
        &self,
        before: Micros,
        limit: usize,
    ) -> Result<Vec<JobRecord>, StoreError> {
        outbox::unannounced_pending_jobs(self, before, limit)
    }

    async fn lapsed_running_jobs(
        &self,
        before: Micros,
        limit: usize,
    ) -> Result<Vec<JobRecord>, StoreError> {
        outbox::lapsed_running_jobs(self, before, limit)
    }

    async fn claim_idempotency_key(
        &self,
        key: &IdempotencyKey,
        now: Micros,
        stale_before: Micros,
        _lapsed: Option<Micros>,
    ) -> Result<KeyClaim, StoreError> {
        idempotency::claim_key(self, key, now, stale_before).await
    }

    async fn complete_idempotency_key(
        &self,
        key: &IdempotencyKey,
        response: &StoredResponse,
    ) -> Result<(), StoreError> {
        idempotency::complete_key(self, key, response).await
    }

    async fn release_idempotency_key(&self, key: &IdempotencyKey) -> Result<(), StoreError> {
        idempotency::release_key(self, key).await
    }

    async fn sweep_idempotency_keys(&self, before: Micros) -> Result<u64, StoreError> {
        idempotency::sweep_keys(self, before).await
    }

    async fn record_protocol(
        &self,
        process: &str,
        _role: &str,
        settings: &ProtocolSettings,
        authoritative: bool,
    ) -> Result<ProtocolSettings, StoreError> {
        idempotency::record_protocol(self, process, settings, authoritative).await
    }

    async fn get_job(&self, id: Uuid) -> Result<Option<JobRecord>, StoreError> {
        jobs::get_job(self, id).await
    }

    async fn list_jobs(
        &self,
        owner: &str,
        page: &PageRequest,
    ) -> Result<Listed<JobRecord>, StoreError> {
        jobs::list_jobs(self, owner, page).await
    }

    async fn pending_jobs(&self) -> Result<usize, StoreError> {
        jobs::pending_jobs(self).await
    }

    async fn pending_job_shares(&self, owner: &str) -> Result<PendingJobs, StoreError> {
        jobs::pending_job_shares(self, owner)
    }

    async fn claim_job(
        &self,
        worker: &str,
        lease_until: Micros,
    ) -> Result<Option<JobRecord>, StoreError> {
        jobs::claim_job(self, worker, lease_until).await
    }

    async fn take_job(
        &self,
        id: Uuid,
        worker: &str,
        lease_until: Micros,
    ) -> Result<Option<JobRecord>, StoreError> {
        jobs::take_job(self, id, worker, lease_until).await
    }

    async fn set_job_execution(
        &self,
        id: Uuid,
        worker: &str,
        execution: Uuid,
    ) -> Result<(), StoreError> {
        jobs::set_job_execution(self, id, worker, execution).await
    }

    async fn heartbeat_job(
        &self,
        id: Uuid,
        worker: &str,
        lease_until: Micros,
    ) -> Result<Option<JobRecord>, StoreError> {
        jobs::heartbeat_job(self, id, worker, lease_until).await
    }

    async fn finish_job(
        &self,
        id: Uuid,
        worker: &str,
        outcome: &JobOutcome,
    ) -> Result<bool, StoreError> {
        jobs::finish_job(self, id, worker, outcome).await
    }

    async fn request_cancel_job(&self, id: Uuid) -> Result<Option<CancelRequest>, StoreError> {
        jobs::request_cancel_job(self, id).await
    }

    async fn interrupt_expired_jobs(
        &self,
        now: Micros,
        message: &str,
    ) -> Result<Vec<Uuid>, StoreError> {
        jobs::interrupt_expired_jobs(self, now, message).await
    }

    async fn save_checkpoint(
        &self,
        execution: Uuid,
        checkpoint: &CheckpointWrite<'_>,
    ) -> Result<bool, StoreError> {
        jobs::save_checkpoint(self, execution, checkpoint).await
    }

    async fn load_checkpoint(
        &self,
        execution: Uuid,
    ) -> Result<Option<CheckpointRecord>, StoreError> {
        jobs::load_checkpoint(self, execution).await
    }

    async fn append_recording(
        &self,
        owner: &str,
        execution: Uuid,
        seq: u64,
        lines: &str,
    ) -> Result<(), StoreError> {
        recordings::append_recording(self, owner, execution, seq, lines).await
    }

    async fn load_recording(&self, execution: Uuid) -> Result<Option<String>, StoreError> {
        recordings::load_recording(self, execution).await
    }

    async fn recording_extent(&self, execution: Uuid) -> Result<(u64, u64), StoreError> {
        recordings::recording_extent(self, execution).await
    }

    async fn clear_recording(&self, owner: &str, execution: Uuid) -> Result<(), StoreError> {
        recordings::delete_recording(self, owner, execution)?;
        self.durable().await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.db.get("format").map_err(backend).map(|_| ())
    }

    async fn flush(&self) -> Result<(), StoreError> {
        self.db.flush_async().await.map_err(backend).map(|_| ())
    }

    async fn size_on_disk(&self) -> Result<u64, StoreError> {
        self.db.size_on_disk().map_err(backend)
    }
}

impl SledStore {}

#[cfg(test)]
mod tests;
