//! The storage seam's contract, one sub-trait per topic ([`SessionStore`],
//! [`ExecutionStore`], [`LeaseStore`], ...), and [`Store`], every one of
//! them together: what `Arc<dyn Store>` is. Each backend implements each
//! sub-trait in its topic file. The contract itself is in `store/mod.rs`.

use uuid::Uuid;

use super::aggregate::StatsSnapshot;
use super::clock::Micros;
use super::errors::StoreError;
use super::job_records::{CancelRequest, JobOutcome, JobRecord, PendingJobs};
use super::memory_edit::MemoryEdit;
use super::outbox::{
    Created, Creation, IdempotencyKey, JobCounts, KeyClaim, OutboxDepth, OutboxEntry,
    ProtocolSettings, Publish, RelayRound, StoredResponse,
};
use super::pages::{ExecutionFilter, HistoryPage, Listed, OwnerUsage, PageRequest};
use super::records::{
    CheckpointRecord, CheckpointWrite, EncodedEvent, ExecutionRecord, SessionRecord, StreamedEvent,
};
use super::settlement::{Settled, SettledExecution};

/// Everything the server stores: every topic's sub-trait (see the module
/// docs of `store` for the contract). Implemented by whatever implements
/// them all, so `Arc<dyn Store>` calls any store method.
pub trait Store:
    SessionStore
    + ExecutionStore
    + StatsStore
    + LeaseStore
    + TraceStore
    + JobStore
    + OutboxStore
    + IdempotencyStore
    + CheckpointStore
    + RecordingStore
    + StoreHealth
    + Send
    + Sync
    + 'static
{
}

impl<T> Store for T where
    T: SessionStore
        + ExecutionStore
        + StatsStore
        + LeaseStore
        + TraceStore
        + JobStore
        + OutboxStore
        + IdempotencyStore
        + CheckpointStore
        + RecordingStore
        + StoreHealth
        + Send
        + Sync
        + 'static
{
}

/// Sessions: their records, lists and history, an owner's quota counts,
/// the blobs they reference, and `memory` (the program's `memory` dict, in
/// the session's state).
#[async_trait::async_trait]
pub trait SessionStore: Send + Sync {
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
}

/// Executions: their records, lists, settlement, and the start-up sweep
/// of those a dead process left running.
#[async_trait::async_trait]
pub trait ExecutionStore: TraceStore {
    async fn put_execution(&self, execution: &ExecutionRecord) -> Result<(), StoreError>;
    /// Stores a new execution's record without waiting for it to be
    /// durable, for an execution whose start nobody is told of (`POST
    /// /api/execute` answers only once it has ended, and its settlement's
    /// flush covers this write): a crash before a flush loses a record no
    /// client was given; after one, start-up reports it interrupted. By
    /// default, [`ExecutionStore::put_execution`].
    async fn put_execution_unacknowledged(
        &self,
        execution: &ExecutionRecord,
    ) -> Result<(), StoreError> {
        self.put_execution(execution).await
    }
    /// Stores an execution's move from pending to running without waiting
    /// for it to be durable (it rides on the next write's flush): a crash
    /// before that leaves it pending, which start-up reports interrupted as
    /// it would a running one. By default, [`ExecutionStore::put_execution`].
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
    /// Stores the terminal record, its session's new state and history
    /// turns, and its job's outcome ([`SettledExecution::job`]) in one
    /// transaction. Idempotent by execution and attempt: a settlement found
    /// already written (a retry whose first commit's answer was lost) is
    /// reported written and changes nothing; an execution that had ended
    /// otherwise is left as it is (`Settled::execution` false).
    async fn finish_execution(&self, settled: &SettledExecution) -> Result<Settled, StoreError>;
    /// [`ExecutionStore::finish_execution`] with trace events of the execution not
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
}

/// `/api/stats`, read from the aggregates the writes keep.
#[async_trait::async_trait]
pub trait StatsStore: Send + Sync {
    /// `/api/stats` for `owner` (one session's with `session`), read from
    /// aggregates kept up to date by every write: its cost does not grow
    /// with the number of executions.
    async fn stats(&self, owner: &str, session: Option<Uuid>) -> Result<StatsSnapshot, StoreError>;
}

/// Leases (several processes on one store): of running executions, of
/// sessions (one execution of a session at a time across the processes
/// sharing the store; one process holds that with its own gate), and of
/// processes (whose idempotency claims are in flight while theirs lasts).
/// A store no other process shares keeps none: every method has that
/// store's answer by default.
#[async_trait::async_trait]
pub trait LeaseStore: ExecutionStore + SessionStore {
    /// Stores a new execution's record ([`ExecutionStore::put_execution`], or
    /// [`ExecutionStore::put_execution_unacknowledged`] unless `acknowledged`) with
    /// `holder`'s lease on it until `until` ([`LeaseStore::renew_execution_leases`]),
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
    /// [`ExecutionStore::interrupt_running_executions`] instead.
    async fn interrupt_expired_executions(
        &self,
        now: Micros,
        unleased_before: Micros,
        message: &str,
    ) -> Result<u64, StoreError> {
        let _ = (now, unleased_before, message);
        Ok(0)
    }
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
    /// ([`LeaseStore::take_session_lease`], `lapsed` its `now`) and, if it was
    /// taken, stores `pending` as running since `started_at` and returns
    /// the session as stored now (`Some(None)`: deleted); if another holder
    /// has it, stores `pending` as it is and returns `None`. Either way with
    /// `holder`'s lease on the execution until `until`
    /// ([`LeaseStore::put_execution_leased`]).
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
        let running = pending.running_since(started_at);
        self.put_execution_leased(&running, false, holder, until).await?;
        Ok(Some(self.get_session(sid).await?))
    }
    /// [`ExecutionStore::finish_execution_with_trace`], giving `holder`'s lease on
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
    /// Holds (or renews) this process's own lease until `until`: while it
    /// lasts, the idempotency keys it claimed are in flight. A store no
    /// other process shares keeps none (its claims are all this process's).
    async fn renew_process_lease(&self, holder: &str, until: Micros) -> Result<(), StoreError> {
        let _ = (holder, until);
        Ok(())
    }
}

/// Trace events, each at its position in its execution's stream.
#[async_trait::async_trait]
pub trait TraceStore: Send + Sync {
    /// Stores trace events, each at its position in the execution's stream.
    async fn append_trace(
        &self,
        execution: Uuid,
        events: &[StreamedEvent],
    ) -> Result<(), StoreError> {
        let encoded = events.iter().map(EncodedEvent::encode).collect::<Result<Vec<_>, _>>()?;
        self.append_trace_encoded(execution, &encoded).await
    }
    /// [`TraceStore::append_trace`] for events already encoded (each `json` is
    /// the event's serde_json encoding, stored as it is: a caller that
    /// passes anything else stores a trace [`TraceStore::trace`] reports corrupt).
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
}

/// Jobs: the queue's records, claimed, leased and settled by one worker at a time.
#[async_trait::async_trait]
pub trait JobStore: OutboxStore {
    /// Stores a job alone (no outbox row, no idempotency key): a
    /// [`OutboxStore::create`] of nothing more.
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
}

/// The job queue's protocol (issue #55), its outbox side: the creating
/// write, the relay's rounds and the sweeps' reads. See `outbox.rs`.
#[async_trait::async_trait]
pub trait OutboxStore: Send + Sync {
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
}

/// The job queue's protocol (issue #55), its keys side: idempotency keys
/// and the deployment's settings.
#[async_trait::async_trait]
pub trait IdempotencyStore: Send + Sync {
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
}

/// Checkpoints (durable executions).
#[async_trait::async_trait]
pub trait CheckpointStore: Send + Sync {
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
}

/// Recordings (an execution's model exchanges, `"record": true`),
/// streamed to the store a line at a time as the execution makes them.
#[async_trait::async_trait]
pub trait RecordingStore: Send + Sync {
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
}

/// The store as a whole: whether it answers, is shared, is durable, and its size.
#[async_trait::async_trait]
pub trait StoreHealth: Send + Sync {
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
    /// Whether the backend answers (for `/readyz`).
    async fn ping(&self) -> Result<(), StoreError>;
    /// Makes everything written so far durable.
    async fn flush(&self) -> Result<(), StoreError>;
    /// Bytes the store takes on disk (for `--max-store-gb`).
    async fn size_on_disk(&self) -> Result<u64, StoreError>;
}
