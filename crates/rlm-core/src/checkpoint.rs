//! Durable runs: what a root run is after a completed step, as data
//! ([`Checkpoint`]), its bytes, and where the loop hands it
//! ([`CheckpointSink`]). A run started from a checkpoint
//! ([`crate::Rlm::resume`]) continues at the next step with the saved
//! history and variables.
//!
//! Variables go through rlm-interp's bounded snapshot (shared values and
//! cycles kept). A variable without a saved form (a function, an iterator...)
//! is named in the checkpoint's note (`prompts/notes.toml`,
//! `checkpoint_lost`); the checkpoint then keeps the last complete set of
//! variables and the programs run since, and a resumed run runs those again
//! (their subcalls answered by the completion cache when one is set) before
//! its next step.

use std::sync::Arc;

use futures::future::BoxFuture;
use rlm_functions::MemoryMap;
use rlm_interp::{GlobalsSnapshot, LostGlobal};
use rlm_trace::TraceEvent;
use rlm_types::ChatMessage;
use serde::{Deserialize, Serialize};

use crate::error::CheckpointError;

/// The version of [`Checkpoint`] this build writes (and the newest it reads).
pub const CHECKPOINT_VERSION: u32 = 1;

/// A program a resumed run runs again (in order) to rebuild variables that
/// have no saved form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplayProgram {
    /// The root step it ran in.
    pub step: u32,
    pub code: String,
    /// A step's program (rather than a FINAL check).
    pub counted: bool,
}

/// The loop's own counters and memories, as they were after the step.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LoopCounters {
    /// The programs that were evidence for a FINAL (`run_loop/evidence.rs`).
    pub programs_run: u32,
    pub invalid_streak: u32,
    pub fallback_used: bool,
    pub soft_limit_seen: bool,
    pub last_code: Option<String>,
    pub last_output: String,
    /// What the run has seen, so a resumed run judges its answer as the run
    /// it goes on from would (issue #78). Checkpoints written before it hold none.
    #[serde(default)]
    pub evidence: RunEvidence,
}

/// The evidence an answer may rest on (`run_loop/ledger.rs`), the names
/// programs bound to literals, and the distinct outputs the closing call's
/// digest shows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunEvidence {
    pub(crate) ledger: Option<crate::ledger::Ledger>,
    pub(crate) literal_vars: Vec<String>,
    pub(crate) outputs: Vec<(u32, String)>,
}

/// A root run after a completed step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub version: u32,
    pub query: String,
    /// Root steps completed (the resumed run's next step is `step + 1`).
    pub step: u32,
    /// What the root model is sent next (compacted, when compaction ran).
    pub messages: Vec<ChatMessage>,
    /// Everything, once compaction has happened (the `history` variable).
    pub full_history: Vec<ChatMessage>,
    pub compacted: bool,
    pub counters: LoopCounters,
    /// `memory` at the start of the run (rebuilt from when nothing was saved).
    pub memory_at_start: Option<MemoryMap>,
    /// The program's variables after step `globals_step`.
    pub globals: GlobalsSnapshot,
    /// The step `globals` were taken after: `step` unless a variable had no
    /// saved form since.
    pub globals_step: u32,
    /// The programs run after `globals_step`, to run again on resume.
    pub replay: Vec<ReplayProgram>,
    /// The variables left out after this step, and why.
    pub lost: Vec<LostGlobal>,
    /// The note naming them (`checkpoint_lost`), when any were.
    pub note: Option<String>,
    /// The trace events of this step (since the previous checkpoint).
    pub trace: Vec<TraceEvent>,
}

impl Checkpoint {
    /// Whether its saved variables can be bound again (what a resume does
    /// first), under the interpreter's default snapshot limits.
    pub fn check_variables(&self) -> Result<(), CheckpointError> {
        rlm_interp::restore_snapshot(&self.globals, &rlm_interp::SnapshotLimits::default())?;
        Ok(())
    }

    /// The checkpoint's bytes (JSON).
    pub fn to_bytes(&self) -> Result<Vec<u8>, CheckpointError> {
        serde_json::to_vec(self).map_err(|e| CheckpointError::Encode(e.to_string()))
    }

    /// A checkpoint from its bytes: corrupt or newer data is an error.
    pub fn from_bytes(bytes: &[u8]) -> Result<Checkpoint, CheckpointError> {
        #[derive(Deserialize)]
        struct Head {
            version: u32,
        }
        let head: Head =
            serde_json::from_slice(bytes).map_err(|e| CheckpointError::Corrupt(e.to_string()))?;
        if head.version > CHECKPOINT_VERSION {
            return Err(CheckpointError::Version {
                found: head.version,
                supported: CHECKPOINT_VERSION,
            });
        }
        let cp: Checkpoint =
            serde_json::from_slice(bytes).map_err(|e| CheckpointError::Corrupt(e.to_string()))?;
        if cp.globals_step > cp.step || cp.replay.iter().any(|p| p.step > cp.step) {
            return Err(CheckpointError::Corrupt(format!(
                "steps out of order (step {}, globals after step {})",
                cp.step, cp.globals_step
            )));
        }
        Ok(cp)
    }
}

/// Where a durable run hands each checkpoint (a store, a queue's job
/// record). A failed save is a note in the trace; the run goes on.
pub trait CheckpointSink: Send + Sync {
    fn save(&self, checkpoint: Checkpoint) -> BoxFuture<'static, Result<(), CheckpointError>>;
}

/// A sink that keeps every checkpoint in memory (tests, embedders that
/// persist them themselves).
#[derive(Debug, Default, Clone)]
pub struct MemoryCheckpoints {
    saved: Arc<std::sync::Mutex<Vec<Checkpoint>>>,
}

impl MemoryCheckpoints {
    /// Every checkpoint saved so far, oldest first.
    pub fn all(&self) -> Vec<Checkpoint> {
        self.saved.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// The newest checkpoint.
    pub fn last(&self) -> Option<Checkpoint> {
        self.saved.lock().ok().and_then(|s| s.last().cloned())
    }
}

impl CheckpointSink for MemoryCheckpoints {
    fn save(&self, checkpoint: Checkpoint) -> BoxFuture<'static, Result<(), CheckpointError>> {
        let result = match self.saved.lock() {
            Ok(mut s) => {
                s.push(checkpoint);
                Ok(())
            }
            Err(_) => Err(CheckpointError::Sink("the checkpoint list is poisoned".into())),
        };
        Box::pin(async move { result })
    }
}

/// How a [`crate::Session`] execution is made durable
/// ([`crate::Session::start_durable`]): where its checkpoints go and, to go
/// on with an execution another process began, the checkpoint it starts
/// from and the trace recorded up to that checkpoint (events `0..=n`, whose
/// last is the checkpoint's last), which the execution's trace continues.
#[derive(Clone)]
pub struct DurableStart {
    pub sink: Arc<dyn CheckpointSink>,
    pub from: Option<Checkpoint>,
    pub trace: Vec<TraceEvent>,
}

impl std::fmt::Debug for DurableStart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DurableStart")
            .field("from_step", &self.from.as_ref().map(|c| c.step))
            .field("trace_events", &self.trace.len())
            .finish_non_exhaustive()
    }
}

/// How a run is made durable: where its checkpoints go, and the one it
/// starts from.
#[derive(Clone)]
pub(crate) struct Durable {
    pub sink: Arc<dyn CheckpointSink>,
    pub from: Option<Checkpoint>,
}
