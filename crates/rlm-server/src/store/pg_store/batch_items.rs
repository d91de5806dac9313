//! What the batches of `batcher.rs` carry: a settlement (`settle_batch.rs`)
//! and a start (`start_batch.rs`) of an execution, owned (a batch is
//! written by a task of its own), and what a start gives back. A leaf: the
//! store's `mod.rs` names these types without a circle through the files
//! that write them.

use crate::store::clock::Micros;
use crate::store::records::{EncodedEvent, ExecutionRecord, SessionRecord};
use crate::store::settlement::SettledExecution;

/// One settlement of a batch: what `finish_execution_releasing` (with
/// `release`, the holder whose lease on the session goes with it) or
/// `finish_execution_with_trace` is given.
#[derive(Debug, Clone)]
pub struct Settling {
    pub settled: SettledExecution,
    pub trace: Vec<EncodedEvent<'static>>,
    pub release: Option<String>,
}

impl Settling {
    /// A settlement of the batch, the trace events copied (the batch is
    /// written by a task of its own).
    pub fn of(
        settled: &SettledExecution,
        trace: &[EncodedEvent<'_>],
        release: Option<&str>,
    ) -> Self {
        let trace = trace
            .iter()
            .map(|e| EncodedEvent {
                position: e.position,
                json: e.json.clone().into_owned().into(),
            })
            .collect();
        Settling { settled: settled.clone(), trace, release: release.map(str::to_string) }
    }
}

/// One start of a batch.
#[derive(Debug, Clone)]
pub(super) struct Starting {
    pub record: ExecutionRecord,
    pub holder: String,
    /// The lease's end as asked, and when it was asked (`still_ahead`).
    pub until: (Micros, Micros),
    /// To take the session's lease (if another holder's lapsed before
    /// `.0`), the record then running since `.1`; `None`: the record is
    /// written as given (`put_execution_leased`).
    pub take: Option<(Micros, Micros)>,
}

/// What a start gave: with `take`, the session as stored now if its lease
/// was taken (`Some(None)`: the session is gone), `None` if another holder
/// has it; without, `None`.
pub(super) type Started = Option<Option<SessionRecord>>;
