//! A job's records: its lifecycle, its lease, how it ended, and the
//! pending counts its owner's share of the queue is judged by.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::clock::Micros;
use super::records::{ExecutionRecord, ExecutionStatus};

/// What a job the server stopped while it ran says.
pub const INTERRUPTED: &str = "interrupted: the server stopped while the job ran";

/// A job's lifecycle (Enzu's names, plus INTERRUPTED).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JobStatus {
    Pending,
    Running,
    Complete,
    Failed,
    Cancelled,
    /// The server stopped while the job ran; it was not resumed.
    Interrupted,
}

impl JobStatus {
    pub fn is_terminal(self) -> bool {
        !matches!(self, JobStatus::Pending | JobStatus::Running)
    }
}

/// Who holds a running job, until when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lease {
    pub worker: String,
    pub expires_at: Micros,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobRecord {
    pub id: Uuid,
    pub owner: String,
    pub session_id: Uuid,
    pub user_query: String,
    pub status: JobStatus,
    pub execution_id: Option<Uuid>,
    pub answer: Option<String>,
    pub error: Option<String>,
    pub created_at: Micros,
    pub started_at: Option<Micros>,
    pub finished_at: Option<Micros>,
    pub lease: Option<Lease>,
    pub cancel_requested: bool,
    /// Its execution records its model exchanges (the submission's `record`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub record: bool,
    /// Its execution answers from this recording (JSON lines: the
    /// submission's `replay`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay: Option<String>,
}

impl JobRecord {
    /// A new job of `owner`'s `user_query` in `session_id`, made at
    /// `created_at`: pending, with no execution, lease or result yet.
    pub fn pending(
        owner: &str,
        session_id: Uuid,
        user_query: &str,
        created_at: Micros,
    ) -> JobRecord {
        JobRecord {
            id: Uuid::new_v4(),
            owner: owner.to_string(),
            session_id,
            user_query: user_query.to_string(),
            status: JobStatus::Pending,
            execution_id: None,
            answer: None,
            error: None,
            created_at,
            started_at: None,
            finished_at: None,
            lease: None,
            cancel_requested: false,
            record: false,
            replay: None,
        }
    }

    /// Whether `worker` holds the job: it runs under `worker`'s lease.
    pub fn is_held_by(&self, worker: &str) -> bool {
        self.status == JobStatus::Running && self.lease.as_ref().is_some_and(|l| l.worker == worker)
    }

    /// Whether the job runs under a lease that ended before `now` (or none).
    pub fn lease_lapsed(&self, now: Micros) -> bool {
        self.status == JobStatus::Running && self.lease.as_ref().is_none_or(|l| l.expires_at < now)
    }

    /// Runs the job under `worker`'s lease until `until` (when it started
    /// is the caller's to say).
    pub fn run_under(&mut self, worker: &str, until: Micros) {
        self.status = JobStatus::Running;
        self.lease = Some(Lease { worker: worker.to_string(), expires_at: until });
    }

    /// Extends the lease the job runs under until `until`.
    pub fn extend_lease(&mut self, until: Micros) {
        if let Some(l) = self.lease.as_mut() {
            l.expires_at = until;
        }
    }

    /// Ends the job with `outcome` at `now`, its lease given up.
    pub fn end(&mut self, outcome: &JobOutcome, now: Micros) {
        self.status = outcome.status;
        self.answer = outcome.answer.clone();
        self.error = outcome.error.clone();
        self.finished_at = Some(now);
        self.lease = None;
    }

    /// Ends the job INTERRUPTED with `message` at `now` (its lease lapsed).
    pub fn interrupt(&mut self, message: &str, now: Micros) {
        self.status = JobStatus::Interrupted;
        self.error = Some(message.to_string());
        self.finished_at = Some(now);
        self.lease = None;
    }

    /// Cancels the pending job at `now`, before it started.
    pub fn cancel_pending(&mut self, now: Micros) {
        self.status = JobStatus::Cancelled;
        self.cancel_requested = true;
        self.error = Some("cancelled before it started".into());
        self.finished_at = Some(now);
    }
}

/// How a job ended.
#[derive(Debug, Clone, PartialEq)]
pub struct JobOutcome {
    pub status: JobStatus,
    pub answer: Option<String>,
    pub error: Option<String>,
}

impl JobOutcome {
    /// A stored ended job's outcome.
    pub fn of_job(job: &JobRecord) -> JobOutcome {
        JobOutcome { status: job.status, answer: job.answer.clone(), error: job.error.clone() }
    }

    /// A job's outcome from its execution's record.
    pub fn of_execution(r: &ExecutionRecord) -> JobOutcome {
        JobOutcome {
            status: match r.status {
                ExecutionStatus::Completed => JobStatus::Complete,
                ExecutionStatus::Cancelled => JobStatus::Cancelled,
                ExecutionStatus::Interrupted => JobStatus::Interrupted,
                _ => JobStatus::Failed,
            },
            answer: r.final_result.clone(),
            error: if r.status == ExecutionStatus::Interrupted {
                Some(INTERRUPTED.to_string())
            } else {
                r.error_message.clone()
            },
        }
    }
}

/// What `request_cancel_job` did.
#[derive(Debug, Clone, PartialEq)]
pub enum CancelRequest {
    /// It was pending: now CANCELLED without running.
    CancelledPending(JobRecord),
    /// It is running: the flag is set; the leaseholder stops it.
    Flagged(JobRecord),
    /// It had already ended.
    AlreadyFinished(JobRecord),
}

/// The pending jobs, counted for one owner's share of the queue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PendingJobs {
    pub total: usize,
    /// The owner's.
    pub mine: usize,
    /// Owners holding at least one.
    pub owners: usize,
}
