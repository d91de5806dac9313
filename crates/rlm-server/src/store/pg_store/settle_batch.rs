//! Many executions' settlements in one transaction (a batch of the
//! settler, `settler.rs`): the writes of `executions::settle` for each,
//! every kind of row written for all of them by one statement over arrays,
//! the independent statements sent together. A batch costs five round
//! trips and one commit (one WAL flush) however many it settles.
//!
//! Each settlement's outcome is the one `executions::settle` gives it
//! alone: one already ended, or superseded by a later attempt, writes
//! nothing (its trace included) and only gives its session's lease up.
//! Rows of one kind are locked in key order, tables in the order a single
//! settlement locks them (executions, aggregates, sessions).

use std::collections::{BTreeMap, HashMap};

use uuid::Uuid;

use super::PgStore;
use super::aggregates::{Change, apply_changes, move_blob_refs, new_shard, prepare_changes};
use super::batch_items::Settling;
use super::decoded_sessions::DecodedSessions;
use super::sql::{Tx, big, decode, encode, first_cause, pg, prepared};
use super::traces::{INSERT_TRACE_BATCHES, TraceColumns, merge_refused};
use crate::store::aggregate::contribution;
use crate::store::errors::StoreError;
use crate::store::records::{ExecutionRecord, SessionRecord, check_write, execution_blob};
use crate::store::settlement::{Settled, SettledExecution, split_history};

/// An execution's stored record and the owner's shard it is counted in.
type Stored = HashMap<Uuid, (ExecutionRecord, i32)>;

pub(super) const LOCK_EXECUTIONS: &str = "SELECT id, record, agg_shard FROM executions
     WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE";

pub(super) const WRITE_EXECUTIONS: &str = "INSERT INTO executions
         (id, owner, session_id, created_at, terminal, record, attempt, agg_shard)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::int8[], $5::bool[],
                          $6::text[], $7::int4[], $8::int4[])
     ON CONFLICT (id) DO UPDATE SET owner = excluded.owner,
         session_id = excluded.session_id, created_at = excluded.created_at,
         terminal = excluded.terminal, record = excluded.record, attempt = excluded.attempt";

const DROP_EXECUTION_LEASES: &str =
    "DELETE FROM execution_leases WHERE execution_id = ANY($1::uuid[])";

const LOCK_SESSIONS: &str =
    "SELECT id, record FROM sessions WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE";

const INSERT_HISTORY: &str = "INSERT INTO session_history (session_id, turn, body)
     SELECT * FROM unnest($1::uuid[], $2::int8[], $3::text[])
     ON CONFLICT (session_id, turn) DO UPDATE SET body = excluded.body";

const WRITE_SESSIONS: &str = "UPDATE sessions s SET record = k.record
     FROM unnest($1::uuid[], $2::text[]) AS k(id, record) WHERE s.id = k.id";

const RELEASE_SESSION_LEASES: &str = "DELETE FROM session_leases l
     USING unnest($1::uuid[], $2::text[]) AS k(session_id, holder)
     WHERE l.session_id = k.session_id AND l.holder = k.holder";

/// The settlements of `batch` (each execution at most once, none with a
/// job) in one transaction: each one's outcome, in order.
pub(super) async fn settle_batch(
    store: &PgStore,
    batch: &[&Settling],
) -> Result<Vec<Settled>, StoreError> {
    let mut client = store.client().await?;
    let tx = client.transaction().await.map_err(pg)?;
    let ids: Vec<Uuid> = batch.iter().map(|s| s.settled.record.id).collect();
    let stored = lock_executions(&tx, &ids).await?;
    let outcomes: Vec<(Settled, bool)> = batch.iter().map(|s| outcome(s, &stored)).collect();
    let writing: Vec<&Settling> =
        batch.iter().zip(&outcomes).filter(|(_, (_, w))| *w).map(|(s, _)| *s).collect();
    let decoded = &store.decoded_sessions;
    let sessions = write_executions(&tx, &writing, &stored, decoded).await?;
    write_sessions(&tx, (&writing, batch), sessions, decoded).await?;
    tx.commit().await.map_err(pg)?;
    Ok(outcomes.into_iter().map(|(settled, _)| settled).collect())
}

/// The stored records of `ids`, locked for the transaction.
async fn lock_executions(tx: &Tx<'_>, ids: &[Uuid]) -> Result<Stored, StoreError> {
    let rows = tx.query(&prepared(tx, LOCK_EXECUTIONS).await?, &[&ids]).await.map_err(pg)?;
    let mut stored = Stored::with_capacity(rows.len());
    for r in &rows {
        let record: ExecutionRecord = decode("execution", r.get(1))?;
        stored.insert(r.get(0), (record, r.get(2)));
    }
    Ok(stored)
}

/// What settling `s` gives, and whether it writes (as `executions::settle_in`
/// decides it).
fn outcome(s: &Settling, stored: &Stored) -> (Settled, bool) {
    let record = &s.settled.record;
    match stored.get(&record.id) {
        // Ended already: by an earlier try of this settlement (its commit's
        // answer lost), or otherwise. Nothing is written either way.
        Some((old, _)) if old.status.is_terminal() => {
            (Settled { execution: record.is_same_settlement(old), job: false }, false)
        }
        // A later attempt runs it now: this one's end is not the execution's.
        Some((old, _)) if check_write(old, record).is_err() => (Settled::default(), false),
        _ => (Settled { execution: true, job: false }, true),
    }
}

/// The writing settlements' trace events, records, aggregates and buckets,
/// execution leases given up, and their sessions locked (sent together:
/// one round trip, then the aggregates' write-back); the sessions read.
async fn write_executions(
    tx: &Tx<'_>,
    writing: &[&Settling],
    stored: &Stored,
    decoded: &DecodedSessions,
) -> Result<BTreeMap<Uuid, SessionRecord>, StoreError> {
    let shard_of = |s: &Settling| stored.get(&s.settled.record.id).map(|(_, shard)| *shard);
    // Settlements of executions never started here share one shard (as a
    // batch of starts does, `start_batch.rs`).
    let batch_shard = new_shard();
    let shards: Vec<i32> = writing.iter().map(|s| shard_of(s).unwrap_or(batch_shard)).collect();
    let mut changes = Vec::new();
    for (s, shard) in writing.iter().zip(&shards) {
        let new = &s.settled.record;
        let old = stored.get(&new.id).map(|(o, _)| o);
        if old.map(contribution) != Some(contribution(new)) {
            changes.extend(old.map(|record| Change { record, add: false, shard: *shard }));
            changes.push(Change { record: new, add: true, shard: *shard });
        }
    }
    let session_ids: Vec<Uuid> =
        writing.iter().filter_map(|s| s.settled.record.session_id).collect();
    let ids: Vec<Uuid> = writing.iter().map(|s| s.settled.record.id).collect();
    let records = record_columns(writing.iter().map(|s| &s.settled.record), &shards)?;
    let mut traces = TraceColumns::default();
    for s in writing {
        traces.push(s.settled.record.id, &s.trace);
    }
    let (insert_trace, write_records, drop_leases, lock_sessions, ()) =
        first_cause(futures::join!(
            prepared(tx, INSERT_TRACE_BATCHES),
            prepared(tx, WRITE_EXECUTIONS),
            prepared(tx, DROP_EXECUTION_LEASES),
            prepared(tx, LOCK_SESSIONS),
            prepare_changes(tx),
        ))?;
    // In the order a single settlement writes them: the trace's check of
    // its attempt reads the record before the record is rewritten; the
    // aggregate rows locked before the sessions' (every statement prepared
    // above, so each is sent in this order).
    let (written, _, _, _, rows) = first_cause(futures::join!(
        async {
            if traces.is_empty() {
                return Ok(Vec::new());
            }
            tx.query(&insert_trace, &traces.params()).await.map_err(pg)
        },
        async {
            if ids.is_empty() {
                return Ok(0);
            }
            tx.execute(&write_records, &records.params()).await.map_err(pg)
        },
        apply_changes(tx, &changes),
        async { tx.execute(&drop_leases, &[&ids]).await.map_err(pg) },
        async { tx.query(&lock_sessions, &[&session_ids]).await.map_err(pg) },
    ))?;
    // A batch meeting stored events is merged with them (the executions
    // are locked already; the writing ones are not superseded).
    merge_refused(tx, &traces, &written).await?;
    for s in writing {
        let new = &s.settled.record;
        if !stored.contains_key(&new.id) {
            // A record made by its settlement: its blob counted from now.
            move_blob_refs(tx, None, execution_blob(new)).await?;
        }
    }
    let mut sessions = BTreeMap::new();
    for r in &rows {
        let id: Uuid = r.get(0);
        sessions.insert(id, decoded.decode(id, r.get(1))?);
    }
    Ok(sessions)
}

/// The writing settlements' sessions: each one's new state merged into the
/// stored one in the batch's order (two of one session as one after the
/// other), history turns and records written; then every settlement's
/// lease on its session given up (`batch`: the writing ones and the
/// others). A record written is remembered as its text's decoding.
async fn write_sessions(
    tx: &Tx<'_>,
    (writing, batch): (&[&Settling], &[&Settling]),
    mut sessions: BTreeMap<Uuid, SessionRecord>,
    decoded: &DecodedSessions,
) -> Result<(), StoreError> {
    let mut history: (Vec<Uuid>, Vec<i64>, Vec<String>) = Default::default();
    let mut changed = std::collections::BTreeSet::new();
    for s in writing {
        let record = &s.settled.record;
        let Some(session) = record.session_id.and_then(|sid| sessions.get_mut(&sid)) else {
            continue;
        };
        if settle_session(session, &s.settled, &mut history)? {
            changed.insert(session.id);
        }
    }
    let mut written: (Vec<Uuid>, Vec<String>) = Default::default();
    for id in changed {
        let text = encode(&sessions[&id])?;
        decoded.remember(id, &text, &sessions[&id]);
        written.0.push(id);
        written.1.push(text);
    }
    let released: (Vec<Uuid>, Vec<&str>) = batch
        .iter()
        .filter_map(|s| Some((s.settled.record.session_id?, s.release.as_deref()?)))
        .unzip();
    let (insert_history, write_records, release) = first_cause(futures::join!(
        prepared(tx, INSERT_HISTORY),
        prepared(tx, WRITE_SESSIONS),
        prepared(tx, RELEASE_SESSION_LEASES),
    ))?;
    first_cause(futures::join!(
        async {
            if history.0.is_empty() {
                return Ok(0);
            }
            tx.execute(&insert_history, &[&history.0, &history.1, &history.2]).await.map_err(pg)
        },
        async {
            if written.0.is_empty() {
                return Ok(0);
            }
            tx.execute(&write_records, &[&written.0, &written.1]).await.map_err(pg)
        },
        async {
            if released.0.is_empty() {
                return Ok(0);
            }
            tx.execute(&release, &[&released.0, &released.1]).await.map_err(pg)
        },
    ))?;
    Ok(())
}

/// `settled`'s part of its session (as `executions::settle_session`): the
/// new state merged in, its history turns added to `history`; whether
/// the session changed.
fn settle_session(
    session: &mut SessionRecord,
    settled: &SettledExecution,
    history: &mut (Vec<Uuid>, Vec<i64>, Vec<String>),
) -> Result<bool, StoreError> {
    let Some(state) = settled.merged_state(&session.state) else { return Ok(false) };
    let first = session.history_len;
    let turns = split_history(session, state, settled.record.id);
    for (n, turn) in turns.iter().enumerate() {
        history.0.push(session.id);
        history.1.push(big(first + n as u64));
        history.2.push(encode(turn)?);
    }
    session.updated_at = settled.record.completed_at.unwrap_or(session.updated_at);
    Ok(true)
}

/// Execution records as [`WRITE_EXECUTIONS`]'s arrays.
pub(super) struct RecordColumns {
    ids: Vec<Uuid>,
    owners: Vec<String>,
    sessions: Vec<Option<Uuid>>,
    created: Vec<i64>,
    terminal: Vec<bool>,
    records: Vec<String>,
    attempts: Vec<i32>,
    shards: Vec<i32>,
}

/// `records`, each counted in its shard of `shards`, as [`WRITE_EXECUTIONS`]'s arrays.
pub(super) fn record_columns<'a>(
    records: impl Iterator<Item = &'a ExecutionRecord>,
    shards: &[i32],
) -> Result<RecordColumns, StoreError> {
    let mut c = RecordColumns {
        ids: Vec::new(),
        owners: Vec::new(),
        sessions: Vec::new(),
        created: Vec::new(),
        terminal: Vec::new(),
        records: Vec::new(),
        attempts: Vec::new(),
        shards: shards.to_vec(),
    };
    for e in records {
        c.ids.push(e.id);
        c.owners.push(e.owner.clone());
        c.sessions.push(e.session_id);
        c.created.push(e.created_at);
        c.terminal.push(e.status.is_terminal());
        c.records.push(encode(e)?);
        c.attempts.push(i32::try_from(e.attempt()).unwrap_or(i32::MAX));
    }
    Ok(c)
}

impl RecordColumns {
    pub(super) fn params(&self) -> [&(dyn tokio_postgres::types::ToSql + Sync); 8] {
        [
            &self.ids,
            &self.owners,
            &self.sessions,
            &self.created,
            &self.terminal,
            &self.records,
            &self.attempts,
            &self.shards,
        ]
    }
}
