//! Trace events on PostgreSQL: each written batch is one row of
//! `trace_batches` (migration 12; its text `trace_chunks.rs`), the rows of
//! `trace` a store of version 11 wrote (one per event) read beside them.
//!
//! No two rows hold one position, and no two batches' spans
//! (`first_position..=last_position`) overlap: a batch is written as it is
//! only when its span meets no stored event ([`INSERT_TRACE_BATCHES`]);
//! one that does (a re-sent batch, a retry) is merged with the events it
//! meets under the execution's lock (`trace_rewrites.rs`), the batch's
//! events winning. Should two writers of one execution both pass that check
//! at once, a read still gives each position once (the row read last wins).

use std::collections::{BTreeMap, HashSet};

use tokio_postgres::Row;
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use super::PgStore;
use super::sql::{Tx, big, decode, pg, prepared_on};
use super::trace_chunks::{batch_events, trace_batch};
use super::trace_rewrites::{cut_trace, merge_batch};
use crate::store::errors::StoreError;
use crate::store::records::{EncodedEvent, StreamedEvent};
use crate::store::traits::TraceStore;

/// Stores each execution's batch as one row, unless a later attempt runs
/// the execution now (refused whole) or the batch's span meets stored
/// events (left to [`merge_refused`]): `$1`-`$4` the rows, `$5` each
/// batch's attempt. Returns the executions whose batch it wrote.
pub(super) const INSERT_TRACE_BATCHES: &str = "INSERT INTO trace_batches
         (execution_id, first_position, last_position, events)
     SELECT t.id, t.first_position, t.last_position, t.events
     FROM unnest($1::uuid[], $2::int8[], $3::int8[], $4::text[], $5::int4[])
         AS t(id, first_position, last_position, events, attempt)
     WHERE NOT EXISTS (SELECT 1 FROM executions e WHERE e.id = t.id AND e.attempt > t.attempt)
       AND NOT EXISTS (SELECT 1 FROM trace_batches b WHERE b.execution_id = t.id
           AND b.first_position <= t.last_position AND b.last_position >= t.first_position)
       AND NOT EXISTS (SELECT 1 FROM trace l WHERE l.execution_id = t.id
           AND l.position BETWEEN t.first_position AND t.last_position)
     ON CONFLICT (execution_id, first_position) DO NOTHING
     RETURNING execution_id";

/// An execution's events, legacy rows first and batches in span order, so
/// that the row read last holds a position's event.
const READ_TRACE: &str = "SELECT false, position, position, event FROM trace
     WHERE execution_id = $1
     UNION ALL
     SELECT true, first_position, last_position, events FROM trace_batches
     WHERE execution_id = $1
     ORDER BY 1, 2";

/// Batches of executions' events as [`INSERT_TRACE_BATCHES`]'s arrays, with
/// the events as given (a batch it refuses is merged from them).
#[derive(Default)]
pub(super) struct TraceColumns<'a> {
    ids: Vec<Uuid>,
    firsts: Vec<i64>,
    lasts: Vec<i64>,
    texts: Vec<String>,
    attempts: Vec<i32>,
    given: Vec<(u32, &'a [EncodedEvent<'a>])>,
}

impl<'a> TraceColumns<'a> {
    /// Adds `execution`'s batch of `events` (nothing with no event).
    pub fn push(&mut self, execution: Uuid, events: &'a [EncodedEvent<'a>]) {
        let Some(batch) = trace_batch(events) else { return };
        self.ids.push(execution);
        self.firsts.push(big(batch.first));
        self.lasts.push(big(batch.last));
        self.attempts.push(batch.attempt_param());
        self.texts.push(batch.text);
        self.given.push((batch.attempt, events));
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub fn params(&self) -> [&(dyn ToSql + Sync); 5] {
        [&self.ids, &self.firsts, &self.lasts, &self.texts, &self.attempts]
    }
}

/// A batch a later attempt refused: its execution, its attempt, the later one.
pub(super) type Refused = (Uuid, u32, u32);

/// Writes in `tx` the batches of `columns` that [`INSERT_TRACE_BATCHES`]
/// did not (`written` its rows), each merged with the stored events it
/// meets; those a later attempt refuses are returned, nothing of theirs written.
pub(super) async fn merge_refused(
    tx: &Tx<'_>,
    columns: &TraceColumns<'_>,
    written: &[Row],
) -> Result<Vec<Refused>, StoreError> {
    // Every batch written (the settlements' case): nothing to look up.
    if written.len() == columns.ids.len() {
        return Ok(Vec::new());
    }
    let written: HashSet<Uuid> = written.iter().map(|r| r.get(0)).collect();
    let mut refused = Vec::new();
    for (id, (attempt, events)) in columns.ids.iter().zip(&columns.given) {
        if written.contains(id) {
            continue;
        }
        if let Some(newer) = merge_batch(tx, *id, *attempt, events).await? {
            refused.push((*id, *attempt, newer));
        }
    }
    Ok(refused)
}

/// The events of `rows` ([`READ_TRACE`]'s), one per position, in order.
fn read_events(rows: &[Row]) -> Result<Vec<StreamedEvent>, StoreError> {
    let mut events = BTreeMap::new();
    for r in rows {
        let (first, last, text): (i64, i64, &str) = (r.get(1), r.get(2), r.get(3));
        if r.get::<_, bool>(0) {
            for e in batch_events(first, last, text)? {
                events.insert(e.position, e.event);
            }
        } else {
            events.insert(first.max(0) as u64, decode("trace event", text)?);
        }
    }
    Ok(events.into_iter().map(|(position, event)| StreamedEvent { position, event }).collect())
}

#[async_trait::async_trait]
impl TraceStore for PgStore {
    async fn append_trace_encoded(
        &self,
        execution: Uuid,
        events: &[EncodedEvent<'_>],
    ) -> Result<(), StoreError> {
        self.writing(move || async move {
            let mut columns = TraceColumns::default();
            columns.push(execution, events);
            if columns.is_empty() {
                return Ok(());
            }
            let mut client = self.client().await?;
            let statement = prepared_on(&client, INSERT_TRACE_BATCHES).await?;
            let written = client.query(&statement, &columns.params()).await.map_err(pg)?;
            if !written.is_empty() {
                return Ok(());
            }
            // Stored events met, or a later attempt: decided under the execution's lock.
            let tx = client.transaction().await.map_err(pg)?;
            let refused = merge_refused(&tx, &columns, &written).await?;
            tx.commit().await.map_err(pg)?;
            match refused.first() {
                Some(&(execution, attempt, newer)) => {
                    Err(StoreError::Superseded { execution, attempt, newer })
                }
                None => Ok(()),
            }
        })
        .await
    }

    async fn trace(&self, execution: Uuid) -> Result<Vec<StreamedEvent>, StoreError> {
        self.reading(move || async move {
            let client = self.client().await?;
            let statement = prepared_on(&client, READ_TRACE).await?;
            let rows = client.query(&statement, &[&execution]).await.map_err(pg)?;
            read_events(&rows)
        })
        .await
    }

    async fn drop_trace_from(&self, execution: Uuid, position: u64) -> Result<u64, StoreError> {
        self.writing(move || async move {
            let mut client = self.client().await?;
            let tx = client.transaction().await.map_err(pg)?;
            let removed = cut_trace(&tx, execution, position).await?;
            tx.commit().await.map_err(pg)?;
            Ok(removed)
        })
        .await
    }
}
