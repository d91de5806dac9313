//! The outbox on PostgreSQL: what a creating request makes (a session, an
//! execution or a job), its outbox row and its idempotency key's response
//! in one transaction; the relay's rounds, one process at
//! a time under a transaction-level advisory lock named by the schema; the
//! sweeps' reads of jobs whose message may be lost.

use super::PgStore;
use super::aggregates::add_count;
use super::executions::put_execution_in;
use super::idempotency::answer_key;
use super::rows::job_status;
use super::sessions::put_session_in;
use super::sql::{Tx, big_usize, decode, encode, pg};
use crate::store::clock::Micros;
use crate::store::errors::StoreError;
use crate::store::job_records::JobRecord;
use crate::store::outbox::{
    Created, Creation, JobCounts, OutboxDepth, OutboxEntry, Publish, RelayRound,
};
use crate::store::traits::OutboxStore;

/// A round's lock, per schema (deployments sharing a database stay apart).
const RELAY_LOCK: &str = "SELECT pg_try_advisory_xact_lock(hashtext('rlm-outbox:' || $1))";

fn entry_of(row: &tokio_postgres::Row) -> Result<OutboxEntry, StoreError> {
    Ok(OutboxEntry {
        id: row.get(0),
        message_id: row.get(1),
        payload: decode("outbox payload", row.get(2))?,
        created_at: row.get(3),
    })
}

#[async_trait::async_trait]
impl OutboxStore for PgStore {
    async fn create(&self, creation: &Creation<'_>) -> Result<(), StoreError> {
        self.writing(move || async move {
            let mut client = self.client().await?;
            let tx = client.transaction().await.map_err(pg)?;
            // The key first: a request whose claim was taken over writes nothing.
            if let Some(answer) = &creation.key {
                answer_key(&tx, answer).await?;
            }
            match creation.created {
                Created::Session(session) => put_session_in(&tx, session).await?,
                Created::Execution(execution) => {
                    put_execution_in(&tx, execution).await?;
                }
                Created::Job(job) => insert_job(&tx, job).await?,
            }
            if let Some(entry) = &creation.outbox {
                insert_entry(&tx, entry).await?;
            }
            tx.commit().await.map_err(pg)
        })
        .await
    }

    async fn add_outbox(&self, entry: &OutboxEntry) -> Result<bool, StoreError> {
        self.writing(move || async move {
            let mut client = self.client().await?;
            let tx = client.transaction().await.map_err(pg)?;
            let added = insert_entry(&tx, entry).await?;
            tx.commit().await.map_err(pg)?;
            Ok(added)
        })
        .await
    }

    /// One round: under the lock, the oldest entries in order, each deleted
    /// once published; the first failure ends the round (the queue is down,
    /// the rest would fail too). A round cut short (the connection lost)
    /// deletes nothing, and its entries are published again under the same
    /// message ids, which JetStream drops as duplicates.
    async fn relay_outbox(
        &self,
        limit: usize,
        publish: &Publish,
    ) -> Result<RelayRound, StoreError> {
        self.reading(move || async move {
            let mut client = self.client().await?;
            let tx = client.transaction().await.map_err(pg)?;
            let leader: bool = tx.query_one(RELAY_LOCK, &[&self.schema]).await.map_err(pg)?.get(0);
            let mut round = RelayRound { leader, ..RelayRound::default() };
            if !leader {
                return Ok(round);
            }
            let rows = tx
                .query(
                    "SELECT id, message_id, payload, created_at FROM outbox
             ORDER BY created_at, id LIMIT $1",
                    &[&big_usize(limit)],
                )
                .await
                .map_err(pg)?;
            for row in &rows {
                let entry = entry_of(row)?;
                let (id, message_id) = (entry.id, entry.message_id.clone());
                if !publish(entry).await {
                    round.failed += 1;
                    break;
                }
                tx.execute(
                    "DELETE FROM outbox WHERE id = $1 AND message_id = $2",
                    &[&id, &message_id],
                )
                .await
                .map_err(pg)?;
                round.published += 1;
            }
            tx.commit().await.map_err(pg)?;
            Ok(round)
        })
        .await
    }

    async fn outbox_depth(&self) -> Result<OutboxDepth, StoreError> {
        self.reading(move || async move {
            let client = self.client().await?;
            let row = client
                .query_one("SELECT count(*), min(created_at) FROM outbox", &[])
                .await
                .map_err(pg)?;
            Ok(OutboxDepth { entries: row.get::<_, i64>(0).max(0) as u64, oldest: row.get(1) })
        })
        .await
    }

    async fn job_counts(&self) -> Result<JobCounts, StoreError> {
        self.reading(move || async move {
            let client = self.client().await?;
            let row = client
                .query_one(
                    "SELECT count(*) FILTER (WHERE status = 'PENDING'),
                    count(*) FILTER (WHERE status = 'RUNNING')
             FROM jobs WHERE status IN ('PENDING', 'RUNNING')",
                    &[],
                )
                .await
                .map_err(pg)?;
            let count = |i: usize| row.get::<_, i64>(i).max(0) as u64;
            Ok(JobCounts { pending: count(0), running: count(1) })
        })
        .await
    }

    async fn unannounced_pending_jobs(
        &self,
        before: Micros,
        limit: usize,
    ) -> Result<Vec<JobRecord>, StoreError> {
        self.reading(move || async move {
            let client = self.client().await?;
            let rows = client
                .query(
                    "SELECT j.record FROM jobs j
             WHERE j.status = 'PENDING' AND j.created_at < $1
               AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.id = j.id)
             ORDER BY j.created_at, j.id LIMIT $2",
                    &[&before, &big_usize(limit)],
                )
                .await
                .map_err(pg)?;
            rows.iter().map(|r| decode("job", r.get(0))).collect()
        })
        .await
    }

    async fn lapsed_running_jobs(
        &self,
        before: Micros,
        limit: usize,
    ) -> Result<Vec<JobRecord>, StoreError> {
        self.reading(move || async move {
            let client = self.client().await?;
            let rows = client
                .query(
                    "SELECT j.record FROM jobs j
             WHERE j.status = 'RUNNING'
               AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.id = j.id)
             ORDER BY j.created_at, j.id",
                    &[],
                )
                .await
                .map_err(pg)?;
            let mut lapsed = Vec::new();
            for row in &rows {
                let job: JobRecord = decode("job", row.get(0))?;
                if job.lease.as_ref().is_none_or(|l| l.expires_at < before) {
                    lapsed.push(job);
                }
                if lapsed.len() >= limit {
                    break;
                }
            }
            Ok(lapsed)
        })
        .await
    }
}

async fn insert_job(tx: &Tx<'_>, job: &JobRecord) -> Result<(), StoreError> {
    let row = tx
        .query_one(
            "INSERT INTO jobs (id, owner, created_at, status, record) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (id) DO UPDATE SET status = excluded.status, record = excluded.record
             RETURNING (xmax = 0)",
            &[&job.id, &job.owner, &job.created_at, &job_status(job.status), &encode(job)?],
        )
        .await
        .map_err(pg)?;
    if row.get::<_, bool>(0) {
        add_count(tx, &job.owner, "jobs", 1).await?;
    }
    Ok(())
}

async fn insert_entry(tx: &Tx<'_>, entry: &OutboxEntry) -> Result<bool, StoreError> {
    let added = tx
        .execute(
            "INSERT INTO outbox (id, message_id, payload, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (id) DO NOTHING",
            &[&entry.id, &entry.message_id, &encode(&entry.payload)?, &entry.created_at],
        )
        .await
        .map_err(pg)?;
    Ok(added == 1)
}
