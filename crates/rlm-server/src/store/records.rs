//! The records the store keeps for sessions, executions, trace events and
//! checkpoints, and the rules every backend's writes of them ask
//! ([`check_write`], [`attempt_of_position`]).

use rlm_core::{SESSION_STATE_VERSION, SessionId, SessionState, SessionUsage};
use rlm_trace::TraceEvent;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::clock::Micros;
use super::errors::StoreError;
use super::overrides::SessionOverrides;

/// How many of a session's most recent turns its state keeps: the turns the
/// next execution shows the root model (rlm-core's default, which `rlm
/// serve` uses; a test holds them equal). Older turns are stored apart, one
/// record per turn, and read a page at a time, so settling an execution
/// writes a bounded amount whatever the history's length. (It was 32: the
/// session record, read at every admission and rewritten at every
/// settlement, carried 24 turns no execution showed.)
pub const HISTORY_WINDOW: usize = 8;

/// Refuses a write of `new` over `stored` (every backend's record write
/// asks this one rule): when a later attempt wrote `stored`
/// ([`StoreError::Superseded`]), or `stored` has ended and `new` is another
/// record ([`StoreError::Settled`]: a terminal record is final; writing it
/// again as it is changes nothing).
pub(crate) fn check_write(
    stored: &ExecutionRecord,
    new: &ExecutionRecord,
) -> Result<(), StoreError> {
    if stored.attempt() > new.attempt() {
        return Err(StoreError::Superseded {
            execution: new.id,
            attempt: new.attempt(),
            newer: stored.attempt(),
        });
    }
    if stored.status.is_terminal() && stored != new {
        return Err(StoreError::Settled { execution: new.id });
    }
    Ok(())
}

/// The attempt a trace event at `position` comes from: attempt n's live
/// log's ids start at `(n - 1) << 32` (`crate::bus::attempt_base`), so a
/// stored position names its attempt, and a superseded attempt's events can
/// be refused by position alone.
pub fn attempt_of_position(position: u64) -> u32 {
    u32::try_from(position >> 32).unwrap_or(u32::MAX - 1) + 1
}

/// Where a session's context lives: a content-addressed blob (the joined
/// documents, named by their SHA-256), written once and memory-mapped by
/// every execution; the same content in two sessions is one blob. Records
/// written before the blob store name a file of the data directory's
/// `contexts/` folder instead (read as they are, deleted with the session).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ContextRef {
    /// A file name inside the data directory's `contexts/` folder (records
    /// from before the blob store; empty for a blob).
    #[serde(default)]
    pub file: String,
    /// The blob holding the text (its name, SHA-256 hex).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blob: Option<String>,
    pub bytes: u64,
    pub chars: u64,
    /// The text's hash, hex: SHA-256 (the blob's name) for a blob; blake3
    /// in records from before the blob store.
    pub hash: String,
    /// The documents, in order (one for a pasted text).
    pub documents: Vec<DocumentRef>,
    /// The separator between documents in the file.
    pub separator: String,
}

/// The blob a session references, if any.
pub fn session_blob(session: &SessionRecord) -> Option<&str> {
    session.context.as_ref().and_then(|c| c.blob.as_deref())
}

/// The blob an execution references (an inline context a cluster's api
/// stored for its worker), if any.
pub fn execution_blob(execution: &ExecutionRecord) -> Option<&str> {
    execution.context_blob.as_deref()
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DocumentRef {
    pub name: Option<String>,
    pub bytes: u64,
    pub chars: u64,
}

/// What an execution, or a session over all its executions, has spent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Spend {
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cost_usd: f64,
    /// Sub-model calls (cache and dedup hits are not calls).
    pub calls: u64,
    /// Root-model calls.
    #[serde(default)]
    pub root_calls: u64,
    pub executions: u64,
}

impl Spend {
    pub fn total_tokens(&self) -> u64 {
        self.input_tokens + self.output_tokens
    }

    /// One execution's settled spend (rlm-policy's snapshot of its tree).
    pub fn of_execution(usage: &rlm_core::UsageSnapshot) -> Spend {
        Spend {
            input_tokens: usage.usage.prompt_tokens,
            output_tokens: usage.usage.completion_tokens,
            cost_usd: usage.cost_usd,
            calls: usage.subcalls,
            root_calls: usage.root_calls,
            executions: 0,
        }
    }
}

impl Spend {
    /// The spend a trace records: the model calls and subcalls that
    /// reached the provider (cache and dedup hits cost nothing and are not
    /// calls). A resumed execution counts its earlier attempts' work this
    /// way, from the stored trace up to the checkpoint it goes on from.
    pub fn of_trace(events: &[TraceEvent]) -> Spend {
        let mut spend = Spend::default();
        for event in events {
            let (call, root) = match &event.kind {
                rlm_trace::EventKind::ModelCallFinished(c) => (c, true),
                rlm_trace::EventKind::SubcallFinished(c) => (c, false),
                _ => continue,
            };
            if call.cached || call.deduped {
                continue;
            }
            spend.input_tokens += call.usage.prompt_tokens;
            spend.output_tokens += call.usage.completion_tokens;
            spend.cost_usd += call.cost_usd;
            if root {
                spend.root_calls += 1;
            } else {
                spend.calls += 1;
            }
        }
        spend
    }

    /// Adds `other`'s tokens, cost and calls (not its executions).
    pub fn add_work(&mut self, other: &Spend) {
        self.input_tokens += other.input_tokens;
        self.output_tokens += other.output_tokens;
        self.cost_usd += other.cost_usd;
        self.calls += other.calls;
        self.root_calls += other.root_calls;
    }

    /// Charges `self`'s tokens, cost and calls to a session's usage.
    pub fn charge(&self, usage: &mut SessionUsage) {
        usage.usage.prompt_tokens += self.input_tokens;
        usage.usage.completion_tokens += self.output_tokens;
        usage.cost_usd += self.cost_usd;
        usage.subcalls += self.calls;
        usage.root_calls += self.root_calls;
    }
}

impl From<&SessionUsage> for Spend {
    fn from(u: &SessionUsage) -> Spend {
        Spend {
            input_tokens: u.usage.prompt_tokens,
            output_tokens: u.usage.completion_tokens,
            cost_usd: u.cost_usd,
            calls: u.subcalls,
            root_calls: u.root_calls,
            executions: u.executions,
        }
    }
}

/// The state of a session that has not run anything yet.
pub fn new_session_state(id: Uuid) -> SessionState {
    SessionState {
        version: SESSION_STATE_VERSION,
        id: SessionId(id.to_string()),
        settings: Default::default(),
        usage: SessionUsage::default(),
        memory: Default::default(),
        history: Vec::new(),
        executions: Vec::new(),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionRecord {
    pub id: Uuid,
    /// The API key id that created it ("local" without auth).
    pub owner: String,
    pub name: Option<String>,
    pub context: Option<ContextRef>,
    /// Client-provided metadata merged with the context's own (size, hash...).
    pub context_metadata: serde_json::Map<String, serde_json::Value>,
    pub settings: SessionOverrides,
    /// Spend, `memory` and history across executions: what rlm-core's
    /// `Session` is restored from (its `executions` are kept empty: the
    /// executions and their traces are stored on their own).
    pub state: SessionState,
    /// Turns in the whole history (`state.history` keeps the newest
    /// [`HISTORY_WINDOW`]; all are in the store's history, numbered from 0).
    #[serde(default)]
    pub history_len: u64,
    pub created_at: Micros,
    pub updated_at: Micros,
}

/// A trace event and its position in its execution's event stream (the SSE
/// id it was sent with; frames that are not trace events, such as root-model
/// tokens, hold positions too, so positions have gaps).
#[derive(Debug, Clone, PartialEq)]
pub struct StreamedEvent {
    pub position: u64,
    pub event: TraceEvent,
}

/// A trace event to store, already encoded: its position and its JSON
/// (serde_json's encoding of the [`TraceEvent`], the same bytes
/// [`TraceStore::append_trace`](super::traits::TraceStore::append_trace) would write), so an event the live log encoded
/// for its listeners is not encoded again for the store.
#[derive(Debug, Clone, PartialEq)]
pub struct EncodedEvent<'a> {
    pub position: u64,
    pub json: std::borrow::Cow<'a, str>,
}

impl<'a> EncodedEvent<'a> {
    /// Encodes `event` (for events no one encoded yet).
    pub fn encode(event: &StreamedEvent) -> Result<EncodedEvent<'static>, StoreError> {
        let json = serde_json::to_string(&event.event).map_err(|e| StoreError::Corrupt {
            what: "trace event".into(),
            message: e.to_string(),
        })?;
        Ok(EncodedEvent { position: event.position, json: json.into() })
    }
}

/// The trace events alone, in order.
pub fn events_of(streamed: Vec<StreamedEvent>) -> Vec<TraceEvent> {
    streamed.into_iter().map(|s| s.event).collect()
}

/// An execution's lifecycle (the RLM Engine's status names, plus `interrupted`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExecutionStatus {
    Pending,
    Running,
    Completed,
    Failed,
    Cancelled,
    /// The server stopped (crash, kill, shutdown) while it ran.
    Interrupted,
}

impl ExecutionStatus {
    pub fn is_terminal(self) -> bool {
        !matches!(self, ExecutionStatus::Pending | ExecutionStatus::Running)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ExecutionStatus::Pending => "pending",
            ExecutionStatus::Running => "running",
            ExecutionStatus::Completed => "completed",
            ExecutionStatus::Failed => "failed",
            ExecutionStatus::Cancelled => "cancelled",
            ExecutionStatus::Interrupted => "interrupted",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecutionRecord {
    pub id: Uuid,
    pub session_id: Option<Uuid>,
    pub owner: String,
    pub job_id: Option<Uuid>,
    pub user_query: String,
    pub context_size: u64,
    pub model: String,
    pub status: ExecutionStatus,
    /// How the loop ended (`final`, `finalized`, `model_error`...), once it has.
    pub finish: Option<String>,
    pub created_at: Micros,
    pub started_at: Option<Micros>,
    pub completed_at: Option<Micros>,
    pub spend: Spend,
    pub steps: u32,
    pub cache_hits: u64,
    pub retries: u64,
    pub final_result: Option<String>,
    pub error_message: Option<String>,
    /// Inline against symbolic context, from the trace (records stored
    /// before it existed read as `None`).
    #[serde(default)]
    pub context_breakdown: Option<rlm_trace::ContextBreakdown>,
    /// The queue's deliveries that ran it, in order, each marked when it
    /// started (empty for an execution no queue delivered): the last one
    /// is the attempt a settlement comes from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attempts: Vec<AttemptMark>,
    /// Queued for a worker by an `api` process (issue #75): the queue owns
    /// it, as it owns a job's execution. The lease sweep leaves it to the
    /// queue's next delivery (which goes on from its checkpoint), and the
    /// queue's last failed delivery ends it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub queued: bool,
    /// The blob holding the inline context of an execution a cluster's api
    /// queued (too large for the job message); referenced until the
    /// execution is deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_blob: Option<String>,
}

/// One delivery of a queued execution: its number (1: the first), when it
/// started, the checkpoint's step it went on from (0: from the start), and
/// the spend of the earlier attempts up to that checkpoint, which the
/// execution's `spend` includes (work a killed attempt did after its last
/// checkpoint is not known to the store, so it is not counted).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AttemptMark {
    pub attempt: u32,
    pub started_at: Micros,
    pub from_step: u32,
    pub carried: Spend,
}

impl ExecutionRecord {
    /// A new execution of `owner`'s `user_query` on `model`, made at
    /// `created_at`: pending, in no session or job, nothing spent, no
    /// result yet (a caller sets what else it knows with `..`).
    pub fn pending(
        id: Uuid,
        owner: &str,
        user_query: &str,
        model: &str,
        created_at: Micros,
    ) -> ExecutionRecord {
        ExecutionRecord {
            id,
            session_id: None,
            owner: owner.to_string(),
            job_id: None,
            user_query: user_query.to_string(),
            context_size: 0,
            model: model.to_string(),
            status: ExecutionStatus::Pending,
            finish: None,
            created_at,
            started_at: None,
            completed_at: None,
            spend: Spend::default(),
            steps: 0,
            cache_hits: 0,
            retries: 0,
            final_result: None,
            error_message: None,
            context_breakdown: None,
            attempts: Vec::new(),
            queued: false,
            context_blob: None,
        }
    }

    /// This record, running since `started_at` (a start that took its lease).
    pub fn running_since(&self, started_at: Micros) -> ExecutionRecord {
        ExecutionRecord {
            status: ExecutionStatus::Running,
            started_at: Some(started_at),
            ..self.clone()
        }
    }

    /// The attempt the record comes from (1 when no queue delivered it).
    pub fn attempt(&self) -> u32 {
        self.attempts.last().map_or(1, |m| m.attempt)
    }

    /// Whether `stored` is this settlement already written (a retried
    /// settlement whose first commit was acknowledged to nobody): the same
    /// execution, attempt, end and status.
    pub fn is_same_settlement(&self, stored: &ExecutionRecord) -> bool {
        stored.id == self.id
            && stored.attempt() == self.attempt()
            && stored.status == self.status
            && stored.completed_at == self.completed_at
    }

    pub fn latency_ms(&self) -> Option<u64> {
        match (self.started_at, self.completed_at) {
            (Some(s), Some(c)) if c >= s => Some(((c - s) / 1000) as u64),
            _ => None,
        }
    }
}

/// A durable execution's checkpoint as stored: the root step it was taken
/// after, when, and rlm-core's `Checkpoint` bytes (opaque to the store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointRecord {
    pub step: u32,
    pub saved_at: Micros,
    pub body: Vec<u8>,
}

impl CheckpointRecord {
    /// `step` (4 bytes BE), `saved_at` (8 bytes BE), then the body: the sled value.
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(12 + self.body.len());
        out.extend_from_slice(&self.step.to_be_bytes());
        out.extend_from_slice(&self.saved_at.to_be_bytes());
        out.extend_from_slice(&self.body);
        out
    }

    /// [`CheckpointRecord::to_bytes`] back; short bytes are corrupt.
    pub(crate) fn from_bytes(bytes: &[u8]) -> Result<CheckpointRecord, StoreError> {
        let corrupt = || StoreError::Corrupt {
            what: "checkpoint".into(),
            message: format!("{} bytes, fewer than its 12-byte header", bytes.len()),
        };
        let step: [u8; 4] = bytes.get(..4).and_then(|b| b.try_into().ok()).ok_or_else(corrupt)?;
        let at: [u8; 8] = bytes.get(4..12).and_then(|b| b.try_into().ok()).ok_or_else(corrupt)?;
        Ok(CheckpointRecord {
            step: u32::from_be_bytes(step),
            saved_at: i64::from_be_bytes(at),
            body: bytes[12..].to_vec(),
        })
    }
}

/// A checkpoint to store, and what its write checks first: the attempt
/// writing it (a superseded attempt's is refused) and how many trace events
/// it covers (`seq` 0 to `trace_events - 1`), every one of which must be
/// stored already: a checkpoint whose trace is not whole is refused at
/// write time ([`StoreError::TraceNotWhole`]), never found incomplete when
/// a later delivery would go on from it.
#[derive(Debug, Clone, Copy)]
pub struct CheckpointWrite<'a> {
    pub record: &'a CheckpointRecord,
    pub attempt: u32,
    pub trace_events: u64,
}
