//! Counts, per-session aggregates and time buckets: moved in the
//! transaction of the record they describe, read by `/api/stats` without
//! scanning records.

use std::collections::BTreeMap;

use uuid::Uuid;

use super::sql::{Tx, big, decode, encode, owner_scope, pg, prepared, session_scope};
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

/// The shard of the owner's rows a new execution is counted in; kept with
/// its row (`executions.agg_shard`), so every later write of it takes out
/// of and puts into that one shard (an execution a version-9 store counted
/// has shard 0). A session's rows are all in shard 0.
pub(super) fn new_shard() -> i32 {
    let n = NEXT_SHARD.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    (n % OWNER_SHARDS) as i32
}

/// Puts `old`'s share out of and `new`'s into the aggregates and time
/// buckets (the owner's in `shard`, the execution's), inside the write's
/// transaction. Aggregate rows are locked in key order; bucket rows change
/// by one statement whose rows are in key order.
pub(super) async fn apply_aggregates(
    tx: &Tx<'_>,
    (old, new): (Option<&ExecutionRecord>, Option<&ExecutionRecord>),
    shard: i32,
) -> Result<(), StoreError> {
    if old.map(contribution) == new.map(contribution) {
        return Ok(());
    }
    let changes: Vec<(&ExecutionRecord, bool)> =
        old.map(|o| (o, false)).into_iter().chain(new.map(|n| (n, true))).collect();
    apply_to_aggregates(tx, &changes, shard).await?;
    apply_to_buckets(tx, &changes, shard).await
}

/// The aggregates' part of [`apply_aggregates`]: each row read, changed and
/// written back.
async fn apply_to_aggregates(
    tx: &Tx<'_>,
    changes: &[(&ExecutionRecord, bool)],
    shard: i32,
) -> Result<(), StoreError> {
    type Row = (String, Uuid, i32);
    let mut aggregates: BTreeMap<Row, Vec<(&ExecutionRecord, bool)>> = BTreeMap::new();
    for (e, add) in changes {
        let owner_row = (e.owner.clone(), OWNER_ROW, shard);
        aggregates.entry(owner_row).or_default().push((e, *add));
        if let Some(s) = e.session_id {
            aggregates.entry((e.owner.clone(), s, 0)).or_default().push((e, *add));
        }
    }
    for ((owner, session, shard), applied) in aggregates {
        // Made if missing and locked, in one statement (its stored value back).
        let row = tx
            .query_one(
                &prepared(
                    tx,
                    "INSERT INTO aggregates (owner, session_id, shard, agg) VALUES ($1, $2, $3, '')
                     ON CONFLICT (owner, session_id, shard) DO UPDATE SET agg = aggregates.agg
                     RETURNING agg",
                )
                .await?,
                &[&owner, &session, &shard],
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
                &prepared(
                    tx,
                    "DELETE FROM aggregates WHERE owner = $1 AND session_id = $2 AND shard = $3",
                )
                .await?,
                &[&owner, &session, &shard],
            )
            .await
            .map_err(pg)?;
        } else {
            tx.execute(
                &prepared(tx, "UPDATE aggregates SET agg = $4 WHERE owner = $1 AND session_id = $2 AND shard = $3").await?,
                &[&owner, &session, &shard, &encode(&a)?],
            )
            .await
            .map_err(pg)?;
        }
    }
    Ok(())
}

/// The buckets' part of [`apply_aggregates`]: signed deltas per key, one
/// upsert, then the emptied ones out.
async fn apply_to_buckets(
    tx: &Tx<'_>,
    changes: &[(&ExecutionRecord, bool)],
    shard: i32,
) -> Result<(), StoreError> {
    let mut deltas: BTreeMap<(String, i32, i64, i32), [i64; 5]> = BTreeMap::new();
    for (e, add) in changes {
        let mut one = BucketTotals::default();
        one.apply(e, true);
        let sign = if *add { 1 } else { -1 };
        let mut scopes = vec![(owner_scope(&e.owner), shard)];
        if let Some(s) = e.session_id {
            scopes.push((session_scope(s), 0));
        }
        for (scope, shard) in scopes {
            for width in 0..BUCKET_SECS.len() {
                let key = (scope.clone(), width as i32, bucket_of(e.created_at, width), shard);
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
    tx.execute(
        &prepared(tx, "INSERT INTO buckets (scope, width, bucket, shard, executions, completed, failed, tokens,
                              cost_nano)
         SELECT * FROM unnest($1::text[], $2::int4[], $3::int8[], $4::int4[], $5::int8[],
                              $6::int8[], $7::int8[], $8::int8[], $9::int8[])
         ON CONFLICT (scope, width, bucket, shard) DO UPDATE SET
             executions = buckets.executions + excluded.executions,
             completed = buckets.completed + excluded.completed,
             failed = buckets.failed + excluded.failed,
             tokens = buckets.tokens + excluded.tokens,
             cost_nano = buckets.cost_nano + excluded.cost_nano").await?,
        &[
            &cols.0, &cols.1, &cols.2, &cols.3, &values[0], &values[1], &values[2], &values[3],
            &values[4],
        ],
    )
    .await
    .map_err(pg)?;
    // Only a delta taking something out can empty a bucket.
    if values[0].iter().all(|n| *n > 0) {
        return Ok(());
    }
    tx.execute(
        &prepared(tx, "DELETE FROM buckets b
         USING unnest($1::text[], $2::int4[], $3::int8[], $4::int4[]) AS k(scope, width, bucket, shard)
         WHERE b.scope = k.scope AND b.width = k.width AND b.bucket = k.bucket
           AND b.shard = k.shard AND b.executions <= 0").await?,
        &[&cols.0, &cols.1, &cols.2, &cols.3],
    )
    .await
    .map_err(pg)?;
    Ok(())
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
