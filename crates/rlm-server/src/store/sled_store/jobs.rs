//! Jobs on sled: enqueue, claim with a lease, heartbeats, settlement by
//! the leaseholder, cancellation and expired leases (a job's durable
//! checkpoint is `checkpoints.rs`).

use sled::Transactional;
use uuid::Uuid;

use super::SledStore;
use super::codec::*;
use crate::store::clock::{Micros, now_micros};
use crate::store::errors::StoreError;
use crate::store::job_records::{CancelRequest, JobOutcome, JobRecord, JobStatus, PendingJobs};
use crate::store::keys::{self, *};
use crate::store::pages::{Listed, PageRequest};
use crate::store::traits::JobStore;

impl SledStore {
    pub(super) fn job(&self, id: Uuid) -> Result<Option<JobRecord>, StoreError> {
        match self.jobs.get(id.as_bytes()).map_err(backend)? {
            Some(bytes) => Ok(Some(decode("job", &bytes)?)),
            None => Ok(None),
        }
    }

    /// Applies `change` to a job atomically if `allowed` says so; returns the
    /// new record, or `None` if the job is missing or `allowed` refused.
    pub(super) fn update_job(
        &self,
        id: Uuid,
        allowed: impl Fn(&JobRecord) -> bool,
        change: impl Fn(&mut JobRecord),
    ) -> Result<Option<JobRecord>, StoreError> {
        (&self.jobs, &self.pending, &self.index)
            .transaction(|(jobs, pending, index)| {
                let Some(bytes) = jobs.get(id.as_bytes())? else { return Ok(None) };
                let mut job: JobRecord = decode("job", &bytes).map_err(abort)?;
                if !allowed(&job) {
                    return Ok(None);
                }
                let was_pending = job.status == JobStatus::Pending;
                change(&mut job);
                if was_pending && job.status != JobStatus::Pending {
                    pending.remove(pending_key(&job))?;
                }
                if job.status == JobStatus::Running {
                    index.insert(&by_id(RUNNING_JOBS, id)[..], &[][..])?;
                } else {
                    index.remove(&by_id(RUNNING_JOBS, id)[..])?;
                }
                jobs.insert(id.as_bytes(), encode(&job).map_err(abort)?)?;
                Ok(Some(job))
            })
            .map_err(tx_err)
    }
}

impl SledStore {
    pub(super) async fn request_cancel_job_unflushed(
        &self,
        id: Uuid,
    ) -> Result<Option<CancelRequest>, StoreError> {
        let Some(before) = self.job(id)? else { return Ok(None) };
        match before.status {
            JobStatus::Pending => {
                let cancelled = self.update_job(
                    id,
                    |job| job.status == JobStatus::Pending,
                    |job| job.cancel_pending(now_micros()),
                )?;
                match cancelled {
                    Some(job) => Ok(Some(CancelRequest::CancelledPending(job))),
                    // Claimed in between: flag it instead.
                    None => Box::pin(self.request_cancel_job_unflushed(id)).await,
                }
            }
            JobStatus::Running => {
                let flagged = self.update_job(
                    id,
                    |job| job.status == JobStatus::Running,
                    |job| job.cancel_requested = true,
                )?;
                match flagged {
                    Some(job) => Ok(Some(CancelRequest::Flagged(job))),
                    None => Ok(self.job(id)?.map(CancelRequest::AlreadyFinished)),
                }
            }
            _ => Ok(Some(CancelRequest::AlreadyFinished(before))),
        }
    }

    pub(super) fn interrupt_expired_jobs_unflushed(
        &self,
        now: Micros,
        message: &str,
    ) -> Result<Vec<Uuid>, StoreError> {
        let mut ids = Vec::new();
        for item in self.index.scan_prefix([RUNNING_JOBS]) {
            let (key, _) = item.map_err(backend)?;
            let Ok(id) = Uuid::from_slice(&key[1..]) else { continue };
            let Some(job) = self.job(id)? else { continue };
            if job.lease_lapsed(now) {
                let changed = self.update_job(
                    job.id,
                    |j| j.lease_lapsed(now),
                    |j| j.interrupt(message, now_micros()),
                )?;
                if changed.is_some() {
                    ids.push(job.id);
                }
            }
        }
        Ok(ids)
    }
}

#[async_trait::async_trait]
impl JobStore for SledStore {
    async fn get_job(&self, id: Uuid) -> Result<Option<JobRecord>, StoreError> {
        self.job(id)
    }

    async fn list_jobs(
        &self,
        owner: &str,
        page: &PageRequest,
    ) -> Result<Listed<JobRecord>, StoreError> {
        let total = self.count(&keys::count(JOBS_BY_OWNER, owner))?;
        let load = |id: Uuid| match self.jobs.get(id.as_bytes()).map_err(backend)? {
            Some(bytes) => Ok(Some((decode("job", &bytes)?, bytes.len()))),
            None => Ok(None),
        };
        self.page(owner_prefix(JOBS_BY_OWNER, owner), page, total, load, |_| true)
    }

    async fn pending_jobs(&self) -> Result<usize, StoreError> {
        Ok(self.pending.len())
    }

    async fn pending_job_shares(&self, owner: &str) -> Result<PendingJobs, StoreError> {
        let mut owners = std::collections::HashSet::new();
        let mut counts = PendingJobs::default();
        for item in self.pending.iter() {
            let (_, id) = item.map_err(backend)?;
            let Ok(id) = Uuid::from_slice(&id) else { continue };
            let Some(job) = self.job(id)? else { continue };
            counts.total += 1;
            counts.mine += usize::from(job.owner == owner);
            owners.insert(job.owner);
        }
        counts.owners = owners.len();
        Ok(counts)
    }

    async fn claim_job(
        &self,
        worker: &str,
        lease_until: Micros,
    ) -> Result<Option<JobRecord>, StoreError> {
        // Oldest first; a job another worker took in between is skipped.
        for item in self.pending.iter() {
            let (_, id) = item.map_err(backend)?;
            let Ok(id) = Uuid::from_slice(&id) else { continue };
            let claimed = self.update_job(
                id,
                |job| job.status == JobStatus::Pending,
                |job| {
                    job.run_under(worker, lease_until);
                    job.started_at = Some(now_micros());
                },
            )?;
            if claimed.is_some() {
                return Ok(claimed);
            }
        }
        Ok(None)
    }

    async fn take_job(
        &self,
        id: Uuid,
        worker: &str,
        lease_until: Micros,
    ) -> Result<Option<JobRecord>, StoreError> {
        let taken = self.update_job(
            id,
            |job| !job.status.is_terminal(),
            |job| {
                job.run_under(worker, lease_until);
                job.started_at.get_or_insert_with(now_micros);
            },
        )?;
        match taken {
            Some(job) => Ok(Some(job)),
            None => self.get_job(id).await,
        }
    }

    async fn set_job_execution(
        &self,
        id: Uuid,
        worker: &str,
        execution: Uuid,
    ) -> Result<(), StoreError> {
        self.update_job(
            id,
            |job| job.lease.as_ref().is_some_and(|l| l.worker == worker),
            |job| job.execution_id = Some(execution),
        )?;
        self.durable().await
    }

    async fn heartbeat_job(
        &self,
        id: Uuid,
        worker: &str,
        lease_until: Micros,
    ) -> Result<Option<JobRecord>, StoreError> {
        self.update_job(id, |job| job.is_held_by(worker), |job| job.extend_lease(lease_until))
    }

    async fn finish_job(
        &self,
        id: Uuid,
        worker: &str,
        outcome: &JobOutcome,
    ) -> Result<bool, StoreError> {
        let done = self.update_job(
            id,
            |job| job.is_held_by(worker),
            |job| job.end(outcome, now_micros()),
        )?;
        self.durable().await?;
        Ok(done.is_some())
    }

    async fn request_cancel_job(&self, id: Uuid) -> Result<Option<CancelRequest>, StoreError> {
        let request = self.request_cancel_job_unflushed(id).await?;
        self.durable().await?;
        Ok(request)
    }

    async fn interrupt_expired_jobs(
        &self,
        now: Micros,
        message: &str,
    ) -> Result<Vec<Uuid>, StoreError> {
        let ids = self.interrupt_expired_jobs_unflushed(now, message)?;
        if !ids.is_empty() {
            self.durable().await?;
        }
        Ok(ids)
    }
}
