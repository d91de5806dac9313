//! Counts, per-session aggregates and time buckets: moved in the
//! transaction of the record they describe, read by `/api/stats` without
//! scanning records.

use std::collections::BTreeMap;

use uuid::Uuid;

use super::sql::{Tx, big, decode, encode, first_cause, owner_scope, pg, prepared, session_scope};
use super::{OWNER_ROW, PgStore};
use crate::store::aggregate::{
    Aggregate, BUCKET_SECS, BucketTotals, StatsSnapshot, StoredBucket, bucket_of, contribution,
    timeline_span,
};
use crate::store::errors::StoreError;
use crate::store::records::{ExecutionRecord, SessionRecord};
use crate::store::traits::StatsStore;

/// Adds `delta` to an owner's count (never below zero).
pub(super) async fn add_count(
    tx: &Tx<'_>,
    owner: &str,
    kind: &str,
    delta: i64,
) -> Result<(), StoreError> {
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
/// Moves the reference counts of the blobs a record named (`old`) and names
/// (`new`), inside the record's write (a count that reaches 0 goes).
pub(super) async fn move_blob_refs(
    tx: &Tx<'_>,
    old: Option<&str>,
    new: Option<&str>,
) -> Result<(), StoreError> {
    if old == new {
        return Ok(());
    }
    if let Some(name) = old {
        let last = tx
            .execute("DELETE FROM blob_refs WHERE name = $1 AND refs <= 1", &[&name])
            .await
            .map_err(pg)?;
        if last == 0 {
            tx.execute("UPDATE blob_refs SET refs = refs - 1 WHERE name = $1", &[&name])
                .await
                .map_err(pg)?;
        }
    }
    if let Some(name) = new {
        tx.execute(
            "INSERT INTO blob_refs (name, refs) VALUES ($1, 1)
             ON CONFLICT (name) DO UPDATE SET refs = blob_refs.refs + 1",
            &[&name],
        )
        .await
        .map_err(pg)?;
    }
    Ok(())
}

pub(super) fn context_bytes(session: &SessionRecord) -> i64 {
    session.context.as_ref().map_or(0, |c| big(c.bytes))
}

/// How many shards an owner's aggregate and buckets are kept in (migration
/// 10): its executions' writes lock one shard's rows each, until their
/// commit is flushed, so this many of them may write at once.
const OWNER_SHARDS: usize = 64;

/// The next shard this process counts a new execution in: the shards in
/// turn, from a place of the process's own, so the executions running at
/// once here are in different shards (an id's hash put 2 of 32 in one shard
/// a third of the time).
static NEXT_SHARD: std::sync::LazyLock<std::sync::atomic::AtomicUsize> =
    std::sync::LazyLock::new(|| std::sync::atomic::AtomicUsize::new(std::process::id() as usize));

/// The shard of the owner's rows a new execution (or a batch of them written
/// together) is counted in; kept with its row (`executions.agg_shard`), so
/// every later write of it takes out of and puts into that one shard (an
/// execution a version-9 store counted has shard 0). A session's rows are
/// all in shard 0.
pub(super) fn new_shard() -> i32 {
    let n = NEXT_SHARD.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    (n % OWNER_SHARDS) as i32
}

/// One execution's share put into (`add`) or taken out of the aggregates
/// and time buckets, in the owner's `shard` (the execution's).
#[derive(Debug, Clone, Copy)]
pub(super) struct Change<'a> {
    pub record: &'a ExecutionRecord,
    pub add: bool,
    pub shard: i32,
}

/// Puts `old`'s share out of and `new`'s into the aggregates and time
/// buckets (the owner's in `shard`, the execution's), inside the write's
/// transaction.
pub(super) async fn apply_aggregates(
    tx: &Tx<'_>,
    (old, new): (Option<&ExecutionRecord>, Option<&ExecutionRecord>),
    shard: i32,
) -> Result<(), StoreError> {
    if old.map(contribution) == new.map(contribution) {
        return Ok(());
    }
    let changes: Vec<Change> = old
        .map(|record| Change { record, add: false, shard })
        .into_iter()
        .chain(new.map(|record| Change { record, add: true, shard }))
        .collect();
    apply_changes(tx, &changes).await
}

/// Every change of `changes` (of one execution or of a batch of them) in
/// a fixed number of statements: the aggregate rows locked in key order
/// by one, written back by one and the emptied ones deleted by one; the
/// buckets by one upsert whose rows are in key order, and one delete.
pub(super) async fn apply_changes(tx: &Tx<'_>, changes: &[Change<'_>]) -> Result<(), StoreError> {
    if changes.is_empty() {
        return Ok(());
    }
    // Independent rows: the two sent together (one round trip).
    first_cause(futures::join!(apply_to_aggregates(tx, changes), apply_to_buckets(tx, changes)))?;
    Ok(())
}

/// Prepares every statement [`apply_changes`] may send (the connection's
/// cache), before a pipelined join that holds it: each of its statements
/// is then sent when the join first polls it, in the join's order, so
/// every transaction locks aggregate and bucket rows before the rows the
/// join names after them (sessions), whatever its connection has cached.
/// Uncached, a prepare's round trip let the sessions' lock go first on
/// one connection and last on another: a deadlock.
pub(super) async fn prepare_changes(tx: &Tx<'_>) -> Result<(), StoreError> {
    const STATEMENTS: [&str; 5] = [
        LOCK_AGGREGATES,
        WRITE_AGGREGATES,
        DELETE_AGGREGATES,
        UPSERT_BUCKETS,
        DELETE_EMPTY_BUCKETS,
    ];
    for sql in STATEMENTS {
        prepared(tx, sql).await?;
    }
    Ok(())
}

/// An aggregate row's key: owner, session (the nil UUID for the owner's
/// own) and shard.
type AggKey = (String, Uuid, i32);

/// Made if missing and locked, every row in one statement (its stored
/// value back).
const LOCK_AGGREGATES: &str = "INSERT INTO aggregates (owner, session_id, shard, agg)
     SELECT k.owner, k.session_id, k.shard, ''
     FROM unnest($1::text[], $2::uuid[], $3::int4[]) AS k(owner, session_id, shard)
     ON CONFLICT (owner, session_id, shard) DO UPDATE SET agg = aggregates.agg
     RETURNING owner, session_id, shard, agg";

const WRITE_AGGREGATES: &str = "UPDATE aggregates a SET agg = k.agg
     FROM unnest($1::text[], $2::uuid[], $3::int4[], $4::text[]) AS k(owner, session_id, shard, agg)
     WHERE a.owner = k.owner AND a.session_id = k.session_id AND a.shard = k.shard";

const DELETE_AGGREGATES: &str = "DELETE FROM aggregates a
     USING unnest($1::text[], $2::uuid[], $3::int4[]) AS k(owner, session_id, shard)
     WHERE a.owner = k.owner AND a.session_id = k.session_id AND a.shard = k.shard";

/// The aggregates' part of [`apply_changes`]: the rows read under lock,
/// changed, and written back (or deleted once they count nothing).
async fn apply_to_aggregates(tx: &Tx<'_>, changes: &[Change<'_>]) -> Result<(), StoreError> {
    let mut aggregates: BTreeMap<AggKey, Vec<&Change>> = BTreeMap::new();
    for c in changes {
        let owner_row = (c.record.owner.clone(), OWNER_ROW, c.shard);
        aggregates.entry(owner_row).or_default().push(c);
        if let Some(s) = c.record.session_id {
            aggregates.entry((c.record.owner.clone(), s, 0)).or_default().push(c);
        }
    }
    let (owners, sessions, shards) = agg_columns(aggregates.keys().cloned());
    let rows = tx
        .query(&prepared(tx, LOCK_AGGREGATES).await?, &[&owners, &sessions, &shards])
        .await
        .map_err(pg)?;
    let mut stored: BTreeMap<AggKey, Aggregate> = BTreeMap::new();
    for r in &rows {
        let text: &str = r.get(3);
        let a = if text.is_empty() { Aggregate::default() } else { decode("aggregate", text)? };
        stored.insert((r.get(0), r.get(1), r.get(2)), a);
    }
    let (mut kept, mut kept_aggs, mut emptied) = (Vec::new(), Vec::new(), Vec::new());
    for (key, applied) in aggregates {
        let mut a = stored.remove(&key).unwrap_or_default();
        for c in applied {
            a.apply(c.record, c.add);
        }
        if a.executions == 0 {
            emptied.push(key);
        } else {
            kept_aggs.push(encode(&a)?);
            kept.push(key);
        }
    }
    if !kept.is_empty() {
        let (owners, sessions, shards) = agg_columns(kept);
        tx.execute(
            &prepared(tx, WRITE_AGGREGATES).await?,
            &[&owners, &sessions, &shards, &kept_aggs],
        )
        .await
        .map_err(pg)?;
    }
    if !emptied.is_empty() {
        let (owners, sessions, shards) = agg_columns(emptied);
        tx.execute(&prepared(tx, DELETE_AGGREGATES).await?, &[&owners, &sessions, &shards])
            .await
            .map_err(pg)?;
    }
    Ok(())
}

/// Aggregate keys as the three array parameters of the statements above.
fn agg_columns(keys: impl IntoIterator<Item = AggKey>) -> (Vec<String>, Vec<Uuid>, Vec<i32>) {
    let mut columns: (Vec<String>, Vec<Uuid>, Vec<i32>) = Default::default();
    for (owner, session, shard) in keys {
        columns.0.push(owner);
        columns.1.push(session);
        columns.2.push(shard);
    }
    columns
}

/// Adds each bucket key's signed deltas, the bucket upsert, in key order.
const UPSERT_BUCKETS: &str = "INSERT INTO buckets (scope, width, bucket, shard, executions,
         completed, failed, tokens, cost_nano)
     SELECT * FROM unnest($1::text[], $2::int4[], $3::int8[], $4::int4[], $5::int8[],
                          $6::int8[], $7::int8[], $8::int8[], $9::int8[])
     ON CONFLICT (scope, width, bucket, shard) DO UPDATE SET
         executions = buckets.executions + excluded.executions,
         completed = buckets.completed + excluded.completed,
         failed = buckets.failed + excluded.failed,
         tokens = buckets.tokens + excluded.tokens,
         cost_nano = buckets.cost_nano + excluded.cost_nano";

/// The keys' buckets that count no execution now, out.
const DELETE_EMPTY_BUCKETS: &str = "DELETE FROM buckets b
     USING unnest($1::text[], $2::int4[], $3::int8[], $4::int4[]) AS k(scope, width, bucket, shard)
     WHERE b.scope = k.scope AND b.width = k.width AND b.bucket = k.bucket
       AND b.shard = k.shard AND b.executions <= 0";

/// The buckets' part of [`apply_changes`]: signed deltas per key, one
/// upsert, then the emptied ones out.
async fn apply_to_buckets(tx: &Tx<'_>, changes: &[Change<'_>]) -> Result<(), StoreError> {
    let deltas = bucket_deltas(changes);
    if deltas.is_empty() {
        return Ok(());
    }
    let mut cols: (Vec<String>, Vec<i32>, Vec<i64>, Vec<i32>) = Default::default();
    let mut values: [Vec<i64>; 5] = Default::default();
    for ((scope, width, bucket, shard), d) in deltas {
        cols.0.push(scope);
        cols.1.push(width);
        cols.2.push(bucket);
        cols.3.push(shard);
        for (i, v) in d.into_iter().enumerate() {
            values[i].push(v);
        }
    }
    let upsert = async {
        tx.execute(
            &prepared(tx, UPSERT_BUCKETS).await?,
            &[
                &cols.0, &cols.1, &cols.2, &cols.3, &values[0], &values[1], &values[2], &values[3],
                &values[4],
            ],
        )
        .await
        .map_err(pg)
    };
    // Only a delta taking something out can empty a bucket. The delete is
    // sent with the upsert (one round trip) and runs after it.
    if values[0].iter().all(|n| *n > 0) {
        upsert.await?;
        return Ok(());
    }
    let delete = async {
        tx.execute(
            &prepared(tx, DELETE_EMPTY_BUCKETS).await?,
            &[&cols.0, &cols.1, &cols.2, &cols.3],
        )
        .await
        .map_err(pg)
    };
    first_cause(futures::join!(upsert, delete))?;
    Ok(())
}

/// The signed deltas of `changes` per bucket key (scope, width, bucket,
/// shard), the keys that change nothing left out.
fn bucket_deltas(changes: &[Change<'_>]) -> BTreeMap<(String, i32, i64, i32), [i64; 5]> {
    let mut deltas: BTreeMap<(String, i32, i64, i32), [i64; 5]> = BTreeMap::new();
    for c in changes {
        let mut one = BucketTotals::default();
        one.apply(c.record, true);
        let sign = if c.add { 1 } else { -1 };
        let mut scopes = vec![(owner_scope(&c.record.owner), c.shard)];
        if let Some(s) = c.record.session_id {
            scopes.push((session_scope(s), 0));
        }
        for (scope, shard) in scopes {
            for width in 0..BUCKET_SECS.len() {
                let key =
                    (scope.clone(), width as i32, bucket_of(c.record.created_at, width), shard);
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
    deltas
}

impl PgStore {
    pub(super) async fn count(&self, owner: &str, kind: &str) -> Result<u64, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt("SELECT value FROM counts WHERE owner = $1 AND kind = $2", &[&owner, &kind])
            .await
            .map_err(pg)?;
        Ok(row.map_or(0, |r| r.get::<_, i64>(0).max(0) as u64))
    }

    pub(super) async fn aggregate(
        &self,
        client: &tokio_postgres::Client,
        owner: &str,
        session: Uuid,
    ) -> Result<Aggregate, StoreError> {
        // Its shards, summed.
        let rows = client
            .query(
                "SELECT agg FROM aggregates WHERE owner = $1 AND session_id = $2",
                &[&owner, &session],
            )
            .await
            .map_err(pg)?;
        let mut total = Aggregate::default();
        for r in rows {
            let text: &str = r.get(0);
            if !text.is_empty() {
                total.merge(&decode("aggregate", text)?);
            }
        }
        Ok(total)
    }

    /// A scope's timeline: the minute buckets' first and last say the span,
    /// then one range read of at most 60 buckets.
    pub(super) async fn timeline(
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
                "SELECT bucket, sum(executions)::int8, sum(completed)::int8, sum(failed)::int8,
                        sum(tokens)::int8, sum(cost_nano)::int8 FROM buckets
                 WHERE scope = $1 AND width = $2 AND bucket BETWEEN $3 AND $4
                 GROUP BY bucket",
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
}

#[async_trait::async_trait]
impl StatsStore for PgStore {
    async fn stats(&self, owner: &str, session: Option<Uuid>) -> Result<StatsSnapshot, StoreError> {
        self.reading(move || async move {
            let client = self.client().await?;
            let (totals, per_session, scope) = match session {
                Some(s) => {
                    let a = self.aggregate(&client, owner, s).await?;
                    let per_session =
                        if a.executions > 0 { vec![(s, a.clone())] } else { Vec::new() };
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
                    // A session's shards are consecutive rows: summed.
                    let mut per_session: Vec<(Uuid, Aggregate)> = Vec::new();
                    for r in rows {
                        let (id, text): (Uuid, &str) = (r.get(0), r.get(1));
                        if text.is_empty() {
                            continue;
                        }
                        let a: Aggregate = decode("aggregate", text)?;
                        match per_session.last_mut() {
                            Some((last, sum)) if *last == id => sum.merge(&a),
                            _ => per_session.push((id, a)),
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
        })
        .await
    }
}
