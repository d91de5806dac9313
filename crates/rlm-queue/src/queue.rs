//! [`JobQueue`]: one connection to NATS, the work-queue stream with its durable
//! pull consumer, and the results bucket (a JetStream key-value store).
//!
//! * Stream `{stream}` on subject `{stream}.jobs`, work-queue retention, file
//!   storage: a job is kept until a worker acks it. Publishing sets the job id
//!   as `Nats-Msg-Id`, so a job enqueued twice within the duplicate window is
//!   queued once.
//! * Consumer `workers`: explicit acks, `ack_wait` (a worker extends it with
//!   `AckKind::Progress` heartbeats while it runs the job), `max_deliver` =
//!   [`nats_max_deliver`]: a bound on NATS's own retries, above the attempts.
//! * Bucket `{stream}_results`: key `job.{id}`, written with `create` (only if
//!   absent), so the first recorded result of a job is its one result; key
//!   `attempts.{id}`, the deliveries that reached a worker, counted with
//!   compare-and-swap. That count, not NATS's delivery count, is a job's
//!   attempt: NATS also counts a delivery lost on its way to a pull that had
//!   just ended, and under load its count was seen to repeat, which would
//!   let two deliveries share an attempt.
//! * Live messages on `{stream}.live.{topic}` (core NATS, nothing kept): what
//!   a front end forwards while a job runs (an execution's events, a cancel).

use std::time::Duration;

use async_nats::jetstream::{self, consumer, kv, stream};
use bytes::Bytes;

use crate::error::QueueError;
use crate::job::{Job, JobResult, Recorded, valid_job_id};

/// Compare-and-swap rounds before counting a delivery gives up (each lost
/// round is another worker's count of the same job, which is rare).
const COUNT_TRIES: usize = 16;

/// NATS's bound on its own deliveries of a job. A job's attempts are counted
/// by the workers (`attempts.{id}`), and the delivery after the last attempt
/// records FAILED; the slack covers deliveries NATS counts but no worker
/// received, so that FAILED delivery still comes.
pub(crate) fn nats_max_deliver(max_attempts: u32) -> i64 {
    i64::from(max_attempts) * 2 + 3
}

/// The consumer's settings that the protocol depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsumerSettings {
    /// How long a delivery may go without an ack or a heartbeat.
    pub ack_wait: Duration,
    /// NATS's own bound on deliveries ([`nats_max_deliver`] of the attempts).
    pub max_deliver: i64,
}

/// The durable pull consumer `config` wants.
fn consumer_config(config: &QueueConfig) -> consumer::pull::Config {
    consumer::pull::Config {
        durable_name: Some(CONSUMER.into()),
        ack_policy: consumer::AckPolicy::Explicit,
        ack_wait: config.ack_wait,
        max_deliver: nats_max_deliver(config.max_attempts),
        ..Default::default()
    }
}

/// The durable consumer every worker pulls from.
pub const CONSUMER: &str = "workers";

/// Where the queue lives and how deliveries behave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueConfig {
    /// `nats://host:port`.
    pub url: String,
    /// The stream's name (one per deployment, or per test); letters, digits, `-`, `_`.
    pub stream: String,
    /// How long a delivery may go without an ack or a heartbeat before NATS
    /// gives the job to another worker.
    pub ack_wait: Duration,
    /// How often a worker running a job sends a heartbeat (well under `ack_wait`).
    pub heartbeat: Duration,
    /// Deliveries that may run the job; after them it is FAILED.
    pub max_attempts: u32,
    /// Timeout of the first connection.
    pub connect_timeout: Duration,
}

impl QueueConfig {
    /// Defaults for `url`: stream `RLM_JOBS`, 30 s ack wait, 10 s heartbeat, 3 attempts.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            stream: "RLM_JOBS".into(),
            ack_wait: Duration::from_secs(30),
            heartbeat: Duration::from_secs(10),
            max_attempts: 3,
            connect_timeout: Duration::from_secs(5),
        }
    }

    /// The subject jobs are published on.
    pub fn subject(&self) -> String {
        format!("{}.jobs", self.stream)
    }

    /// The results bucket's name.
    pub fn results_bucket(&self) -> String {
        format!("{}_results", self.stream)
    }

    fn validate(&self) -> Result<(), QueueError> {
        if !valid_job_id(&self.stream) {
            return Err(QueueError::Setting("the stream name must be 1 to 128 of A-Z a-z 0-9 - _"));
        }
        if self.max_attempts == 0 {
            return Err(QueueError::Setting("max_attempts must be at least 1"));
        }
        if self.heartbeat.is_zero() || self.ack_wait.is_zero() {
            return Err(QueueError::Setting("ack_wait and heartbeat must be above zero"));
        }
        Ok(())
    }
}

/// A handle on the queue: enqueue jobs, read results, and the parts a
/// [`JobWorker`](crate::JobWorker) uses. Cheap to clone.
#[derive(Clone)]
pub struct JobQueue {
    pub(crate) config: QueueConfig,
    client: async_nats::Client,
    pub(crate) js: jetstream::Context,
    pub(crate) consumer: consumer::PullConsumer,
    results: kv::Store,
}

impl std::fmt::Debug for JobQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobQueue").field("config", &self.config).finish_non_exhaustive()
    }
}

impl JobQueue {
    /// Connects and makes (or finds) the stream, the consumer and the bucket.
    pub async fn connect(config: QueueConfig) -> Result<Self, QueueError> {
        config.validate()?;
        let client = async_nats::ConnectOptions::new()
            .connection_timeout(config.connect_timeout)
            .connect(config.url.as_str())
            .await
            .map_err(|e| QueueError::Connect { url: config.url.clone(), detail: e.to_string() })?;
        let js = jetstream::new(client.clone());
        let stream = js
            .get_or_create_stream(stream::Config {
                name: config.stream.clone(),
                subjects: vec![config.subject()],
                retention: stream::RetentionPolicy::WorkQueue,
                storage: stream::StorageType::File,
                ..Default::default()
            })
            .await
            .map_err(|e| QueueError::js("stream", e))?;
        let consumer: consumer::PullConsumer = stream
            .get_or_create_consumer(CONSUMER, consumer_config(&config))
            .await
            .map_err(|e| QueueError::js("consumer", e))?;
        let bucket = config.results_bucket();
        let results = match js.get_key_value(bucket.as_str()).await {
            Ok(store) => store,
            Err(_) => match js
                .create_key_value(kv::Config {
                    bucket: bucket.clone(),
                    history: 1,
                    storage: stream::StorageType::File,
                    ..Default::default()
                })
                .await
            {
                Ok(store) => store,
                // Another process made it in the same moment (an api and a
                // worker started together: NATS refused the second creation,
                // "subjects overlap with an existing stream"): use theirs.
                Err(e) => js
                    .get_key_value(bucket.as_str())
                    .await
                    .map_err(|_| QueueError::js("results bucket", e))?,
            },
        };
        Ok(Self { config, client, js, consumer, results })
    }

    /// The settings this queue was opened with.
    pub fn config(&self) -> &QueueConfig {
        &self.config
    }

    /// Queues a job (at most once per id within the stream's duplicate window).
    pub async fn enqueue(&self, job: &Job) -> Result<(), QueueError> {
        self.enqueue_as(job, &job.id).await
    }

    /// Queues a job under the message id `message_id` (JetStream drops a
    /// second message with one id inside its duplicate window): the job id
    /// for its first publication, another id for a deliberate copy (a
    /// sweep's republication of a job whose message was lost).
    pub async fn enqueue_as(&self, job: &Job, message_id: &str) -> Result<(), QueueError> {
        if !valid_job_id(&job.id) {
            return Err(QueueError::JobId(job.id.clone()));
        }
        let payload = serde_json::to_vec(job).map_err(|e| QueueError::js("encode", e))?;
        let ack = self
            .js
            .send_publish(
                self.config.subject(),
                jetstream::context::Publish::build().payload(payload.into()).message_id(message_id),
            )
            .await
            .map_err(|e| QueueError::js("publish", e))?;
        ack.await.map_err(|e| QueueError::js("publish ack", e))?;
        Ok(())
    }

    /// The consumer's ack wait and delivery bound as NATS holds them (the
    /// first process to create the consumer set them).
    pub async fn consumer_settings(&self) -> Result<ConsumerSettings, QueueError> {
        let mut consumer = self.consumer.clone();
        let info = consumer.info().await.map_err(|e| QueueError::js("consumer info", e))?;
        Ok(ConsumerSettings {
            ack_wait: info.config.ack_wait,
            max_deliver: info.config.max_deliver,
        })
    }

    /// What this queue's settings want the consumer to hold.
    pub fn wanted_consumer_settings(&self) -> ConsumerSettings {
        ConsumerSettings {
            ack_wait: self.config.ack_wait,
            max_deliver: nats_max_deliver(self.config.max_attempts),
        }
    }

    /// Makes the consumer follow this queue's settings (ack wait, delivery
    /// bound) when it differs: the settings NATS held before, or `None` if
    /// they were right. An `api` process calls it at start: the consumer
    /// follows the deployment's one configuration, not whoever came first.
    pub async fn align_consumer(&self) -> Result<Option<ConsumerSettings>, QueueError> {
        let found = self.consumer_settings().await?;
        let wanted = self.wanted_consumer_settings();
        if found == wanted {
            return Ok(None);
        }
        let stream = self
            .js
            .get_stream(&self.config.stream)
            .await
            .map_err(|e| QueueError::js("stream", e))?;
        // create-or-update: NATS 2.9 takes it as an edit of the durable's
        // editable fields (ack wait, max deliver), as 2.10 does.
        let _: consumer::PullConsumer = stream
            .create_consumer(consumer_config(&self.config))
            .await
            .map_err(|e| QueueError::js("consumer update", e))?;
        Ok(Some(found))
    }

    /// Jobs not yet finished: queued and not delivered, or delivered and not acked
    /// (the consumer's count; after a NATS crash the stream may briefly hold
    /// messages the consumer already acked, which no worker receives again).
    pub async fn pending(&self) -> Result<u64, QueueError> {
        let mut consumer = self.consumer.clone();
        let info = consumer.info().await.map_err(|e| QueueError::js("consumer info", e))?;
        Ok(info.num_pending + info.num_ack_pending as u64)
    }

    /// Counts one more delivery of `job_id` that reached a worker and returns
    /// its number, from 1 (compare-and-swap on `attempts.{id}`: two workers
    /// counting at once get two numbers).
    pub(crate) async fn count_delivery(&self, job_id: &str) -> Result<u32, QueueError> {
        let key = format!("attempts.{job_id}");
        for _ in 0..COUNT_TRIES {
            let entry = self
                .results
                .entry(key.as_str())
                .await
                .map_err(|e| QueueError::js("attempt read", e))?;
            let live = entry.filter(|e| e.operation == kv::Operation::Put);
            let Some(entry) = live else {
                match self.results.create(key.as_str(), Bytes::from_static(b"1")).await {
                    Ok(_) => return Ok(1),
                    Err(e) if e.kind() == kv::CreateErrorKind::AlreadyExists => continue,
                    Err(e) => return Err(QueueError::js("attempt count", e)),
                }
            };
            let seen = std::str::from_utf8(&entry.value)
                .ok()
                .and_then(|text| text.parse::<u32>().ok())
                .ok_or_else(|| QueueError::Damaged {
                    job: job_id.to_string(),
                    detail: "its attempt count is not a number".into(),
                })?;
            let next = seen.saturating_add(1);
            match self.results.update(key.as_str(), next.to_string().into(), entry.revision).await {
                Ok(_) => return Ok(next),
                Err(e) if e.kind() == kv::UpdateErrorKind::WrongLastRevision => continue,
                Err(e) => return Err(QueueError::js("attempt count", e)),
            }
        }
        Err(QueueError::js("attempt count", "too many workers counted at once"))
    }

    /// The recorded result of a job, if any.
    pub async fn result(&self, job_id: &str) -> Result<Option<JobResult>, QueueError> {
        if !valid_job_id(job_id) {
            return Err(QueueError::JobId(job_id.to_string()));
        }
        let Some(bytes) = self
            .results
            .get(format!("job.{job_id}"))
            .await
            .map_err(|e| QueueError::js("result read", e))?
        else {
            return Ok(None);
        };
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| QueueError::Damaged { job: job_id.to_string(), detail: e.to_string() })
    }

    /// Records a job's result unless one is recorded already: keyed by job id,
    /// idempotent for the same attempt (see [`Recorded`]).
    pub async fn record(&self, result: &JobResult) -> Result<Recorded, QueueError> {
        if !valid_job_id(&result.job_id) {
            return Err(QueueError::JobId(result.job_id.clone()));
        }
        let value = serde_json::to_vec(result).map_err(|e| QueueError::js("encode", e))?;
        match self.results.create(format!("job.{}", result.job_id), Bytes::from(value)).await {
            Ok(_) => Ok(Recorded::First),
            Err(e) if e.kind() == kv::CreateErrorKind::AlreadyExists => {
                match self.result(&result.job_id).await? {
                    Some(existing) if existing.attempt == result.attempt => Ok(Recorded::Again),
                    Some(existing) => Ok(Recorded::Lost { winner_attempt: existing.attempt }),
                    None => Err(QueueError::js("result record", "the result vanished")),
                }
            }
            Err(e) => Err(QueueError::js("result record", e)),
        }
    }

    /// The subject of one topic's live messages (`{stream}.live.{topic}`):
    /// core NATS, outside the stream, so nothing is kept. A front end
    /// forwards an execution's events and its cancel request through them.
    pub fn live_subject(&self, topic: &str) -> String {
        format!("{}.live.{topic}", self.config.stream)
    }

    /// Publishes one live message on `topic` (at most once: a subscriber
    /// that is not there, or NATS restarting, loses it).
    pub async fn publish_live(&self, topic: &str, payload: Vec<u8>) -> Result<(), QueueError> {
        self.client
            .publish(self.live_subject(topic), payload.into())
            .await
            .map_err(|e| QueueError::js("live publish", e))
    }

    /// The live messages on `topic` from now on, in the order one publisher sent them.
    pub async fn subscribe_live(
        &self,
        topic: &str,
    ) -> Result<futures::stream::BoxStream<'static, Bytes>, QueueError> {
        use futures::StreamExt;
        let sub = self
            .client
            .subscribe(self.live_subject(topic))
            .await
            .map_err(|e| QueueError::js("live subscribe", e))?;
        // The subscription is registered once NATS has seen it: a message
        // published right after this returns reaches it.
        self.client.flush().await.map_err(|e| QueueError::js("live subscribe", e))?;
        Ok(sub.map(|m| m.payload).boxed())
    }

    /// Whether the connection to NATS is up now (the readiness probe).
    pub fn is_connected(&self) -> bool {
        self.client.connection_state() == async_nats::connection::State::Connected
    }

    /// Deletes the stream and the results bucket (tests, and tearing a deployment down).
    pub async fn destroy(self) -> Result<(), QueueError> {
        self.js
            .delete_stream(&self.config.stream)
            .await
            .map_err(|e| QueueError::js("delete stream", e))?;
        self.js
            .delete_key_value(self.config.results_bucket())
            .await
            .map_err(|e| QueueError::js("delete results bucket", e))?;
        Ok(())
    }
}
