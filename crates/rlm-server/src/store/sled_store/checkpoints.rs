//! A durable execution's checkpoint on sled: the newest root step's state,
//! one value per execution, only ever moved forward (compare and swap), and
//! refused to a superseded attempt or over a trace not all stored.

use uuid::Uuid;

use super::SledStore;
use super::codec::*;
use crate::store::errors::StoreError;
use crate::store::keys::{ATTEMPTS, by_id};
use crate::store::records::{CheckpointRecord, CheckpointWrite};
use crate::store::traits::{CheckpointStore, TraceStore};

#[async_trait::async_trait]
impl CheckpointStore for SledStore {
    async fn save_checkpoint(
        &self,
        execution: Uuid,
        write: &CheckpointWrite<'_>,
    ) -> Result<bool, StoreError> {
        let checkpoint = write.record;
        let newer = self
            .index
            .get(&by_id(ATTEMPTS, execution)[..])
            .map_err(backend)?
            .and_then(|b| <[u8; 4]>::try_from(b.as_ref()).ok())
            .map_or(1, u32::from_be_bytes);
        if newer > write.attempt {
            return Err(StoreError::Superseded { execution, attempt: write.attempt, newer });
        }
        let stored = self
            .trace(execution)
            .await?
            .iter()
            .filter(|e| e.event.seq < write.trace_events)
            .count() as u64;
        if stored != write.trace_events {
            return Err(StoreError::TraceNotWhole { expected: write.trace_events, stored });
        }
        let key = execution.as_bytes();
        let new = checkpoint.to_bytes();
        loop {
            let old = self.checkpoints.get(key).map_err(backend)?;
            if let Some(old) = &old
                && CheckpointRecord::from_bytes(old)?.step >= checkpoint.step
            {
                return Ok(false);
            }
            let swapped = self
                .checkpoints
                .compare_and_swap(key, old, Some(new.as_slice()))
                .map_err(backend)?;
            if swapped.is_ok() {
                break;
            }
        }
        self.durable().await?;
        Ok(true)
    }

    async fn load_checkpoint(
        &self,
        execution: Uuid,
    ) -> Result<Option<CheckpointRecord>, StoreError> {
        match self.checkpoints.get(execution.as_bytes()).map_err(backend)? {
            Some(bytes) => Ok(Some(CheckpointRecord::from_bytes(&bytes)?)),
            None => Ok(None),
        }
    }
}
