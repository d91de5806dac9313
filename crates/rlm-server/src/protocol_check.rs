//! One configuration for every role (issue #55): at start each process
//! records the queue settings it runs with (stream, ack wait, lease, max
//! attempts) in the store. An `api` (or `all`) process's settings are the
//! deployment's, and it makes the NATS consumer follow them (the consumer
//! is otherwise whatever the first process created). A `worker` whose
//! settings differ from the deployment's refuses to start with an error
//! naming each difference: a lease or ack wait other than the api's would
//! let a live delivery be taken over, or a dead worker's job wait for the
//! wrong time.

use rlm_queue::JobQueue;

use crate::config::{JobsConfig, ServerRole};
use crate::error::ServerError;
use crate::store::{ProtocolSettings, Store};

/// This process's protocol settings.
pub fn settings_of(queue: &JobQueue, jobs: &JobsConfig) -> ProtocolSettings {
    let config = queue.config();
    ProtocolSettings {
        stream: config.stream.clone(),
        ack_wait_ms: u64::try_from(config.ack_wait.as_millis()).unwrap_or(u64::MAX),
        lease_ms: u64::try_from(jobs.lease.as_millis()).unwrap_or(u64::MAX),
        max_attempts: config.max_attempts,
    }
}

/// Records this process's settings and checks them against the
/// deployment's (see the module docs); `Err` refuses the start.
pub async fn check(
    store: &dyn Store,
    queue: &JobQueue,
    jobs: &JobsConfig,
    role: ServerRole,
    process: &str,
) -> Result<(), ServerError> {
    let mine = settings_of(queue, jobs);
    let role_name = format!("{role:?}").to_lowercase();
    let authoritative = role.serves_api();
    let deployment = store.record_protocol(process, &role_name, &mine, authoritative).await?;
    if authoritative {
        return align(queue).await;
    }
    let differences = mine.differences(&deployment);
    if differences.is_empty() {
        if let Ok(found) = queue.consumer_settings().await
            && found != queue.wanted_consumer_settings()
        {
            tracing::error!(?found, wanted = ?queue.wanted_consumer_settings(), "the NATS consumer's settings differ from the deployment's: an api aligns them at its start");
        }
        return Ok(());
    }
    let detail = differences.join("; ");
    tracing::error!(differences = %detail, "this worker's queue settings differ from the deployment's: refusing to start");
    Err(ServerError::Config(format!(
        "this worker's queue settings differ from the deployment's (set by its api; one rlm.toml for every role): {detail}"
    )))
}

/// Makes the NATS consumer follow this api's settings, loudly when it did not.
async fn align(queue: &JobQueue) -> Result<(), ServerError> {
    match queue.align_consumer().await {
        Ok(None) => Ok(()),
        Ok(Some(before)) => {
            tracing::warn!(?before, now = ?queue.wanted_consumer_settings(), "the NATS consumer's ack wait or delivery bound differed from this configuration: updated");
            Ok(())
        }
        Err(e) => {
            tracing::error!(error = %e, wanted = ?queue.wanted_consumer_settings(), "cannot update the NATS consumer to this configuration: deliveries keep its old ack wait and bound");
            Ok(())
        }
    }
}
