//! A job's durable checkpoint on PostgreSQL: the newest root step's state,
//! one row per execution, only ever moved forward.

use uuid::Uuid;

use super::PgStore;
use super::sql::pg;
use crate::store::errors::StoreError;
use crate::store::records::{CheckpointRecord, CheckpointWrite};
use crate::store::traits::CheckpointStore;

/// How many of the execution's stored trace events have a `seq` below
/// `$2`: the rows of version 11 and the events of its batches (no position
/// is held twice, `traces.rs`).
const COUNT_COVERED_EVENTS: &str = "SELECT
     (SELECT count(*) FROM trace
      WHERE execution_id = $1 AND (event::json->>'seq')::bigint < $2)
   + (SELECT count(*) FROM trace_batches b, json_array_elements(b.events::json) AS p(pair)
      WHERE b.execution_id = $1 AND (p.pair->1->>'seq')::bigint < $2)";

#[async_trait::async_trait]
impl CheckpointStore for PgStore {
    async fn save_checkpoint(
        &self,
        execution: Uuid,
        write: &CheckpointWrite<'_>,
    ) -> Result<bool, StoreError> {
        self.writing(move || async move {
            let checkpoint = write.record;
            let step = i32::try_from(checkpoint.step).map_err(|_| StoreError::Corrupt {
                what: "checkpoint".into(),
                message: format!("step {} is out of range", checkpoint.step),
            })?;
            let mut client = self.client().await?;
            let tx = client.transaction().await.map_err(pg)?;
            // The execution's row is shared-locked: its attempt cannot move under the write.
            let newer = tx
                .query_opt("SELECT attempt FROM executions WHERE id = $1 FOR SHARE", &[&execution])
                .await
                .map_err(pg)?
                .map(|r| u32::try_from(r.get::<_, i32>(0)).unwrap_or(0))
                .filter(|&a| a > write.attempt);
            if let Some(newer) = newer {
                return Err(StoreError::Superseded { execution, attempt: write.attempt, newer });
            }
            let expected = i64::try_from(write.trace_events).unwrap_or(i64::MAX);
            let stored: i64 = tx
                .query_one(COUNT_COVERED_EVENTS, &[&execution, &expected])
                .await
                .map_err(pg)?
                .get(0);
            if stored != expected {
                let stored = u64::try_from(stored).unwrap_or(0);
                return Err(StoreError::TraceNotWhole { expected: write.trace_events, stored });
            }
            let written = tx
                .execute(
                    "INSERT INTO checkpoints (execution_id, step, saved_at, body)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (execution_id) DO UPDATE
             SET step = EXCLUDED.step, saved_at = EXCLUDED.saved_at, body = EXCLUDED.body
             WHERE checkpoints.step < EXCLUDED.step",
                    &[&execution, &step, &checkpoint.saved_at, &checkpoint.body],
                )
                .await
                .map_err(pg)?;
            tx.commit().await.map_err(pg)?;
            Ok(written == 1)
        })
        .await
    }

    async fn load_checkpoint(
        &self,
        execution: Uuid,
    ) -> Result<Option<CheckpointRecord>, StoreError> {
        self.reading(move || async move {
            let client = self.client().await?;
            let row = client
                .query_opt(
                    "SELECT step, saved_at, body FROM checkpoints WHERE execution_id = $1",
                    &[&execution],
                )
                .await
                .map_err(pg)?;
            let Some(row) = row else { return Ok(None) };
            let step: i32 = row.get(0);
            let step = u32::try_from(step).map_err(|_| StoreError::Corrupt {
                what: "checkpoint".into(),
                message: format!("step {step} is negative"),
            })?;
            Ok(Some(CheckpointRecord { step, saved_at: row.get(1), body: row.get(2) }))
        })
        .await
    }
}
