//! Many executions' starts in one transaction (a batch of the starter,
//! `starter.rs`): for each, what `leases.rs` writes for one
//! (`put_execution_taking_session`, `put_execution_leased`): its session's
//! lease taken if free, its record (running if the lease was taken,
//! otherwise as given) with its aggregates, its lease, and the session as
//! stored now; every kind of row for all of them in one statement over
//! arrays, the independent statements sent together: four round trips
//! and one commit for the batch.

use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use super::aggregates::{Change, apply_changes, move_blob_refs, new_shard, prepare_changes};
use super::batch_items::{Started, Starting};
use super::decoded_sessions::DecodedSessions;
use super::session_reads::READ_SESSIONS;
use super::settle_batch::{LOCK_EXECUTIONS, WRITE_EXECUTIONS, record_columns};
use super::sql::{Tx, decode, first_cause, pg, prepared};
use super::{PgStore, still_ahead};
use crate::store::aggregate::contribution;
use crate::store::clock::Micros;
use crate::store::errors::StoreError;
use crate::store::records::{ExecutionRecord, SessionRecord, check_write, execution_blob};

/// Takes each `$2`'s lease on the session `$1` until `$3`, unless another
/// holder's lasts past that row's `$4`; a row back for each one taken.
const TAKE_SESSION_LEASES: &str = "INSERT INTO session_leases (session_id, holder, expires_at)
     SELECT k.session_id, k.holder, k.until
     FROM unnest($1::uuid[], $2::text[], $3::int8[]) AS k(session_id, holder, until)
     ON CONFLICT (session_id) DO UPDATE
     SET holder = excluded.holder, expires_at = excluded.expires_at
     WHERE session_leases.holder = excluded.holder OR session_leases.expires_at <
         (SELECT l.lapsed FROM unnest($1::uuid[], $4::int8[]) AS l(session_id, lapsed)
          WHERE l.session_id = excluded.session_id LIMIT 1)
     RETURNING session_id";

/// Holds each `$2`'s lease on the execution `$1` until `$3`.
const LEASE_EXECUTIONS: &str = "INSERT INTO execution_leases (execution_id, holder, expires_at)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::int8[])
     ON CONFLICT (execution_id) DO UPDATE
     SET holder = excluded.holder, expires_at = excluded.expires_at";

/// The starts of `batch` (each execution and each session at most once)
/// in one transaction: each one's outcome, in order. A record that may
/// not be written (it has ended, a later attempt runs it) fails the batch.
pub(super) async fn start_batch(
    store: &PgStore,
    batch: &[&Starting],
) -> Result<Vec<Started>, StoreError> {
    let mut client = store.client().await?;
    let tx = client.transaction().await.map_err(pg)?;
    // Sessions' lease rows taken in key order (as every row of one kind).
    let mut taking: Vec<&Starting> = batch
        .iter()
        .copied()
        .filter(|s| s.take.is_some() && s.record.session_id.is_some())
        .collect();
    taking.sort_by_key(|s| s.record.session_id);
    let ids: Vec<Uuid> = batch.iter().map(|s| s.record.id).collect();
    let (taken, stored) =
        first_cause(futures::join!(take_leases(&tx, &taking), lock_records(&tx, &ids)))?;
    let records: Vec<ExecutionRecord> = batch
        .iter()
        .map(|s| match (s.take, s.record.session_id) {
            (Some((_, started_at)), Some(sid)) if taken.contains(&sid) => {
                s.record.running_since(started_at)
            }
            _ => s.record.clone(),
        })
        .collect();
    let decoded = &store.decoded_sessions;
    let sessions = write_starts(&tx, batch, &records, (&stored, &taken), decoded).await?;
    tx.commit().await.map_err(pg)?;
    Ok(batch
        .iter()
        .map(|s| {
            let sid = s.record.session_id.filter(|sid| s.take.is_some() && taken.contains(sid))?;
            Some(sessions.get(&sid).cloned().flatten())
        })
        .collect())
}

/// The sessions' leases `taking` asks for: the sessions whose lease was taken.
async fn take_leases(tx: &Tx<'_>, taking: &[&Starting]) -> Result<HashSet<Uuid>, StoreError> {
    if taking.is_empty() {
        return Ok(HashSet::new());
    }
    let mut columns: (Vec<Uuid>, Vec<&str>, Vec<Micros>, Vec<Micros>) = Default::default();
    for s in taking {
        let (Some(sid), Some((lapsed, _))) = (s.record.session_id, s.take) else { continue };
        columns.0.push(sid);
        columns.1.push(&s.holder);
        columns.2.push(still_ahead(s.until.0, s.until.1));
        columns.3.push(lapsed);
    }
    let rows = tx
        .query(
            &prepared(tx, TAKE_SESSION_LEASES).await?,
            &[&columns.0, &columns.1, &columns.2, &columns.3],
        )
        .await
        .map_err(pg)?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// The stored records of `ids` (a start's record is normally new), locked.
async fn lock_records(
    tx: &Tx<'_>,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, (ExecutionRecord, i32)>, StoreError> {
    let rows = tx.query(&prepared(tx, LOCK_EXECUTIONS).await?, &[&ids]).await.map_err(pg)?;
    let mut stored = HashMap::with_capacity(rows.len());
    for r in &rows {
        let record: ExecutionRecord = decode("execution", r.get(1))?;
        stored.insert(r.get(0), (record, r.get(2)));
    }
    Ok(stored)
}

/// The records with their aggregates and leases, and the sessions whose
/// lease was taken read (sent together: one round trip, then the
/// aggregates' write-back). `stored`: the records stored before, and the
/// sessions whose lease was taken.
async fn write_starts(
    tx: &Tx<'_>,
    batch: &[&Starting],
    records: &[ExecutionRecord],
    (stored, taken): (&HashMap<Uuid, (ExecutionRecord, i32)>, &HashSet<Uuid>),
    decoded: &DecodedSessions,
) -> Result<HashMap<Uuid, Option<SessionRecord>>, StoreError> {
    let mut shards = Vec::with_capacity(records.len());
    let mut changes = Vec::new();
    // The batch's new executions share one shard: their owner rows are
    // written once for the batch, not once each (a batch is one
    // transaction, so they never wait for each other's locks).
    let batch_shard = new_shard();
    for new in records {
        let old = stored.get(&new.id);
        if let Some((old, _)) = old {
            check_write(old, new)?;
        }
        let shard = old.map_or(batch_shard, |(_, shard)| *shard);
        shards.push(shard);
        let old = old.map(|(o, _)| o);
        if old.map(contribution) != Some(contribution(new)) {
            changes.extend(old.map(|record| Change { record, add: false, shard }));
            changes.push(Change { record: new, add: true, shard });
        }
    }
    let columns = record_columns(records.iter(), &shards)?;
    let leases: (Vec<Uuid>, Vec<&str>, Vec<Micros>) = batch
        .iter()
        .map(|s| (s.record.id, s.holder.as_str(), still_ahead(s.until.0, s.until.1)))
        .fold(Default::default(), |mut c, (id, holder, until)| {
            c.0.push(id);
            c.1.push(holder);
            c.2.push(until);
            c
        });
    let session_ids: Vec<Uuid> = taken.iter().copied().collect();
    // Every statement prepared first, so the join below sends them in
    // its order (see `aggregates::prepare_changes`).
    let (write_records, lease, read_sessions, ()) = first_cause(futures::join!(
        prepared(tx, WRITE_EXECUTIONS),
        prepared(tx, LEASE_EXECUTIONS),
        prepared(tx, READ_SESSIONS),
        prepare_changes(tx),
    ))?;
    let (_, _, _, rows) = first_cause(futures::join!(
        async { tx.execute(&write_records, &columns.params()).await.map_err(pg) },
        apply_changes(tx, &changes),
        async { tx.execute(&lease, &[&leases.0, &leases.1, &leases.2]).await.map_err(pg) },
        async { tx.query(&read_sessions, &[&session_ids]).await.map_err(pg) },
    ))?;
    for new in records.iter().filter(|n| !stored.contains_key(&n.id)) {
        // A record made now: its blob counted from now.
        move_blob_refs(tx, None, execution_blob(new)).await?;
    }
    let mut sessions: HashMap<Uuid, Option<SessionRecord>> =
        taken.iter().map(|sid| (*sid, None)).collect();
    for r in &rows {
        let id: Uuid = r.get(0);
        sessions.insert(id, Some(decoded.decode(id, r.get(1))?));
    }
    Ok(sessions)
}
