//! The pieces of sled transactions the writes share: typed reads and
//! writes of a tree, counts, and the index entries, aggregates, time
//! buckets and history split that move with a record, and an execution's
//! newest attempt.

use rlm_core::SessionState;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sled::transaction::ConflictableTransactionError;
use uuid::Uuid;

use super::codec::*;
use crate::store::aggregate::{Aggregate, BUCKET_SECS, BucketTotals, bucket_of, contribution};
use crate::store::clock::Micros;
use crate::store::errors::StoreError;
use crate::store::keys::{self, *};
use crate::store::records::{ExecutionRecord, SessionRecord, execution_blob};
use crate::store::settlement::split_history;

pub(super) type Tx = sled::transaction::TransactionalTree;
pub(super) type TxResult<T> = Result<T, ConflictableTransactionError<StoreError>>;

pub(super) fn tx_get<T: DeserializeOwned>(
    tree: &Tx,
    key: &[u8],
    what: &str,
) -> TxResult<Option<T>> {
    match tree.get(key)? {
        Some(bytes) => Ok(Some(decode(what, &bytes).map_err(abort)?)),
        None => Ok(None),
    }
}

pub(super) fn tx_put<T: Serialize>(tree: &Tx, key: &[u8], value: &T) -> TxResult<()> {
    tree.insert(key, encode(value).map_err(abort)?)?;
    Ok(())
}

/// Adds one to (or takes one from) the count at `key`.
pub(super) fn tx_count(index: &Tx, key: &[u8], add: bool) -> TxResult<()> {
    tx_add(index, key, if add { 1 } else { -1 })
}

/// Adds `delta` to the count at `key` (never below zero).
pub(super) fn tx_add(index: &Tx, key: &[u8], delta: i64) -> TxResult<()> {
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

/// Moves the reference counts of the blobs a record named (`old`) and names
/// (`new`), inside the record's write.
pub(super) fn tx_blob_refs(index: &Tx, old: Option<&str>, new: Option<&str>) -> TxResult<()> {
    if old == new {
        return Ok(());
    }
    if let Some(name) = old {
        tx_add(index, &keys::count(BLOB_REFS, name), -1)?;
    }
    if let Some(name) = new {
        tx_add(index, &keys::count(BLOB_REFS, name), 1)?;
    }
    Ok(())
}

/// A session's context bytes, as a count's delta.
pub(super) fn context_bytes(session: &SessionRecord) -> i64 {
    session.context.as_ref().map_or(0, |c| i64::try_from(c.bytes).unwrap_or(i64::MAX))
}

/// The entries of the by-time indexes of `e`.
pub(super) fn execution_entries(e: &ExecutionRecord) -> Vec<Vec<u8>> {
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
pub(super) fn aggregate_keys(e: &ExecutionRecord) -> Vec<Vec<u8>> {
    let mut found = vec![owner_prefix(OWNER_AGGREGATE, &e.owner)];
    if let Some(s) = e.session_id {
        found.push(keys::session_aggregate(&e.owner, s));
    }
    found
}

/// The scopes of `e`'s time buckets: its owner's, and its session's.
pub(super) fn bucket_scopes(e: &ExecutionRecord) -> Vec<Vec<u8>> {
    let mut scopes = vec![owner_scope(&e.owner)];
    if let Some(s) = e.session_id {
        scopes.push(session_scope(s));
    }
    scopes
}

/// The newest time bucket of each width of one scope, in one record
/// (`keys::hot_buckets`). A settlement in the newest buckets, the common
/// case, reads and writes this one record per scope instead of one per
/// width (18 a settlement with a session: each a sled read and a node
/// copy). When a newer bucket begins at a width, the one it replaces is
/// stored under its own key (`keys::bucket`), once; an execution of an
/// older bucket changes that key. A bucket is in one place only: the key
/// of the bucket the record holds is taken into it (a store written before
/// the record kept every bucket under its key).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub(super) struct HotBuckets {
    /// Per width, in [`BUCKET_SECS`]' order: the newest bucket's number and
    /// totals (`None` before the scope's first execution).
    pub widths: Vec<Option<(i64, BucketTotals)>>,
}

impl HotBuckets {
    /// The newest bucket at `width` and its totals, unless empty.
    pub fn at(&self, width: usize) -> Option<(i64, &BucketTotals)> {
        match self.widths.get(width) {
            Some(Some((bucket, totals))) if !totals.is_empty() => Some((*bucket, totals)),
            _ => None,
        }
    }

    fn is_empty(&self) -> bool {
        self.widths.iter().flatten().all(|(_, totals)| totals.is_empty())
    }
}

/// The record of `scope`'s newest buckets (empty when none was written).
pub(super) fn read_hot(bytes: Option<&[u8]>) -> Result<HotBuckets, StoreError> {
    bytes.map_or(Ok(HotBuckets::default()), |b| decode_compact("time buckets", b))
}

/// Lets `change` update `scope`'s time bucket of `created_at` at every
/// width (see [`HotBuckets`]).
fn tx_buckets(
    index: &Tx,
    scope: &[u8],
    created_at: Micros,
    change: &impl Fn(&mut BucketTotals),
) -> TxResult<()> {
    let hot_key = keys::hot_buckets(scope.to_vec());
    let mut hot = read_hot(index.get(&hot_key)?.as_deref()).map_err(abort)?;
    hot.widths.resize(BUCKET_SECS.len(), None);
    for (width, slot) in hot.widths.iter_mut().enumerate() {
        let bucket = bucket_of(created_at, width);
        match slot.as_ref().map(|(newest, _)| newest.cmp(&bucket)) {
            Some(std::cmp::Ordering::Equal) => {
                if let Some((_, totals)) = slot {
                    change(totals);
                }
            }
            Some(std::cmp::Ordering::Greater) => {
                let key = keys::bucket(scope.to_vec(), width, bucket);
                tx_update(index, &key, "time bucket", change, BucketTotals::is_empty)?;
            }
            _ => {
                // A newer bucket begins: the one held goes under its key.
                if let Some((held, totals)) = slot.take()
                    && !totals.is_empty()
                {
                    let key = keys::bucket(scope.to_vec(), width, held);
                    index.insert(key, encode_compact(&totals).map_err(abort)?)?;
                }
                let key = keys::bucket(scope.to_vec(), width, bucket);
                let mut totals: BucketTotals = match index.get(&key)? {
                    Some(bytes) => {
                        index.remove(&key[..])?;
                        decode_compact("time bucket", &bytes).map_err(abort)?
                    }
                    None => BucketTotals::default(),
                };
                change(&mut totals);
                *slot = Some((bucket, totals));
            }
        }
    }
    if hot.is_empty() {
        index.remove(hot_key)?;
    } else {
        index.insert(hot_key, encode_compact(&hot).map_err(abort)?)?;
    }
    Ok(())
}

/// Reads the compact record at `key` (or its default), lets `change` update
/// it, and stores it back (removed once `empty` says it holds nothing).
pub(super) fn tx_update<T: Serialize + DeserializeOwned + Default>(
    index: &Tx,
    key: &[u8],
    what: &str,
    change: impl Fn(&mut T),
    empty: impl Fn(&T) -> bool,
) -> TxResult<()> {
    let mut record: T = match index.get(key)? {
        Some(bytes) => decode_compact(what, &bytes).map_err(abort)?,
        None => T::default(),
    };
    change(&mut record);
    if empty(&record) {
        index.remove(key)?;
    } else {
        index.insert(key, encode_compact(&record).map_err(abort)?)?;
    }
    Ok(())
}

/// Moves an execution's share in its owner's and session's aggregates and
/// time buckets from `old` to `new` (`None`: absent). When both are under
/// the same keys (an execution changing state: owner, session and creation
/// time never change), each record is read and written once, and the time
/// buckets are left alone when their share is the same.
pub(super) fn tx_aggregates(
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
        let change = |b: &mut BucketTotals| {
            if let Some(o) = out {
                b.apply(o, false);
            }
            if let Some(n) = into {
                b.apply(n, true);
            }
        };
        for scope in bucket_scopes(e) {
            tx_buckets(index, &scope, e.created_at, &change)?;
        }
    }
    Ok(())
}

/// Keeps the indexes and aggregates in step with an execution's change from
/// `old` to `new` (`None`: absent), inside the write's transaction.
pub(super) fn tx_index_execution(
    index: &Tx,
    old: Option<&ExecutionRecord>,
    new: Option<&ExecutionRecord>,
) -> TxResult<()> {
    match (old, new) {
        (None, Some(n)) => {
            for key in execution_entries(n) {
                index.insert(key, &[][..])?;
            }
            // An execution's blob is its for its whole life: counted when
            // the record is made, dropped when it is deleted.
            tx_blob_refs(index, None, execution_blob(n))?;
        }
        (Some(o), None) => {
            for key in execution_entries(o) {
                index.remove(key)?;
            }
            tx_blob_refs(index, execution_blob(o), None)?;
        }
        _ => {}
    }
    // The marker is there while the stored record is running: written or
    // removed only when that changes (each sled write costs a node copy).
    let running_in = |e: Option<&ExecutionRecord>| e.is_some_and(|e| !e.status.is_terminal());
    if let Some(e) = new.or(old) {
        let running = by_id(RUNNING_EXECUTIONS, e.id);
        match (running_in(old), running_in(new)) {
            (false, true) => {
                index.insert(&running[..], &[][..])?;
            }
            (true, false) => {
                index.remove(&running[..])?;
            }
            _ => {}
        }
    }
    if old.map(contribution) != new.map(contribution) {
        tx_aggregates(index, old, new)?;
    }
    Ok(())
}

/// Moves the turns `state` added since the stored window into the history
/// tree and trims the window to [`HISTORY_WINDOW`] turns.
pub(super) fn tx_split_history(
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

/// Keeps a redelivered execution's newest attempt where a trace batch or a
/// checkpoint of an older one finds it (see [`keys::ATTEMPTS`]).
pub(super) fn tx_note_attempt(
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
