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
//! `pg_terminate_backend`) is [`StoreError::Unavailable`] for the requests
//! it cut (the API answers 503); the pool drops the closed connection and
//! the next request opens a new one.

use std::collections::BTreeMap;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio_postgres::NoTls;
use tokio_postgres::error::SqlState;
use uuid::Uuid;

use super::aggregate::{
    Aggregate, BUCKET_SECS, BucketTotals, StoredBucket, bucket_of, contribution, timeline_span,
};
use super::keys::{decode_cursor, encode_cursor};
use super::*;

/// The migrations, in order: `(version, SQL)`. Each runs once, in one
/// transaction, recorded in `rlm_migrations`.
const MIGRATIONS: &[(i32, &str)] = &[
    (1, include_str!("../../migrations/0001_init.sql")),
    (2, include_str!("../../migrations/0002_execution_leases.sql")),
    (3, include_str!("../../migrations/0003_checkpoints.sql")),
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
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore").field("schema", &self.schema).finish_non_exhaustive()
    }
}

/// Whether `schema` is a plain identifier (it is spliced into SQL).
fn valid_schema(schema: &str) -> bool {
    !schema.is_empty()
        && schema.len() <= 63
        && schema.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && schema.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// A driver error: a lost or refused connection is [`StoreError::Unavailable`]
/// (the request may be retried), anything else [`StoreError::Backend`].
fn pg(e: tokio_postgres::Error) -> StoreError {
    let lost = e.is_closed()
        || e.code().is_some_and(|c| {
            let class = &c.code()[..2.min(c.code().len())];
            // 08: connection exception; 57: operator intervention
            // (admin shutdown, `pg_terminate_backend`, crash shutdown).
            class == "08" || class == "57" || *c == SqlState::TOO_MANY_CONNECTIONS
        })
        || (e.code().is_none()
            && std::error::Error::source(&e).is_some_and(|s| s.is::<std::io::Error>()));
    // The driver's message, with the database's own (or the cause) after it.
    let mut message = e.to_string();
    if let Some(db) = e.as_db_error() {
        message = format!("{message} ({})", db.code().code());
    } else if let Some(source) = std::error::Error::source(&e) {
        message = format!("{message}: {source}");
    }
    if lost { StoreError::Unavailable(message) } else { StoreError::Backend(message) }
}

fn pool_error(e: deadpool_postgres::PoolError) -> StoreError {
    match e {
        deadpool_postgres::PoolError::Backend(e) => match pg(e) {
            StoreError::Backend(m) => StoreError::Unavailable(m),
            other => other,
        },
        other => StoreError::Unavailable(other.to_string()),
    }
}

fn encode<T: Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value)
        .map_err(|e| StoreError::Corrupt { what: "encoding".into(), message: e.to_string() })
}

fn decode<T: DeserializeOwned>(what: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::Corrupt { what: what.to_string(), message: e.to_string() })
}

/// A count or size the database holds as `bigint`.
fn big(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A page's `LIMIT`/`OFFSET`.
fn big_usize(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn owner_scope(owner: &str) -> String {
    format!("o:{owner}")
}

fn session_scope(session: Uuid) -> String {
    format!("s:{session}")
}

/// The cursor of a page request, checked.
fn cursor_of(page: &PageRequest) -> Result<Option<(Micros, Uuid)>, StoreError> {
    match &page.cursor {
        None => Ok(None),
        Some(c) => decode_cursor(c)
            .map(Some)
            .ok_or_else(|| StoreError::BadCursor(c.chars().take(64).collect())),
    }
}

/// One page from rows read newest first, `limit + 1` of them: the extra
/// one says whether there is a next page.
fn paged<T>(mut rows: Vec<(Micros, Uuid, T)>, limit: usize, total: usize) -> Listed<T> {
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next_cursor =
        rows.last().filter(|_| more).map(|(created, id, _)| encode_cursor(*created, *id));
    Listed { items: rows.into_iter().map(|(_, _, t)| t).collect(), total, next_cursor }
}

type Tx<'a> = deadpool_postgres::Transaction<'a>;

/// Adds `delta` to an owner's count (never below zero).
async fn add_count(tx: &Tx<'_>, owner: &str, kind: &str, delta: i64) -> Result<(), StoreError> {
    if delta == 0 {
        return Ok(());
    }
    tx.execute(
        "INSERT INTO counts (owner, kind, value) VALUES ($1, $2, GREATEST($3::int8, 0))
         ON CONFLICT (owner, kind) DO UPDATE SET value = GREATEST(counts.value + $3::int8, 0)",
        &[&owner, &kind, &delta],
    )
    .await
    .map_err(pg)?;
    Ok(())
}

/// A session's context bytes, as a count's delta.
fn context_bytes(session: &SessionRecord) -> i64 {
    session.context.as_ref().map_or(0, |c| big(c.bytes))
}

/// Puts `old`'s share out of and `new`'s into the aggregates and time
/// buckets, inside the write's transaction. Aggregate rows are locked in
/// key order; bucket rows change by one statement whose rows are in key
/// order.
async fn apply_aggregates(
    tx: &Tx<'_>,
    old: Option<&ExecutionRecord>,
    new: Option<&ExecutionRecord>,
) -> Result<(), StoreError> {
    if old.map(contribution) == new.map(contribution) {
        return Ok(());
    }
    let changes: Vec<(&ExecutionRecord, bool)> =
        old.map(|o| (o, false)).into_iter().chain(new.map(|n| (n, true))).collect();
    // The aggregates: read, change, write back.
    let mut aggregates: BTreeMap<(String, Uuid), Vec<(&ExecutionRecord, bool)>> = BTreeMap::new();
    for (e, add) in &changes {
        aggregates.entry((e.owner.clone(), OWNER_ROW)).or_default().push((e, *add));
        if let Some(s) = e.session_id {
            aggregates.entry((e.owner.clone(), s)).or_default().push((e, *add));
        }
    }
    for ((owner, session), applied) in aggregates {
        tx.execute(
            "INSERT INTO aggregates (owner, session_id, agg) VALUES ($1, $2, '')
             ON CONFLICT DO NOTHING",
            &[&owner, &session],
        )
        .await
        .map_err(pg)?;
        let row = tx
            .query_one(
                "SELECT agg FROM aggregates WHERE owner = $1 AND session_id = $2 FOR UPDATE",
                &[&owner, &session],
            )
            .await
            .map_err(pg)?;
        let text: &str = row.get(0);
        let mut a: Aggregate =
            if text.is_empty() { Aggregate::default() } else { decode("aggregate", text)? };
        for (e, add) in applied {
            a.apply(e, add);
        }
        if a.executions == 0 {
            tx.execute(
                "DELETE FROM aggregates WHERE owner = $1 AND session_id = $2",
                &[&owner, &session],
            )
            .await
            .map_err(pg)?;
        } else {
            tx.execute(
                "UPDATE aggregates SET agg = $3 WHERE owner = $1 AND session_id = $2",
                &[&owner, &session, &encode(&a)?],
            )
            .await
            .map_err(pg)?;
        }
    }
    // The buckets: signed deltas per key, one upsert, then the emptied ones out.
    let mut deltas: BTreeMap<(String, i32, i64), [i64; 5]> = BTreeMap::new();
    for (e, add) in &changes {
        let mut one = BucketTotals::default();
        one.apply(e, true);
        let sign = if *add { 1 } else { -1 };
        let mut scopes = vec![owner_scope(&e.owner)];
        if let Some(s) = e.session_id {
            scopes.push(session_scope(s));
        }
        for scope in scopes {
            for width in 0..BUCKET_SECS.len() {
                let key = (scope.clone(), width as i32, bucket_of(e.created_at, width));
                let d = deltas.entry(key).or_default();
                d[0] += sign * big(one.executions);
                d[1] += sign * big(one.completed);
                d[2] += sign * big(one.failed);
                d[3] += sign * big(one.tokens);
                d[4] += sign * one.cost_nano;
            }
        }
    }
    deltas.retain(|_, d| d.iter().any(|v| *v != 0));
    if deltas.is_empty() {
        return Ok(());
    }
    let mut cols: (Vec<String>, Vec<i32>, Vec<i64>) = Default::default();
    let mut values: [Vec<i64>; 5] = Default::default();
    for ((scope, width, bucket), d) in deltas {
        cols.0.push(scope);
        cols.1.push(width);
        cols.2.push(bucket);
        for (i, v) in d.into_iter().enumerate() {
            values[i].push(v);
        }
    }
    tx.execute(
        "INSERT INTO buckets (scope, width, bucket, executions, completed, failed, tokens, cost_nano)
         SELECT * FROM unnest($1::text[], $2::int4[], $3::int8[], $4::int8[], $5::int8[],
                              $6::int8[], $7::int8[], $8::int8[])
         ON CONFLICT (scope, width, bucket) DO UPDATE SET
             executions = buckets.executions + excluded.executions,
             completed = buckets.completed + excluded.completed,
             failed = buckets.failed + excluded.failed,
             tokens = buckets.tokens + excluded.tokens,
             cost_nano = buckets.cost_nano + excluded.cost_nano",
        &[&cols.0, &cols.1, &cols.2, &values[0], &values[1], &values[2], &values[3], &values[4]],
    )
    .await
    .map_err(pg)?;
    tx.execute(
        "DELETE FROM buckets b USING unnest($1::text[], $2::int4[], $3::int8[]) AS k(scope, width, bucket)
         WHERE b.scope = k.scope AND b.width = k.width AND b.bucket = k.bucket
           AND b.executions <= 0",
        &[&cols.0, &cols.1, &cols.2],
    )
    .await
    .map_err(pg)?;
    Ok(())
}

/// Writes `new` (or deletes the execution with `None`) with its aggregates.
async fn write_execution(
    tx: &Tx<'_>,
    old: Option<&ExecutionRecord>,
    new: Option<&ExecutionRecord>,
) -> Result<(), StoreError> {
    match new {
        Some(e) => {
            tx.execute(
                "INSERT INTO executions (id, owner, session_id, created_at, terminal, record)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (id) DO UPDATE SET owner = excluded.owner,
                     session_id = excluded.session_id, created_at = excluded.created_at,
                     terminal = excluded.terminal, record = excluded.record",
                &[
                    &e.id,
                    &e.owner,
                    &e.session_id,
                    &e.created_at,
                    &e.status.is_terminal(),
                    &encode(e)?,
                ],
            )
            .await
            .map_err(pg)?;
        }
        None => {
            if let Some(o) = old {
                tx.execute("DELETE FROM executions WHERE id = $1", &[&o.id]).await.map_err(pg)?;
                tx.execute("DELETE FROM trace WHERE execution_id = $1", &[&o.id])
                    .await
                    .map_err(pg)?;
            }
        }
    }
    apply_aggregates(tx, old, new).await
}

/// The stored execution, locked for the transaction.
async fn lock_execution(tx: &Tx<'_>, id: Uuid) -> Result<Option<ExecutionRecord>, StoreError> {
    let row = tx
        .query_opt("SELECT record FROM executions WHERE id = $1 FOR UPDATE", &[&id])
        .await
        .map_err(pg)?;
    row.map(|r| decode("execution", r.get(0))).transpose()
}

/// The stored session, locked for the transaction.
async fn lock_session(tx: &Tx<'_>, id: Uuid) -> Result<Option<SessionRecord>, StoreError> {
    let row = tx
        .query_opt("SELECT record FROM sessions WHERE id = $1 FOR UPDATE", &[&id])
        .await
        .map_err(pg)?;
    row.map(|r| decode("session", r.get(0))).transpose()
}

async fn lock_job(tx: &Tx<'_>, id: Uuid) -> Result<Option<JobRecord>, StoreError> {
    let row = tx
        .query_opt("SELECT record FROM jobs WHERE id = $1 FOR UPDATE", &[&id])
        .await
        .map_err(pg)?;
    row.map(|r| decode("job", r.get(0))).transpose()
}

async fn write_job(tx: &Tx<'_>, job: &JobRecord) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE jobs SET status = $2, record = $3 WHERE id = $1",
        &[&job.id, &job_status(job.status), &encode(job)?],
    )
    .await
    .map_err(pg)?;
    Ok(())
}

async fn write_session(tx: &Tx<'_>, s: &SessionRecord) -> Result<(), StoreError> {
    tx.execute("UPDATE sessions SET record = $2 WHERE id = $1", &[&s.id, &encode(s)?])
        .await
        .map_err(pg)?;
    Ok(())
}

/// The status column's value (the record's own spelling).
fn job_status(status: JobStatus) -> &'static str {
    match status {
        JobStatus::Pending => "PENDING",
        JobStatus::Running => "RUNNING",
        JobStatus::Complete => "COMPLETE",
        JobStatus::Failed => "FAILED",
        JobStatus::Cancelled => "CANCELLED",
        JobStatus::Interrupted => "INTERRUPTED",
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
        config.options(format!("-c search_path={schema}"));
        config.application_name(format!("rlm-server:{schema}"));
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(std::time::Duration::from_secs(5));
        }
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig { recycling_method: RecyclingMethod::Verified },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(std::time::Duration::from_secs(10)))
            .create_timeout(Some(std::time::Duration::from_secs(5)))
            .build()
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        let store = PgStore { pool, schema: schema.to_string() };
        store.migrate().await?;
        Ok(store)
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

    /// Marks each of `ids` still pending or running `interrupted` with
    /// `message`, one transaction each (the row locked, the aggregates
    /// moved in it). With `lease_now`, only those whose lease has not been
    /// renewed past it (their process is dead), whose lease then goes.
    /// Returns how many were marked.
    async fn interrupt_each(
        &self,
        ids: &[Uuid],
        message: &str,
        lease_now: Option<Micros>,
    ) -> Result<u64, StoreError> {
        let mut count = 0;
        for &id in ids {
            let mut client = self.client().await?;
            let tx = client.transaction().await.map_err(pg)?;
            let Some(old) = lock_execution(&tx, id).await? else { continue };
            if old.status.is_terminal() {
                continue;
            }
            if let Some(now) = lease_now {
                // Renewed since it was read: its process is alive.
                let renewed = tx
                    .query_opt(
                        "SELECT 1 FROM execution_leases WHERE execution_id = $1 AND expires_at >= $2",
                        &[&id, &now],
                    )
                    .await
                    .map_err(pg)?;
                if renewed.is_some() {
                    continue;
                }
            }
            let mut e = old.clone();
            e.status = ExecutionStatus::Interrupted;
            e.error_message = Some(message.to_string());
            e.completed_at = Some(now_micros());
            write_execution(&tx, Some(&old), Some(&e)).await?;
            if lease_now.is_some() {
                tx.execute("DELETE FROM execution_leases WHERE execution_id = $1", &[&id])
                    .await
                    .map_err(pg)?;
            }
            tx.commit().await.map_err(pg)?;
            count += 1;
        }
        Ok(count)
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

    async fn count(&self, owner: &str, kind: &str) -> Result<u64, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt("SELECT value FROM counts WHERE owner = $1 AND kind = $2", &[&owner, &kind])
            .await
            .map_err(pg)?;
        Ok(row.map_or(0, |r| r.get::<_, i64>(0).max(0) as u64))
    }

    async fn aggregate(
        &self,
        client: &tokio_postgres::Client,
        owner: &str,
        session: Uuid,
    ) -> Result<Aggregate, StoreError> {
        let row = client
            .query_opt(
                "SELECT agg FROM aggregates WHERE owner = $1 AND session_id = $2",
                &[&owner, &session],
            )
            .await
            .map_err(pg)?;
        match row {
            Some(r) if !r.get::<_, &str>(0).is_empty() => decode("aggregate", r.get(0)),
            _ => Ok(Aggregate::default()),
        }
    }

    /// A scope's timeline: the minute buckets' first and last say the span,
    /// then one range read of at most 60 buckets.
    async fn timeline(
        &self,
        client: &tokio_postgres::Client,
        scope: &str,
    ) -> Result<(u64, Vec<StoredBucket>), StoreError> {
        let row = client
            .query_one(
                "SELECT min(bucket), max(bucket) FROM buckets WHERE scope = $1 AND width = 0",
                &[&scope],
            )
            .await
            .map_err(pg)?;
        let (Some(oldest), Some(newest)) =
            (row.get::<_, Option<i64>>(0), row.get::<_, Option<i64>>(1))
        else {
            return Ok((0, Vec::new()));
        };
        let (width, first, last) = timeline_span(oldest, newest);
        let secs = BUCKET_SECS[width] as i64;
        let mut buckets: Vec<StoredBucket> = (first..=last)
            .map(|b| StoredBucket { start_secs: b * secs, totals: BucketTotals::default() })
            .collect();
        let rows = client
            .query(
                "SELECT bucket, executions, completed, failed, tokens, cost_nano FROM buckets
                 WHERE scope = $1 AND width = $2 AND bucket BETWEEN $3 AND $4",
                &[&scope, &(width as i32), &first, &last],
            )
            .await
            .map_err(pg)?;
        for r in rows {
            let n: i64 = r.get(0);
            let whole = |i: usize| r.get::<_, i64>(i).max(0) as u64;
            if let Some(b) = usize::try_from(n - first).ok().and_then(|i| buckets.get_mut(i)) {
                b.totals = BucketTotals {
                    executions: whole(1),
                    completed: whole(2),
                    failed: whole(3),
                    tokens: whole(4),
                    cost_nano: r.get(5),
                };
            }
        }
        Ok((secs as u64, buckets))
    }

    /// Applies `change` to a job in one transaction if `allowed` says so;
    /// the new record, or `None` if the job is missing or refused.
    async fn update_job(
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

#[async_trait::async_trait]
impl Store for PgStore {
    async fn put_session(&self, session: &SessionRecord) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg)?;
        match lock_session(&tx, session.id).await? {
            None => {
                let inserted = tx
                    .execute(
                        "INSERT INTO sessions (id, owner, created_at, record) VALUES ($1, $2, $3, $4)
                         ON CONFLICT (id) DO NOTHING",
                        &[&session.id, &session.owner, &session.created_at, &encode(session)?],
                    )
                    .await
                    .map_err(pg)?;
                if inserted == 1 {
                    add_count(&tx, &session.owner, "sessions", 1).await?;
                    add_count(&tx, &session.owner, "context_bytes", context_bytes(session)).await?;
                }
            }
            Some(stored) => {
                let delta = context_bytes(session) - context_bytes(&stored);
                add_count(&tx, &stored.owner, "context_bytes", delta).await?;
                // As on sled: state, history, owner and creation time stand.
                let record = SessionRecord {
                    state: stored.state,
                    history_len: stored.history_len,
                    owner: stored.owner,
                    created_at: stored.created_at,
                    ..session.clone()
                };
                write_session(&tx, &record).await?;
            }
        }
        tx.commit().await.map_err(pg)
    }

    async fn get_session(&self, id: Uuid) -> Result<Option<SessionRecord>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt("SELECT record FROM sessions WHERE id = $1", &[&id])
            .await
            .map_err(pg)?;
        row.map(|r| decode("session", r.get(0))).transpose()
    }

    async fn list_sessions(
        &self,
        owner: &str,
        page: &PageRequest,
    ) -> Result<Listed<SessionRecord>, StoreError> {
        let cursor = cursor_of(page)?;
        let total = self.count(owner, "sessions").await? as usize;
        let (before_at, before_id) = cursor.unwrap_or((i64::MAX, Uuid::max()));
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT created_at, id, record FROM sessions
                 WHERE owner = $1 AND (created_at, id) < ($2, $3)
                 ORDER BY created_at DESC, id DESC LIMIT $4 OFFSET $5",
                &[
                    &owner,
                    &before_at,
                    &before_id,
                    &big_usize(page.limit.saturating_add(1)),
                    &big_usize(page.offset),
                ],
            )
            .await
            .map_err(pg)?;
        let rows = rows
            .iter()
            .map(|r| Ok((r.get(0), r.get(1), decode("session", r.get(2))?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(paged(rows, page.limit, total))
    }

    async fn owner_usage(&self, owner: &str) -> Result<OwnerUsage, StoreError> {
        Ok(OwnerUsage {
            sessions: self.count(owner, "sessions").await?,
            context_bytes: self.count(owner, "context_bytes").await?,
        })
    }

    async fn delete_session(&self, id: Uuid) -> Result<bool, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg)?;
        let Some(stored) = lock_session(&tx, id).await? else { return Ok(false) };
        tx.execute("DELETE FROM sessions WHERE id = $1", &[&id]).await.map_err(pg)?;
        tx.execute("DELETE FROM session_history WHERE session_id = $1", &[&id])
            .await
            .map_err(pg)?;
        add_count(&tx, &stored.owner, "sessions", -1).await?;
        add_count(&tx, &stored.owner, "context_bytes", -context_bytes(&stored)).await?;
        tx.commit().await.map_err(pg)?;
        Ok(true)
    }

    async fn history(
        &self,
        session: Uuid,
        from: u64,
        limit: usize,
    ) -> Result<HistoryPage, StoreError> {
        let Some(record) = self.get_session(session).await? else {
            return Ok(HistoryPage { turns: Vec::new(), total: 0, next: None });
        };
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT turn, body FROM session_history WHERE session_id = $1 AND turn >= $2
                 ORDER BY turn LIMIT $3",
                &[&session, &big(from), &big_usize(limit)],
            )
            .await
            .map_err(pg)?;
        let turns = rows
            .iter()
            .map(|r| Ok((r.get::<_, i64>(0).max(0) as u64, decode("history turn", r.get(1))?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        let next = turns.last().map(|(n, _)| n + 1).filter(|n| *n < record.history_len);
        Ok(HistoryPage { turns, total: record.history_len, next })
    }

    async fn get_memory(
        &self,
        session: Uuid,
    ) -> Result<serde_json::Map<String, serde_json::Value>, StoreError> {
        Ok(self.get_session(session).await?.map(|s| s.state.memory).unwrap_or_default())
    }

    async fn edit_memory(
        &self,
        session: Uuid,
        edit: &MemoryEdit,
    ) -> Result<Option<bool>, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg)?;
        let Some(mut record) = lock_session(&tx, session).await? else { return Ok(None) };
        if !edit.apply(&mut record.state.memory) {
            return Ok(Some(false));
        }
        record.updated_at = now_micros();
        write_session(&tx, &record).await?;
        tx.commit().await.map_err(pg)?;
        Ok(Some(true))
    }

    async fn put_execution(&self, execution: &ExecutionRecord) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg)?;
        let old = lock_execution(&tx, execution.id).await?;
        write_execution(&tx, old.as_ref(), Some(execution)).await?;
        tx.commit().await.map_err(pg)
    }

    async fn get_execution(&self, id: Uuid) -> Result<Option<ExecutionRecord>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt("SELECT record FROM executions WHERE id = $1", &[&id])
            .await
            .map_err(pg)?;
        row.map(|r| decode("execution", r.get(0))).transpose()
    }

    async fn list_executions(
        &self,
        filter: &ExecutionFilter,
        page: &PageRequest,
    ) -> Result<Listed<ExecutionRecord>, StoreError> {
        let cursor = cursor_of(page)?;
        let (before_at, before_id) = cursor.unwrap_or((i64::MAX, Uuid::max()));
        let client = self.client().await?;
        let total = self
            .aggregate(&client, &filter.owner, filter.session_id.unwrap_or(OWNER_ROW))
            .await?
            .executions as usize;
        let limit = big_usize(page.limit.saturating_add(1));
        let offset = big_usize(page.offset);
        let rows = match filter.session_id {
            Some(s) => {
                client
                    .query(
                        "SELECT created_at, id, record FROM executions
                     WHERE session_id = $1 AND owner = $2 AND (created_at, id) < ($3, $4)
                     ORDER BY created_at DESC, id DESC LIMIT $5 OFFSET $6",
                        &[&s, &filter.owner, &before_at, &before_id, &limit, &offset],
                    )
                    .await
            }
            None => {
                client
                    .query(
                        "SELECT created_at, id, record FROM executions
                     WHERE owner = $1 AND (created_at, id) < ($2, $3)
                     ORDER BY created_at DESC, id DESC LIMIT $4 OFFSET $5",
                        &[&filter.owner, &before_at, &before_id, &limit, &offset],
                    )
                    .await
            }
        }
        .map_err(pg)?;
        let rows = rows
            .iter()
            .map(|r| Ok((r.get(0), r.get(1), decode("execution", r.get(2))?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(paged(rows, page.limit, total))
    }

    async fn delete_execution(&self, id: Uuid) -> Result<bool, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg)?;
        let Some(old) = lock_execution(&tx, id).await? else { return Ok(false) };
        write_execution(&tx, Some(&old), None).await?;
        tx.execute("DELETE FROM checkpoints WHERE execution_id = $1", &[&id]).await.map_err(pg)?;
        tx.commit().await.map_err(pg)?;
        Ok(true)
    }

    async fn ended_executions_before(
        &self,
        before: Micros,
        limit: usize,
    ) -> Result<Vec<Uuid>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT id FROM executions WHERE created_at < $1 AND terminal
                 ORDER BY created_at, id LIMIT $2",
                &[&before, &big_usize(limit)],
            )
            .await
            .map_err(pg)?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    async fn stats(&self, owner: &str, session: Option<Uuid>) -> Result<StatsSnapshot, StoreError> {
        let client = self.client().await?;
        let (totals, per_session, scope) = match session {
            Some(s) => {
                let a = self.aggregate(&client, owner, s).await?;
                let per_session = if a.executions > 0 { vec![(s, a.clone())] } else { Vec::new() };
                (a, per_session, session_scope(s))
            }
            None => {
                let rows = client
                    .query(
                        "SELECT session_id, agg FROM aggregates WHERE owner = $1 AND session_id <> $2
                         ORDER BY session_id",
                        &[&owner, &OWNER_ROW],
                    )
                    .await
                    .map_err(pg)?;
                let mut per_session = Vec::new();
                for r in rows {
                    let text: &str = r.get(1);
                    if !text.is_empty() {
                        per_session.push((r.get(0), decode("aggregate", text)?));
                    }
                }
                let totals = self.aggregate(&client, owner, OWNER_ROW).await?;
                (totals, per_session, owner_scope(owner))
            }
        };
        if totals.executions == 0 {
            return Ok(StatsSnapshot { totals, ..StatsSnapshot::default() });
        }
        let (bucket_secs, buckets) = self.timeline(&client, &scope).await?;
        Ok(StatsSnapshot { totals, per_session, bucket_secs, buckets })
    }

    async fn finish_execution(&self, settled: &SettledExecution) -> Result<bool, StoreError> {
        let record = &settled.record;
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg)?;
        let old = lock_execution(&tx, record.id).await?;
        if old.as_ref().is_some_and(|o| o.status.is_terminal()) {
            return Ok(false);
        }
        write_execution(&tx, old.as_ref(), Some(record)).await?;
        tx.execute("DELETE FROM execution_leases WHERE execution_id = $1", &[&record.id])
            .await
            .map_err(pg)?;
        if let Some(session_id) = record.session_id
            && let Some(mut session) = lock_session(&tx, session_id).await?
            && let Some(state) = settled.merged_state(&session.state.memory)
        {
            let first = session.history_len;
            let turns = split_history(&mut session, state, record.id);
            for (n, turn) in turns.iter().enumerate() {
                tx.execute(
                    "INSERT INTO session_history (session_id, turn, body) VALUES ($1, $2, $3)
                     ON CONFLICT (session_id, turn) DO UPDATE SET body = excluded.body",
                    &[&session_id, &big(first + n as u64), &encode(turn)?],
                )
                .await
                .map_err(pg)?;
            }
            session.updated_at = record.completed_at.unwrap_or(session.updated_at);
            write_session(&tx, &session).await?;
        }
        tx.commit().await.map_err(pg)?;
        Ok(true)
    }

    async fn interrupt_running_executions(&self, message: &str) -> Result<u64, StoreError> {
        let ids: Vec<Uuid> = {
            let client = self.client().await?;
            let rows = client
                .query("SELECT id FROM executions WHERE NOT terminal", &[])
                .await
                .map_err(pg)?;
            rows.iter().map(|r| r.get(0)).collect()
        };
        self.interrupt_each(&ids, message, None).await
    }

    fn shared(&self) -> bool {
        true
    }

    async fn renew_execution_leases(
        &self,
        holder: &str,
        executions: &[Uuid],
        until: Micros,
    ) -> Result<(), StoreError> {
        if executions.is_empty() {
            return Ok(());
        }
        let client = self.client().await?;
        let ids: Vec<Uuid> = executions.to_vec();
        client
            .execute(
                "INSERT INTO execution_leases (execution_id, holder, expires_at)
                 SELECT id, $2, $3 FROM unnest($1::uuid[]) AS id
                 ON CONFLICT (execution_id) DO UPDATE
                 SET holder = excluded.holder, expires_at = excluded.expires_at",
                &[&ids, &holder, &until],
            )
            .await
            .map_err(pg)?;
        Ok(())
    }

    async fn interrupt_expired_executions(
        &self,
        now: Micros,
        unleased_before: Micros,
        message: &str,
    ) -> Result<u64, StoreError> {
        let ids: Vec<Uuid> = {
            let client = self.client().await?;
            let rows = client
                .query(
                    "SELECT e.id FROM executions e
                     LEFT JOIN execution_leases l ON l.execution_id = e.id
                     WHERE NOT e.terminal
                       AND (l.expires_at < $1 OR (l.expires_at IS NULL AND e.created_at < $2))",
                    &[&now, &unleased_before],
                )
                .await
                .map_err(pg)?;
            rows.iter().map(|r| r.get(0)).collect()
        };
        self.interrupt_each(&ids, message, Some(now)).await
    }

    async fn append_trace_encoded(
        &self,
        execution: Uuid,
        events: &[EncodedEvent<'_>],
    ) -> Result<(), StoreError> {
        if events.is_empty() {
            return Ok(());
        }
        // One row per position, the last event given for it winning (as on sled).
        let mut by_position: BTreeMap<i64, &str> = BTreeMap::new();
        for e in events {
            by_position.insert(big(e.position), e.json.as_ref());
        }
        let ids = vec![execution; by_position.len()];
        let (positions, bodies): (Vec<i64>, Vec<&str>) = by_position.into_iter().unzip();
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO trace (execution_id, position, event)
                 SELECT * FROM unnest($1::uuid[], $2::int8[], $3::text[])
                 ON CONFLICT (execution_id, position) DO UPDATE SET event = excluded.event",
                &[&ids, &positions, &bodies],
            )
            .await
            .map_err(pg)?;
        Ok(())
    }

    async fn trace(&self, execution: Uuid) -> Result<Vec<StreamedEvent>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT position, event FROM trace WHERE execution_id = $1 ORDER BY position",
                &[&execution],
            )
            .await
            .map_err(pg)?;
        rows.iter()
            .map(|r| {
                Ok(StreamedEvent {
                    position: r.get::<_, i64>(0).max(0) as u64,
                    event: decode("trace event", r.get(1))?,
                })
            })
            .collect()
    }

    async fn drop_trace_from(&self, execution: Uuid, position: u64) -> Result<u64, StoreError> {
        let client = self.client().await?;
        client
            .execute(
                "DELETE FROM trace WHERE execution_id = $1 AND position >= $2",
                &[&execution, &big(position)],
            )
            .await
            .map_err(pg)
    }

    async fn enqueue_job(&self, job: &JobRecord) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg)?;
        let row = tx
            .query_one(
                "INSERT INTO jobs (id, owner, created_at, status, record) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (id) DO UPDATE SET status = excluded.status, record = excluded.record
                 RETURNING (xmax = 0)",
                &[&job.id, &job.owner, &job.created_at, &job_status(job.status), &encode(job)?],
            )
            .await
            .map_err(pg)?;
        if row.get::<_, bool>(0) {
            add_count(&tx, &job.owner, "jobs", 1).await?;
        }
        tx.commit().await.map_err(pg)
    }

    async fn get_job(&self, id: Uuid) -> Result<Option<JobRecord>, StoreError> {
        let client = self.client().await?;
        let row =
            client.query_opt("SELECT record FROM jobs WHERE id = $1", &[&id]).await.map_err(pg)?;
        row.map(|r| decode("job", r.get(0))).transpose()
    }

    async fn list_jobs(
        &self,
        owner: &str,
        page: &PageRequest,
    ) -> Result<Listed<JobRecord>, StoreError> {
        let cursor = cursor_of(page)?;
        let total = self.count(owner, "jobs").await? as usize;
        let (before_at, before_id) = cursor.unwrap_or((i64::MAX, Uuid::max()));
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT created_at, id, record FROM jobs
                 WHERE owner = $1 AND (created_at, id) < ($2, $3)
                 ORDER BY created_at DESC, id DESC LIMIT $4 OFFSET $5",
                &[
                    &owner,
                    &before_at,
                    &before_id,
                    &big_usize(page.limit.saturating_add(1)),
                    &big_usize(page.offset),
                ],
            )
            .await
            .map_err(pg)?;
        let rows = rows
            .iter()
            .map(|r| Ok((r.get(0), r.get(1), decode("job", r.get(2))?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(paged(rows, page.limit, total))
    }

    async fn pending_jobs(&self) -> Result<usize, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_one("SELECT count(*) FROM jobs WHERE status = 'PENDING'", &[])
            .await
            .map_err(pg)?;
        Ok(row.get::<_, i64>(0).max(0) as usize)
    }

    async fn claim_job(
        &self,
        worker: &str,
        lease_until: Micros,
    ) -> Result<Option<JobRecord>, StoreError> {
        let mut client = self.client().await?;
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

    async fn take_job(
        &self,
        id: Uuid,
        worker: &str,
        lease_until: Micros,
    ) -> Result<Option<JobRecord>, StoreError> {
        let taken = self
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
            None => self.get_job(id).await,
        }
    }

    async fn set_job_execution(
        &self,
        id: Uuid,
        worker: &str,
        execution: Uuid,
    ) -> Result<(), StoreError> {
        self.update_job(
            id,
            |job| job.lease.as_ref().is_some_and(|l| l.worker == worker),
            |job| job.execution_id = Some(execution),
        )
        .await?;
        Ok(())
    }

    async fn heartbeat_job(
        &self,
        id: Uuid,
        worker: &str,
        lease_until: Micros,
    ) -> Result<Option<JobRecord>, StoreError> {
        self.update_job(
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

    async fn finish_job(
        &self,
        id: Uuid,
        worker: &str,
        outcome: &JobOutcome,
    ) -> Result<bool, StoreError> {
        let done = self
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

    async fn request_cancel_job(&self, id: Uuid) -> Result<Option<CancelRequest>, StoreError> {
        let mut client = self.client().await?;
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

    async fn interrupt_expired_jobs(
        &self,
        now: Micros,
        message: &str,
    ) -> Result<Vec<Uuid>, StoreError> {
        let running: Vec<Uuid> = {
            let client = self.client().await?;
            let rows = client
                .query("SELECT id FROM jobs WHERE status = 'RUNNING'", &[])
                .await
                .map_err(pg)?;
            rows.iter().map(|r| r.get(0)).collect()
        };
        let expired = |j: &JobRecord| {
            j.status == JobStatus::Running && j.lease.as_ref().is_none_or(|l| l.expires_at < now)
        };
        let mut ids = Vec::new();
        for id in running {
            let changed = self
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

    async fn save_checkpoint(
        &self,
        execution: Uuid,
        checkpoint: &CheckpointRecord,
    ) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let step = i32::try_from(checkpoint.step).map_err(|_| StoreError::Corrupt {
            what: "checkpoint".into(),
            message: format!("step {} is out of range", checkpoint.step),
        })?;
        let written = client
            .execute(
                "INSERT INTO checkpoints (execution_id, step, saved_at, body)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (execution_id) DO UPDATE
                 SET step = EXCLUDED.step, saved_at = EXCLUDED.saved_at, body = EXCLUDED.body
                 WHERE checkpoints.step < EXCLUDED.step",
                &[&execution, &step, &checkpoint.saved_at, &checkpoint.body],
            )
            .await
            .map_err(pg)?;
        Ok(written == 1)
    }

    async fn load_checkpoint(
        &self,
        execution: Uuid,
    ) -> Result<Option<CheckpointRecord>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT step, saved_at, body FROM checkpoints WHERE execution_id = $1",
                &[&execution],
            )
            .await
            .map_err(pg)?;
        let Some(row) = row else { return Ok(None) };
        let step: i32 = row.get(0);
        let step = u32::try_from(step).map_err(|_| StoreError::Corrupt {
            what: "checkpoint".into(),
            message: format!("step {step} is negative"),
        })?;
        Ok(Some(CheckpointRecord { step, saved_at: row.get(1), body: row.get(2) }))
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
