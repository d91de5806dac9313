//! The storage seam: one async trait, [`Store`], for everything the server
//! keeps (sessions, their memory, executions, trace events, jobs), and the
//! records it stores. [`SledStore`] implements it embedded; [`PgStore`]
//! (feature `postgres`, `--database-url`) implements the same contract on
//! PostgreSQL for scale-out. The contract, also in ARCHITECTURE.md:
//!
//! * Ids are UUIDs chosen by the caller; records are plain serde values, no
//!   backend type leaks through the trait.
//! * Terminal states are final: [`Store::finish_execution`] and
//!   [`Store::finish_job`] are idempotent (a second call, or a call after
//!   another terminal transition, changes nothing and returns `false`).
//!   An execution's settlement writes its record, its session's state and
//!   history turns and its job's outcome in one transaction; a retry of the
//!   same settlement (execution and attempt) finds it written and reports
//!   it so, without counting anything twice.
//! * A job is claimed by one worker at a time ([`Store::claim_job`]: oldest
//!   pending first, atomically PENDING→RUNNING with a lease; SQL: `SELECT …
//!   FOR UPDATE SKIP LOCKED`, JetStream: a pull consumer's delivery). The worker
//!   extends its lease with [`Store::heartbeat_job`] (JetStream: `in-progress`);
//!   a job whose lease expired is reported INTERRUPTED by
//!   [`Store::interrupt_expired_jobs`] (JetStream: the ack wait ran out), never
//!   left RUNNING. A job is settled by its leaseholder only (JetStream: `ack`).
//! * Trace events are appended by `(execution, position)`, the position being
//!   the event's place in the execution's event stream (its SSE id, counted
//!   with the frames that are not trace events): appending the same event
//!   twice stores it once, and a client resuming a finished execution's
//!   stream with `Last-Event-ID` gets the ids it saw live.
//! * A session's spend, `memory` and history are rlm-core's
//!   [`rlm_core::SessionState`], stored whole in its record: settling an
//!   execution stores the execution's record and the session's new state in
//!   one atomic step; [`Store::edit_memory`] changes one `memory` key. Memory
//!   merges per key: settling applies only the keys the execution changed
//!   (against the memory it started from) onto the stored memory, so a key
//!   set through the API while the execution ran is kept.
//! * Lists page by cursor from indexes, `/api/stats` reads aggregates the
//!   writes keep, start-up reads the index of running executions: none of
//!   them costs in proportion to the records stored. A session's state keeps
//!   the newest [`HISTORY_WINDOW`] turns; the whole history is stored one
//!   record per turn.
//! * Blobs (contexts, in the content-addressed blob store) are counted by
//!   the records naming them: a session's context and an execution's
//!   `context_blob`; the count moves in the transaction of the record's
//!   write or delete ([`Store::blob_references`]), and an execution's blob
//!   is its from its first write to its deletion.
//! * A write is acknowledged only once it is durable: every method that
//!   changes a record returns after the change is on disk (group commit, one
//!   flush for the writes that arrived meanwhile; PostgreSQL: the commit). Trace appends, job claims
//!   and heartbeats are the exceptions; nobody is told they happened, and a
//!   settlement's flush covers the trace appended before it. So are an
//!   execution's move to running and the pending record of an execution
//!   nobody is told of before its end ([`Store::mark_running`],
//!   [`Store::put_execution_unacknowledged`]).

pub mod aggregate;
mod group_commit;
mod job_records;
pub mod keys;
mod memory_edit;
mod outbox;
#[cfg(feature = "postgres")]
mod pg_store;
mod settlement;
mod sled_store;

use rlm_core::{SESSION_STATE_VERSION, SessionId, SessionState, SessionUsage};
use rlm_trace::TraceEvent;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use aggregate::StatsSnapshot;
pub use job_records::{
    CancelRequest, INTERRUPTED, JobOutcome, JobRecord, JobStatus, Lease, PendingJobs,
};
pub use memory_edit::MemoryEdit;
pub(crate) use outbox::StoredKey;
pub use outbox::{
    Created, Creation, IdempotencyKey, JobCounts, KeyClaim, KeyedAnswer, OutboxDepth, OutboxEntry,
    ProtocolSettings, Publish, RelayRound, StoredResponse,
};
pub use pg_store::PgStore;
#[cfg(feature = "postgres")]
pub(crate) use settlement::split_history;
pub use settlement::{JobSettlement, Settled, SettledExecution, StartedFrom};
pub use sled_store::{STORE_OPEN_THREAD, SledStore};

/// How many of a session's most recent turns its state keeps: the turns the
/// next execution shows the root model (rlm-core's default, which `rlm
/// serve` uses; a test holds them equal). Older turns are stored apart, one
/// record per turn, and read a page at a time, so settling an execution
/// writes a bounded amount whatever the history's length. (It was 32: the
/// session record, read at every admission and rewritten at every
/// settlement, carried 24 turns no execution showed.)
pub const HISTORY_WINDOW: usize = 8;

/// Microseconds since the Unix epoch.
pub type Micros = i64;

/// The current time in [`Micros`].
pub fn now_micros() -> Micros {
    chrono::Utc::now().timestamp_micros()
}

/// A storage failure. [`StoreError::Unavailable`] is the one a caller may
/// retry (the API answers it 503); the others are 500s, a bad cursor 400.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("the database failed: {0}")]
    Backend(String),
    #[error("a stored record is unreadable ({what}): {message}")]
    Corrupt { what: String, message: String },
    /// The store's files are damaged (cut short, overwritten): nothing of
    /// it is served until an operator restores or moves it.
    #[error(
        "the store at {path} is damaged ({reason}): restore it from a backup, or move the \
         folder aside to start with an empty store"
    )]
    Damaged { path: String, reason: String },
    #[error("the data directory {path} is used by another process (or unreadable): {message}")]
    Locked { path: String, message: String },
    #[error("the cursor {0:?} is not one a list answered with")]
    BadCursor(String),
    /// The database cannot be reached now (connection lost or refused);
    /// nothing was acknowledged, and a later request may succeed.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// The database stayed unreachable through every retry of the
    /// operation (for `secs` seconds); nothing was acknowledged.
    #[error("the database was unavailable for {secs} s: {message}")]
    UnavailableFor { secs: u64, message: String },
    /// A creating request's idempotency key was taken over by a later
    /// request with it (this one's process was judged gone, or it ran past
    /// the stale bound): nothing was written; the later request answers.
    #[error("the Idempotency-Key was taken over by a later request with it")]
    KeyTakenOver,
    /// A write of a queue delivery's attempt when a later delivery runs the
    /// execution now (a worker frozen past its lease, then thawed): refused,
    /// nothing written. The later attempt's writes stand.
    #[error("attempt {attempt} of execution {execution} was superseded by attempt {newer}")]
    Superseded { execution: Uuid, attempt: u32, newer: u32 },
    /// A checkpoint covering trace events the store does not hold all of:
    /// refused, the stored checkpoint kept (a later delivery goes on from it).
    #[error("the checkpoint covers {expected} trace events, {stored} of which are stored")]
    TraceNotWhole { expected: u64, stored: u64 },
    /// A write of an execution's record after it ended (its record is final).
    #[error("execution {execution} has ended: its record is final")]
    Settled { execution: Uuid },
}

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

impl StoreError {
    /// Whether the database could not be reached (the API answers 503
    /// with `Retry-After`; a queued job is given back, not failed).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Unavailable(_) | StoreError::UnavailableFor { .. })
    }
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

/// Per-session settings: models and budgets. `None` means the server's
/// default. A request naming a field not listed here (`max_step`,
/// `timeout_sec`) or a value out of its range is refused (422, naming the
/// field): the ranges below are the schema's `minimum`/`maximum` and what
/// the deserializer accepts (a test holds the two together); the server's
/// own ceilings (its execution time limit, its operator's budgets) are
/// checked when a session is created or updated, and written into the
/// OpenAPI document it serves.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = SessionSettings)]
pub struct SessionOverrides {
    /// Root model (`provider:model`, or `scripted` for the offline script).
    #[serde(default)]
    #[schema(max_length = 200)]
    pub model: Option<String>,
    /// Sub-model for `llm_query` and friends.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub sub_model: Option<String>,
    /// Per execution: root-loop steps.
    #[serde(default, deserialize_with = "whole::Range::<1, 100_000>::opt_u64")]
    #[schema(minimum = 1, maximum = 100_000)]
    pub max_steps: Option<u64>,
    /// Per execution: sub-model calls.
    #[serde(default, deserialize_with = "whole::Range::<0, 10_000_000>::opt_u64")]
    #[schema(minimum = 0, maximum = 10_000_000)]
    pub max_subcalls: Option<u64>,
    /// Per execution: sub-RLM depth.
    #[serde(default, deserialize_with = "whole::Range::<0, 10>::opt_u32")]
    #[schema(minimum = 0, maximum = 10)]
    pub max_depth: Option<u32>,
    /// Per execution: wall time in seconds (at most the server's limit, which
    /// the served document states as this field's `maximum`).
    #[serde(default, deserialize_with = "whole::Range::<1, 604_800>::opt_u64")]
    #[schema(minimum = 1, maximum = 604_800)]
    pub timeout_secs: Option<u64>,
    /// The whole session, across executions (Enzu's `Session(max_tokens)`).
    #[serde(default, deserialize_with = "whole::Range::<0, 9_007_199_254_740_991>::opt_u64")]
    #[schema(minimum = 0, maximum = 9_007_199_254_740_991_i64)]
    pub max_total_tokens: Option<u64>,
    /// The whole session, across executions (Enzu's `Session(max_cost_usd)`).
    #[serde(default, deserialize_with = "whole::opt_cost")]
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    pub max_total_cost_usd: Option<f64>,
    /// The whole session, across executions: model calls, root and sub.
    #[serde(default, deserialize_with = "whole::Range::<0, 9_007_199_254_740_991>::opt_u64")]
    #[schema(minimum = 0, maximum = 9_007_199_254_740_991_i64)]
    pub max_total_calls: Option<u64>,
}

/// `settings` as a JSON object or null: serde's derived structs also take an
/// array of their fields in order (`[null, 5]`), which no schema describes.
pub fn settings_object<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<SessionOverrides>, D::Error> {
    struct ObjectOrNull;
    impl<'de> serde::de::Visitor<'de> for ObjectOrNull {
        type Value = Option<SessionOverrides>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object of settings, or null")
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: serde::Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_map(ObjectOrNull)
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            SessionOverrides::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                .map(Some)
        }
    }
    d.deserialize_option(ObjectOrNull)
}

/// Numbers within a range. Whole numbers written as JSON floats (`5.0`) are
/// whole numbers: JSON Schema's `integer` allows them, so clients and
/// generators send them. Out of range (`2^64` included, which JSON parsers
/// read as a float) is an error naming the range.
mod whole {
    use serde::{Deserialize, Deserializer, de::Error};

    fn whole(value: Option<serde_json::Number>, min: u64, max: u64) -> Result<Option<u64>, String> {
        let Some(n) = value else { return Ok(None) };
        let out_of_range = || format!("{n} is not a whole number from {min} to {max}");
        let v = match (n.as_u64(), n.as_f64()) {
            (Some(v), _) => v,
            // Below 2^64 (`u64::MAX as f64` rounds up to it), so the cast is exact enough
            // for the range check that follows.
            (None, Some(f)) if f >= 0.0 && f.fract() == 0.0 && f < u64::MAX as f64 => f as u64,
            _ => return Err(out_of_range()),
        };
        if v < min || v > max {
            return Err(out_of_range());
        }
        Ok(Some(v))
    }

    /// The range `MIN..=MAX`, for `deserialize_with` paths.
    pub struct Range<const MIN: u64, const MAX: u64>;

    impl<const MIN: u64, const MAX: u64> Range<MIN, MAX> {
        pub fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
            whole(Option::deserialize(d)?, MIN, MAX).map_err(D::Error::custom)
        }

        pub fn opt_u32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
            whole(Option::deserialize(d)?, MIN, MAX)
                .map(|v| v.and_then(|v| u32::try_from(v).ok()))
                .map_err(D::Error::custom)
        }
    }

    /// A spend ceiling in US dollars: from 0 to a billion.
    pub fn opt_cost<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        let Some(v) = Option::<f64>::deserialize(d)? else { return Ok(None) };
        if !(0.0..=1e9).contains(&v) {
            return Err(D::Error::custom(format!("{v} is not an amount from 0 to 1000000000")));
        }
        Ok(Some(v))
    }
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
/// [`Store::append_trace`] would write), so an event the live log encoded
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

/// Which executions to list: an owner's, optionally one session's.
#[derive(Debug, Clone, Default)]
pub struct ExecutionFilter {
    pub owner: String,
    pub session_id: Option<Uuid>,
}

/// The most stored bytes one page of any list or history holds (at least
/// one record, whatever its size): a page of 100 executions with 6 MB
/// answers is never read, held and sent whole. A page cut short by it
/// says so the way a full page does: its `next_cursor` (or `next`) is set.
pub const PAGE_BYTES: u64 = 4 << 20;

/// Where a list's page starts: after `cursor` (a list's `next_cursor`),
/// else after skipping `offset` records; newest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageRequest {
    pub cursor: Option<String>,
    pub offset: usize,
    pub limit: usize,
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed<T> {
    pub items: Vec<T>,
    /// How many match in all.
    pub total: usize,
    /// Where the next page starts; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// What one owner holds, for the per-key quotas (kept by the writes).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct OwnerUsage {
    pub sessions: u64,
    /// Bytes of the contexts of the owner's sessions.
    pub context_bytes: u64,
    /// Bytes of the recordings of the owner's executions.
    pub recording_bytes: u64,
}

/// One page of a session's history, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryPage {
    /// `(turn number, turn)`.
    pub turns: Vec<(u64, rlm_core::Turn)>,
    pub total: u64,
    /// The turn number the next page starts at; `None` on the last page.
    pub next: Option<u64>,
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

/// Everything the server stores. See the module docs for the contract.
#[async_trait::async_trait]
pub trait Store: Send + Sync + 'static {
    // Sessions.
    /// Creates a session, or replaces its name, context, metadata and
    /// settings; an existing session's `state` is kept (settling and
    /// `put_memory` are its only writers, so an update never loses spend).
    async fn put_session(&self, session: &SessionRecord) -> Result<(), StoreError>;
    async fn get_session(&self, id: Uuid) -> Result<Option<SessionRecord>, StoreError>;
    /// Sessions of `owner`, newest first; a page costs its length, not the
    /// number of sessions stored.
    async fn list_sessions(
        &self,
        owner: &str,
        page: &PageRequest,
    ) -> Result<Listed<SessionRecord>, StoreError>;
    /// How many sessions `owner` has and their contexts' bytes.
    async fn owner_usage(&self, owner: &str) -> Result<OwnerUsage, StoreError>;
    /// Sessions and executions referencing the blob `name` (each reference
    /// is counted in the write of the record that makes it or drops it).
    async fn blob_references(&self, name: &str) -> Result<u64, StoreError>;
    /// Deletes the session with its history; `false` if there was none.
    /// Its executions stay (with their traces, in the statistics).
    async fn delete_session(&self, id: Uuid) -> Result<bool, StoreError>;
    /// A page of the session's history, oldest first, from turn `from`.
    async fn history(
        &self,
        session: Uuid,
        from: u64,
        limit: usize,
    ) -> Result<HistoryPage, StoreError>;

    // Memory (the program's `memory` dict, in the session's state).
    async fn get_memory(
        &self,
        session: Uuid,
    ) -> Result<serde_json::Map<String, serde_json::Value>, StoreError>;
    /// Applies one edit to the `memory` of the session's state, atomically
    /// (other keys and the rest of the state are left as they are). `None`
    /// if there is no such session, `Some(false)` if the edit deleted a
    /// missing key (nothing changed).
    async fn edit_memory(
        &self,
        session: Uuid,
        edit: &MemoryEdit,
    ) -> Result<Option<bool>, StoreError>;

    // Executions.
    async fn put_execution(&self, execution: &ExecutionRecord) -> Result<(), StoreError>;
    /// Stores a new execution's record without waiting for it to be
    /// durable, for an execution whose start nobody is told of (`POST
    /// /api/execute` answers only once it has ended, and its settlement's
    /// flush covers this write): a crash before a flush loses a record no
    /// client was given; after one, start-up reports it interrupted. By
    /// default, [`Store::put_execution`].
    async fn put_execution_unacknowledged(
        &self,
        execution: &ExecutionRecord,
    ) -> Result<(), StoreError> {
        self.put_execution(execution).await
    }
    /// Stores an execution's move from pending to running without waiting
    /// for it to be durable (it rides on the next write's flush): a crash
    /// before that leaves it pending, which start-up reports interrupted as
    /// it would a running one. By default, [`Store::put_execution`].
    async fn mark_running(&self, execution: &ExecutionRecord) -> Result<(), StoreError> {
        self.put_execution(execution).await
    }
    async fn get_execution(&self, id: Uuid) -> Result<Option<ExecutionRecord>, StoreError>;
    /// Newest first; a page costs its length, not the number stored.
    async fn list_executions(
        &self,
        filter: &ExecutionFilter,
        page: &PageRequest,
    ) -> Result<Listed<ExecutionRecord>, StoreError>;
    /// Deletes the execution with its trace, its index entries and its
    /// share of the aggregates; `false` if there was none.
    async fn delete_execution(&self, id: Uuid) -> Result<bool, StoreError>;
    /// Up to `limit` ended executions created before `before`, oldest
    /// first (the retention sweeper deletes them).
    async fn ended_executions_before(
        &self,
        before: Micros,
        limit: usize,
    ) -> Result<Vec<Uuid>, StoreError>;
    /// `/api/stats` for `owner` (one session's with `session`), read from
    /// aggregates kept up to date by every write: its cost does not grow
    /// with the number of executions.
    async fn stats(&self, owner: &str, session: Option<Uuid>) -> Result<StatsSnapshot, StoreError>;
    /// Stores the terminal record, its session's new state and history
    /// turns, and its job's outcome ([`SettledExecution::job`]) in one
    /// transaction. Idempotent by execution and attempt: a settlement found
    /// already written (a retry whose first commit's answer was lost) is
    /// reported written and changes nothing; an execution that had ended
    /// otherwise is left as it is (`Settled::execution` false).
    async fn finish_execution(&self, settled: &SettledExecution) -> Result<Settled, StoreError>;
    /// [`Store::finish_execution`] with trace events of the execution not
    /// stored yet (a deferred execution's, held until its end: see
    /// `executions/persister.rs`), durable with it: in its transaction where
    /// the store can (sled: one write instead of two), else appended first.
    async fn finish_execution_with_trace(
        &self,
        settled: &SettledExecution,
        trace: &[EncodedEvent<'_>],
    ) -> Result<Settled, StoreError> {
        match self.append_trace_encoded(settled.record.id, trace).await {
            // A later attempt's: the settlement finds it so too.
            Ok(()) | Err(StoreError::Superseded { .. }) => {}
            Err(e) => return Err(e),
        }
        self.finish_execution(settled).await
    }
    /// Marks every pending or running execution `interrupted` (at start-up,
    /// when no other process shares the store). Returns how many.
    async fn interrupt_running_executions(&self, message: &str) -> Result<u64, StoreError>;

    // Leases of running executions (several processes on one store).
    /// Whether other processes may share this store (PostgreSQL): then
    /// start-up must not take their running executions and jobs for dead
    /// ones, and leases say who is alive. sled is one process: `false`.
    fn shared(&self) -> bool {
        false
    }
    /// Since when this process has found the store answering without a
    /// transient fault (microseconds since the epoch); `None` while it is
    /// away. A lease is judged lapsed only once the store has answered for a
    /// whole grace period since (`crate::leases::lapsed_before`): a holder
    /// that could not renew while the store was away is alive. A store in
    /// this process (sled) is always reachable.
    fn reachable_since(&self) -> Option<Micros> {
        Some(0)
    }
    /// Stores a new execution's record ([`Store::put_execution`], or
    /// [`Store::put_execution_unacknowledged`] unless `acknowledged`) with
    /// `holder`'s lease on it until `until` ([`Store::renew_execution_leases`]),
    /// in one transaction where the store can (PostgreSQL: one commit
    /// instead of two).
    async fn put_execution_leased(
        &self,
        execution: &ExecutionRecord,
        acknowledged: bool,
        holder: &str,
        until: Micros,
    ) -> Result<(), StoreError> {
        if acknowledged {
            self.put_execution(execution).await?;
        } else {
            self.put_execution_unacknowledged(execution).await?;
        }
        self.renew_execution_leases(holder, &[execution.id], until).await
    }
    /// Holds (or renews) `holder`'s lease on the executions it runs, until
    /// `until`. A store no other process shares keeps none.
    async fn renew_execution_leases(
        &self,
        holder: &str,
        executions: &[Uuid],
        until: Micros,
    ) -> Result<(), StoreError> {
        let _ = (holder, executions, until);
        Ok(())
    }
    /// Marks `interrupted` the pending or running executions whose lease
    /// ended before `now`, and those without a lease created before
    /// `unleased_before` (a process gives each execution its lease within
    /// moments of storing it). Returns how many. An execution whose job is
    /// still pending or running is left to the job's next delivery, which
    /// goes on with it from its checkpoint (the sweep ends it once the job
    /// has ended: a job's last failed delivery settles it); so is an
    /// execution an api queued (`queued`: its queue's last failed delivery
    /// ends it). A store no other process
    /// shares has no leases: start-up uses
    /// [`Store::interrupt_running_executions`] instead.
    async fn interrupt_expired_executions(
        &self,
        now: Micros,
        unleased_before: Micros,
        message: &str,
    ) -> Result<u64, StoreError> {
        let _ = (now, unleased_before, message);
        Ok(0)
    }

    // Leases on sessions: one execution of a session at a time across the
    // processes sharing the store (one process holds that with its own gate).
    /// Takes `holder`'s lease on `session` until `until`, or renews it,
    /// unless another holder's lease on it lasts past `now`: whether
    /// `holder` holds it now. A store no other process shares: `true`.
    async fn take_session_lease(
        &self,
        session: Uuid,
        holder: &str,
        now: Micros,
        until: Micros,
    ) -> Result<bool, StoreError> {
        let _ = (session, holder, now, until);
        Ok(true)
    }
    /// Extends `holder`'s leases on `sessions` (those it still holds) until `until`.
    async fn renew_session_leases(
        &self,
        holder: &str,
        sessions: &[Uuid],
        until: Micros,
    ) -> Result<(), StoreError> {
        let _ = (holder, sessions, until);
        Ok(())
    }
    /// Gives `holder`'s lease on `session` up (another holder's stays).
    async fn release_session_lease(&self, session: Uuid, holder: &str) -> Result<(), StoreError> {
        let _ = (session, holder);
        Ok(())
    }
    /// Starts a new execution of a session in one transaction where the
    /// store can (PostgreSQL: one commit instead of three, and no second
    /// read of the session): takes `holder`'s lease on the session
    /// ([`Store::take_session_lease`], `lapsed` its `now`) and, if it was
    /// taken, stores `pending` as running since `started_at` and returns
    /// the session as stored now (`Some(None)`: deleted); if another holder
    /// has it, stores `pending` as it is and returns `None`. Either way with
    /// `holder`'s lease on the execution until `until`
    /// ([`Store::put_execution_leased`]).
    async fn put_execution_taking_session(
        &self,
        pending: &ExecutionRecord,
        holder: &str,
        (lapsed, until): (Micros, Micros),
        started_at: Micros,
    ) -> Result<Option<Option<SessionRecord>>, StoreError> {
        let taken = match pending.session_id {
            Some(sid) => self.take_session_lease(sid, holder, lapsed, until).await?,
            None => false,
        };
        let Some(sid) = pending.session_id.filter(|_| taken) else {
            self.put_execution_leased(pending, false, holder, until).await?;
            return Ok(None);
        };
        let running = ExecutionRecord {
            status: ExecutionStatus::Running,
            started_at: Some(started_at),
            ..pending.clone()
        };
        self.put_execution_leased(&running, false, holder, until).await?;
        Ok(Some(self.get_session(sid).await?))
    }
    /// [`Store::finish_execution_with_trace`], giving `holder`'s lease on
    /// the execution's session up with it (in its transaction where the
    /// store can, else after it; whatever the settlement found).
    async fn finish_execution_releasing(
        &self,
        settled: &SettledExecution,
        trace: &[EncodedEvent<'_>],
        holder: &str,
    ) -> Result<Settled, StoreError> {
        let settled_now = self.finish_execution_with_trace(settled, trace).await?;
        if let Some(sid) = settled.record.session_id {
            self.release_session_lease(sid, holder).await?;
        }
        Ok(settled_now)
    }

    // Trace events.
    /// Stores trace events, each at its position in the execution's stream.
    async fn append_trace(
        &self,
        execution: Uuid,
        events: &[StreamedEvent],
    ) -> Result<(), StoreError> {
        let encoded = events.iter().map(EncodedEvent::encode).collect::<Result<Vec<_>, _>>()?;
        self.append_trace_encoded(execution, &encoded).await
    }
    /// [`Store::append_trace`] for events already encoded (each `json` is
    /// the event's serde_json encoding, stored as it is: a caller that
    /// passes anything else stores a trace [`Store::trace`] reports corrupt).
    async fn append_trace_encoded(
        &self,
        execution: Uuid,
        events: &[EncodedEvent<'_>],
    ) -> Result<(), StoreError>;
    /// The execution's trace events in stream order, with their positions.
    async fn trace(&self, execution: Uuid) -> Result<Vec<StreamedEvent>, StoreError>;
    /// Deletes the execution's trace events at `position` and after (what a
    /// dead worker recorded past its last checkpoint, before the execution
    /// goes on from there); returns how many.
    async fn drop_trace_from(&self, execution: Uuid, position: u64) -> Result<u64, StoreError>;

    // Jobs.
    /// Stores a job alone (no outbox row, no idempotency key): a
    /// [`Store::create`] of nothing more.
    async fn enqueue_job(&self, job: &JobRecord) -> Result<(), StoreError> {
        self.create(&Creation { created: Created::Job(job), outbox: None, key: None }).await
    }
    async fn get_job(&self, id: Uuid) -> Result<Option<JobRecord>, StoreError>;
    /// Jobs of `owner`, newest first.
    async fn list_jobs(
        &self,
        owner: &str,
        page: &PageRequest,
    ) -> Result<Listed<JobRecord>, StoreError>;
    async fn pending_jobs(&self) -> Result<usize, StoreError>;
    /// The pending jobs: in all, `owner`'s, and how many owners hold some
    /// (a job queue's fair shares). Costs the number pending, which the
    /// queue's capacity bounds.
    async fn pending_job_shares(&self, owner: &str) -> Result<PendingJobs, StoreError>;
    /// The oldest pending job, now RUNNING under `worker`'s lease.
    async fn claim_job(
        &self,
        worker: &str,
        lease_until: Micros,
    ) -> Result<Option<JobRecord>, StoreError>;
    /// The job a queue delivered to `worker`: pending or running (its
    /// earlier holder died or lost the queue, which then delivered it
    /// again), it is now RUNNING under `worker`'s lease, and the earlier
    /// holder can no longer settle it. An ended job is returned as it is.
    /// `None`: no such job.
    async fn take_job(
        &self,
        id: Uuid,
        worker: &str,
        lease_until: Micros,
    ) -> Result<Option<JobRecord>, StoreError>;
    /// Records which execution runs the job.
    async fn set_job_execution(
        &self,
        id: Uuid,
        worker: &str,
        execution: Uuid,
    ) -> Result<(), StoreError>;
    /// Extends the lease; returns the job (its `cancel_requested` flag tells
    /// the worker to stop), or `None` if `worker` no longer holds it.
    async fn heartbeat_job(
        &self,
        id: Uuid,
        worker: &str,
        lease_until: Micros,
    ) -> Result<Option<JobRecord>, StoreError>;
    /// Settles a running job held by `worker`; `false` if it was not.
    async fn finish_job(
        &self,
        id: Uuid,
        worker: &str,
        outcome: &JobOutcome,
    ) -> Result<bool, StoreError>;
    async fn request_cancel_job(&self, id: Uuid) -> Result<Option<CancelRequest>, StoreError>;
    /// RUNNING jobs whose lease ended before `now` (all of them with
    /// `i64::MAX`) become INTERRUPTED with `message`. Returns their ids.
    async fn interrupt_expired_jobs(
        &self,
        now: Micros,
        message: &str,
    ) -> Result<Vec<Uuid>, StoreError>;

    // The job queue's protocol (issue #55): the outbox, idempotency keys,
    // the deployment's settings. See `outbox.rs`.
    /// The one idempotent write of a creating request ([`Creation`]): a new
    /// session, execution or job with its outbox entry and its idempotency
    /// key's response, in one transaction (a crash leaves all or none);
    /// [`StoreError::KeyTakenOver`], nothing written, when the request's
    /// claim on its key was taken over. Durable when it returns.
    async fn create(&self, creation: &Creation<'_>) -> Result<(), StoreError>;
    /// Adds an outbox entry unless one for its id waits already (`false` then).
    async fn add_outbox(&self, entry: &OutboxEntry) -> Result<bool, StoreError>;
    /// One relay round: up to `limit` entries, oldest first, each handed to
    /// `publish` and deleted once it says published; the first failure ends
    /// the round. Processes sharing the store relay one at a time: a round
    /// that finds another relaying does nothing (`leader: false`).
    async fn relay_outbox(&self, limit: usize, publish: &Publish)
    -> Result<RelayRound, StoreError>;
    /// The outbox's depth and the age of its oldest entry.
    async fn outbox_depth(&self) -> Result<OutboxDepth, StoreError>;
    /// Pending and running jobs, deployment-wide.
    async fn job_counts(&self) -> Result<JobCounts, StoreError>;
    /// Up to `limit` PENDING jobs created before `before` with no outbox
    /// entry (published long ago and not started: their message may be lost).
    async fn unannounced_pending_jobs(
        &self,
        before: Micros,
        limit: usize,
    ) -> Result<Vec<JobRecord>, StoreError>;
    /// Up to `limit` RUNNING jobs with no outbox entry whose lease ended before `before`.
    async fn lapsed_running_jobs(
        &self,
        before: Micros,
        limit: usize,
    ) -> Result<Vec<JobRecord>, StoreError>;
    /// Claims an idempotency key for a request (see [`KeyClaim`]). A claim
    /// whose request never answered is taken over when it began before
    /// `stale_before`, or when its process is gone: on a shared store, its
    /// process lease ended before `lapsed` (`None`: no lease counts as
    /// ended yet, see `crate::leases::lapsed_before`); on a store one
    /// process holds, any other process's claim.
    async fn claim_idempotency_key(
        &self,
        key: &IdempotencyKey,
        now: Micros,
        stale_before: Micros,
        lapsed: Option<Micros>,
    ) -> Result<KeyClaim, StoreError>;
    /// Stores the response a claimed key's retries replay, if `key`'s
    /// request still holds the claim ([`StoreError::KeyTakenOver`] if not).
    async fn complete_idempotency_key(
        &self,
        key: &IdempotencyKey,
        response: &StoredResponse,
    ) -> Result<(), StoreError>;
    /// Gives `key`'s claim up, unanswered (its request failed in a way a
    /// retry may redo, or went away); another request's claim stays.
    async fn release_idempotency_key(&self, key: &IdempotencyKey) -> Result<(), StoreError>;
    /// Holds (or renews) this process's own lease until `until`: while it
    /// lasts, the idempotency keys it claimed are in flight. A store no
    /// other process shares keeps none (its claims are all this process's).
    async fn renew_process_lease(&self, holder: &str, until: Micros) -> Result<(), StoreError> {
        let _ = (holder, until);
        Ok(())
    }
    /// Deletes the keys created before `before`; returns how many.
    async fn sweep_idempotency_keys(&self, before: Micros) -> Result<u64, StoreError>;
    /// Records this process's protocol settings and returns the
    /// deployment's: an `authoritative` process (an api) sets them, any
    /// other only when none are recorded.
    async fn record_protocol(
        &self,
        process: &str,
        role: &str,
        settings: &ProtocolSettings,
        authoritative: bool,
    ) -> Result<ProtocolSettings, StoreError>;

    // Checkpoints (durable executions).
    /// Stores the checkpoint as the execution's newest, durably; `false`
    /// (and no change) when the stored one's step is not older. Refused
    /// when a later attempt runs the execution ([`StoreError::Superseded`])
    /// or the trace it covers is not all stored ([`StoreError::TraceNotWhole`]).
    /// Deleting the execution deletes it.
    async fn save_checkpoint(
        &self,
        execution: Uuid,
        checkpoint: &CheckpointWrite<'_>,
    ) -> Result<bool, StoreError>;
    /// The execution's newest checkpoint.
    async fn load_checkpoint(
        &self,
        execution: Uuid,
    ) -> Result<Option<CheckpointRecord>, StoreError>;

    // Recordings (an execution's model exchanges, `"record": true`),
    // streamed to the store a line at a time as the execution makes them.
    /// Appends `lines` (whole JSON lines) to the execution's recording as
    /// its part `seq`, durably, counting their bytes to `owner` (an append
    /// of a part already stored does nothing). Deleting the execution
    /// deletes it and takes its bytes back out of the count.
    async fn append_recording(
        &self,
        owner: &str,
        execution: Uuid,
        seq: u64,
        lines: &str,
    ) -> Result<(), StoreError>;
    /// The execution's recording, its parts in order (`None`: it did not record).
    async fn load_recording(&self, execution: Uuid) -> Result<Option<String>, StoreError>;
    /// The part the execution's recording goes on at, and its bytes so far.
    async fn recording_extent(&self, execution: Uuid) -> Result<(u64, u64), StoreError>;
    /// Deletes the execution's recording (an attempt that starts over),
    /// taking its bytes out of `owner`'s count.
    async fn clear_recording(&self, owner: &str, execution: Uuid) -> Result<(), StoreError>;

    /// Whether the backend answers (for `/readyz`).
    async fn ping(&self) -> Result<(), StoreError>;
    /// Makes everything written so far durable.
    async fn flush(&self) -> Result<(), StoreError>;
    /// Bytes the store takes on disk (for `--max-store-gb`).
    async fn size_on_disk(&self) -> Result<u64, StoreError>;
}
