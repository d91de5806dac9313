//! Jobs on sled: enqueue, claim with a lease, heartbeats, settlement by
//! the leaseholder, cancellation, expired leases, and a job's durable
//! checkpoint.

use super::*;

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
                    |job| {
                        job.status = JobStatus::Cancelled;
                        job.cancel_requested = true;
                        job.error = Some("cancelled before it started".into());
                        job.finished_at = Some(now_micros());
                    },
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
            if job.status == JobStatus::Running
                && job.lease.as_ref().is_none_or(|l| l.expires_at < now)
            {
                let changed = self.update_job(
                    job.id,
                    |j| {
                        j.status == JobStatus::Running
                            && j.lease.as_ref().is_none_or(|l| l.expires_at < now)
                    },
                    |j| {
                        j.status = JobStatus::Interrupted;
                        j.error = Some(message.to_string());
                        j.finished_at = Some(now_micros());
                        j.lease = None;
                    },
                )?;
                if changed.is_some() {
                    ids.push(job.id);
                }
            }
        }
        Ok(ids)
    }
}

pub(super) async fn get_job(store: &SledStore, id: Uuid) -> Result<Option<JobRecord>, StoreError> {
    store.job(id)
}

pub(super) async fn list_jobs(
    store: &SledStore,
    owner: &str,
    page: &PageRequest,
) -> Result<Listed<JobRecord>, StoreError> {
    let total = store.count(&keys::count(JOBS_BY_OWNER, owner))?;
    let load = |id: Uuid| match store.jobs.get(id.as_bytes()).map_err(backend)? {
        Some(bytes) => Ok(Some((decode("job", &bytes)?, bytes.len()))),
        None => Ok(None),
    };
    store.page(owner_prefix(JOBS_BY_OWNER, owner), page, total, load, |_| true)
}

pub(super) async fn pending_jobs(store: &SledStore) -> Result<usize, StoreError> {
    Ok(store.pending.len())
}

pub(super) fn pending_job_shares(
    store: &SledStore,
    owner: &str,
) -> Result<PendingJobs, StoreError> {
    let mut owners = std::collections::HashSet::new();
    let mut counts = PendingJobs::default();
    for item in store.pending.iter() {
        let (_, id) = item.map_err(backend)?;
        let Ok(id) = Uuid::from_slice(&id) else { continue };
        let Some(job) = store.job(id)? else { continue };
        counts.total += 1;
        counts.mine += usize::from(job.owner == owner);
        owners.insert(job.owner);
    }
    counts.owners = owners.len();
    Ok(counts)
}

pub(super) async fn claim_job(
    store: &SledStore,
    worker: &str,
    lease_until: Micros,
) -> Result<Option<JobRecord>, StoreError> {
    // Oldest first; a job another worker took in between is skipped.
    for item in store.pending.iter() {
        let (_, id) = item.map_err(backend)?;
        let Ok(id) = Uuid::from_slice(&id) else { continue };
        let claimed = store.update_job(
            id,
            |job| job.status == JobStatus::Pending,
            |job| {
                job.status = JobStatus::Running;
                job.started_at = Some(now_micros());
                job.lease = Some(Lease { worker: worker.to_string(), expires_at: lease_until });
            },
        )?;
        if claimed.is_some() {
            return Ok(claimed);
        }
    }
    Ok(None)
}

pub(super) async fn take_job(
    store: &SledStore,
    id: Uuid,
    worker: &str,
    lease_until: Micros,
) -> Result<Option<JobRecord>, StoreError> {
    let taken = store.update_job(
        id,
        |job| !job.status.is_terminal(),
        |job| {
            job.status = JobStatus::Running;
            job.started_at.get_or_insert_with(now_micros);
            job.lease = Some(Lease { worker: worker.to_string(), expires_at: lease_until });
        },
    )?;
    match taken {
        Some(job) => Ok(Some(job)),
        None => store.get_job(id).await,
    }
}

pub(super) async fn set_job_execution(
    store: &SledStore,
    id: Uuid,
    worker: &str,
    execution: Uuid,
) -> Result<(), StoreError> {
    store.update_job(
        id,
        |job| job.lease.as_ref().is_some_and(|l| l.worker == worker),
        |job| job.execution_id = Some(execution),
    )?;
    store.durable().await
}

pub(super) async fn heartbeat_job(
    store: &SledStore,
    id: Uuid,
    worker: &str,
    lease_until: Micros,
) -> Result<Option<JobRecord>, StoreError> {
    store.update_job(
        id,
        |job| {
            job.status == JobStatus::Running
                && job.lease.as_ref().is_some_and(|l| l.worker == worker)
        },
        |job| {
            if let Some(l) = job.lease.as_mut() {
                l.expires_at = lease_until;
            }
        },
    )
}

pub(super) async fn finish_job(
    store: &SledStore,
    id: Uuid,
    worker: &str,
    outcome: &JobOutcome,
) -> Result<bool, StoreError> {
    let done = store.update_job(
        id,
        |job| {
            job.status == JobStatus::Running
                && job.lease.as_ref().is_some_and(|l| l.worker == worker)
        },
        |job| {
            job.status = outcome.status;
            job.answer = outcome.answer.clone();
            job.error = outcome.error.clone();
            job.finished_at = Some(now_micros());
            job.lease = None;
        },
    )?;
    store.durable().await?;
    Ok(done.is_some())
}

pub(super) async fn request_cancel_job(
    store: &SledStore,
    id: Uuid,
) -> Result<Option<CancelRequest>, StoreError> {
    let request = store.request_cancel_job_unflushed(id).await?;
    store.durable().await?;
    Ok(request)
}

pub(super) async fn interrupt_expired_jobs(
    store: &SledStore,
    now: Micros,
    message: &str,
) -> Result<Vec<Uuid>, StoreError> {
    let ids = store.interrupt_expired_jobs_unflushed(now, message)?;
    if !ids.is_empty() {
        store.durable().await?;
    }
    Ok(ids)
}

pub(super) async fn save_checkpoint(
    store: &SledStore,
    execution: Uuid,
    write: &CheckpointWrite<'_>,
) -> Result<bool, StoreError> {
    let checkpoint = write.record;
    let newer = store
        .index
        .get(&by_id(ATTEMPTS, execution)[..])
        .map_err(backend)?
        .and_then(|b| <[u8; 4]>::try_from(b.as_ref()).ok())
        .map_or(1, u32::from_be_bytes);
    if newer > write.attempt {
        return Err(StoreError::Superseded { execution, attempt: write.attempt, newer });
    }
    let stored = super::traces::trace(store, execution)
        .await?
        .iter()
        .filter(|e| e.event.seq < write.trace_events)
        .count() as u64;
    if stored != write.trace_events {
        return Err(StoreError::TraceNotWhole { expected: write.trace_events, stored });
    }
    let key = execution.as_bytes();
    let new = checkpoint.to_bytes();
    loop {
        let old = store.checkpoints.get(key).map_err(backend)?;
        if let Some(old) = &old
            && CheckpointRecord::from_bytes(old)?.step >= checkpoint.step
        {
            return Ok(false);
        }
        let swapped =
            store.checkpoints.compare_and_swap(key, old, Some(new.as_slice())).map_err(backend)?;
        if swapped.is_ok() {
            break;
        }
    }
    store.durable().await?;
    Ok(true)
}

pub(super) async fn load_checkpoint(
    store: &SledStore,
    execution: Uuid,
) -> Result<Option<CheckpointRecord>, StoreError> {
    match store.checkpoints.get(execution.as_bytes()).map_err(backend)? {
        Some(bytes) => Ok(Some(CheckpointRecord::from_bytes(&bytes)?)),
        None => Ok(None),
    }
}
