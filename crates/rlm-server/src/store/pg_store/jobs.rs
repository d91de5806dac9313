//! Jobs on PostgreSQL: enqueue, claim (`FOR UPDATE SKIP LOCKED`) with a
//! lease, heartbeats, settlement by the leaseholder, cancellation, and
//! expired leases reported `interrupted`.

use super::*;

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

pub(super) async fn get_job(store: &PgStore, id: Uuid) -> Result<Option<JobRecord>, StoreError> {
    let client = store.client().await?;
    let row =
        client.query_opt("SELECT record FROM jobs WHERE id = $1", &[&id]).await.map_err(pg)?;
    row.map(|r| decode("job", r.get(0))).transpose()
}

pub(super) async fn list_jobs(
    store: &PgStore,
    owner: &str,
    page: &PageRequest,
) -> Result<Listed<JobRecord>, StoreError> {
    list_owned(store, OwnedTable::Jobs, owner, page).await
}

pub(super) async fn pending_jobs(store: &PgStore) -> Result<usize, StoreError> {
    let client = store.client().await?;
    let row = client
        .query_one("SELECT count(*) FROM jobs WHERE status = 'PENDING'", &[])
        .await
        .map_err(pg)?;
    Ok(row.get::<_, i64>(0).max(0) as usize)
}

pub(super) async fn pending_job_shares(
    store: &PgStore,
    owner: &str,
) -> Result<PendingJobs, StoreError> {
    let client = store.client().await?;
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
}

pub(super) async fn claim_job(
    store: &PgStore,
    worker: &str,
    lease_until: Micros,
) -> Result<Option<JobRecord>, StoreError> {
    let mut client = store.client().await?;
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
    job.status = JobStatus::Running;
    job.started_at = Some(now_micros());
    job.lease = Some(Lease { worker: worker.to_string(), expires_at: lease_until });
    write_job(&tx, &job).await?;
    tx.commit().await.map_err(pg)?;
    Ok(Some(job))
}

pub(super) async fn take_job(
    store: &PgStore,
    id: Uuid,
    worker: &str,
    lease_until: Micros,
) -> Result<Option<JobRecord>, StoreError> {
    let taken = store
        .update_job(
            id,
            |job| !job.status.is_terminal(),
            |job| {
                job.status = JobStatus::Running;
                job.started_at.get_or_insert_with(now_micros);
                job.lease = Some(Lease { worker: worker.to_string(), expires_at: lease_until });
            },
        )
        .await?;
    match taken {
        Some(job) => Ok(Some(job)),
        None => store.get_job(id).await,
    }
}

pub(super) async fn set_job_execution(
    store: &PgStore,
    id: Uuid,
    worker: &str,
    execution: Uuid,
) -> Result<(), StoreError> {
    store
        .update_job(
            id,
            |job| job.lease.as_ref().is_some_and(|l| l.worker == worker),
            |job| job.execution_id = Some(execution),
        )
        .await?;
    Ok(())
}

pub(super) async fn heartbeat_job(
    store: &PgStore,
    id: Uuid,
    worker: &str,
    lease_until: Micros,
) -> Result<Option<JobRecord>, StoreError> {
    store
        .update_job(
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
        .await
}

pub(super) async fn finish_job(
    store: &PgStore,
    id: Uuid,
    worker: &str,
    outcome: &JobOutcome,
) -> Result<bool, StoreError> {
    let done = store
        .update_job(
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
        )
        .await?;
    Ok(done.is_some())
}

pub(super) async fn request_cancel_job(
    store: &PgStore,
    id: Uuid,
) -> Result<Option<CancelRequest>, StoreError> {
    let mut client = store.client().await?;
    let tx = client.transaction().await.map_err(pg)?;
    let Some(mut job) = lock_job(&tx, id).await? else { return Ok(None) };
    let request = match job.status {
        JobStatus::Pending => {
            job.status = JobStatus::Cancelled;
            job.cancel_requested = true;
            job.error = Some("cancelled before it started".into());
            job.finished_at = Some(now_micros());
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
}

pub(super) async fn interrupt_expired_jobs(
    store: &PgStore,
    now: Micros,
    message: &str,
) -> Result<Vec<Uuid>, StoreError> {
    let running: Vec<Uuid> = {
        let client = store.client().await?;
        let rows =
            client.query("SELECT id FROM jobs WHERE status = 'RUNNING'", &[]).await.map_err(pg)?;
        rows.iter().map(|r| r.get(0)).collect()
    };
    let expired = |j: &JobRecord| {
        j.status == JobStatus::Running && j.lease.as_ref().is_none_or(|l| l.expires_at < now)
    };
    let mut ids = Vec::new();
    for id in running {
        let changed = store
            .update_job(id, expired, |j| {
                j.status = JobStatus::Interrupted;
                j.error = Some(message.to_string());
                j.finished_at = Some(now_micros());
                j.lease = None;
            })
            .await?;
        if changed.is_some() {
            ids.push(id);
        }
    }
    Ok(ids)
}
