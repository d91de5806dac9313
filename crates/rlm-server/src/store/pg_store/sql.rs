//! Between the driver and the store: which driver errors mean the
//! database is unavailable, records as JSON text, `bigint` conversions,
//! stats scopes, page cursors and the per-owner listing of sessions and jobs.

use super::*;

/// Whether `schema` is a plain identifier (it is spliced into SQL).
pub(super) fn valid_schema(schema: &str) -> bool {
    !schema.is_empty()
        && schema.len() <= 63
        && schema.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && schema.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// A driver error: a transient one (see [`transient`]) is
/// [`StoreError::Unavailable`], which `retry.rs` retries; anything else
/// [`StoreError::Backend`].
pub(super) fn pg(e: tokio_postgres::Error) -> StoreError {
    let lost = transient(&e);
    // The driver's message, with the database's own (or the cause) after it.
    let mut message = e.to_string();
    if let Some(db) = e.as_db_error() {
        message = format!("{message} ({})", db.code().code());
    } else if let Some(source) = std::error::Error::source(&e) {
        message = format!("{message}: {source}");
    }
    if lost { StoreError::Unavailable(message) } else { StoreError::Backend(message) }
}

/// Whether a driver error is a fault that running the operation again on
/// a fresh connection may not meet: the connection closed, refused or
/// reset (an I/O error), a connection exception (class `08`), the server
/// shutting down, crashed or starting (`57P01`, `57P02`, `57P03`), an idle
/// session cut (`57P05`), too many connections, a serialisation failure or
/// a deadlock (`40001`, `40P01`: the transaction lost to a concurrent one).
fn transient(e: &tokio_postgres::Error) -> bool {
    const RETRIED: [&str; 7] = ["57P01", "57P02", "57P03", "57P05", "53300", "40001", "40P01"];
    if e.is_closed() {
        return true;
    }
    match e.code() {
        Some(code) => code.code().starts_with("08") || RETRIED.contains(&code.code()),
        None => std::error::Error::source(e).is_some_and(|s| s.is::<std::io::Error>()),
    }
}

pub(super) fn pool_error(e: deadpool_postgres::PoolError) -> StoreError {
    match e {
        deadpool_postgres::PoolError::Backend(e) => match pg(e) {
            StoreError::Backend(m) => StoreError::Unavailable(m),
            other => other,
        },
        other => StoreError::Unavailable(other.to_string()),
    }
}

pub(super) fn encode<T: Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value)
        .map_err(|e| StoreError::Corrupt { what: "encoding".into(), message: e.to_string() })
}

pub(super) fn decode<T: DeserializeOwned>(what: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::Corrupt { what: what.to_string(), message: e.to_string() })
}

/// A count or size the database holds as `bigint`.
pub(super) fn big(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A page's `LIMIT`/`OFFSET`.
pub(super) fn big_usize(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

pub(super) fn owner_scope(owner: &str) -> String {
    format!("o:{owner}")
}

pub(super) fn session_scope(session: Uuid) -> String {
    format!("s:{session}")
}

/// The cursor of a page request, checked.
pub(super) fn cursor_of(page: &PageRequest) -> Result<Option<(Micros, Uuid)>, StoreError> {
    match &page.cursor {
        None => Ok(None),
        Some(c) => decode_cursor(c)
            .map(Some)
            .ok_or_else(|| StoreError::BadCursor(c.chars().take(64).collect())),
    }
}

/// One page from rows read newest first, `limit + 1` of them: the extra
/// one says whether there is a next page.
pub(super) fn paged<T>(mut rows: Vec<(Micros, Uuid, T)>, limit: usize, total: usize) -> Listed<T> {
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next_cursor =
        rows.last().filter(|_| more).map(|(created, id, _)| encode_cursor(*created, *id));
    Listed { items: rows.into_iter().map(|(_, _, t)| t).collect(), total, next_cursor }
}

/// A table listed per owner, newest first, by cursor (`list_sessions`,
/// `list_jobs`): its name in SQL and what a damaged record is called.
#[derive(Debug, Clone, Copy)]
pub(super) enum OwnedTable {
    Sessions,
    Jobs,
}

impl OwnedTable {
    fn name(self) -> &'static str {
        match self {
            OwnedTable::Sessions => "sessions",
            OwnedTable::Jobs => "jobs",
        }
    }

    fn record(self) -> &'static str {
        match self {
            OwnedTable::Sessions => "session",
            OwnedTable::Jobs => "job",
        }
    }
}

/// One page of `owner`'s records in `table`, newest first, after the page's
/// cursor; the total is the owner's incremental count, not a scan.
pub(super) async fn list_owned<T: DeserializeOwned>(
    store: &PgStore,
    table: OwnedTable,
    owner: &str,
    page: &PageRequest,
) -> Result<Listed<T>, StoreError> {
    let cursor = cursor_of(page)?;
    let total = store.count(owner, table.name()).await? as usize;
    let (before_at, before_id) = cursor.unwrap_or((i64::MAX, Uuid::max()));
    let client = store.client().await?;
    let sql = format!(
        "SELECT created_at, id, record FROM {} \
         WHERE owner = $1 AND (created_at, id) < ($2, $3) \
         ORDER BY created_at DESC, id DESC LIMIT $4 OFFSET $5",
        table.name()
    );
    let rows = client
        .query(
            &sql,
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
        .map(|r| Ok((r.get(0), r.get(1), decode(table.record(), r.get(2))?)))
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(paged(rows, page.limit, total))
}
