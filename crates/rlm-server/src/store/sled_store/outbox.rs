//! The outbox on sled: what a creating request makes (a session, an
//! execution or a job), its outbox entry and its idempotency key's response
//! in one sled transaction; relay rounds (one process: no lock);
//! the sweeps' reads of jobs whose message may be lost.

use sled::Transactional;
use uuid::Uuid;

use super::SledStore;
use super::codec::*;
use super::executions::put_op;
use super::idempotency::tx_answer_key;
use super::sessions::tx_put_session;
use super::tx::*;
use super::writer::{Durability, Trees};
use crate::store::clock::Micros;
use crate::store::errors::StoreError;
use crate::store::job_records::{JobRecord, JobStatus};
use crate::store::keys::{self, *};
use crate::store::outbox::{
    Created, Creation, IdempotencyKey, JobCounts, KeyedAnswer, OutboxDepth, OutboxEntry, Publish,
    RelayRound, StoredResponse,
};
use crate::store::traits::OutboxStore;

impl SledStore {
    fn outbox_entries(&self) -> Result<Vec<OutboxEntry>, StoreError> {
        let mut entries = Vec::new();
        for item in self.outbox.iter() {
            let (_, bytes) = item.map_err(backend)?;
            entries.push(decode::<OutboxEntry>("outbox entry", &bytes)?);
        }
        entries.sort_by_key(|e| (e.created_at, e.id));
        Ok(entries)
    }
}

#[async_trait::async_trait]
impl OutboxStore for SledStore {
    async fn create(&self, creation: &Creation<'_>) -> Result<(), StoreError> {
        match creation.created {
            Created::Job(job) => create_job(self, job, creation).await,
            Created::Session(session) => {
                let (session, outbox) = (session.clone(), creation.outbox.clone());
                let answer = owned_answer(creation);
                self.writer
                    .write(Durability::Acknowledged, move |t: &Trees<'_>| {
                        tx_answer(t, answer.as_ref())?;
                        tx_put_session(t, &session)?;
                        tx_add_entry(t.outbox, outbox.as_ref())
                    })
                    .await
            }
            Created::Execution(execution) => {
                let (execution, outbox) = (execution.clone(), creation.outbox.clone());
                let answer = owned_answer(creation);
                let put = put_op(execution);
                self.writer
                    .write(Durability::Acknowledged, move |t: &Trees<'_>| {
                        tx_answer(t, answer.as_ref())?;
                        put(t)?;
                        tx_add_entry(t.outbox, outbox.as_ref())
                    })
                    .await
            }
        }
    }

    async fn add_outbox(&self, entry: &OutboxEntry) -> Result<bool, StoreError> {
        let added = self
            .outbox
            .compare_and_swap(entry.id.as_bytes(), None::<&[u8]>, Some(encode(entry)?))
            .map_err(backend)?
            .is_ok();
        self.durable().await?;
        Ok(added)
    }

    async fn relay_outbox(
        &self,
        limit: usize,
        publish: &Publish,
    ) -> Result<RelayRound, StoreError> {
        let mut round = RelayRound { leader: true, ..RelayRound::default() };
        for entry in self.outbox_entries()?.into_iter().take(limit) {
            let (id, published) = (entry.id, encode(&entry)?);
            if !publish(entry).await {
                round.failed += 1;
                break;
            }
            // Deleted only if it is still the entry published (not a newer copy).
            let _ = self
                .outbox
                .compare_and_swap(id.as_bytes(), Some(published), None::<Vec<u8>>)
                .map_err(backend)?;
            round.published += 1;
        }
        if round.published > 0 {
            self.durable().await?;
        }
        Ok(round)
    }

    async fn outbox_depth(&self) -> Result<OutboxDepth, StoreError> {
        let entries = self.outbox_entries()?;
        Ok(OutboxDepth {
            entries: entries.len() as u64,
            oldest: entries.first().map(|e| e.created_at),
        })
    }

    async fn job_counts(&self) -> Result<JobCounts, StoreError> {
        let running = self.index.scan_prefix([RUNNING_JOBS]).count() as u64;
        Ok(JobCounts { pending: self.pending.len() as u64, running })
    }

    async fn unannounced_pending_jobs(
        &self,
        before: Micros,
        limit: usize,
    ) -> Result<Vec<JobRecord>, StoreError> {
        let mut jobs = Vec::new();
        for item in self.pending.iter() {
            let (_, id) = item.map_err(backend)?;
            let Ok(id) = Uuid::from_slice(&id) else { continue };
            let Some(job) = self.job(id)? else { continue };
            if job.created_at >= before || jobs.len() >= limit {
                break;
            }
            if !self.outbox.contains_key(id.as_bytes()).map_err(backend)? {
                jobs.push(job);
            }
        }
        Ok(jobs)
    }

    async fn lapsed_running_jobs(
        &self,
        before: Micros,
        limit: usize,
    ) -> Result<Vec<JobRecord>, StoreError> {
        let mut jobs = Vec::new();
        for item in self.index.scan_prefix([RUNNING_JOBS]) {
            let (key, _) = item.map_err(backend)?;
            let Ok(id) = Uuid::from_slice(&key[1..]) else { continue };
            let Some(job) = self.job(id)? else { continue };
            let lapsed = job.status == JobStatus::Running
                && job.lease.as_ref().is_none_or(|l| l.expires_at < before);
            if lapsed && !self.outbox.contains_key(id.as_bytes()).map_err(backend)? {
                jobs.push(job);
            }
            if jobs.len() >= limit {
                break;
            }
        }
        Ok(jobs)
    }
}

/// A creation's key and response, owned (the writer's closure outlives the call).
fn owned_answer(creation: &Creation<'_>) -> Option<(IdempotencyKey, StoredResponse)> {
    creation.key.map(|a| (a.key.clone(), a.response.clone()))
}

fn tx_answer(t: &Trees<'_>, answer: Option<&(IdempotencyKey, StoredResponse)>) -> TxResult<()> {
    match answer {
        Some((key, response)) => tx_answer_key(t.idempotency, &KeyedAnswer { key, response }),
        None => Ok(()),
    }
}

fn tx_add_entry(
    outbox: &sled::transaction::TransactionalTree,
    entry: Option<&OutboxEntry>,
) -> TxResult<()> {
    if let Some(entry) = entry
        && outbox.get(entry.id.as_bytes())?.is_none()
    {
        tx_put(outbox, entry.id.as_bytes(), entry)?;
    }
    Ok(())
}

/// A new job with its outbox entry and key: one transaction of its own over
/// the trees a job lives in.
async fn create_job(
    store: &SledStore,
    job: &JobRecord,
    submission: &Creation<'_>,
) -> Result<(), StoreError> {
    let key = pending_key(job);
    let trees = (&store.jobs, &store.pending, &store.index, &store.outbox, &store.idempotency);
    trees
        .transaction(|(jobs, pending, index, outbox, idempotency)| {
            let fresh = jobs.get(job.id.as_bytes())?.is_none();
            tx_put(jobs, job.id.as_bytes(), job)?;
            if job.status == JobStatus::Pending {
                pending.insert(key.clone(), job.id.as_bytes())?;
            }
            if fresh {
                let by_owner = owner_prefix(JOBS_BY_OWNER, &job.owner);
                index.insert(keys::entry(by_owner, job.created_at, job.id), &[][..])?;
                tx_count(index, &keys::count(JOBS_BY_OWNER, &job.owner), true)?;
            }
            if let Some(entry) = &submission.outbox
                && outbox.get(entry.id.as_bytes())?.is_none()
            {
                tx_put(outbox, entry.id.as_bytes(), entry)?;
            }
            if let Some(answer) = &submission.key {
                tx_answer_key(idempotency, answer)?;
            }
            Ok(())
        })
        .map_err(tx_err)?;
    store.durable().await
}
