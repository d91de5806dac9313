//! [`Store`] on PostgreSQL (`--database-url`): several servers may share
//! one database. Records are stored as the same serde JSON the sled store
//! keeps (as `text`: exact, key order kept), with the columns the indexes
//! need beside them; counts, aggregates and time buckets are rows written
//! in the transaction of the record they describe (schema in
//! `migrations/`). A write is acknowledged once its transaction commits
//! (PostgreSQL's commit is durable), and every read-modify-write locks the
//! rows it reads (`SELECT … FOR UPDATE`; job claims `SKIP LOCKED`), rows of
//! one kind always in key order, so concurrent writers neither lose
//! updates nor deadlock.
//!
//! The store lives in one schema (its `search_path`), so tests make their
//! own and drop it. Losing the connection (a restarted database,
//! `pg_terminate_backend`) and the other transient faults are retried, the
//! whole operation on a fresh connection, with backoff (`retry.rs`): a
//! write for [`retry::WRITE_RETRY_BOUND`], a read for
//! [`retry::READ_RETRY_BOUND`]; past that the operation fails with
//! [`StoreError::UnavailableFor`] (the API answers 503 with `Retry-After`).
//! The pool drops a closed connection.

use std::collections::BTreeMap;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio_postgres::NoTls;
use uuid::Uuid;

use super::aggregate::{
    Aggregate, BUCKET_SECS, BucketTotals, StoredBucket, bucket_of, contribution, timeline_span,
};
use super::keys::{decode_cursor, encode_cursor};
use super::*;

mod aggregates;
mod checkpoints;
mod executions;
mod idempotency;
mod jobs;
mod outbox;
mod recordings;
mod retry;
mod rows;
mod session_leases;
mod sessions;
mod sql;
mod traces;

use aggregates::*;
use retry::{READ_RETRY_BOUND, WRITE_RETRY_BOUND, retrying};
use rows::*;
use sql::*;

/// The migrations, in order: `(version, SQL)`. Each runs once, in one
/// transaction, recorded in `rlm_migrations`.
const MIGRATIONS: &[(i32, &str)] = &[
    (1, include_str!("../../../migrations/0001_init.sql")),
    (2, include_str!("../../../migrations/0002_execution_leases.sql")),
    (3, include_str!("../../../migrations/0003_checkpoints.sql")),
    (4, include_str!("../../../migrations/0004_blob_refs.sql")),
    (5, include_str!("../../../migrations/0005_session_leases.sql")),
    (6, include_str!("../../../migrations/0006_outbox_idempotency.sql")),
    (7, include_str!("../../../migrations/0007_recordings.sql")),
    (8, include_str!("../../../migrations/0008_recording_parts.sql")),
    (9, include_str!("../../../migrations/0009_process_leases_attempts.sql")),
    (10, include_str!("../../../migrations/0010_owner_shards.sql")),
];

/// How many connections one server keeps at most.
const POOL_SIZE: usize = 16;

/// The nil UUID stands for "the owner's own aggregate" in `aggregates`.
const OWNER_ROW: Uuid = Uuid::nil();

/// The PostgreSQL store. Cheap to clone.
#[derive(Clone)]
pub struct PgStore {
    pool: Pool,
    schema: String,
    /// Retries after transient faults, and since when the database has
    /// answered (shared by the store's clones).
    health: std::sync::Arc<retry::StoreHealth>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore").field("schema", &self.schema).finish_non_exhaustive()
    }
}

type Tx<'a> = deadpool_postgres::Transaction<'a>;

impl PgStore {
    /// Connects to `url` and brings the schema `schema` (created if
    /// missing) up to the newest migration.
    pub async fn connect(url: &str, schema: &str) -> Result<Self, StoreError> {
        if !valid_schema(schema) {
            return Err(StoreError::Backend(format!(
                "the schema name {schema:?} is not a plain lower-case identifier"
            )));
        }
        let mut config: tokio_postgres::Config =
            url.parse().map_err(|e: tokio_postgres::Error| {
                StoreError::Backend(format!("bad database URL: {e}"))
            })?;
        config.options(format!("-c search_path={schema}"));
        config.application_name(format!("rlm-server:{schema}"));
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(std::time::Duration::from_secs(5));
        }
        let manager = Manager::from_config(
            config,
            NoTls,
            // A connection goes back into use unless it is closed (no
            // round trip to verify it first: a checkout cost a transaction
            // each). One the database cut while it sat idle is found closed
            // by its driver; in the moment before, the operation meets the
            // fault and runs again on another (`retry.rs`).
            ManagerConfig { recycling_method: RecyclingMethod::Fast },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(std::time::Duration::from_secs(10)))
            .create_timeout(Some(std::time::Duration::from_secs(5)))
            .build()
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        // Until this process sees a fault, the database has been reachable
        // since it started: a process starting after a long quiet spell may
        // judge leases at once, one starting just after an outage waits.
        let health = std::sync::Arc::new(retry::StoreHealth::since(now_micros()));
        let store = PgStore { pool, schema: schema.to_string(), health };
        store.migrate().await?;
        let up = store.database_uptime().await?;
        store.health.answered_since(now_micros().saturating_sub(up));
        Ok(store)
    }

    /// How long the database server has run (microseconds): what this
    /// process knows of its reachability before its first fault.
    async fn database_uptime(&self) -> Result<Micros, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_one(
                "SELECT (extract(epoch FROM now() - pg_postmaster_start_time()) * 1000000)::bigint",
                &[],
            )
            .await
            .map_err(pg)?;
        Ok(row.get::<_, i64>(0).max(0))
    }

    /// How many of this store's tries were retries after a transient
    /// fault (see `retry.rs`), since it was opened.
    pub fn transient_retries(&self) -> u64 {
        self.health.retries()
    }

    /// The schema the store lives in.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// Drops the store's schema with everything in it (tests' clean-up).
    pub async fn drop_schema(&self) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema))
            .await
            .map_err(pg)
    }

    /// The `application_name` the store's connections carry (what an
    /// operator, or the connection-loss test, finds them by in
    /// `pg_stat_activity`).
    pub fn application_name(&self) -> String {
        format!("rlm-server:{}", self.schema)
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        self.pool.get().await.map_err(pool_error)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg)?;
        // One migrator at a time per schema (servers starting together).
        tx.execute("SELECT pg_advisory_xact_lock(hashtext($1))", &[&self.schema])
            .await
            .map_err(pg)?;
        tx.batch_execute(&format!(
            "CREATE SCHEMA IF NOT EXISTS {schema};
             CREATE TABLE IF NOT EXISTS {schema}.rlm_migrations (
                 version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());",
            schema = self.schema
        ))
        .await
        .map_err(pg)?;
        let rows = tx.query("SELECT version FROM rlm_migrations", &[]).await.map_err(pg)?;
        let applied: Vec<i32> = rows.iter().map(|r| r.get(0)).collect();
        if let Some(newer) = applied.iter().find(|v| !MIGRATIONS.iter().any(|(m, _)| m == *v)) {
            return Err(StoreError::Corrupt {
                what: format!("schema {}", self.schema),
                message: format!("migration {newer} is from a newer build"),
            });
        }
        for (version, sql) in MIGRATIONS {
            if applied.contains(version) {
                continue;
            }
            tx.batch_execute(sql).await.map_err(pg)?;
            tx.execute("INSERT INTO rlm_migrations (version) VALUES ($1)", &[version])
                .await
                .map_err(pg)?;
        }
        tx.commit().await.map_err(pg)
    }
}

/// A lease's end asked for at `asked`, moved by the time its write has
/// spent retrying once that is past a second: a renewal that waited out an
/// outage still grants a whole lease from when it is written, never one
/// that has already ended (a write answered at once keeps its end as asked).
fn still_ahead(until: Micros, asked: Micros) -> Micros {
    let waited = now_micros().saturating_sub(asked);
    if waited > 1_000_000 { until.saturating_add(waited) } else { until }
}

#[async_trait::async_trait]
impl Store for PgStore {
    async fn put_session(&self, session: &SessionRecord) -> Result<(), StoreError> {
        retrying(WRITE_RETRY_BOUND, &self.health, move || sessions::put_session(self, session))
            .await
    }

    async fn get_session(&self, id: Uuid) -> Result<Option<SessionRecord>, StoreError> {
        retrying(READ_RETRY_BOUND, &self.health, move || sessions::get_session(self, id)).await
    }

    async fn list_sessions(
        &self,
        owner: &str,
        page: &PageRequest,
    ) -> Result<Listed<SessionRecord>, StoreError> {
        retrying(READ_RETRY_BOUND, &self.health, move || sessions::list_sessions(self, owner, page))
            .await
    }

    async fn owner_usage(&self, owner: &str) -> Result<OwnerUsage, StoreError> {
        retrying(READ_RETRY_BOUND, &self.health, move || sessions::owner_usage(self, owner)).await
    }

    async fn blob_references(&self, name: &str) -> Result<u64, StoreError> {
        retrying(READ_RETRY_BOUND, &self.health, move || sessions::blob_references(self, name))
            .await
    }

    async fn delete_session(&self, id: Uuid) -> Result<bool, StoreError> {
        retrying(WRITE_RETRY_BOUND, &self.health, move || sessions::delete_session(self, id)).await
    }

    async fn history(
        &self,
        session: Uuid,
        from: u64,
        limit: usize,
    ) -> Result<HistoryPage, StoreError> {
        retrying(READ_RETRY_BOUND, &self.health, move || {
            sessions::history(self, session, from, limit)
        })
        .await
    }

    async fn get_memory(
        &self,
        session: Uuid,
    ) -> Result<serde_json::Map<String, serde_json::Value>, StoreError> {
        retrying(READ_RETRY_BOUND, &self.health, move || sessions::get_memory(self, session)).await
    }

    async fn edit_memory(
        &self,
        session: Uuid,
        edit: &MemoryEdit,
    ) -> Result<Option<bool>, StoreError> {
        retrying(WRITE_RETRY_BOUND, &self.health, move || {
            sessions::edit_memory(self, session, edit)
        })
        .await
    }

    async fn put_execution(&self, execution: &ExecutionRecord) -> Result<(), StoreError> {
        retrying(WRITE_RETRY_BOUND, &self.health, move || {
            executions::put_execution(self, execution)
        })
        .await
    }

    async fn get_execution(&self, id: Uuid) -> Result<Option<ExecutionRecord>, StoreError> {
        retrying(READ_RETRY_BOUND, &self.health, move || executions::get_execution(self, id)).await
    }

    async fn list_executions(
        &self,
        filter: &ExecutionFilter,
        page: &PageRequest,
    ) -> Result<Listed<ExecutionRecord>, StoreError> {
        retrying(READ_RETRY_BOUND, &self.health, move || {
            executions::list_executions(self, filter, page)
        })
        .await
    }

    async fn delete_execution(&self, id: Uuid) -> Result<bool, StoreError> {
        retrying(WRITE_RETRY_BOUND, &self.health, move || executions::delete_execution(self, id))
            .await
    }

    async fn ended_executions_before(
        &self,
        before: Micros,
        limit: usize,
    ) -> Result<Vec<Uuid>, StoreError> {
        retrying(READ_RETRY_BOUND, &self.health, move || {
            executions::ended_executions_before(self, before, limit)
        })
        .await
    }

    async fn stats(&self, owner: &str, session: Option<Uuid>) -> Result<StatsSnapshot, StoreError> {
        retrying(READ_RETRY_BOUND, &self.health, move || aggregates::stats(self, owner, session))
            .await
    }

    async fn finish_execution(&self, settled: &SettledExecution) -> Result<Settled, StoreError> {
        retrying(WRITE_RETRY_BOUND, &self.health, move || {
            executions::finish_execution(self, settled, &[], None)
        })
        .await
    }

    async fn finish_execution_with_trace(
        &self,
        settled: &SettledExecution,
        trace: &[EncodedEvent<'_>],
    ) -> Result<Settled, StoreError> {
        retrying(WRITE_RETRY_BOUND, &self.health, move || {
            executions::finish_execution(self, settled, trace, None)
        })
        .await
    }

    async fn finish_execution_releasing(
        &self,
        settled: &SettledExecution,
        trace: &[EncodedEvent<'_>],
        holder: &str,
    ) -> Result<Settled, StoreError> {
        retrying(WRITE_RETRY_BOUND, &self.health, move || {
            executions::finish_execution(self, settled, trace, Some(holder))
        })
        .await
    }

    async fn interrupt_running_executions(&self, message: &str) -> Result<u64, StoreError> {
        retrying(WRITE_RETRY_BOUND, &self.health, move || {
            executions::interrupt_running_executions(self, message)
        })
        .await
    }

    fn shared(&self) -> bool {
        true
    }

    fn reachable_since(&self) -> Option<Micros> {
        self.health.reachable_since()
    }

    async fn put_execution_leased(
        &self,
        execution: &ExecutionRecord,
        _acknowledged: bool,
        holder: &str,
        until: Micros,
    ) -> Result<(), StoreError> {
        // Every commit here is durable: acknowledged or not is the same write.
        let asked = now_micros();
        retrying(WRITE_RETRY_BOUND, &self.health, move || {
            let until = still_ahead(until, asked);
            executions::put_execution_leased(self, execution, holder, until)
        })
        .await
    }

    async fn put_execution_taking_session(
        &self,
        pending: &ExecutionRecord,
        holder: &str,
        (lapsed, until): (Micros, Micros),
        started_at: Micros,
    ) -> Result<Option<Option<SessionRecord>>, StoreError> {
        let asked = now_micros();
        retrying(WRITE_RETRY_BOUND, &self.health, move || {
            let until = still_ahead(until, asked);
            executions::put_execution_taking_session(
                self,
                pending,
                holder,
                (lapsed, until),
                started_at,
            )
        })
        .await
    }

    async fn renew_execution_leases(
        &self,
        holder: &str,
        executions: &[Uuid],
        until: Micros,
    ) -> Result<(), StoreError> {
        let asked = now_micros();
        retrying(WRITE_RETRY_BOUND, &self.health, move || {
            let until = still_ahead(until, asked);
            executions::renew_execution_leases(self, holder, executions, until)
        })
        .await
    }

    async fn interrupt_expired_executions(
        &self,
        now: Micros,
        unleased_before: Micros,
        message: &str,
    ) -> Result<u64, StoreError> {
        retrying(WRITE_RETRY_BOUND, &self.health, move || {
            executions::interrupt_expired_executions(self, now, unleased_before, message)
        })
        .await
    }

    async fn take_session_lease(
        &self,
        session: Uuid,
        holder: &str,
        now: Micros,
        until: Micros,
    ) -> Result<bool, StoreError> {
        let asked = now_micros();
        retrying(WRITE_RETRY_BOUND, &self.health, move || {
            let until = still_ahead(until, asked);
            session_leases::take_session_lease(self, session, holder, now, until)
        })
        .await
    }

    async fn renew_session_leases(
        &self,
        holder: &str,
        sessions: &[Uuid],
        until: Micros,
    ) -> Result<(), StoreError> {
        let asked = now_micros();
        retrying(WRITE_RETRY_BOUND, &self.health, move || {
            let until = still_ahead(until, asked);
            session_leases::renew_session_leases(self, holder, sessions, until)
        })
        .await
    }

    async fn release_session_lease(&self, session: Uuid, holder: &str) -> Result<(), StoreError> {
        retrying(WRITE_RETRY_BOUND, &self.health, move || {
            session_leases::release_session_lease(self, session, holder)
        })
        .await
    }

    async fn append_trace_encoded(
        &self,
        execution: Uuid,
        events: &[EncodedEvent<'_>],
    ) -> Result<(), StoreError> {
        retrying(WRITE_RETRY_BOUND, &self.health, move || {
            traces::append_trace(self, execution, events)
        })
        .await
    }

    async fn trace(&self, execution: Uuid) -> Result<Vec<StreamedEvent>, StoreError> {
        retrying(READ_RETRY_BOUND, &self.health, move || traces::trace(self, execution)).await
    }

    async fn drop_trace_from(&self, execution: Uuid, position: u64) -> Result<u64, StoreError> {
        retrying(WRITE_RETRY_BOUND, &self.health, move || {
            traces::drop_trace_from(self, execution, position)
        })
        .await
    }

    async fn create(&self, creation: &Creation<'_>) -> Result<(), StoreError> {
        retrying(WRITE_RETRY_BOUND, &self.health, move || outbox::create(self, creation)).await
    }

    async fn add_outbox(&self, entry: &OutboxEntry) -> Result<bool, StoreError> {
        retrying(WRITE_RETRY_BOUND, &self.health, move || outbox::add_outbox(self, entry)).await
    }

    async fn relay_outbox(
        &self,
        limit: usize,
        publish: &Publish,
    ) -> Result<RelayRound, StoreError> {
        retrying(READ_RETRY_BOUND, &self.health, move || outbox::relay_outbox(self, limit, publish))
            .await
    }

    async fn outbox_depth(&self) -> Result<OutboxDepth, StoreError> {
        retrying(READ_RETRY_BOUND, &self.health, move || outbox::outbox_depth(self)).await
    }

    async fn job_counts(&self) -> Result<JobCounts, StoreError> {
        retrying(READ_RETRY_BOUND, &self.health, move || outbox::job_counts(self)).await
    }

    async fn unannounced_pending_jobs(
        &self,
        before: Micros,
        limit: usize,
    ) -> Result<Vec<JobRecord>, StoreError> {
        retrying(READ_RETRY_BOUND, &self.health, move || {
            outbox::unannounced_pending_jobs(self, before, limit)
        })
        .await
    }

    async fn lapsed_running_jobs(
        &self,
        before: Micros,
        limit: usize,
    ) -> Result<Vec<JobRecord>, StoreError> {
        retrying(READ_RETRY_BOUND, &self.health, move || {
            outbox::lapsed_running_jobs(self, before, limit)
        })
        .await
    }

    async fn claim_idempotency_key(
        &self,
        key: &IdempotencyKey,
        now: Micros,
        stale_before: Micros,
        lapsed: Option<Micros>,
    ) -> Result<KeyClaim, StoreError> {
        retrying(WRITE_RETRY_BOUND, &self.health, move || {
            idempotency::claim_key(self, key, now, stale_before, lapsed)
        })
        .await
    }

    async fn complete_idempotency_key(
        &self,
        key: &IdempotencyKey,
        response: &StoredResponse,
    ) -> Result<(), StoreError> {
        retrying(WRITE_RETRY_BOUND, &self.health, move || {
            idempotency::complete_key(self, key, response)
        })
        .await
    }

    async fn release_idempotency_key(&self, key: &IdempotencyKey) -> Result<(), StoreError> {
        retrying(WRITE_RETRY_BOUND, &self.health, move || idempotency::release_key(self, key)).await
    }

    async fn renew_process_lease(&self, holder: &str, until: Micros) -> Result<(), StoreError> {
        let asked = now_micros();
        retrying(WRITE_RETRY_BOUND, &self.health, move || {
            let until = still_ahead(until, asked);
            idempotency::renew_process_lease(self, holder, until)
        })
        .await
    }

    async fn sweep_idempotency_keys(&self, before: Micros) -> Result<u64, StoreError> {
        retrying(READ_RETRY_BOUND, &self.health, move || idempotency::sweep_keys(self, before))
            .await
    }

    async fn record_protocol(
        &self,
        process: &str,
        role: &str,
        settings: &ProtocolSettings,
        authoritative: bool,
    ) -> Result<ProtocolSettings, StoreError> {
        retrying(WRITE_RETRY_BOUND, &self.health, move || {
            idempotency::record_protocol(self, process, role, settings, authoritative)
        })
        .await
    }

    async fn get_job(&self, id: Uuid) -> Result<Option<JobRecord>, StoreError> {
        retrying(READ_RETRY_BOUND, &self.health, move || jobs::get_job(self, id)).await
    }

    async fn list_jobs(
        &self,
        owner: &str,
        page: &PageRequest,
    ) -> Result<Listed<JobRecord>, StoreError> {
        retrying(READ_RETRY_BOUND, &self.health, move || jobs::list_jobs(self, owner, page)).await
    }

    async fn pending_jobs(&self) -> Result<usize, StoreError> {
        retrying(READ_RETRY_BOUND, &self.health, move || jobs::pending_jobs(self)).await
    }

    async fn pending_job_shares(&self, owner: &str) -> Result<PendingJobs, StoreError> {
        retrying(READ_RETRY_BOUND, &self.health, move || jobs::pending_job_shares(self, owner))
            .await
    }

    async fn claim_job(
        &self,
        worker: &str,
        lease_until: Micros,
    ) -> Result<Option<JobRecord>, StoreError> {
        let asked = now_micros();
        retrying(WRITE_RETRY_BOUND, &self.health, move || {
            let lease_until = still_ahead(lease_until, asked);
            jobs::claim_job(self, worker, lease_until)
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
        retrying(WRITE_RETRY_BOUND, &self.health, move || {
            let lease_until = still_ahead(lease_until, asked);
            jobs::take_job(self, id, worker, lease_until)
        })
        .await
    }

    async fn set_job_execution(
        &self,
        id: Uuid,
        worker: &str,
        execution: Uuid,
    ) -> Result<(), StoreError> {
        retrying(WRITE_RETRY_BOUND, &self.health, move || {
            jobs::set_job_execution(self, id, worker, execution)
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
        retrying(WRITE_RETRY_BOUND, &self.health, move || {
            let lease_until = still_ahead(lease_until, asked);
            jobs::heartbeat_job(self, id, worker, lease_until)
        })
        .await
    }

    async fn finish_job(
        &self,
        id: Uuid,
        worker: &str,
        outcome: &JobOutcome,
    ) -> Result<bool, StoreError> {
        retrying(WRITE_RETRY_BOUND, &self.health, move || {
            jobs::finish_job(self, id, worker, outcome)
        })
        .await
    }

    async fn request_cancel_job(&self, id: Uuid) -> Result<Option<CancelRequest>, StoreError> {
        retrying(WRITE_RETRY_BOUND, &self.health, move || jobs::request_cancel_job(self, id)).await
    }

    async fn interrupt_expired_jobs(
        &self,
        now: Micros,
        message: &str,
    ) -> Result<Vec<Uuid>, StoreError> {
        retrying(WRITE_RETRY_BOUND, &self.health, move || {
            jobs::interrupt_expired_jobs(self, now, message)
        })
        .await
    }

    async fn save_checkpoint(
        &self,
        execution: Uuid,
        checkpoint: &CheckpointWrite<'_>,
    ) -> Result<bool, StoreError> {
        retrying(WRITE_RETRY_BOUND, &self.health, move || {
            checkpoints::save_checkpoint(self, execution, checkpoint)
        })
        .await
    }

    async fn load_checkpoint(
        &self,
        execution: Uuid,
    ) -> Result<Option<CheckpointRecord>, StoreError> {
        retrying(READ_RETRY_BOUND, &self.health, move || {
            checkpoints::load_checkpoint(self, execution)
        })
        .await
    }

    async fn append_recording(
        &self,
        owner: &str,
        execution: Uuid,
        seq: u64,
        lines: &str,
    ) -> Result<(), StoreError> {
        retrying(WRITE_RETRY_BOUND, &self.health, move || {
            recordings::append_recording(self, owner, execution, seq, lines)
        })
        .await
    }

    async fn recording_extent(&self, execution: Uuid) -> Result<(u64, u64), StoreError> {
        retrying(READ_RETRY_BOUND, &self.health, move || {
            recordings::recording_extent(self, execution)
        })
        .await
    }

    async fn clear_recording(&self, _owner: &str, execution: Uuid) -> Result<(), StoreError> {
        retrying(WRITE_RETRY_BOUND, &self.health, move || {
            recordings::clear_recording(self, execution)
        })
        .await
    }

    async fn load_recording(&self, execution: Uuid) -> Result<Option<String>, StoreError> {
        retrying(READ_RETRY_BOUND, &self.health, move || {
            recordings::load_recording(self, execution)
        })
        .await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        let client = self.client().await?;
        client.simple_query("SELECT 1").await.map_err(pg)?;
        Ok(())
    }

    async fn flush(&self) -> Result<(), StoreError> {
        // Every acknowledged write has committed, and a commit is durable.
        Ok(())
    }

    async fn size_on_disk(&self) -> Result<u64, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_one(
                "SELECT COALESCE(sum(pg_total_relation_size(c.oid)), 0)::int8
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = $1 AND c.relkind = 'r'",
                &[&self.schema],
            )
            .await
            .map_err(pg)?;
        Ok(row.get::<_, i64>(0).max(0) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_schema_names_are_spliced_into_sql() {
        for ok in ["rlm", "rlm_test_0a1b", "_x"] {
            assert!(valid_schema(ok), "{ok}");
        }
        for bad in ["", "Rlm", "1abc", "a;drop", "a b", "a\"b", &"x".repeat(64)] {
            assert!(!valid_schema(bad), "{bad}");
        }
    }
}
