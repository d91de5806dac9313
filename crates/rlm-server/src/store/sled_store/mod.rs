//! [`Store`](crate::store::Store) on sled: the embedded default, one directory, no other process.
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

use crate::store::errors::StoreError;
use crate::store::group_commit::GroupCommit;
use crate::store::traits::{LeaseStore, StoreHealth};
use codec::backend;
use writer::{TreeSet, Writer};

mod checkpoints;
mod codec;
mod executions;
mod idempotency;
mod jobs;
mod migrate;
mod outbox;
mod reads;
mod recordings;
mod segment;
mod sessions;
mod traces;
mod tx;
mod writer;

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

    /// The segment size sled must open the store in `dir` with: a tool
    /// reading the store with sled directly passes it to
    /// `sled::Config::segment_size` (see `segment.rs`).
    pub fn segment_size(dir: &Path) -> usize {
        segment::segment_size(dir)
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
        // Its segments are large enough to keep big pages in the log
        // (`segment.rs`); a store keeps the size it was created with.
        let config = sled::Config::new()
            .path(&path)
            .flush_every_ms(Some(200))
            .cache_capacity(CACHE_BYTES)
            .segment_size(segment::segment_size(&path));
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

#[async_trait::async_trait]
impl StoreHealth for SledStore {
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

/// One process holds a sled store: it keeps no leases (every method's default).
impl LeaseStore for SledStore {}

#[cfg(test)]
mod tests;
