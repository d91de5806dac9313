//! Jobs on PostgreSQL: enqueue, claim (`FOR UPDATE SKIP LOCKED`) with a
//! lease, heartbeats, settlement by the leaseholder, cancellation, and
//! expired leases reported `interrupted`.

use uuid::Uuid;

use super::rows::{OwnedTable, list_owned, lock_job, write_job};
use super::sql::{decode, pg};
use super::{PgStore, still_ahead};
use crate::store::clock::{Micros, now_micros};
use crate::store::errors::StoreError;
use crate::store::job_records::{CancelRequest, JobOutcome, JobRecord, JobStatus, PendingJobs};
use crate::store::pages::{Listed, PageRequest};
use crate::store::traits::JobStore;

impl PgStore {
    /// Applies `change` to a job in one transaction if `allowed` says so;
    /// the new record, or `None` if the job is missing or refused.
    pub(super) async fn update_job(
        &self,
        id: Uuid,
        allowed: impl Fn(&JobRecord) -> bool + Send,
        change: impl Fn(&mut JobRecord) + Send,
    ) -> Result<Option<JobRecord>, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg)?;
        let Some(mut job) = lock_job(&tx, id).await? else { return Ok(None) };
        if !allowed(&job) {
            return Ok(None);
        }
        change(&mut job);
        write_job(&tx, &job).await?;
        tx.commit().await.map_err(pg)?;
        Ok(Some(job))
    }
}

#[async_trait::async_trait]
impl JobStore for PgStore {
    async fn get_job(&self, id: Uuid) -> Result<Option<JobRecord>, StoreError> {
        self.reading(move || async move {
            let client = self.client().await?;
            let row = client
                .query_opt("SELECT record FROM jobs WHERE id = $1", &[&id])
                .await
                .map_err(pg)?;
            row.map(|r| decode("job", r.get(0))).transpose()
        })
        .await
    }

    async fn list_jobs(
        &self,
        owner: &str,
        page: &PageRequest,
    ) -> Result<Listed<JobRecord>, StoreError> {
        self.reading(move || async move { list_owned(self, OwnedTable::Jobs, owner, page).await })
            .await
    }

    async fn pending_jobs(&self) -> Result<usize, StoreError> {
        self.reading(move || async move {
            let client = self.client().await?;
            let row = client
                .query_one("SELECT count(*) FROM jobs WHERE status = 'PENDING'", &[])
                .await
                .map_err(pg)?;
            Ok(row.get::<_, i64>(0).max(0) as usize)
        })
        .await
    }

    async fn pending_job_shares(&self, owner: &str) -> Result<PendingJobs, StoreError> {
        self.reading(move || async move {
            let client = self.client().await?;
            let row = client
                .query_one(
                    "SELECT count(*), count(*) FILTER (WHERE owner = $1), count(DISTINCT owner)
             FROM jobs WHERE status = 'PENDING'",
                    &[&owner],
                )
                .await
                .map_err(pg)?;
            let count = |i: usize| row.get::<_, i64>(i).max(0) as usize;
            Ok(PendingJobs { total: count(0), mine: count(1), owners: count(2) })
        })
        .await
    }

    async fn claim_job(
        &self,
        worker: &str,
        lease_until: Micros,
    ) -> Result<Option<JobRecord>, StoreError> {
        let asked = now_micros();
        self.writing(move || async move {
            let lease_until = still_ahead(lease_until, asked);
            let mut client = self.client().await?;
            let tx = client.transaction().await.map_err(pg)?;
            let row = tx
                .query_opt(
                    "SELECT record FROM jobs WHERE status = 'PENDING'
             ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED",
                    &[],
                )
                .await
                .map_err(pg)?;
            let Some(row) = row else { return Ok(None) };
            let mut job: JobRecord = decode("job", row.get(0))?;
            job.run_under(worker, lease_until);
            job.started_at = Some(now_micros());
            write_job(&tx, &job).await?;
            tx.commit().await.map_err(pg)?;
            Ok(Some(job))
        })
        .await
    }

    async fn take_job(
        &self,
        id: Uuid,
        worker: &str,
        lease_until: Micros,
    ) -> Result<Option<JobRecord>, StoreError> {
        let asked = now_micros();
        self.writing(move || async move {
            let lease_until = still_ahead(lease_until, asked);
            let taken = self
                .update_job(
                    id,
                    |job| !job.status.is_terminal(),
                    |job| {
                        job.run_under(worker, lease_until);
                        job.started_at.get_or_insert_with(now_micros);
                    },
                )
                .await?;
            match taken {
                Some(job) => Ok(Some(job)),
                None => self.get_job(id).await,
            }
        })
        .await
    }

    async fn set_job_execution(
        &self,
        id: Uuid,
        worker: &str,
        execution: Uuid,
    ) -> Result<(), StoreError> {
        self.writing(move || async move {
            self.update_job(
                id,
                |job| job.lease.as_ref().is_some_and(|l| l.worker == worker),
                |job| job.execution_id = Some(execution),
            )
            .await?;
            Ok(())
        })
        .await
    }

    async fn heartbeat_job(
        &self,
        id: Uuid,
        worker: &str,
        lease_until: Micros,
    ) -> Result<Option<JobRecord>, StoreError> {
        let asked = now_micros();
        self.writing(move || async move {
            let lease_until = still_ahead(lease_until, asked);
            self.update_job(id, |job| job.is_held_by(worker), |job| job.extend_lease(lease_until))
                .await
        })
        .await
    }

    async fn finish_job(
        &self,
        id: Uuid,
        worker: &str,
        outcome: &JobOutcome,
    ) -> Result<bool, StoreError> {
        self.writing(move || async move {
            let done = self
                .update_job(id, |job| job.is_held_by(worker), |job| job.end(outcome, now_micros()))
                .await?;
            Ok(done.is_some())
        })
        .await
    }

    async fn request_cancel_job(&self, id: Uuid) -> Result<Option<CancelRequest>, StoreError> {
        self.writing(move || async move {
            let mut client = self.client().await?;
            let tx = client.transaction().await.map_err(pg)?;
            let Some(mut job) = lock_job(&tx, id).await? else { return Ok(None) };
            let request = match job.status {
                JobStatus::Pending => {
                    job.cancel_pending(now_micros());
                    write_job(&tx, &job).await?;
                    CancelRequest::CancelledPending(job)
                }
                JobStatus::Running => {
                    job.cancel_requested = true;
                    write_job(&tx, &job).await?;
                    CancelRequest::Flagged(job)
                }
                _ => CancelRequest::AlreadyFinished(job),
            };
            tx.commit().await.map_err(pg)?;
            Ok(Some(request))
        })
        .await
    }

    async fn interrupt_expired_jobs(
        &self,
        now: Micros,
        message: &str,
    ) -> Result<Vec<Uuid>, StoreError> {
        self.writing(move || async move {
            let running: Vec<Uuid> = {
                let client = self.client().await?;
                let rows = client
                    .query("SELECT id FROM jobs WHERE status = 'RUNNING'", &[])
                    .await
                    .map_err(pg)?;
                rows.iter().map(|r| r.get(0)).collect()
            };
            let mut ids = Vec::new();
            for id in running {
                let changed = self
                    .update_job(id, |j| j.lease_lapsed(now), |j| j.interrupt(message, now_micros()))
                    .await?;
                if changed.is_some() {
                    ids.push(id);
                }
            }
            Ok(ids)
        })
        .await
    }
}
