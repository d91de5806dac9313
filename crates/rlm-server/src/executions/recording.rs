//! An execution's own recording (`"record": true`, see
//! [`crate::recordings`]), streamed to the store as it grows: each exchange's
//! line is appended as it is made ([`StoredRecording`]), within the
//! recording's cap and its key's quota, so a recording is never held whole
//! and a crash keeps what was recorded. A line that cannot be kept (past
//! the cap or the quota, or a store that fails) stops the run: it ends
//! `failed` with the reason, what was recorded before it kept. A resumed
//! attempt (going on from a
//! checkpoint) goes on after the parts the earlier attempts stored; one that
//! starts over, or the first, starts an empty one.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use futures::future::BoxFuture;
use rlm_core::adapters::{RecordingSink, RecordingWriter};
use uuid::Uuid;

use super::{Executions, Stopper};
use crate::error::ServerError;
use crate::recordings::{ExchangeMode, ExchangeTape, RECORDING_ORIGIN};
use crate::store::Store;

impl Executions {
    /// The recording writer or replay the execution's models go through.
    pub(super) async fn exchange_tape(
        &self,
        execution: Uuid,
        owner: &str,
        mode: &ExchangeMode,
        resumed: bool,
        stopper: Stopper,
    ) -> Result<ExchangeTape, ServerError> {
        if *mode != ExchangeMode::Record {
            return mode.tape();
        }
        if !resumed {
            self.store.clear_recording(owner, execution).await?;
        }
        let (next_part, bytes) = self.store.recording_extent(execution).await?;
        let sink = StoredRecording {
            store: Arc::clone(&self.store),
            owner: owner.to_string(),
            execution,
            next_part: AtomicU64::new(next_part),
            bytes: AtomicU64::new(bytes),
            max_bytes: self.limits.max_recording_bytes,
            per_key: self.limits.max_recording_bytes_per_key,
            stopper,
        };
        let writer = RecordingWriter::streamed(RECORDING_ORIGIN, Arc::new(sink));
        Ok(ExchangeTape { record: Some(writer), replay: None })
    }
}

/// One execution's recording as the store keeps it (see the module docs).
struct StoredRecording {
    store: Arc<dyn Store>,
    owner: String,
    execution: Uuid,
    next_part: AtomicU64,
    /// This recording's bytes so far, earlier attempts' included.
    bytes: AtomicU64,
    max_bytes: u64,
    per_key: Option<u64>,
    /// Stops the run when a line cannot be kept: a subcall's failure alone
    /// would let the program go on with the recording missing exchanges.
    stopper: Stopper,
}

impl StoredRecording {
    async fn store_line(&self, line: &str) -> Result<(), String> {
        let len = line.len() as u64;
        let before = self.bytes.fetch_add(len, Ordering::SeqCst);
        if before.saturating_add(len) > self.max_bytes {
            self.bytes.fetch_sub(len, Ordering::SeqCst);
            return Err(format!(
                "the execution's recording reached its limit of {} bytes (--max-recording-mb): \
                 the run stops here, and what it recorded so far is kept",
                self.max_bytes
            ));
        }
        if let Some(quota) = self.per_key {
            let held = self.store.owner_usage(&self.owner).await.map_err(|e| e.to_string())?;
            if held.recording_bytes.saturating_add(len) > quota {
                self.bytes.fetch_sub(len, Ordering::SeqCst);
                return Err(format!(
                    "this API key's recordings hold {} bytes, and {len} more would pass its quota \
                     of {quota} (--max-recording-mb-per-key): delete executions that recorded \
                     (DELETE /api/executions/{{id}}) to free it; the run stops here",
                    held.recording_bytes
                ));
            }
        }
        let part = self.next_part.fetch_add(1, Ordering::SeqCst);
        self.store
            .append_recording(&self.owner, self.execution, part, line)
            .await
            .map_err(|e| format!("cannot store the execution's recording: {e}"))
    }
}

impl RecordingSink for StoredRecording {
    fn append<'a>(
        &'a self,
        line: &'a str,
    ) -> BoxFuture<'a, Result<(), rlm_core::adapters::AdapterError>> {
        Box::pin(async move {
            self.store_line(line).await.map_err(|why| {
                self.stopper.stop(why.clone());
                rlm_core::adapters::AdapterError::Config(why)
            })
        })
    }
}
