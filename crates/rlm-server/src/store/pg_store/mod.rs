//! [`Store`](crate::store::Store) on PostgreSQL (`--database-url`): several
//! servers may share one database. Records are stored as the same serde
//! JSON the sled store keeps (as `text`: exact, key order kept), with the
//! columns the indexes need beside them; counts, aggregates and time
//! buckets are rows written in the transaction of the record they describe
//! (schema in `migrations/`). A write is acknowledged once its transaction
//! commits (PostgreSQL's commit is durable), and every read-modify-write
//! locks the rows it reads (`SELECT … FOR UPDATE`; job claims `SKIP
//! LOCKED`), rows of one kind always in key order and the kinds in one
//! order (executions, aggregates, sessions; a scope's time buckets only
//! under its aggregate row's lock), so concurrent writers neither lose
//! updates nor deadlock. Statements sent together in a transaction are
//! prepared before they are joined, so they reach the server in the order
//! written, and their outcome is the first failing one's, not the echo
//! (`25P02`) of a later one (`sql::first_cause`). Executions' starts and
//! settlements are written by group commit (`batcher.rs`): those that
//! arrive while a batch is written share the next one, one transaction of
//! array statements, and each is answered once that transaction has
//! committed. An execution's trace events are stored as they are written,
//! each batch one `trace_batches` row (its events a JSON array of
//! `[position, event]` pairs, the sled store's chunk). A batch whose span
//! meets stored events, and a cut of the trace, rewrite the rows concerned
//! only under the execution's row lock, taken before them, so an
//! execution's trace rows add no kind to the order above (`traces.rs`).
//!
//! The store lives in one schema (its `search_path`), so tests make their
//! own and drop it. Losing the connection (a restarted database,
//! `pg_terminate_backend`) and the other transient faults are retried, the
//! whole operation on a fresh connection, with backoff (`retry.rs`): a
//! write for [`retry::WRITE_RETRY_BOUND`], a read for
//! [`retry::READ_RETRY_BOUND`]; past that the operation fails with
//! [`StoreError::UnavailableFor`] (the API answers 503 with `Retry-After`).
//! The pool drops a closed connection.

use std::future::Future;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::NoTls;
use uuid::Uuid;

use crate::store::clock::{Micros, now_micros};
use crate::store::errors::StoreError;
use crate::store::traits::StoreHealth;
use retry::{Health, READ_RETRY_BOUND, WRITE_RETRY_BOUND, retrying};
use sql::{pg, pool_error, valid_schema};

mod aggregates;
mod batch_items;
mod batcher;
mod checkpoints;
mod decoded_sessions;
mod executions;
mod hot_buckets;
mod idempotency;
mod jobs;
mod leases;
mod outbox;
mod recordings;
mod retry;
mod rows;
mod session_reads;
mod sessions;
mod settle_batch;
mod settler;
mod sql;
mod start_batch;
mod starter;
mod trace_chunks;
mod trace_rewrites;
mod traces;

pub use batch_items::Settling;

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
    (11, include_str!("../../../migrations/0011_hot_buckets.sql")),
    (12, include_str!("../../../migrations/0012_trace_batches.sql")),
    (13, include_str!("../../../migrations/0013_lz4_records.sql")),
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
    health: std::sync::Arc<Health>,
    /// The settlements and the starts waiting for their batch (shared by
    /// the clones).
    settler: std::sync::Arc<batcher::Batcher<Settling, crate::store::settlement::Settled>>,
    starter: std::sync::Arc<batcher::Batcher<batch_items::Starting, batch_items::Started>>,
    /// The reads of sessions by id waiting for their batch (`session_reads.rs`).
    session_reader:
        std::sync::Arc<batcher::Batcher<Uuid, Option<crate::store::records::SessionRecord>>>,
    /// Sessions' records as last decoded, by their text (`decoded_sessions.rs`).
    decoded_sessions: std::sync::Arc<decoded_sessions::DecodedSessions>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore").field("schema", &self.schema).finish_non_exhaustive()
    }
}

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
        let options = connection_options(config.get_options(), schema);
        config.options(options);
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
        let health = std::sync::Arc::new(Health::since(now_micros()));
        let store = PgStore {
            pool,
            schema: schema.to_string(),
            health,
            settler: Default::default(),
            starter: Default::default(),
            session_reader: Default::default(),
            decoded_sessions: Default::default(),
        };
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

    /// Runs a write, on a fresh connection again after each transient
    /// fault, for up to [`WRITE_RETRY_BOUND`] (`retry.rs`).
    async fn writing<T, Fut>(&self, operation: impl FnMut() -> Fut) -> Result<T, StoreError>
    where
        Fut: Future<Output = Result<T, StoreError>>,
    {
        retrying(WRITE_RETRY_BOUND, &self.health, operation).await
    }

    /// Runs a read as [`PgStore::writing`] runs a write, for up to
    /// [`READ_RETRY_BOUND`].
    async fn reading<T, Fut>(&self, operation: impl FnMut() -> Fut) -> Result<T, StoreError>
    where
        Fut: Future<Output = Result<T, StoreError>>,
    {
        retrying(READ_RETRY_BOUND, &self.health, operation).await
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

/// The options a connection starts with: the URL's own (`?options=-c …`,
/// PostgreSQL settings the operator chose) and the store's schema as the
/// search path, last, so no setting of the URL's can move the store.
fn connection_options(given: Option<&str>, schema: &str) -> String {
    match given.map(str::trim).filter(|g| !g.is_empty()) {
        Some(given) => format!("{given} -c search_path={schema}"),
        None => format!("-c search_path={schema}"),
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
impl StoreHealth for PgStore {
    fn shared(&self) -> bool {
        true
    }

    fn reachable_since(&self) -> Option<Micros> {
        self.health.reachable_since()
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
    fn the_urls_options_are_kept_and_the_schema_is_set_last() {
        assert_eq!(connection_options(None, "rlm"), "-c search_path=rlm");
        assert_eq!(connection_options(Some("  "), "rlm"), "-c search_path=rlm");
        let url =
            "postgresql://u@h/db?options=-c%20statement_timeout%3D5000%20-c%20search_path%3Dx";
        let config: tokio_postgres::Config = url.parse().unwrap();
        assert_eq!(
            connection_options(config.get_options(), "rlm"),
            "-c statement_timeout=5000 -c search_path=x -c search_path=rlm"
        );
    }

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
