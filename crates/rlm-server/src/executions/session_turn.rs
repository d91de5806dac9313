//! A session's turn across processes (issue #36): on a store other
//! processes share, an execution of a session runs only while this process
//! holds the session's lease in the store, so two workers never run two
//! executions of one session at once (each would restore the session as
//! the previous one left it, and the one settling last would keep only its
//! own spend and history). An execution whose session is busy elsewhere
//! waits for the lease (the job's delivery keeps its heartbeats and does not
//! count as another attempt); the lease is renewed with the executions'
//! leases ([`crate::leases`]) and given up once the execution is settled.
//! A process that dies (kill -9) stops renewing it: it runs out, and the
//! session is free again.
//!
//! A new execution whose session is idle in this process takes the lease
//! with its record, in one transaction that also reads the session as
//! stored now ([`Executions::register_in_session`]): created running, it
//! needs no second write to start and no second read of its session. Its
//! settlement gives the lease up in its own transaction.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::sync::watch;
use uuid::Uuid;

use super::turns::Turn;
use super::{Executions, Live, Ready, stopped_before_start};
use crate::error::ServerError;
use crate::leases::micros;
use crate::store::{ExecutionRecord, ExecutionStatus, now_micros};

/// A registered run: its live log and where its final record goes.
type Registered = (Arc<Live>, watch::Sender<Option<ExecutionRecord>>);

impl Executions {
    /// How often a waiting execution asks for its session's lease again: a
    /// twentieth of a lease, from 50 ms to 1 s.
    fn session_poll(&self) -> Duration {
        (self.lease / 20).clamp(Duration::from_millis(50), Duration::from_secs(1))
    }

    /// Waits until this process holds `session`'s lease; `false` if the
    /// execution was stopped (cancelled, interrupted, handed back) first.
    pub(super) async fn wait_for_session(&self, session: Uuid, live: &Live) -> bool {
        let mut waiting = false;
        loop {
            let until = now_micros() + micros(self.lease);
            // Another holder's lease is taken over only once it has lapsed
            // by the one rule of who is dead.
            let lapsed =
                crate::leases::lapsed_before(self.store.as_ref(), self.lease).unwrap_or(i64::MIN);
            match self.store.take_session_lease(session, &self.holder, lapsed, until).await {
                Ok(true) => {
                    self.leased_sessions.insert(session, ());
                    if waiting {
                        tracing::info!(%session, "the session is free: its execution starts");
                    }
                    return true;
                }
                Ok(false) if !waiting => {
                    waiting = true;
                    tracing::info!(%session, "the session runs an execution elsewhere: waiting for it");
                }
                Ok(false) => {}
                Err(e) => tracing::warn!(%session, error = %e, "cannot take the session's lease"),
            }
            tokio::select! {
                _ = tokio::time::sleep(self.session_poll()) => {}
                _ = live.cancel.cancelled() => return false,
                _ = live.boundary.cancelled() => return false,
            }
        }
    }

    /// The session's turn in this process, at once, for a new execution of
    /// a session on a store other processes share: `None` if another
    /// execution of the session holds or awaits it (or no store is shared).
    pub(super) fn shared_turn_at_once(&self, record: &ExecutionRecord) -> Option<(Uuid, Turn)> {
        let sid = record.session_id.filter(|_| self.store.shared())?;
        let turn = self.turns.take_if_idle(sid, self.turns.settled(sid))?;
        Some((sid, turn))
    }

    /// Stores a new execution of session `sid`, whose turn it holds, with
    /// its lease and, if free, the session's lease, in one transaction, and
    /// registers its run: ready to run at once (created running, with the
    /// session as stored now), or, the session busy elsewhere, stored
    /// pending to wait for its turn as any other (`None`: the turn is given
    /// back).
    pub(super) async fn register_in_session(
        &self,
        record: &mut ExecutionRecord,
        (sid, turn): (Uuid, Turn),
        base: u64,
        job_holder: Option<String>,
    ) -> Result<(Registered, Option<Ready>), ServerError> {
        let until = now_micros() + micros(self.lease);
        let lapsed =
            crate::leases::lapsed_before(self.store.as_ref(), self.lease).unwrap_or(i64::MIN);
        let started_at = now_micros();
        let taken = self
            .store
            .put_execution_taking_session(record, &self.holder, (lapsed, until), started_at)
            .await?;
        let ready = taken.map(|session| {
            record.status = ExecutionStatus::Running;
            record.started_at = Some(started_at);
            self.leased_sessions.insert(sid, ());
            Ready { turn: Some(turn), session }
        });
        let run = self.live_run(record, base, false, job_holder);
        run.0.holds_session.store(ready.is_some(), Ordering::SeqCst);
        Ok((run, ready))
    }

    /// The session's lease was given up with its execution's settlement.
    pub(super) fn session_released(&self, session: Option<Uuid>, live: &Live) {
        live.holds_session.store(false, Ordering::SeqCst);
        if let Some(sid) = session {
            self.leased_sessions.remove(&sid);
        }
    }

    /// Gives `session`'s lease up (its execution is settled).
    pub(super) async fn release_session(&self, session: Uuid) {
        self.leased_sessions.remove(&session);
        if let Err(e) = self.store.release_session_lease(session, &self.holder).await {
            // It runs out on its own.
            tracing::warn!(%session, error = %e, "cannot give the session's lease up");
        }
    }

    /// An execution stopped before it ran: settled `cancelled`, or, handed
    /// back, left as stored for the queue's next delivery.
    pub(super) async fn not_started(
        &self,
        mut record: ExecutionRecord,
        live: &Live,
    ) -> ExecutionRecord {
        if live.durable && live.handed_back.load(Ordering::SeqCst) {
            live.bus.close();
            record.status = ExecutionStatus::Interrupted;
            tracing::info!(execution = %record.id, "the execution is handed back before it started");
            return record;
        }
        self.settle(record, live, stopped_before_start(live)).await
    }
}
