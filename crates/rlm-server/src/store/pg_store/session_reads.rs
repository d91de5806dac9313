//! Reads of sessions by id, grouped (`batcher.rs`): the reads that arrive
//! while a batch of them is answered share the next one, one statement for
//! all of them. Every execution of a session reads its session before it
//! starts (the tenant scope and the admission's checks); read one by one
//! they were a fifth of the statements PostgreSQL ran under load, each a
//! round trip and a wake-up of a backend of its own (issue #80).
//!
//! A grouped read sees every write committed before it was asked for: a
//! batch's statement is sent after the batch is taken from the queue, and
//! a read joins the queue before that.

use std::collections::HashMap;

use uuid::Uuid;

use super::PgStore;
use super::sql::{pg, prepared_on};
use crate::store::errors::StoreError;
use crate::store::records::SessionRecord;

/// The sessions `$1` as stored (a start's batch reads them in its
/// transaction too, `start_batch.rs`).
pub(super) const READ_SESSIONS: &str = "SELECT id, record FROM sessions WHERE id = ANY($1::uuid[])";

impl PgStore {
    /// The session `id` as stored now, or `None`; read in the next batch
    /// of reads.
    pub(super) async fn read_session_grouped(
        &self,
        id: Uuid,
    ) -> Result<Option<SessionRecord>, StoreError> {
        let store = self.clone();
        let read = move |ids: Vec<Uuid>| async move { store.read_sessions(&ids).await };
        self.session_reader.submit(id, read).await
    }

    /// The sessions `ids` (one statement, retried as any read): each one's
    /// record or `None`, in order. A record that does not decode is that
    /// read's error alone.
    async fn read_sessions(&self, ids: &[Uuid]) -> Vec<Result<Option<SessionRecord>, StoreError>> {
        let rows = self
            .reading(move || async move {
                let client = self.client().await?;
                let statement = prepared_on(&client, READ_SESSIONS).await?;
                client.query(&statement, &[&ids]).await.map_err(pg)
            })
            .await;
        let rows = match rows {
            Ok(rows) => rows,
            Err(e) => return ids.iter().map(|_| Err(e.clone())).collect(),
        };
        let stored: HashMap<Uuid, &str> =
            rows.iter().map(|row| (row.get::<_, Uuid>(0), row.get::<_, &str>(1))).collect();
        ids.iter()
            .map(|id| {
                stored.get(id).map(|text| self.decoded_sessions.decode(*id, text)).transpose()
            })
            .collect()
    }
}
