//! Counts, per-session aggregates and time buckets: moved in the
//! transaction of the record they describe, read by `/api/stats` without
//! scanning records.

use std::collections::BTreeMap;

use uuid::Uuid;

use super::hot_buckets::{Deltas, HotBuckets, add_into};
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
/// by one; then, sent together, the rows written back with their newest
/// buckets (`hot_buckets.rs`) by one, the emptied ones deleted by one, and
/// the older buckets' changes by one upsert whose rows are in key order
/// and one delete (none in the common case).
pub(super) async fn apply_changes(tx: &Tx<'_>, changes: &[Change<'_>]) -> Result<(), StoreError> {
    if changes.is_empty() {
        return Ok(());
    }
    let mut aggregates: BTreeMap<AggKey, Vec<&Change>> = BTreeMap::new();
    for c in changes {
        let owner_row = (c.record.owner.clone(), OWNER_ROW, c.shard);
        aggregates.entry(owner_row).or_default().push(c);
        if let Some(s) = c.record.session_id {
            aggregates.entry((c.record.owner.clone(), s, 0)).or_default().push(c);
        }
    }
    let mut stored = lock_aggregates(tx, aggregates.keys().cloned()).await?;
    let mut deltas = bucket_deltas(changes);
    let mut cold: BTreeMap<BucketKey, Deltas> = BTreeMap::new();
    let (mut kept, mut emptied) = (Vec::new(), Vec::new());
    for (key, applied) in aggregates {
        let (mut a, mut hot) = stored.remove(&key).unwrap_or_default();
        for c in applied {
            a.apply(c.record, c.add);
        }
        // A bucket goes to the table rarely: its scope named only then.
        let mut to_cold = |width: usize, bucket: i64, d: &Deltas| {
            let (scope, shard) = bucket_scope(&key);
            add_into(cold.entry((scope, width as i32, bucket, shard)).or_default(), d);
        };
        for ((width, bucket), d) in deltas.remove(&key).unwrap_or_default() {
            hot.add(width, bucket, &d, &mut to_cold);
        }
        if a.executions == 0 {
            hot.drain(&mut to_cold);
            emptied.push(key);
        } else {
            kept.push((key, encode(&a)?, hot.encode()?));
        }
    }
    cold.retain(|_, d| d.iter().any(|v| *v != 0));
    first_cause(futures::join!(
        write_aggregates(tx, kept),
        delete_aggregates(tx, emptied),
        apply_to_buckets(tx, cold),
    ))?;
    Ok(())
}

/// Prepares every statement [`apply_changes`] may send (the connection's
/// cache), before a pipelined join that holds it: each of its statements
/// is then sent when the join first polls it, in the join's order, so
/// every transaction locks its aggregate rows before the rows the join
/// names after them (sessions), whatever its connection has cached.
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

/// A `buckets` row's key: scope, width, bucket and shard.
type BucketKey = (String, i32, i64, i32);

/// Made if missing and locked, every row in one statement (its stored
/// value back).
const LOCK_AGGREGATES: &str = "INSERT INTO aggregates (owner, session_id, shard, agg)
     SELECT k.owner, k.session_id, k.shard, ''
     FROM unnest($1::text[], $2::uuid[], $3::int4[]) AS k(owner, session_id, shard)
     ON CONFLICT (owner, session_id, shard) DO UPDATE SET agg = aggregates.agg
     RETURNING owner, session_id, shard, agg, hot";

const WRITE_AGGREGATES: &str = "UPDATE aggregates a SET agg = k.agg, hot = k.hot
     FROM unnest($1::text[], $2::uuid[], $3::int4[], $4::text[], $5::text[])
         AS k(owner, session_id, shard, agg, hot)
     WHERE a.owner = k.owner AND a.session_id = k.session_id AND a.shard = k.shard";

const DELETE_AGGREGATES: &str = "DELETE FROM aggregates a
     USING unnest($1::text[], $2::uuid[], $3::int4[]) AS k(owner, session_id, shard)
     WHERE a.owner = k.owner AND a.session_id = k.session_id AND a.shard = k.shard";

/// The aggregate rows of `keys` (in key order), made if missing, locked
/// for the transaction: each one's totals and held buckets.
async fn lock_aggregates(
    tx: &Tx<'_>,
    keys: impl IntoIterator<Item = AggKey>,
) -> Result<BTreeMap<AggKey, (Aggregate, HotBuckets)>, StoreError> {
    let (owners, sessions, shards) = agg_columns(keys);
    let rows = tx
        .query(&prepared(tx, LOCK_AGGREGATES).await?, &[&owners, &sessions, &shards])
        .await
        .map_err(pg)?;
    let mut stored = BTreeMap::new();
    for r in &rows {
        let text: &str = r.get(3);
        let a = if text.is_empty() { Aggregate::default() } else { decode("aggregate", text)? };
        stored.insert((r.get(0), r.get(1), r.get(2)), (a, HotBuckets::decode(r.get(4))?));
    }
    Ok(stored)
}

/// Writes back the rows of `kept`: each one's key, totals and held buckets.
async fn write_aggregates(
    tx: &Tx<'_>,
    kept: Vec<(AggKey, String, String)>,
) -> Result<(), StoreError> {
    if kept.is_empty() {
        return Ok(());
    }
    let (mut keys, mut aggs, mut hots) = (Vec::new(), Vec::new(), Vec::new());
    for (key, agg, hot) in kept {
        keys.push(key);
        aggs.push(agg);
        hots.push(hot);
    }
    let (owners, sessions, shards) = agg_columns(keys);
    tx.execute(
        &prepared(tx, WRITE_AGGREGATES).await?,
        &[&owners, &sessions, &shards, &aggs, &hots],
    )
    .await
    .map_err(pg)?;
    Ok(())
}

/// Deletes the rows of `emptied` (they count no execution).
async fn delete_aggregates(tx: &Tx<'_>, emptied: Vec<AggKey>) -> Result<(), StoreError> {
    if emptied.is_empty() {
        return Ok(());
    }
    let (owners, sessions, shards) = agg_columns(emptied);
    tx.execute(&prepared(tx, DELETE_AGGREGATES).await?, &[&owners, &sessions, &shards])
        .await
        .map_err(pg)?;
    Ok(())
}

/// The time buckets' scope and shard an aggregate row's held buckets
/// belong to: the owner's in its shard, or the session's (shard 0).
fn bucket_scope((owner, session, shard): &AggKey) -> (String, i32) {
    if *session == OWNER_ROW { (owner_scope(owner), *shard) } else { (session_scope(*session), 0) }
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
async fn apply_to_buckets(
    tx: &Tx<'_>,
    deltas: BTreeMap<BucketKey, Deltas>,
) -> Result<(), StoreError> {
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

/// The signed deltas of `changes` per aggregate row and (width, bucket),
/// the ones that change nothing left out.
fn bucket_deltas(changes: &[Change<'_>]) -> BTreeMap<AggKey, BTreeMap<(usize, i64), Deltas>> {
    let mut deltas: BTreeMap<AggKey, BTreeMap<(usize, i64), Deltas>> = BTreeMap::new();
    for c in changes {
        let mut one = BucketTotals::default();
        one.apply(c.record, true);
        let sign = if c.add { 1 } else { -1 };
        let delta = [
            sign * big(one.executions),
            sign * big(one.completed),
            sign * big(one.failed),
            sign * big(one.tokens),
            sign * one.cost_nano,
        ];
        let mut rows = vec![(c.record.owner.clone(), OWNER_ROW, c.shard)];
        if let Some(s) = c.record.session_id {
            rows.push((c.record.owner.clone(), s, 0));
        }
        for row in rows {
            let of_row = deltas.entry(row).or_default();
            for width in 0..BUCKET_SECS.len() {
                let key = (width, bucket_of(c.record.created_at, width));
                add_into(of_row.entry(key).or_default(), &delta);
            }
        }
    }
    for of_row in deltas.values_mut() {
        of_row.retain(|_, d| d.iter().any(|v| *v != 0));
    }
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

    /// The totals of one scope (`session`, or [`OWNER_ROW`] for the
    /// owner's): its rows' sum.
    pub(super) async fn aggregate(
        &self,
        client: &tokio_postgres::Client,
        owner: &str,
        session: Uuid,
    ) -> Result<Aggregate, StoreError> {
        const TOTALS: &str = "SELECT agg, '' FROM aggregates WHERE owner = $1 AND session_id = $2";
        Ok(self.scope_rows(client, TOTALS, owner, session).await?.0)
    }

    /// [`PgStore::aggregate`], and the buckets the scope's rows hold.
    async fn aggregate_and_held(
        &self,
        client: &tokio_postgres::Client,
        owner: &str,
        session: Uuid,
    ) -> Result<(Aggregate, Vec<HotBuckets>), StoreError> {
        const WITH_HELD: &str =
            "SELECT agg, hot FROM aggregates WHERE owner = $1 AND session_id = $2";
        self.scope_rows(client, WITH_HELD, owner, session).await
    }

    /// A scope's rows read by `sql` (their totals, then their held buckets
    /// or ''): the totals summed over its shards, the held buckets each.
    async fn scope_rows(
        &self,
        client: &tokio_postgres::Client,
        sql: &str,
        owner: &str,
        session: Uuid,
    ) -> Result<(Aggregate, Vec<HotBuckets>), StoreError> {
        let rows = client.query(sql, &[&owner, &session]).await.map_err(pg)?;
        let (mut total, mut held) = (Aggregate::default(), Vec::new());
        for r in rows {
            let text: &str = r.get(0);
            if !text.is_empty() {
                total.merge(&decode("aggregate", text)?);
            }
            held.push(HotBuckets::decode(r.get(1))?);
        }
        Ok((total, held))
    }

    /// A scope's timeline: the minute buckets' first and last (of the
    /// `buckets` rows and of those its aggregate rows hold, `held`) say the
    /// span, then one range read of at most 60 buckets, the held ones
    /// added.
    pub(super) async fn timeline(
        &self,
        client: &tokio_postgres::Client,
        scope: &str,
        held: &[HotBuckets],
    ) -> Result<(u64, Vec<StoredBucket>), StoreError> {
        let Some((oldest, newest)) = minute_span(client, scope, held).await? else {
            return Ok((0, Vec::new()));
        };
        let (width, first, last) = timeline_span(oldest, newest);
        let secs = BUCKET_SECS[width] as i64;
        let mut sums: Vec<Deltas> = vec![Deltas::default(); (last - first + 1) as usize];
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
        let mut add = |bucket: i64, d: &Deltas| {
            if let Some(sum) = usize::try_from(bucket - first).ok().and_then(|i| sums.get_mut(i)) {
                add_into(sum, d);
            }
        };
        for r in rows {
            add(r.get(0), &[r.get(1), r.get(2), r.get(3), r.get(4), r.get(5)]);
        }
        for (bucket, d) in held.iter().filter_map(|h| h.at(width)) {
            add(bucket, d);
        }
        let whole = |n: i64| n.max(0) as u64;
        let buckets = (first..=last)
            .zip(sums)
            .map(|(b, d)| StoredBucket {
                start_secs: b * secs,
                totals: BucketTotals {
                    executions: whole(d[0]),
                    completed: whole(d[1]),
                    failed: whole(d[2]),
                    tokens: whole(d[3]),
                    cost_nano: d[4],
                },
            })
            .collect();
        Ok((secs as u64, buckets))
    }
}

/// The oldest and newest minute bucket of `scope` that counts an
/// execution: of its `buckets` rows (each counts one: a row counting none
/// is deleted) but the minutes its aggregate rows hold (`held`), and of
/// those, whose totals are their rows' plus what is held (one round trip).
async fn minute_span(
    client: &tokio_postgres::Client,
    scope: &str,
    held: &[HotBuckets],
) -> Result<Option<(i64, i64)>, StoreError> {
    let mut held_minutes: BTreeMap<i64, i64> = BTreeMap::new();
    for (minute, d) in held.iter().filter_map(|h| h.at(0)) {
        *held_minutes.entry(minute).or_default() += d[0];
    }
    let minutes: Vec<i64> = held_minutes.keys().copied().collect();
    let minutes = &minutes;
    let end = |order: &'static str| async move {
        let sql = format!(
            "SELECT bucket FROM buckets WHERE scope = $1 AND width = 0 AND bucket <> ALL($2)
             ORDER BY bucket {order} LIMIT 1"
        );
        let row = client.query_opt(&sql, &[&scope, minutes]).await.map_err(pg)?;
        Ok::<_, StoreError>(row.map(|r| r.get::<_, i64>(0)))
    };
    let stored_held = async {
        client
            .query(
                "SELECT bucket, sum(executions)::int8 FROM buckets
                 WHERE scope = $1 AND width = 0 AND bucket = ANY($2) GROUP BY bucket",
                &[&scope, minutes],
            )
            .await
            .map_err(pg)
    };
    let (oldest, newest, stored) =
        first_cause(futures::join!(end("ASC"), end("DESC"), stored_held))?;
    for r in stored {
        *held_minutes.entry(r.get(0)).or_default() += r.get::<_, i64>(1);
    }
    let counted = held_minutes.into_iter().filter(|(_, n)| *n > 0).map(|(minute, _)| minute);
    let span = counted.chain(oldest).chain(newest).fold(None, |span, m| match span {
        None => Some((m, m)),
        Some((o, n)) => Some((m.min(o), m.max(n))),
    });
    Ok(span)
}

#[async_trait::async_trait]
impl StatsStore for PgStore {
    async fn stats(&self, owner: &str, session: Option<Uuid>) -> Result<StatsSnapshot, StoreError> {
        self.reading(move || async move {
            let client = self.client().await?;
            let (totals, per_session, scope, held) = match session {
                Some(s) => {
                    let (a, held) = self.aggregate_and_held(&client, owner, s).await?;
                    let per_session =
                        if a.executions > 0 { vec![(s, a.clone())] } else { Vec::new() };
                    (a, per_session, session_scope(s), held)
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
                    let (totals, held) = self.aggregate_and_held(&client, owner, OWNER_ROW).await?;
                    (totals, per_session, owner_scope(owner), held)
                }
            };
            if totals.executions == 0 {
                return Ok(StatsSnapshot { totals, ..StatsSnapshot::default() });
            }
            let (bucket_secs, buckets) = self.timeline(&client, &scope, &held).await?;
            Ok(StatsSnapshot { totals, per_session, bucket_secs, buckets })
        })
        .await
    }
}
