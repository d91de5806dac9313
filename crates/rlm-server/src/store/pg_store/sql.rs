//! Between the driver and the store: which driver errors mean the
//! database is unavailable, records as JSON text, `bigint` conversions,
//! stats scopes and page cursors.

use super::*;

/// Whether `schema` is a plain identifier (it is spliced into SQL).
pub(super) fn valid_schema(schema: &str) -> bool {
    !schema.is_empty()
        && schema.len() <= 63
        && schema.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && schema.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// A driver error: a lost or refused connection is [`StoreError::Unavailable`]
/// (the request may be retried), anything else [`StoreError::Backend`].
pub(super) fn pg(e: tokio_postgres::Error) -> StoreError {
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
