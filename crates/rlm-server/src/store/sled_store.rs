//! [`Store`] on sled: the embedded default, one directory, no other process.
//! sled operations are short in-memory steps, so the async methods call them
//! directly; a write is acknowledged only once sled's log is flushed past it
//! (group commit, `group_commit.rs`). Trace appends, job claims and lease
//! heartbeats are not acknowledged to anyone and ride on the next flush (or
//! sled's own timer). Indexes, counts and aggregates live in one `index`
//! tree (layouts in `keys.rs`), written in the transaction of the record
//! they describe; a session's history beyond its window in `history`.

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

/// Format of the records below; a database written by another format is refused.
/// (2: a session record holds rlm-core's `SessionState`; 3: indexes,
/// aggregates and the history stored apart.)
const FORMAT: &[u8] = b"rlm-server-3";
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
        let mut migrate = false;
        match db.get("format").map_err(backend)? {
            None => {
                db.insert("format", FORMAT).map_err(backend)?;
            }
            Some(found) if found.as_ref() == FORMAT => {}
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
        let tree = |name: &str| db.open_tree(name).map_err(backend);
        let store = SledStore {
            sessions: tree("sessions")?,
            executions: tree("executions")?,
            trace: tree("trace")?,
            jobs: tree("jobs")?,
            pending: tree("jobs_pending")?,
            index: tree("index")?,
            history: tree("history")?,
            checkpoints: tree("checkpoints")?,
            db,
            commit: Arc::new(GroupCommit::default()),
        };
        if migrate {
            store.migrate_from_2()?;
        }
        Ok(store)
    }

    /// Builds what format 3 adds to a format-2 database, once: every
    /// record's index entries, counts and aggregates, and each session's
    /// history moved apart (its state keeps the window). The only pass over
    /// every record, run when the format changes; the format is written
    /// last and flushed, so an interrupted migration runs again.
    fn migrate_from_2(&self) -> Result<(), StoreError> {
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
        (&self.jobs, &self.pending, &self.index)
            .transaction(|(jobs, pending, index)| {
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
                if job.status == JobStatus::Running {
                    index.insert(&by_id(RUNNING_JOBS, id)[..], &[][..])?;
                } else {
                    index.remove(&by_id(RUNNING_JOBS, id)[..])?;
                }
                jobs.insert(id.as_bytes(), encode(&job).map_err(abort)?)?;
                Ok(Some(job))
            })
            .map_err(tx_err)
    }
}

type Tx = sled::transaction::TransactionalTree;
type TxResult<T> = Result<T, ConflictableTransactionError<StoreError>>;

fn tx_get<T: DeserializeOwned>(tree: &Tx, key: &[u8], what: &str) -> TxResult<Option<T>> {
    match tree.get(key)? {
        Some(bytes) => Ok(Some(decode(what, &bytes).map_err(abort)?)),
        None => Ok(None),
    }
}

fn tx_put<T: Serialize>(tree: &Tx, key: &[u8], value: &T) -> TxResult<()> {
    tree.insert(key, encode(value).map_err(abort)?)?;
    Ok(())
}

/// Adds one to (or takes one from) the count at `key`.
fn tx_count(index: &Tx, key: &[u8], add: bool) -> TxResult<()> {
    tx_add(index, key, if add { 1 } else { -1 })
}

/// Adds `delta` to the count at `key` (never below zero).
fn tx_add(index: &Tx, key: &[u8], delta: i64) -> TxResult<()> {
    let now = index.get(key)?.and_then(|b| <[u8; 8]>::try_from(b.as_ref()).ok());
    let now = now.map_or(0, u64::from_be_bytes);
    let next = now.saturating_add_signed(delta);
    if next == 0 {
        index.remove(key)?;
    } else {
        index.insert(key, &next.to_be_bytes()[..])?;
    }
    Ok(())
}

/// A session's context bytes, as a count's delta.
fn context_bytes(session: &SessionRecord) -> i64 {
    session.context.as_ref().map_or(0, |c| i64::try_from(c.bytes).unwrap_or(i64::MAX))
}

/// The entries of the by-time indexes of `e`.
fn execution_entries(e: &ExecutionRecord) -> Vec<Vec<u8>> {
    let mut entries = vec![
        keys::entry(owner_prefix(EXECUTIONS_BY_OWNER, &e.owner), e.created_at, e.id),
        keys::entry(vec![EXECUTIONS_BY_TIME], e.created_at, e.id),
    ];
    if let Some(s) = e.session_id {
        entries.push(keys::entry(session_prefix(EXECUTIONS_BY_SESSION, s), e.created_at, e.id));
    }
    entries
}

/// The keys of `e`'s owner's and session's aggregates.
fn aggregate_keys(e: &ExecutionRecord) -> Vec<Vec<u8>> {
    let mut found = vec![owner_prefix(OWNER_AGGREGATE, &e.owner)];
    if let Some(s) = e.session_id {
        found.push(keys::session_aggregate(&e.owner, s));
    }
    found
}

/// The keys of `e`'s time buckets, at every width, for its owner and session.
fn bucket_keys(e: &ExecutionRecord) -> Vec<Vec<u8>> {
    let mut scopes = vec![owner_scope(&e.owner)];
    if let Some(s) = e.session_id {
        scopes.push(session_scope(s));
    }
    let mut found = Vec::with_capacity(scopes.len() * BUCKET_SECS.len());
    for scope in scopes {
        for width in 0..BUCKET_SECS.len() {
            found.push(keys::bucket(scope.clone(), width, bucket_of(e.created_at, width)));
        }
    }
    found
}

/// Reads the record at `key` (or its default), lets `change` update it, and
/// stores it back (removed once `empty` says it holds nothing).
fn tx_update<T: Serialize + DeserializeOwned + Default>(
    index: &Tx,
    key: &[u8],
    what: &str,
    change: impl Fn(&mut T),
    empty: impl Fn(&T) -> bool,
) -> TxResult<()> {
    let mut record: T = tx_get(index, key, what)?.unwrap_or_default();
    change(&mut record);
    if empty(&record) {
        index.remove(key)?;
    } else {
        tx_put(index, key, &record)?;
    }
    Ok(())
}

/// Moves an execution's share in its owner's and session's aggregates and
/// time buckets from `old` to `new` (`None`: absent). When both are under
/// the same keys (an execution changing state: owner, session and creation
/// time never change), each record is read and written once, and the time
/// buckets are left alone when their share is the same.
fn tx_aggregates(
    index: &Tx,
    old: Option<&ExecutionRecord>,
    new: Option<&ExecutionRecord>,
) -> TxResult<()> {
    let same_keys = match (old, new) {
        (Some(o), Some(n)) => {
            o.owner == n.owner && o.session_id == n.session_id && o.created_at == n.created_at
        }
        _ => false,
    };
    let parts: Vec<(Option<&ExecutionRecord>, Option<&ExecutionRecord>)> =
        if same_keys { vec![(old, new)] } else { vec![(old, None), (None, new)] };
    for (out, into) in parts {
        let Some(e) = into.or(out) else { continue };
        for key in aggregate_keys(e) {
            tx_update(
                index,
                &key,
                "aggregate",
                |a: &mut Aggregate| {
                    if let Some(o) = out {
                        a.apply(o, false);
                    }
                    if let Some(n) = into {
                        a.apply(n, true);
                    }
                },
                |a| a.executions == 0,
            )?;
        }
        if out.map(BucketTotals::share) == into.map(BucketTotals::share) {
            continue;
        }
        for key in bucket_keys(e) {
            tx_update(
                index,
                &key,
                "time bucket",
                |b: &mut BucketTotals| {
                    if let Some(o) = out {
                        b.apply(o, false);
                    }
                    if let Some(n) = into {
                        b.apply(n, true);
                    }
                },
                BucketTotals::is_empty,
            )?;
        }
    }
    Ok(())
}

/// Keeps the indexes and aggregates in step with an execution's change from
/// `old` to `new` (`None`: absent), inside the write's transaction.
fn tx_index_execution(
    index: &Tx,
    old: Option<&ExecutionRecord>,
    new: Option<&ExecutionRecord>,
) -> TxResult<()> {
    match (old, new) {
        (None, Some(n)) => {
            for key in execution_entries(n) {
                index.insert(key, &[][..])?;
            }
        }
        (Some(o), None) => {
            for key in execution_entries(o) {
                index.remove(key)?;
            }
        }
        _ => {}
    }
    if let Some(e) = new.or(old) {
        let running = by_id(RUNNING_EXECUTIONS, e.id);
        match new {
            Some(n) if !n.status.is_terminal() => index.insert(&running[..], &[][..])?,
            _ => index.remove(&running[..])?,
        };
    }
    if old.map(contribution) != new.map(contribution) {
        tx_aggregates(index, old, new)?;
    }
    Ok(())
}

/// Moves the turns `state` added since the stored window into the history
/// tree and trims the window to [`HISTORY_WINDOW`] turns.
fn tx_split_history(
    history: &Tx,
    session: &mut SessionRecord,
    state: SessionState,
    execution: Uuid,
) -> TxResult<()> {
    let first = session.history_len;
    for (n, turn) in split_history(session, state, execution).iter().enumerate() {
        tx_put(history, &keys::turn(session.id, first + n as u64), turn)?;
    }
    Ok(())
}

impl SledStore {
    /// One page from the by-time index under `prefix`, newest first; `load`
    /// reads the record an entry names (`None`: skip it), `keep` filters.
    fn page<T>(
        &self,
        prefix: Vec<u8>,
        page: &PageRequest,
        total: usize,
        load: impl Fn(Uuid) -> Result<Option<T>, StoreError>,
        keep: impl Fn(&T) -> bool,
    ) -> Result<Listed<T>, StoreError> {
        let entries: Box<dyn DoubleEndedIterator<Item = sled::Result<(sled::IVec, sled::IVec)>>> =
            match &page.cursor {
                Some(cursor) => {
                    let (created, id) = decode_cursor(cursor)
                        .ok_or_else(|| StoreError::BadCursor(cursor.chars().take(64).collect()))?;
                    let end = keys::entry(prefix.clone(), created, id);
                    Box::new(self.index.range(prefix..end))
                }
                None => Box::new(self.index.scan_prefix(prefix)),
            };
        let mut items = Vec::new();
        let mut skipped = 0;
        let mut last = None;
        let mut more = false;
        for item in entries.rev() {
            let (key, _) = item.map_err(backend)?;
            let Some((created, id)) = keys::position(&key) else { continue };
            if items.len() == page.limit {
                more = true;
                break;
            }
            let Some(record) = load(id)? else { continue };
            if !keep(&record) {
                continue;
            }
            if skipped < page.offset {
                skipped += 1;
                continue;
            }
            items.push(record);
            last = Some((created, id));
        }
        let next_cursor = last.filter(|_| more).map(|(c, id)| encode_cursor(c, id));
        Ok(Listed { items, total, next_cursor })
    }

    fn count(&self, key: &[u8]) -> Result<usize, StoreError> {
        let bytes = self.index.get(key).map_err(backend)?;
        let count = bytes.and_then(|b| <[u8; 8]>::try_from(b.as_ref()).ok());
        Ok(count.map_or(0, u64::from_be_bytes) as usize)
    }

    fn aggregate(&self, key: &[u8]) -> Result<Aggregate, StoreError> {
        match self.index.get(key).map_err(backend)? {
            Some(bytes) => decode("aggregate", &bytes),
            None => Ok(Aggregate::default()),
        }
    }

    /// The timeline of a scope: the minute buckets' first and last key say
    /// the span, then one range read of at most 60 buckets.
    fn timeline(&self, scope: Vec<u8>) -> Result<(u64, Vec<StoredBucket>), StoreError> {
        let minutes = keys::width_prefix(scope.clone(), 0);
        let oldest = self.index.scan_prefix(&minutes).next().transpose().map_err(backend)?;
        let newest = self.index.scan_prefix(&minutes).next_back().transpose().map_err(backend)?;
        let (Some((oldest, _)), Some((newest, _))) = (oldest, newest) else {
            return Ok((0, Vec::new()));
        };
        let (Some(oldest), Some(newest)) = (bucket_number(&oldest), bucket_number(&newest)) else {
            return Ok((0, Vec::new()));
        };
        let (width, first, last) = timeline_span(oldest, newest);
        let secs = BUCKET_SECS[width] as i64;
        let mut buckets: Vec<StoredBucket> = (first..=last)
            .map(|b| StoredBucket { start_secs: b * secs, totals: BucketTotals::default() })
            .collect();
        let range = keys::bucket(scope.clone(), width, first)..=keys::bucket(scope, width, last);
        for item in self.index.range(range) {
            let (key, bytes) = item.map_err(backend)?;
            let Some(n) = bucket_number(&key) else { continue };
            if let Some(b) = usize::try_from(n - first).ok().and_then(|i| buckets.get_mut(i)) {
                b.totals = decode("time bucket", &bytes)?;
            }
        }
        Ok((secs as u64, buckets))
    }
}

#[async_trait::async_trait]
impl Store for SledStore {
    async fn put_session(&self, session: &SessionRecord) -> Result<(), StoreError> {
        (&self.sessions, &self.index)
            .transaction(|(sessions, index)| {
                let Some(stored) =
                    tx_get::<SessionRecord>(sessions, session.id.as_bytes(), "session")?
                else {
                    tx_put(sessions, session.id.as_bytes(), session)?;
                    let by_owner = owner_prefix(SESSIONS_BY_OWNER, &session.owner);
                    index.insert(keys::entry(by_owner, session.created_at, session.id), &[][..])?;
                    tx_count(index, &keys::count(SESSIONS_BY_OWNER, &session.owner), true)?;
                    let bytes = context_bytes(session);
                    tx_add(index, &keys::count(CONTEXT_BYTES, &session.owner), bytes)?;
                    return Ok(());
                };
                let delta = context_bytes(session) - context_bytes(&stored);
                tx_add(index, &keys::count(CONTEXT_BYTES, &stored.owner), delta)?;
                // The stored state and history stand: only settling and
                // `edit_memory` change them. Owner and creation time are
                // what the index is keyed by: they stay too.
                let record = SessionRecord {
                    state: stored.state,
                    history_len: stored.history_len,
                    owner: stored.owner,
                    created_at: stored.created_at,
                    ..session.clone()
                };
                tx_put(sessions, session.id.as_bytes(), &record)
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
        owner: &str,
        page: &PageRequest,
    ) -> Result<Listed<SessionRecord>, StoreError> {
        let total = self.count(&keys::count(SESSIONS_BY_OWNER, owner))?;
        self.page(
            owner_prefix(SESSIONS_BY_OWNER, owner),
            page,
            total,
            |id| match self.sessions.get(id.as_bytes()).map_err(backend)? {
                Some(bytes) => Ok(Some(decode("session", &bytes)?)),
                None => Ok(None),
            },
            |_| true,
        )
    }

    async fn owner_usage(&self, owner: &str) -> Result<OwnerUsage, StoreError> {
        Ok(OwnerUsage {
            sessions: self.count(&keys::count(SESSIONS_BY_OWNER, owner))? as u64,
            context_bytes: self.count(&keys::count(CONTEXT_BYTES, owner))? as u64,
        })
    }

    async fn delete_session(&self, id: Uuid) -> Result<bool, StoreError> {
        // The record, its index entries and its turns (numbered 0 to
        // `history_len`, every one in the history tree) go in one
        // transaction: a crash leaves all of them or none.
        let deleted = (&self.sessions, &self.index, &self.history)
            .transaction(|(sessions, index, history)| {
                let Some(stored) = tx_get::<SessionRecord>(sessions, id.as_bytes(), "session")?
                else {
                    return Ok(false);
                };
                sessions.remove(id.as_bytes())?;
                let by_owner = owner_prefix(SESSIONS_BY_OWNER, &stored.owner);
                index.remove(keys::entry(by_owner, stored.created_at, id))?;
                tx_count(index, &keys::count(SESSIONS_BY_OWNER, &stored.owner), false)?;
                let bytes = context_bytes(&stored);
                tx_add(index, &keys::count(CONTEXT_BYTES, &stored.owner), -bytes)?;
                for n in 0..stored.history_len {
                    history.remove(&keys::turn(id, n)[..])?;
                }
                Ok(true)
            })
            .map_err(tx_err)?;
        self.durable().await?;
        Ok(deleted)
    }

    async fn history(
        &self,
        session: Uuid,
        from: u64,
        limit: usize,
    ) -> Result<HistoryPage, StoreError> {
        let Some(record) = self.get_session(session).await? else {
            return Ok(HistoryPage { turns: Vec::new(), total: 0, next: None });
        };
        let mut turns = Vec::new();
        let range = keys::turn(session, from)..=keys::turn(session, u64::MAX);
        for item in self.history.range(range).take(limit) {
            let (key, bytes) = item.map_err(backend)?;
            let number = u64::from_be_bytes(key[16..24].try_into().unwrap_or_default());
            turns.push((number, decode("history turn", &bytes)?));
        }
        let next = turns.last().map(|(n, _)| n + 1).filter(|n| *n < record.history_len);
        Ok(HistoryPage { turns, total: record.history_len, next })
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
        self.put_execution_unflushed(execution)?;
        self.durable().await
    }

    async fn mark_running(&self, execution: &ExecutionRecord) -> Result<(), StoreError> {
        self.put_execution_unflushed(execution)
    }

    async fn put_execution_unacknowledged(
        &self,
        execution: &ExecutionRecord,
    ) -> Result<(), StoreError> {
        self.put_execution_unflushed(execution)
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
                Some(bytes) => Ok(Some(decode("execution", &bytes)?)),
                None => Ok(None),
            },
            |e: &ExecutionRecord| e.owner == filter.owner,
        )
    }

    async fn delete_execution(&self, id: Uuid) -> Result<bool, StoreError> {
        let deleted = (&self.executions, &self.index)
            .transaction(|(executions, index)| {
                let Some(old) = tx_get::<ExecutionRecord>(executions, id.as_bytes(), "execution")?
                else {
                    return Ok(false);
                };
                executions.remove(id.as_bytes())?;
                tx_index_execution(index, Some(&old), None)?;
                Ok(true)
            })
            .map_err(tx_err)?;
        if deleted {
            let mut batch = sled::Batch::default();
            for item in self.trace.scan_prefix(id.as_bytes()) {
                batch.remove(item.map_err(backend)?.0);
            }
            self.trace.apply_batch(batch).map_err(backend)?;
            self.checkpoints.remove(id.as_bytes()).map_err(backend)?;
        }
        self.durable().await?;
        Ok(deleted)
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

    async fn stats(&self, owner: &str, session: Option<Uuid>) -> Result<StatsSnapshot, StoreError> {
        let (totals, per_session, scope) = match session {
            Some(s) => {
                let a = self.aggregate(&keys::session_aggregate(owner, s))?;
                let per_session = if a.executions > 0 { vec![(s, a.clone())] } else { Vec::new() };
                (a, per_session, session_scope(s))
            }
            None => {
                let mut per_session = Vec::new();
                let prefix = owner_prefix(SESSION_AGGREGATE, owner);
                for item in self.index.scan_prefix(&prefix) {
                    let (key, bytes) = item.map_err(backend)?;
                    let Ok(id) = Uuid::from_slice(&key[prefix.len()..]) else { continue };
                    per_session.push((id, decode("aggregate", &bytes)?));
                }
                let totals = self.aggregate(&owner_prefix(OWNER_AGGREGATE, owner))?;
                (totals, per_session, owner_scope(owner))
            }
        };
        if totals.executions == 0 {
            return Ok(StatsSnapshot { totals, ..StatsSnapshot::default() });
        }
        let (bucket_secs, buckets) = self.timeline(scope)?;
        Ok(StatsSnapshot { totals, per_session, bucket_secs, buckets })
    }

    async fn finish_execution(&self, settled: &SettledExecution) -> Result<bool, StoreError> {
        let record = &settled.record;
        let finished = (&self.executions, &self.sessions, &self.index, &self.history)
            .transaction(|(executions, sessions, index, history)| {
                let old: Option<ExecutionRecord> =
                    tx_get(executions, record.id.as_bytes(), "execution")?;
                if old.as_ref().is_some_and(|o| o.status.is_terminal()) {
                    return Ok(false);
                }
                tx_put(executions, record.id.as_bytes(), record)?;
                tx_index_execution(index, old.as_ref(), Some(record))?;
                let Some(session_id) = record.session_id else { return Ok(true) };
                let Some(mut session) =
                    tx_get::<SessionRecord>(sessions, session_id.as_bytes(), "session")?
                else {
                    return Ok(true);
                };
                let Some(state) = settled.merged_state(&session.state.memory) else {
                    return Ok(true);
                };
                tx_split_history(history, &mut session, state, record.id)?;
                session.updated_at = record.completed_at.unwrap_or(session.updated_at);
                tx_put(sessions, session_id.as_bytes(), &session)?;
                Ok(true)
            })
            .map_err(tx_err)?;
        // A repeated settlement changed nothing, but its caller still waits
        // for the first one to be on disk.
        self.durable().await?;
        Ok(finished)
    }

    async fn interrupt_running_executions(&self, message: &str) -> Result<u64, StoreError> {
        // The index of running executions, not every execution: start-up
        // reads what was running, whatever the store's size.
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

    async fn append_trace_encoded(
        &self,
        execution: Uuid,
        events: &[EncodedEvent<'_>],
    ) -> Result<(), StoreError> {
        let mut batch = sled::Batch::default();
        for e in events {
            batch.insert(&trace_key(execution, e.position)[..], e.json.as_bytes());
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

    async fn drop_trace_from(&self, execution: Uuid, position: u64) -> Result<u64, StoreError> {
        let mut batch = sled::Batch::default();
        let mut count = 0;
        let range = trace_key(execution, position)..=trace_key(execution, u64::MAX);
        for item in self.trace.range(range) {
            let (key, _) = item.map_err(backend)?;
            batch.remove(key);
            count += 1;
        }
        self.trace.apply_batch(batch).map_err(backend)?;
        Ok(count)
    }

    async fn enqueue_job(&self, job: &JobRecord) -> Result<(), StoreError> {
        let key = pending_key(job);
        (&self.jobs, &self.pending, &self.index)
            .transaction(|(jobs, pending, index)| {
                let fresh = jobs.get(job.id.as_bytes())?.is_none();
                tx_put(jobs, job.id.as_bytes(), job)?;
                if job.status == JobStatus::Pending {
                    pending.insert(key.clone(), job.id.as_bytes())?;
                }
                if fresh {
                    let by_owner = owner_prefix(JOBS_BY_OWNER, &job.owner);
                    index.insert(keys::entry(by_owner, job.created_at, job.id), &[][..])?;
                    tx_count(index, &keys::count(JOBS_BY_OWNER, &job.owner), true)?;
                }
                Ok(())
            })
            .map_err(tx_err)?;
        self.durable().await
    }

    async fn get_job(&self, id: Uuid) -> Result<Option<JobRecord>, StoreError> {
        self.job(id)
    }

    async fn list_jobs(
        &self,
        owner: &str,
        page: &PageRequest,
    ) -> Result<Listed<JobRecord>, StoreError> {
        let total = self.count(&keys::count(JOBS_BY_OWNER, owner))?;
        self.page(owner_prefix(JOBS_BY_OWNER, owner), page, total, |id| self.job(id), |_| true)
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

    async fn take_job(
        &self,
        id: Uuid,
        worker: &str,
        lease_until: Micros,
    ) -> Result<Option<JobRecord>, StoreError> {
        let taken = self.update_job(
            id,
            |job| !job.status.is_terminal(),
            |job| {
                job.status = JobStatus::Running;
                job.started_at.get_or_insert_with(now_micros);
                job.lease = Some(Lease { worker: worker.to_string(), expires_at: lease_until });
            },
        )?;
        match taken {
            Some(job) => Ok(Some(job)),
            None => self.get_job(id).await,
        }
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

    async fn save_checkpoint(
        &self,
        execution: Uuid,
        checkpoint: &CheckpointRecord,
    ) -> Result<bool, StoreError> {
        let key = execution.as_bytes();
        let new = checkpoint.to_bytes();
        loop {
            let old = self.checkpoints.get(key).map_err(backend)?;
            if let Some(old) = &old
                && CheckpointRecord::from_bytes(old)?.step >= checkpoint.step
            {
                return Ok(false);
            }
            let swapped = self
                .checkpoints
                .compare_and_swap(key, old, Some(new.as_slice()))
                .map_err(backend)?;
            if swapped.is_ok() {
                break;
            }
        }
        self.durable().await?;
        Ok(true)
    }

    async fn load_checkpoint(
        &self,
        execution: Uuid,
    ) -> Result<Option<CheckpointRecord>, StoreError> {
        match self.checkpoints.get(execution.as_bytes()).map_err(backend)? {
            Some(bytes) => Ok(Some(CheckpointRecord::from_bytes(&bytes)?)),
            None => Ok(None),
        }
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

impl SledStore {
    /// An execution's record and indexes, in one transaction, in sled's log
    /// (durable at the next flush).
    fn put_execution_unflushed(&self, execution: &ExecutionRecord) -> Result<(), StoreError> {
        (&self.executions, &self.index)
            .transaction(|(executions, index)| {
                let old: Option<ExecutionRecord> =
                    tx_get(executions, execution.id.as_bytes(), "execution")?;
                tx_put(executions, execution.id.as_bytes(), execution)?;
                tx_index_execution(index, old.as_ref(), Some(execution))
            })
            .map_err(tx_err)
    }

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
        for item in self.index.scan_prefix([RUNNING_JOBS]) {
            let (key, _) = item.map_err(backend)?;
            let Ok(id) = Uuid::from_slice(&key[1..]) else { continue };
            let Some(job) = self.job(id)? else { continue };
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

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(owner: &str) -> ExecutionRecord {
        ExecutionRecord {
            id: Uuid::new_v4(),
            session_id: None,
            owner: owner.into(),
            job_id: None,
            user_query: "q".into(),
            context_size: 10,
            model: "scripted".into(),
            status: ExecutionStatus::Pending,
            finish: None,
            created_at: now_micros(),
            started_at: None,
            completed_at: None,
            spend: Spend::default(),
            steps: 0,
            cache_hits: 0,
            retries: 0,
            final_result: None,
            error_message: None,
            context_breakdown: None,
        }
    }

    /// `POST /api/execute`'s path: the pending record waits for no flush of
    /// its own; the settlement's one flush makes both durable.
    #[tokio::test]
    async fn an_unannounced_execution_costs_one_flush_its_settlement() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path()).unwrap();
        let before = store.commit.flushes();
        let mut record = pending("k");
        store.put_execution_unacknowledged(&record).await.unwrap();
        assert_eq!(store.commit.flushes(), before, "the pending record flushed on its own");
        let stored = store.get_execution(record.id).await.unwrap().unwrap();
        assert_eq!(stored.status, ExecutionStatus::Pending);
        record.status = ExecutionStatus::Completed;
        record.completed_at = Some(now_micros());
        let settled =
            SettledExecution { record: record.clone(), state: None, started_memory: None };
        assert!(store.finish_execution(&settled).await.unwrap());
        assert_eq!(store.commit.flushes(), before + 1);
        // An acknowledged start flushes before it returns.
        store.put_execution(&pending("k")).await.unwrap();
        assert_eq!(store.commit.flushes(), before + 2);
        let stats = store.stats("k", None).await.unwrap();
        assert_eq!(stats.totals.executions, 2);
    }
}
