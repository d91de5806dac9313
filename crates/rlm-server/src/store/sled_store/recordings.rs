//! An execution's recording on sled, streamed as it grows: in the
//! `recordings` tree, one value per appended line under `execution id ·
//! seq` (a recording stored whole by an older server is one value under the
//! bare id, which sorts first: it reads the same). Each append adds its
//! bytes to the owner's count (`C r owner`) in the same transaction, and
//! deleting the execution takes them back out.

use sled::Transactional;
use uuid::Uuid;

use super::SledStore;
use super::codec::*;
use super::tx::*;
use crate::store::errors::StoreError;
use crate::store::keys::{self, *};
use crate::store::traits::RecordingStore;

/// `execution id · seq`.
fn chunk_key(execution: Uuid, seq: u64) -> Vec<u8> {
    let mut key = execution.as_bytes().to_vec();
    key.extend_from_slice(&seq.to_be_bytes());
    key
}

#[async_trait::async_trait]
impl RecordingStore for SledStore {
    async fn append_recording(
        &self,
        owner: &str,
        execution: Uuid,
        seq: u64,
        lines: &str,
    ) -> Result<(), StoreError> {
        let key = chunk_key(execution, seq);
        let count = keys::count(RECORDING_BYTES, owner);
        let delta = i64::try_from(lines.len()).unwrap_or(i64::MAX);
        (&self.recordings, &self.index)
            .transaction(|(recordings, index)| {
                // An append retried after a fault is written once.
                if recordings.get(&key)?.is_none() {
                    recordings.insert(key.as_slice(), lines.as_bytes())?;
                    tx_add(index, &count, delta)?;
                }
                Ok(())
            })
            .map_err(tx_err)?;
        self.durable().await
    }

    async fn load_recording(&self, execution: Uuid) -> Result<Option<String>, StoreError> {
        let mut text: Option<String> = None;
        for item in self.recordings.scan_prefix(execution.as_bytes()) {
            let (_, bytes) = item.map_err(backend)?;
            let part = std::str::from_utf8(&bytes).map_err(|e| StoreError::Corrupt {
                what: "recording".into(),
                message: e.to_string(),
            })?;
            text.get_or_insert_with(String::new).push_str(part);
        }
        Ok(text)
    }

    async fn recording_extent(&self, execution: Uuid) -> Result<(u64, u64), StoreError> {
        let (mut next, mut bytes) = (0u64, 0u64);
        for item in self.recordings.scan_prefix(execution.as_bytes()) {
            let (key, value) = item.map_err(backend)?;
            bytes += value.len() as u64;
            if let Some(seq) = key.get(16..24).and_then(|s| <[u8; 8]>::try_from(s).ok()) {
                next = next.max(u64::from_be_bytes(seq) + 1);
            } else {
                next = next.max(1);
            }
        }
        Ok((next, bytes))
    }

    async fn clear_recording(&self, owner: &str, execution: Uuid) -> Result<(), StoreError> {
        delete_recording(self, owner, execution)?;
        self.durable().await
    }
}

/// Removes an execution's recording and takes its bytes out of `owner`'s count.
pub(super) fn delete_recording(
    store: &SledStore,
    owner: &str,
    execution: Uuid,
) -> Result<(), StoreError> {
    let keys: Vec<(sled::IVec, usize)> = store
        .recordings
        .scan_prefix(execution.as_bytes())
        .map(|item| item.map(|(k, v)| (k, v.len())))
        .collect::<Result<_, _>>()
        .map_err(backend)?;
    if keys.is_empty() {
        return Ok(());
    }
    let count = keys::count(RECORDING_BYTES, owner);
    let freed: usize = keys.iter().map(|(_, n)| n).sum();
    (&store.recordings, &store.index)
        .transaction(|(recordings, index)| {
            for (key, _) in &keys {
                recordings.remove(key)?;
            }
            tx_add(index, &count, -i64::try_from(freed).unwrap_or(i64::MAX))?;
            Ok(())
        })
        .map_err(tx_err)
}
