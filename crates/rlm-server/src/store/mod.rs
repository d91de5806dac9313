//! The storage seam: [`Store`], for everything the server keeps (sessions,
//! their memory, executions, trace events, jobs), made of one async trait
//! per topic (`traits.rs`), and the records it stores (`records.rs`).
//! [`SledStore`] implements it embedded; [`PgStore`] (feature `postgres`,
//! `--database-url`) implements the same contract on PostgreSQL for
//! scale-out, each topic's sub-trait in the backend's file of that topic.
//! The contract, also in ARCHITECTURE.md:
//!
//! * Ids are UUIDs chosen by the caller; records are plain serde values, no
//!   backend type leaks through the trait.
//! * Terminal states are final: [`ExecutionStore::finish_execution`] and
//!   [`JobStore::finish_job`] are idempotent (a second call, or a call after
//!   another terminal transition, changes nothing and returns `false`).
//!   An execution's settlement writes its record, its session's state and
//!   history turns and its job's outcome in one transaction; a retry of the
//!   same settlement (execution and attempt) finds it written and reports
//!   it so, without counting anything twice.
//! * A job is claimed by one worker at a time ([`JobStore::claim_job`]: oldest
//!   pending first, atomically PENDING→RUNNING with a lease; SQL: `SELECT …
//!   FOR UPDATE SKIP LOCKED`, JetStream: a pull consumer's delivery). The worker
//!   extends its lease with [`JobStore::heartbeat_job`] (JetStream: `in-progress`);
//!   a job whose lease expired is reported INTERRUPTED by
//!   [`JobStore::interrupt_expired_jobs`] (JetStream: the ack wait ran out), never
//!   left RUNNING. A job is settled by its leaseholder only (JetStream: `ack`).
//! * Trace events are appended by `(execution, position)`, the position being
//!   the event's place in the execution's event stream (its SSE id, counted
//!   with the frames that are not trace events): appending the same event
//!   twice stores it once, and a client resuming a finished execution's
//!   stream with `Last-Event-ID` gets the ids it saw live.
//! * A session's spend, `memory` and history are rlm-core's
//!   [`rlm_core::SessionState`], stored whole in its record: settling an
//!   execution stores the execution's record and the session's new state in
//!   one atomic step; [`SessionStore::edit_memory`] changes one `memory` key. Memory
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
//!   write or delete ([`SessionStore::blob_references`]), and an execution's blob
//!   is its from its first write to its deletion.
//! * A write is acknowledged only once it is durable: every method that
//!   changes a record returns after the change is on disk (group commit, one
//!   flush for the writes that arrived meanwhile; PostgreSQL: the commit). Trace appends, job claims
//!   and heartbeats are the exceptions; nobody is told they happened, and a
//!   settlement's flush covers the trace appended before it. So are an
//!   execution's move to running and the pending record of an execution
//!   nobody is told of before its end ([`ExecutionStore::mark_running`],
//!   [`ExecutionStore::put_execution_unacknowledged`]).

pub mod aggregate;
mod clock;
mod errors;
mod group_commit;
mod job_records;
pub mod keys;
mod memory_edit;
mod outbox;
mod overrides;
mod pages;
#[cfg(feature = "postgres")]
mod pg_store;
mod records;
mod settlement;
mod sled_store;
mod traits;

pub use aggregate::StatsSnapshot;
pub use clock::{Micros, now_micros};
pub use errors::StoreError;
pub use job_records::{
    CancelRequest, INTERRUPTED, JobOutcome, JobRecord, JobStatus, Lease, PendingJobs,
};
pub use memory_edit::MemoryEdit;
pub use outbox::{
    Created, Creation, IdempotencyKey, JobCounts, KeyClaim, KeyedAnswer, OutboxDepth, OutboxEntry,
    ProtocolSettings, Publish, RelayRound, StoredResponse,
};
pub use overrides::{SessionOverrides, settings_object};
pub use pages::{ExecutionFilter, HistoryPage, Listed, OwnerUsage, PAGE_BYTES, PageRequest};
pub use pg_store::{PgStore, Settling};
pub use prelude::*;
pub use records::{
    AttemptMark, CheckpointRecord, CheckpointWrite, ContextRef, DocumentRef, EncodedEvent,
    ExecutionRecord, ExecutionStatus, HISTORY_WINDOW, SessionRecord, Spend, StreamedEvent,
    attempt_of_position, events_of, execution_blob, new_session_state, session_blob,
};
pub use settlement::{JobSettlement, Settled, SettledExecution, StartedFrom};
pub use sled_store::{STORE_OPEN_THREAD, SledStore};

/// The store's traits, to call its methods on a concrete store
/// (`use crate::store::prelude::*;`); a `dyn Store` needs none of them.
pub mod prelude {
    pub use crate::store::traits::{
        CheckpointStore, ExecutionStore, IdempotencyStore, JobStore, LeaseStore, OutboxStore,
        RecordingStore, SessionStore, StatsStore, Store, StoreHealth, TraceStore,
    };
}
