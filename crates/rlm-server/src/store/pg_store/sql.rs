//! Between the driver and the store: which driver errors mean the
//! database is unavailable, records as JSON text, `bigint` conversions,
//! stats scopes and page cursors. Names nothing of the store itself
//! (`PgStore`), so the store's `mod.rs` may use it.

use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::store::clock::Micros;
use crate::store::errors::StoreError;
use crate::store::keys::{decode_cursor, encode_cursor};
use crate::store::pages::{Listed, PAGE_BYTES, PageRequest};

/// A transaction on one of the pool's connections.
pub(super) type Tx<'a> = deadpool_postgres::Transaction<'a>;

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

/// The SQLSTATE of a statement sent after one that failed in its
/// transaction (`in_failed_sql_transaction`): an echo of that failure,
/// never its cause.
const IN_FAILED_TRANSACTION: &str = "25P02";

/// Whether `e` only echoes an earlier statement's failure in its
/// transaction (see [`first_cause`]). [`pg`] ends a database error's
/// message with its code.
fn is_echo(e: &StoreError) -> bool {
    matches!(e, StoreError::Backend(m) if m.ends_with(&format!("({IN_FAILED_TRANSACTION})")))
}

/// The outcome of statements pipelined in one transaction
/// (`futures::join!` of them): every value, or the first error that is
/// not an echo. `try_join!` would answer with whichever error it polls
/// first, and a statement sent after the failing one (a multi-statement
/// future's later step) answers `25P02`: a deadlock, which is retried,
/// would surface as that echo, which is not.
pub(super) fn first_cause<J: Joined>(joined: J) -> Result<J::Values, StoreError> {
    joined.first_cause()
}

/// A tuple of statements' results (see [`first_cause`]).
pub(super) trait Joined {
    type Values;
    fn first_cause(self) -> Result<Self::Values, StoreError>;
}

macro_rules! joined {
    ($($v:ident),+) => {
        impl<$($v),+> Joined for ($(Result<$v, StoreError>,)+) {
            type Values = ($($v,)+);
            #[allow(non_snake_case)]
            fn first_cause(self) -> Result<Self::Values, StoreError> {
                let ($($v,)+) = self;
                let mut echo = None;
                $(
                    let $v = match $v {
                        Ok(value) => Some(value),
                        Err(e) if is_echo(&e) => {
                            echo.get_or_insert(e);
                            None
                        }
                        Err(e) => return Err(e),
                    };
                )+
                match ($($v,)+) {
                    ($(Some($v),)+) => Ok(($($v,)+)),
                    _ => Err(echo.unwrap_or_else(|| {
                        StoreError::Backend("a pipelined statement gave no result".into())
                    })),
                }
            }
        }
    };
}
joined!(A, B);
joined!(A, B, C);
joined!(A, B, C, D);
joined!(A, B, C, D, E);

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

/// `sql` prepared once per connection (the pool's statement cache), for a
/// statement of every execution's path: each later use is one round trip,
/// not two (a prepare, then the statement).
pub(super) async fn prepared(
    tx: &Tx<'_>,
    sql: &str,
) -> Result<tokio_postgres::Statement, StoreError> {
    tx.prepare_cached(sql).await.map_err(pg)
}

/// [`prepared`] on a connection outside a transaction.
pub(super) async fn prepared_on(
    client: &deadpool_postgres::Object,
    sql: &str,
) -> Result<tokio_postgres::Statement, StoreError> {
    client.prepare_cached(sql).await.map_err(pg)
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
/// [`PAGE_BYTES`](crate::store::PAGE_BYTES) as a query parameter.
pub(super) fn page_bytes() -> i64 {
    big(PAGE_BYTES)
}

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
/// one says whether there is a next page. A row past the page's bytes
/// ([`paged_sql`]) comes without its record: the page ends before it.
pub(super) fn paged<T>(
    rows: Vec<(Micros, Uuid, Option<T>)>,
    limit: usize,
    total: usize,
) -> Listed<T> {
    let mut more = rows.len() > limit;
    let mut kept = Vec::with_capacity(rows.len().min(limit));
    for (created, id, record) in rows.into_iter().take(limit) {
        match record {
            Some(r) => kept.push((created, id, r)),
            None => {
                more = true;
                break;
            }
        }
    }
    let next_cursor =
        kept.last().filter(|_| more).map(|(created, id, _)| encode_cursor(*created, *id));
    Listed { items: kept.into_iter().map(|(_, _, t)| t).collect(), total, next_cursor }
}

/// A page's query over `table`'s rows that `filter` selects (its
/// parameters from `$1`; `$n` and `$n+1` are the page's limit and offset,
/// `$n+2` its bytes): the newest first, each row's `record` only while the
/// page's records up to it fit the page's bytes (the first always), so a
/// page of huge records reads no more than [`PAGE_BYTES`](crate::store::PAGE_BYTES) of them.
pub(super) fn paged_sql(table: &str, filter: &str, first_page_param: usize) -> String {
    let (limit, offset, bytes) = (first_page_param, first_page_param + 1, first_page_param + 2);
    format!(
        "WITH page AS (SELECT created_at, id, octet_length(record) AS len FROM {table} \
           WHERE {filter} ORDER BY created_at DESC, id DESC LIMIT ${limit} OFFSET ${offset}), \
         sized AS (SELECT created_at, id, len, \
           sum(len) OVER (ORDER BY created_at DESC, id DESC) - len AS before FROM page) \
         SELECT s.created_at, s.id, CASE WHEN s.before = 0 OR s.before + s.len <= ${bytes} THEN t.record END \
         FROM sized s JOIN {table} t ON t.id = s.id ORDER BY s.created_at DESC, s.id DESC"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn echo() -> StoreError {
        StoreError::Backend(format!("db error ({IN_FAILED_TRANSACTION})"))
    }

    #[test]
    fn the_cause_is_answered_before_the_echoes_polled_ahead_of_it() {
        let deadlock = StoreError::Unavailable("db error (40P01)".into());
        let joined: (Result<u8, _>, Result<u8, _>, Result<u8, _>) =
            (Ok(1), Err(echo()), Err(deadlock));
        let error = first_cause(joined).unwrap_err();
        assert!(error.is_unavailable(), "the deadlock, retried: {error:?}");
    }

    #[test]
    fn only_echoes_answer_an_echo_and_all_values_answer_them_all() {
        let echoes: (Result<u8, _>, Result<u8, _>) = (Err(echo()), Ok(2));
        assert!(is_echo(&first_cause(echoes).unwrap_err()));
        let values: (Result<u8, StoreError>, Result<&str, StoreError>) = (Ok(1), Ok("two"));
        assert_eq!(first_cause(values).unwrap(), (1, "two"));
        assert!(!is_echo(&StoreError::Backend("db error (23505)".into())));
    }
}
