//! Durable executions on the store: rlm-core's checkpoints after each root
//! step go to [`Store::save_checkpoint`] ([`StoreCheckpoints`]), and
//! [`run_resuming`] runs an execution from its stored checkpoint if it has
//! one (a redelivered job goes on where the last worker stopped), else from
//! its start. The subcalls a resumed run makes again are answered by the
//! engine's completion cache (on Redis, shared by the cluster's workers).

use std::sync::Arc;

use futures::future::BoxFuture;
use rlm_context::Context;
use rlm_core::{Checkpoint, CheckpointError, CheckpointSink, Rlm, RunResult};
use uuid::Uuid;

use crate::error::ServerError;
use crate::store::{CheckpointRecord, Store, now_micros};

/// A [`CheckpointSink`] writing an execution's checkpoints to the store
/// (the newest step wins: a slow worker's older one changes nothing).
pub struct StoreCheckpoints {
    store: Arc<dyn Store>,
    execution: Uuid,
}

impl StoreCheckpoints {
    pub fn new(store: Arc<dyn Store>, execution: Uuid) -> StoreCheckpoints {
        StoreCheckpoints { store, execution }
    }
}

impl CheckpointSink for StoreCheckpoints {
    fn save(&self, checkpoint: Checkpoint) -> BoxFuture<'static, Result<(), CheckpointError>> {
        let store = Arc::clone(&self.store);
        let execution = self.execution;
        Box::pin(async move {
            let record = CheckpointRecord {
                step: checkpoint.step,
                saved_at: now_micros(),
                body: checkpoint.to_bytes()?,
            };
            store
                .save_checkpoint(execution, &record)
                .await
                .map(|_| ())
                .map_err(|e| CheckpointError::Sink(e.to_string()))
        })
    }
}

/// Runs `execution` (`query` over `context`) durably: from its stored
/// checkpoint when it has one for this query, else from the start. A stored
/// checkpoint that cannot be read is logged and the run starts over (a job
/// that could never run again would be worse).
pub async fn run_resuming(
    rlm: &Rlm,
    store: Arc<dyn Store>,
    execution: Uuid,
    query: &str,
    context: Context,
) -> Result<RunResult, ServerError> {
    let sink: Arc<dyn CheckpointSink> =
        Arc::new(StoreCheckpoints::new(Arc::clone(&store), execution));
    let from = match store.load_checkpoint(execution).await? {
        Some(record) => match Checkpoint::from_bytes(&record.body) {
            Ok(cp) if cp.query == query => Some(cp),
            Ok(_) => {
                tracing::warn!(%execution, "the stored checkpoint is another query's; starting over");
                None
            }
            Err(e) => {
                tracing::warn!(%execution, error = %e, "unreadable checkpoint; starting over");
                None
            }
        },
        None => None,
    };
    let result = match from {
        Some(cp) => match rlm.resume(cp, context.clone(), Arc::clone(&sink)).await {
            Err(rlm_core::RlmError::Checkpoint(e)) => {
                tracing::warn!(%execution, error = %e, "checkpoint not resumable; starting over");
                rlm.run_durable(query, context, sink).await
            }
            other => other,
        },
        None => rlm.run_durable(query, context, sink).await,
    };
    result.map_err(|e| ServerError::Internal(format!("the execution could not run: {e}")))
}
