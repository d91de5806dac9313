//! An execution's recording on PostgreSQL, streamed as it grows: one row of
//! `recording_parts` per appended part, in order, its bytes counted to the
//! owner (`counts`, kind `recording_bytes`) in the append's transaction;
//! deleting the execution deletes its parts and takes their bytes back out.

use uuid::Uuid;

use super::PgStore;
use super::aggregates::add_count;
use super::sql::{Tx, big, pg};
use crate::store::errors::StoreError;
use crate::store::traits::RecordingStore;

#[async_trait::async_trait]
impl RecordingStore for PgStore {
    async fn append_recording(
        &self,
        owner: &str,
        execution: Uuid,
        seq: u64,
        lines: &str,
    ) -> Result<(), StoreError> {
        self.writing(move || async move {
            let mut client = self.client().await?;
            let tx = client.transaction().await.map_err(pg)?;
            // A retried append whose first try committed writes nothing again.
            let inserted = tx
        .execute(
            "INSERT INTO recording_parts (execution_id, seq, owner, body) VALUES ($1, $2, $3, $4)
             ON CONFLICT (execution_id, seq) DO NOTHING",
            &[&execution, &big(seq), &owner, &lines],
        )
        .await
        .map_err(pg)?;
            if inserted == 1 {
                add_count(&tx, owner, "recording_bytes", big(lines.len() as u64)).await?;
            }
            tx.commit().await.map_err(pg)
        })
        .await
    }

    async fn recording_extent(&self, execution: Uuid) -> Result<(u64, u64), StoreError> {
        self.reading(move || async move {
            let client = self.client().await?;
            let row = client
                .query_one(
                    "SELECT COALESCE(max(seq) + 1, 0), COALESCE(sum(octet_length(body)), 0)::bigint
             FROM recording_parts WHERE execution_id = $1",
                    &[&execution],
                )
                .await
                .map_err(pg)?;
            Ok((row.get::<_, i64>(0).max(0) as u64, row.get::<_, i64>(1).max(0) as u64))
        })
        .await
    }

    async fn clear_recording(&self, _owner: &str, execution: Uuid) -> Result<(), StoreError> {
        self.writing(move || async move {
            let mut client = self.client().await?;
            let tx = client.transaction().await.map_err(pg)?;
            delete_recording(&tx, execution).await?;
            tx.commit().await.map_err(pg)
        })
        .await
    }

    async fn load_recording(&self, execution: Uuid) -> Result<Option<String>, StoreError> {
        self.reading(move || async move {
            let client = self.client().await?;
            let rows = client
                .query(
                    "SELECT body FROM recording_parts WHERE execution_id = $1 ORDER BY seq",
                    &[&execution],
                )
                .await
                .map_err(pg)?;
            if rows.is_empty() {
                return Ok(None);
            }
            let mut text = String::new();
            for row in &rows {
                text.push_str(row.get::<_, &str>(0));
            }
            Ok(Some(text))
        })
        .await
    }
}

/// Deletes an execution's recording in the caller's transaction, taking
/// its bytes out of their owner's count.
pub(super) async fn delete_recording(tx: &Tx<'_>, execution: Uuid) -> Result<(), StoreError> {
    let rows = tx
        .query(
            "DELETE FROM recording_parts WHERE execution_id = $1 RETURNING owner, octet_length(body)",
            &[&execution],
        )
        .await
        .map_err(pg)?;
    let mut freed: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
    for row in &rows {
        *freed.entry(row.get::<_, String>(0)).or_default() += i64::from(row.get::<_, i32>(1));
    }
    for (owner, bytes) in freed {
        add_count(tx, &owner, "recording_bytes", -bytes).await?;
    }
    Ok(())
}
