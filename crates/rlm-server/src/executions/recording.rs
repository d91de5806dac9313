//! An execution's own recording (`"record": true`, see
//! [`crate::recordings`]): made when it starts (a resumed attempt going on
//! from what the earlier attempts stored), stored with it when it ends or
//! is handed back.

use uuid::Uuid;

use super::Executions;
use crate::error::ServerError;
use crate::recordings::{ExchangeMode, ExchangeTape, kept};
use crate::store::ExecutionRecord;

impl Executions {
    /// The recording writer or replay the execution's models go through. A
    /// `resumed` attempt (going on from a checkpoint) appends to the
    /// recording the earlier attempts stored; one that starts over, or the
    /// first, starts an empty one.
    pub(super) async fn exchange_tape(
        &self,
        execution: Uuid,
        mode: &ExchangeMode,
        resumed: bool,
    ) -> Result<ExchangeTape, ServerError> {
        let earlier = match mode {
            ExchangeMode::Record if resumed => self.store.load_recording(execution).await?,
            _ => None,
        };
        mode.tape(earlier.as_deref())
    }

    /// Stores what the execution recorded (nothing when it does not
    /// record). A recording past `max_context_bytes` is not kept, and the
    /// record's error says so; a store failure is logged (the execution
    /// still ends).
    pub(super) async fn keep_recording(&self, record: &mut ExecutionRecord, tape: &ExchangeTape) {
        let Some(recording) = tape.recorded() else { return };
        match kept(recording, self.limits.max_context_bytes) {
            Ok(text) => {
                if let Err(e) = self.store.save_recording(record.id, &text).await {
                    tracing::error!(execution = %record.id, error = %e, "cannot store the recording");
                }
            }
            Err(note) => {
                let error = record.error_message.take();
                record.error_message = Some(error.map_or(note.clone(), |e| format!("{e}; {note}")));
            }
        }
    }
}
