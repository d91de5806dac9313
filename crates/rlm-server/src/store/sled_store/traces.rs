//! Trace events on sled, one key per `(execution, position)`.

use super::*;

pub(super) async fn append_trace(
    store: &SledStore,
    execution: Uuid,
    events: &[EncodedEvent<'_>],
) -> Result<(), StoreError> {
    let rows: Vec<([u8; 24], Vec<u8>)> = events
        .iter()
        .map(|e| (trace_key(execution, e.position), e.json.as_bytes().to_vec()))
        .collect();
    // Logged, not acknowledged: a trace rides on the next flush (the
    // settlement's, at the latest, which waits for it).
    store
        .writer
        .write(Durability::Logged, move |t: &Trees<'_>| {
            for (key, json) in &rows {
                t.trace.insert(&key[..], json.as_slice())?;
            }
            Ok(())
        })
        .await
}

pub(super) async fn trace(
    store: &SledStore,
    execution: Uuid,
) -> Result<Vec<StreamedEvent>, StoreError> {
    let mut events = Vec::new();
    for item in store.trace.scan_prefix(execution.as_bytes()) {
        let (key, bytes) = item.map_err(backend)?;
        let event: TraceEvent = decode("trace event", &bytes)?;
        // Traces stored before positions were kept are keyed by `seq`, which
        // orders them the same way.
        let position = trace_position(&key).unwrap_or(event.seq);
        events.push(StreamedEvent { position, event });
    }
    Ok(events)
}

pub(super) async fn drop_trace_from(
    store: &SledStore,
    execution: Uuid,
    position: u64,
) -> Result<u64, StoreError> {
    let mut keys = Vec::new();
    let range = trace_key(execution, position)..=trace_key(execution, u64::MAX);
    for item in store.trace.range(range) {
        keys.push(item.map_err(backend)?.0);
    }
    let count = keys.len() as u64;
    store
        .writer
        .write(Durability::Logged, move |t: &Trees<'_>| {
            for key in &keys {
                t.trace.remove(key)?;
            }
            Ok(())
        })
        .await?;
    Ok(count)
}
