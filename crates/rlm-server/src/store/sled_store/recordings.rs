//! An execution's recording on sled: one value per execution in the
//! `recordings` tree (its JSON lines), replaced whole, removed with it.

use super::*;

pub(super) async fn save_recording(
    store: &SledStore,
    execution: Uuid,
    jsonl: &str,
) -> Result<(), StoreError> {
    store.recordings.insert(execution.as_bytes(), jsonl.as_bytes()).map_err(backend)?;
    store.durable().await
}

pub(super) async fn load_recording(
    store: &SledStore,
    execution: Uuid,
) -> Result<Option<String>, StoreError> {
    let Some(bytes) = store.recordings.get(execution.as_bytes()).map_err(backend)? else {
        return Ok(None);
    };
    String::from_utf8(bytes.to_vec())
        .map(Some)
        .map_err(|e| StoreError::Corrupt { what: "recording".into(), message: e.to_string() })
}
