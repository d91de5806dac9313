//! Trace events on sled, one key per `(execution, position)`.

use super::*;

pub(super) async fn append_trace(
    store: &SledStore,
    execution: Uuid,
    events: &[EncodedEvent<'_>],
) -> Result<(), StoreError> {
    let mut batch = sled::Batch::default();
    for e in events {
        batch.insert(&trace_key(execution, e.position)[..], e.json.as_bytes());
    }
    store.trace.apply_batch(batch).map_err(backend)
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
    let mut batch = sled::Batch::default();
    let mut count = 0;
    let range = trace_key(execution, position)..=trace_key(execution, u64::MAX);
    for item in store.trace.range(range) {
        let (key, _) = item.map_err(backend)?;
        batch.remove(key);
        count += 1;
    }
    store.trace.apply_batch(batch).map_err(backend)?;
    Ok(count)
}
