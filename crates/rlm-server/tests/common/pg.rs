//! A PostgreSQL store of a test's own: a fresh schema `rlm_test_<random>`
//! in the database at `RLM_TEST_DATABASE_URL` (default
//! `postgresql://postgres@127.0.0.1:5432/test`), dropped when the test ends,
//! passed or failed. A database that does not answer fails the test with a
//! message naming the URL (the `needs_postgres!` wrapper skips it, outside
//! CI, when nothing listens there).

use std::future::Future;
use std::panic::AssertUnwindSafe;

use futures::FutureExt;
use rlm_server::store::PgStore;

pub const DEFAULT_URL: &str = "postgresql://postgres@127.0.0.1:5432/test";

pub fn database_url() -> String {
    std::env::var("RLM_TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.to_string())
}

/// A schema name no other test uses.
pub fn fresh_schema() -> String {
    format!("rlm_test_{}", uuid::Uuid::new_v4().simple())
}

/// Opens a store in a fresh schema.
pub async fn store() -> PgStore {
    let url = database_url();
    match PgStore::connect(&url, &fresh_schema()).await {
        Ok(store) => store,
        Err(e) => panic!(
            "the PostgreSQL store's tests need PostgreSQL at {url} (set RLM_TEST_DATABASE_URL): {e}"
        ),
    }
}

/// A plain connection to the test database (to terminate the store's
/// connections, or to lock its tables).
pub async fn admin() -> tokio_postgres::Client {
    let url = database_url();
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to PostgreSQL at {url}: {e}"));
    tokio::spawn(connection);
    client
}

/// Drops `schema` (a server's store, opened by the server itself).
pub async fn drop_schema(schema: &str) {
    admin().await.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).await.unwrap();
}

/// Runs `test` against a store of its own and drops the store's schema
/// afterwards, also when `test` panics.
pub async fn with_store<F, Fut>(test: F)
where
    F: FnOnce(PgStore) -> Fut,
    Fut: Future<Output = ()>,
{
    let store = store().await;
    let outcome = AssertUnwindSafe(test(store.clone())).catch_unwind().await;
    store.drop_schema().await.unwrap();
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}
