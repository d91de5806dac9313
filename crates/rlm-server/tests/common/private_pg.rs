//! The test's own PostgreSQL (rlm-testenv's private instance, which fault
//! tests stop and start) and a plain connection to it.

pub use rlm_testenv::services::PrivatePostgres as PrivatePg;

/// A plain connection (to terminate the store's connections).
pub async fn admin(pg: &PrivatePg) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(&pg.url(), tokio_postgres::NoTls)
        .await
        .expect("the private server accepts a connection");
    tokio::spawn(connection);
    client
}
