//! Leases on sessions (`session_leases`, migration 5): which process runs an
//! execution of a session now. Taking one is one statement: an insert that,
//! on a conflict, takes the row over only if it is this holder's or has run
//! out, so two processes racing for a session get one lease between them.
//! A new execution's start takes it in its record's transaction
//! (`executions::put_execution_taking_session`), and its settlement gives
//! it up in its own (`executions::finish_execution`).

use uuid::Uuid;

use super::PgStore;
use super::sql::{pg, prepared_on};
use crate::store::{Micros, StoreError};

pub(super) async fn take_session_lease(
    store: &PgStore,
    session: Uuid,
    holder: &str,
    now: Micros,
    until: Micros,
) -> Result<bool, StoreError> {
    let client = store.client().await?;
    let taken = client
        .query_opt(
            &prepared_on(&client, TAKE_SESSION_LEASE).await?,
            &[&session, &holder, &now, &until],
        )
        .await
        .map_err(pg)?;
    Ok(taken.is_some())
}

/// Takes `$2`'s lease on the session `$1` until `$4`, unless another
/// holder's lasts past `$3`; a row back when it was taken.
pub(super) const TAKE_SESSION_LEASE: &str =
    "INSERT INTO session_leases (session_id, holder, expires_at) VALUES ($1, $2, $4)
     ON CONFLICT (session_id) DO UPDATE
     SET holder = excluded.holder, expires_at = excluded.expires_at
     WHERE session_leases.holder = excluded.holder OR session_leases.expires_at < $3
     RETURNING holder";

/// Gives `$2`'s lease on the session `$1` up.
pub(super) const RELEASE_SESSION_LEASE: &str =
    "DELETE FROM session_leases WHERE session_id = $1 AND holder = $2";

pub(super) async fn renew_session_leases(
    store: &PgStore,
    holder: &str,
    sessions: &[Uuid],
    until: Micros,
) -> Result<(), StoreError> {
    if sessions.is_empty() {
        return Ok(());
    }
    let client = store.client().await?;
    let ids: Vec<Uuid> = sessions.to_vec();
    client
        .execute(
            "UPDATE session_leases SET expires_at = $3
             WHERE session_id = ANY($1::uuid[]) AND holder = $2",
            &[&ids, &holder, &until],
        )
        .await
        .map_err(pg)?;
    Ok(())
}

pub(super) async fn release_session_lease(
    store: &PgStore,
    session: Uuid,
    holder: &str,
) -> Result<(), StoreError> {
    let client = store.client().await?;
    client
        .execute(&prepared_on(&client, RELEASE_SESSION_LEASE).await?, &[&session, &holder])
        .await
        .map_err(pg)?;
    Ok(())
}
