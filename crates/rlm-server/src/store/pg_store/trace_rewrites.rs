//! Rewrites of stored trace batches, each under its execution's row lock
//! (taken first, as every write of an execution takes it): a batch merged
//! with the stored events its span meets, and a trace cut from a position
//! on. Both are rare (a re-sent batch; a redelivery going on from its
//! checkpoint): an execution's batches are otherwise written once, as they
//! come (`traces.rs`).

use std::borrow::Cow;
use std::collections::BTreeMap;

use uuid::Uuid;

use super::sql::{Tx, big, pg, prepared};
use super::trace_chunks::{TraceBatch, batch_events, batch_positions, trace_batch};
use crate::store::errors::StoreError;
use crate::store::records::{EncodedEvent, StreamedEvent};

const LOCK_ATTEMPT: &str = "SELECT attempt FROM executions WHERE id = $1 FOR UPDATE";

/// The legacy rows (version 11's, one per event) within `$2..=$3`.
const TAKE_LEGACY_ROWS: &str = "DELETE FROM trace
     WHERE execution_id = $1 AND position BETWEEN $2 AND $3 RETURNING position, event";

/// The batches whose spans meet `$2..=$3`.
const TAKE_BATCHES: &str = "DELETE FROM trace_batches
     WHERE execution_id = $1 AND first_position <= $3 AND last_position >= $2
     RETURNING first_position, last_position, events";

const WRITE_BATCH: &str = "INSERT INTO trace_batches
         (execution_id, first_position, last_position, events) VALUES ($1, $2, $3, $4)
     ON CONFLICT (execution_id, first_position) DO UPDATE
     SET last_position = excluded.last_position, events = excluded.events";

/// Stores `events` (`attempt`'s) of `execution` merged with the stored
/// events whose rows' spans meet theirs: all of them one batch, the given
/// events winning at a position both hold (the last write wins). `Some`
/// (the attempt that runs it now), nothing written, when a later attempt
/// runs the execution.
pub(super) async fn merge_batch(
    tx: &Tx<'_>,
    execution: Uuid,
    attempt: u32,
    events: &[EncodedEvent<'_>],
) -> Result<Option<u32>, StoreError> {
    if let Some(newer) = lock_attempt(tx, execution).await?.filter(|&newer| newer > attempt) {
        return Ok(Some(newer));
    }
    let positions = events.iter().map(|e| e.position);
    let (Some(first), Some(last)) = (positions.clone().min(), positions.max()) else {
        return Ok(None);
    };
    let span = [big(first), big(last)];
    let mut merged: BTreeMap<u64, EncodedEvent<'_>> = BTreeMap::new();
    // Oldest first, so that a later write wins: legacy rows, batches, the given events.
    let legacy = tx
        .query(&prepared(tx, TAKE_LEGACY_ROWS).await?, &[&execution, &span[0], &span[1]])
        .await
        .map_err(pg)?;
    for r in &legacy {
        let position = r.get::<_, i64>(0).max(0) as u64;
        merged.insert(position, EncodedEvent { position, json: Cow::Owned(r.get(1)) });
    }
    let mut batches = tx
        .query(&prepared(tx, TAKE_BATCHES).await?, &[&execution, &span[0], &span[1]])
        .await
        .map_err(pg)?;
    batches.sort_by_key(|r| r.get::<_, i64>(0));
    for r in &batches {
        for e in batch_events(r.get(0), r.get(1), r.get(2))? {
            merged.insert(e.position, EncodedEvent::encode(&e)?);
        }
    }
    merged.extend(events.iter().map(|e| (e.position, e.clone())));
    let merged: Vec<EncodedEvent<'_>> = merged.into_values().collect();
    if let Some(batch) = trace_batch(&merged) {
        write_batch(tx, execution, &batch).await?;
    }
    Ok(None)
}

/// Deletes `execution`'s events at `from` and after: the batches from
/// there go whole, one straddling `from` is written back with the events
/// before it. How many events went.
pub(super) async fn cut_trace(tx: &Tx<'_>, execution: Uuid, from: u64) -> Result<u64, StoreError> {
    lock_attempt(tx, execution).await?;
    let cut = big(from);
    let legacy = tx
        .execute(
            &prepared(tx, "DELETE FROM trace WHERE execution_id = $1 AND position >= $2").await?,
            &[&execution, &cut],
        )
        .await
        .map_err(pg)?;
    let batches = tx
        .query(&prepared(tx, TAKE_BATCHES).await?, &[&execution, &cut, &i64::MAX])
        .await
        .map_err(pg)?;
    let mut removed = legacy;
    for r in &batches {
        let (first, last, text): (i64, i64, &str) = (r.get(0), r.get(1), r.get(2));
        if first >= cut {
            removed += batch_positions(first, last, text)?.len() as u64;
            continue;
        }
        let (kept, gone): (Vec<StreamedEvent>, Vec<StreamedEvent>) =
            batch_events(first, last, text)?.into_iter().partition(|e| e.position < from);
        removed += gone.len() as u64;
        let kept = kept.iter().map(EncodedEvent::encode).collect::<Result<Vec<_>, _>>()?;
        if let Some(batch) = trace_batch(&kept) {
            write_batch(tx, execution, &batch).await?;
        }
    }
    Ok(removed)
}

/// The execution's attempt, its row locked for the transaction (`None`:
/// no record, nothing to lock).
async fn lock_attempt(tx: &Tx<'_>, execution: Uuid) -> Result<Option<u32>, StoreError> {
    let row = tx.query_opt(&prepared(tx, LOCK_ATTEMPT).await?, &[&execution]).await.map_err(pg)?;
    Ok(row.map(|r| u32::try_from(r.get::<_, i32>(0)).unwrap_or(0)))
}

async fn write_batch(tx: &Tx<'_>, execution: Uuid, batch: &TraceBatch) -> Result<(), StoreError> {
    tx.execute(
        &prepared(tx, WRITE_BATCH).await?,
        &[&execution, &big(batch.first), &big(batch.last), &batch.text],
    )
    .await
    .map_err(pg)?;
    Ok(())
}
