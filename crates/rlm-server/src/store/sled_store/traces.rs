//! Trace events on sled: each append is one key, `(execution, position of
//! its first event)`, holding the appended events as a JSON array of
//! `[position, event]` pairs (a chunk). One key per append instead of one
//! per event: every sled insert costs a node copy and a log record, and an
//! execution's events arrive in a few batches. Keys written before chunks
//! hold one event object each (told apart by the value's first byte) and
//! are read as they are.

use std::io::Write;

use rlm_trace::TraceEvent;
use uuid::Uuid;

use super::SledStore;
use super::codec::*;
use super::tx::*;
use super::writer::{Durability, Trees};
use crate::store::errors::StoreError;
use crate::store::records::{EncodedEvent, StreamedEvent, attempt_of_position};
use crate::store::traits::TraceStore;

/// One stored key's events with their positions (`key`: where it sits).
fn decode_chunk(key: &[u8], bytes: &[u8]) -> Result<Vec<StreamedEvent>, StoreError> {
    if bytes.first() == Some(&b'[') {
        let pairs: Vec<(u64, TraceEvent)> = decode("trace chunk", bytes)?;
        return Ok(pairs
            .into_iter()
            .map(|(position, event)| StreamedEvent { position, event })
            .collect());
    }
    let event: TraceEvent = decode("trace event", bytes)?;
    // Traces stored before positions were kept are keyed by `seq`, which
    // orders them the same way.
    let position = trace_position(key).unwrap_or(event.seq);
    Ok(vec![StreamedEvent { position, event }])
}

/// The chunk `events` are stored as (positions ascending, as the log sends them).
fn encode_chunk(events: &[EncodedEvent<'_>]) -> Vec<u8> {
    let size: usize = events.iter().map(|e| e.json.len() + 24).sum();
    let mut value = Vec::with_capacity(size + 2);
    value.push(b'[');
    for (n, e) in events.iter().enumerate() {
        if n > 0 {
            value.push(b',');
        }
        // Writing into a Vec cannot fail.
        let _ = write!(value, "[{},", e.position);
        value.extend_from_slice(e.json.as_bytes());
        value.push(b']');
    }
    value.push(b']');
    value
}

/// The key, chunk and attempt (its positions name it) `events` of
/// `execution` are stored as; `None` with no event.
pub(super) fn chunk_of(
    execution: Uuid,
    events: &[EncodedEvent<'_>],
) -> Option<([u8; 24], Vec<u8>, u32)> {
    let first = events.iter().map(|e| e.position).min()?;
    Some((trace_key(execution, first), encode_chunk(events), attempt_of_position(first)))
}

#[async_trait::async_trait]
impl TraceStore for SledStore {
    async fn append_trace_encoded(
        &self,
        execution: Uuid,
        events: &[EncodedEvent<'_>],
    ) -> Result<(), StoreError> {
        // The batch's attempt: refused when a later attempt runs the execution now.
        let Some((key, value, attempt)) = chunk_of(execution, events) else { return Ok(()) };
        // Logged, not acknowledged: a trace rides on the next flush (the
        // settlement's, at the latest, which waits for it).
        self.writer
            .write(Durability::Logged, move |t: &Trees<'_>| {
                let newer = tx_newest_attempt(t.index, execution)?;
                if newer > attempt {
                    return Err(abort(StoreError::Superseded { execution, attempt, newer }));
                }
                t.trace.insert(&key[..], value.as_slice())?;
                Ok(())
            })
            .await
    }

    async fn trace(&self, execution: Uuid) -> Result<Vec<StreamedEvent>, StoreError> {
        let mut events = Vec::new();
        for item in self.trace.scan_prefix(execution.as_bytes()) {
            let (key, bytes) = item.map_err(backend)?;
            events.extend(decode_chunk(&key, &bytes)?);
        }
        events.sort_by_key(|e| e.position);
        Ok(events)
    }

    async fn drop_trace_from(&self, execution: Uuid, position: u64) -> Result<u64, StoreError> {
        // Chunks from `position` on go whole; the one before may hold events
        // at and after `position` too: it is written back without them.
        let mut removed = Vec::new();
        let mut count = 0u64;
        let range = trace_key(execution, position)..=trace_key(execution, u64::MAX);
        for item in self.trace.range(range) {
            let (key, bytes) = item.map_err(backend)?;
            count += decode_chunk(&key, &bytes)?.len() as u64;
            removed.push(key);
        }
        // The chunk before, without the dropped events (`None`: none left).
        let mut kept: Option<(sled::IVec, Option<Vec<u8>>)> = None;
        let before = trace_key(execution, 0)..trace_key(execution, position);
        if let Some(item) = self.trace.range(before).next_back() {
            let (key, bytes) = item.map_err(backend)?;
            let events = decode_chunk(&key, &bytes)?;
            let (keep, drop): (Vec<_>, Vec<_>) =
                events.into_iter().partition(|e| e.position < position);
            if !drop.is_empty() {
                count += drop.len() as u64;
                let keep: Result<Vec<EncodedEvent<'static>>, StoreError> =
                    keep.iter().map(EncodedEvent::encode).collect();
                let keep = keep?;
                kept = Some((key, (!keep.is_empty()).then(|| encode_chunk(&keep))));
            }
        }
        self.writer
            .write(Durability::Logged, move |t: &Trees<'_>| {
                for key in &removed {
                    t.trace.remove(key)?;
                }
                match &kept {
                    Some((key, Some(value))) => {
                        t.trace.insert(key, value.as_slice())?;
                    }
                    Some((key, None)) => {
                        t.trace.remove(key)?;
                    }
                    None => {}
                }
                Ok(())
            })
            .await?;
        Ok(count)
    }
}
