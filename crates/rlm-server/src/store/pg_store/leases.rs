//! Leases on PostgreSQL: of running executions (`execution_leases`), of
//! sessions (`session_leases`, migration 5: which process runs an execution
//! of a session now) and of processes (`process_leases`). Taking a
//! session's lease is one statement: an insert that, on a conflict, takes
//! the row over only if it is this holder's or has run out, so two
//! processes racing for a session get one lease between them. A new
//! execution's start takes it in its record's transaction
//! ([`LeaseStore::put_execution_taking_session`]), and its settlement gives
//! it up in its own (`executions::settle`). A lease's write asked while the
//! database was away grants a whole lease from when it is written
//! (`still_ahead`).

use uuid::Uuid;

use super::batch_items::{Settling, Starting};
use super::executions::{RELEASE_SESSION_LEASE, put_execution_in};
use super::sql::{decode, pg, prepared, prepared_on};
use super::{PgStore, still_ahead};
use crate::store::clock::{Micros, now_micros};
use crate::store::errors::StoreError;
use crate::store::records::{EncodedEvent, ExecutionRecord, SessionRecord};
use crate::store::settlement::{Settled, SettledExecution};
use crate::store::traits::LeaseStore;

impl PgStore {
    /// [`LeaseStore::put_execution_leased`] in a transaction of its own.
    pub(super) async fn put_leased_alone(&self, s: &Starting) -> Result<(), StoreError> {
        let (execution, holder) = (&s.record, s.holder.as_str());
        self.writing(move || async move {
            let until = still_ahead(s.until.0, s.until.1);
            let mut client = self.client().await?;
            let tx = client.transaction().await.map_err(pg)?;
            put_execution_in(&tx, execution).await?;
            tx.execute(
                &prepared(&tx, LEASE_EXECUTIONS).await?,
                &[&vec![execution.id], &holder, &until],
            )
            .await
            .map_err(pg)?;
            tx.commit().await.map_err(pg)
        })
        .await
    }

    /// [`LeaseStore::put_execution_taking_session`] in a transaction of its
    /// own: the session's lease, the record (running if the lease was
    /// taken) with its lease, and the session read.
    pub(super) async fn take_session_alone(
        &self,
        s: &Starting,
        (lapsed, started_at): (Micros, Micros),
    ) -> Result<Option<Option<SessionRecord>>, StoreError> {
        let (pending, holder) = (&s.record, s.holder.as_str());
        self.writing(move || async move {
            let until = still_ahead(s.until.0, s.until.1);
            let mut client = self.client().await?;
            let tx = client.transaction().await.map_err(pg)?;
            let taken = match pending.session_id {
                Some(sid) => {
                    let row = tx
                        .query_opt(
                            &prepared(&tx, TAKE_SESSION_LEASE).await?,
                            &[&sid, &holder, &lapsed, &until],
                        )
                        .await
                        .map_err(pg)?;
                    row.map(|_| sid)
                }
                None => None,
            };
            let session = match taken {
                Some(sid) => {
                    let running = pending.running_since(started_at);
                    put_execution_in(&tx, &running).await?;
                    let row = tx
                        .query_opt(
                            &prepared(&tx, "SELECT record FROM sessions WHERE id = $1").await?,
                            &[&sid],
                        )
                        .await
                        .map_err(pg)?;
                    Some(row.map(|r| decode("session", r.get(0))).transpose()?)
                }
                None => {
                    put_execution_in(&tx, pending).await?;
                    None
                }
            };
            tx.execute(
                &prepared(&tx, LEASE_EXECUTIONS).await?,
                &[&vec![pending.id], &holder, &until],
            )
            .await
            .map_err(pg)?;
            tx.commit().await.map_err(pg)?;
            Ok(session)
        })
        .await
    }
}

#[async_trait::async_trait]
impl LeaseStore for PgStore {
    /// [`ExecutionStore::put_execution`](crate::store::ExecutionStore::put_execution) and `holder`'s lease on the execution, in one transaction
    /// (a batch's: `starter.rs`).
    async fn put_execution_leased(
        &self,
        execution: &ExecutionRecord,
        _acknowledged: bool,
        holder: &str,
        until: Micros,
    ) -> Result<(), StoreError> {
        // Every commit here is durable: acknowledged or not is the same write.
        let start = Starting {
            record: execution.clone(),
            holder: holder.to_string(),
            until: (until, now_micros()),
            take: None,
        };
        self.start_grouped(start).await.map(|_| ())
    }

    /// The session's lease, the record (running if the lease was taken)
    /// with its lease, and the session read, in one transaction (a
    /// batch's: `starter.rs`).
    async fn put_execution_taking_session(
        &self,
        pending: &ExecutionRecord,
        holder: &str,
        (lapsed, until): (Micros, Micros),
        started_at: Micros,
    ) -> Result<Option<Option<SessionRecord>>, StoreError> {
        let start = Starting {
            record: pending.clone(),
            holder: holder.to_string(),
            until: (until, now_micros()),
            take: Some((lapsed, started_at)),
        };
        self.start_grouped(start).await
    }

    async fn renew_execution_leases(
        &self,
        holder: &str,
        executions: &[Uuid],
        until: Micros,
    ) -> Result<(), StoreError> {
        let asked = now_micros();
        self.writing(move || async move {
            let until = still_ahead(until, asked);
            if executions.is_empty() {
                return Ok(());
            }
            let client = self.client().await?;
            let ids: Vec<Uuid> = executions.to_vec();
            client
                .execute(&prepared_on(&client, LEASE_EXECUTIONS).await?, &[&ids, &holder, &until])
                .await
                .map_err(pg)?;
            Ok(())
        })
        .await
    }

    async fn interrupt_expired_executions(
        &self,
        now: Micros,
        unleased_before: Micros,
        message: &str,
    ) -> Result<u64, StoreError> {
        self.writing(move || async move {
            let ids: Vec<Uuid> = {
                let client = self.client().await?;
                let rows = client
                    .query(
                        &prepared_on(
                            &client,
                            "SELECT e.id FROM executions e
                 LEFT JOIN execution_leases l ON l.execution_id = e.id
                 WHERE NOT e.terminal
                   AND (l.expires_at < $1 OR (l.expires_at IS NULL AND e.created_at < $2))",
                        )
                        .await?,
                        &[&now, &unleased_before],
                    )
                    .await
                    .map_err(pg)?;
                rows.iter().map(|r| r.get(0)).collect()
            };
            self.interrupt_each(&ids, message, Some(now)).await
        })
        .await
    }

    async fn take_session_lease(
        &self,
        session: Uuid,
        holder: &str,
        now: Micros,
        until: Micros,
    ) -> Result<bool, StoreError> {
        let asked = now_micros();
        self.writing(move || async move {
            let until = still_ahead(until, asked);
            let client = self.client().await?;
            let taken = client
                .query_opt(
                    &prepared_on(&client, TAKE_SESSION_LEASE).await?,
                    &[&session, &holder, &now, &until],
                )
                .await
                .map_err(pg)?;
            Ok(taken.is_some())
        })
        .await
    }

    async fn renew_session_leases(
        &self,
        holder: &str,
        sessions: &[Uuid],
        until: Micros,
    ) -> Result<(), StoreError> {
        let asked = now_micros();
        self.writing(move || async move {
            let until = still_ahead(until, asked);
            if sessions.is_empty() {
                return Ok(());
            }
            let client = self.client().await?;
            let ids: Vec<Uuid> = sessions.to_vec();
            client
                .execute(
                    "UPDATE session_leases SET expires_at = $3
             WHERE session_id = ANY($1::uuid[]) AND holder = $2",
                    &[&ids, &holder, &until],
                )
                .await
                .map_err(pg)?;
            Ok(())
        })
        .await
    }

    async fn release_session_lease(&self, session: Uuid, holder: &str) -> Result<(), StoreError> {
        self.writing(move || async move {
            let client = self.client().await?;
            client
                .execute(&prepared_on(&client, RELEASE_SESSION_LEASE).await?, &[&session, &holder])
                .await
                .map_err(pg)?;
            Ok(())
        })
        .await
    }

    async fn finish_execution_releasing(
        &self,
        settled: &SettledExecution,
        trace: &[EncodedEvent<'_>],
        holder: &str,
    ) -> Result<Settled, StoreError> {
        self.settle_grouped(Settling::of(settled, trace, Some(holder))).await
    }

    async fn renew_process_lease(&self, holder: &str, until: Micros) -> Result<(), StoreError> {
        let asked = now_micros();
        self.writing(move || async move {
            let until = still_ahead(until, asked);
            let client = self.client().await?;
            client
                .execute(
                    "INSERT INTO process_leases (holder, expires_at) VALUES ($1, $2)
             ON CONFLICT (holder) DO UPDATE SET expires_at = excluded.expires_at",
                    &[&holder, &until],
                )
                .await
                .map_err(pg)?;
            Ok(())
        })
        .await
    }
}

/// Takes `$2`'s lease on the session `$1` until `$4`, unless another
/// holder's lasts past `$3`; a row back when it was taken.
pub(super) const TAKE_SESSION_LEASE: &str =
    "INSERT INTO session_leases (session_id, holder, expires_at) VALUES ($1, $2, $4)
     ON CONFLICT (session_id) DO UPDATE
     SET holder = excluded.holder, expires_at = excluded.expires_at
     WHERE session_leases.holder = excluded.holder OR session_leases.expires_at < $3
     RETURNING holder";

/// Holds or renews `$2`'s lease on the executions `$1` until `$3`.
const LEASE_EXECUTIONS: &str = "INSERT INTO execution_leases (execution_id, holder, expires_at)
     SELECT id, $2, $3 FROM unnest($1::uuid[]) AS id
     ON CONFLICT (execution_id) DO UPDATE
     SET holder = excluded.holder, expires_at = excluded.expires_at";
