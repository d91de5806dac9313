//! Jobs distributed through a NATS JetStream work queue.
//!
//! [`JobQueue`] holds the stream (work-queue retention), its durable pull
//! consumer (explicit acks, an ack deadline, a bounded number of deliveries)
//! and the results bucket; [`JobWorker`]s pull jobs, extend the ack deadline with
//! heartbeats while a [`JobHandler`] runs them, and record exactly one
//! [`JobResult`] per job, keyed by job id and attempt, even when a slow worker
//! finishes after its job was redelivered. A job no delivery finished is
//! [`QueuedJobEnd::Failed`] with the reason.

mod error;
mod job;
mod queue;
mod worker;

pub use error::QueueError;
pub use job::{Handled, Job, JobResult, QueuedJobEnd, Recorded};
pub use queue::{CONSUMER, ConsumerSettings, JobQueue, QueueConfig};
pub use worker::{JobHandler, JobWorker};
