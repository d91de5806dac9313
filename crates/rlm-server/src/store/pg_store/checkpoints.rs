//! A job's durable checkpoint on PostgreSQL: the newest root step's state,
//! one row per execution, only ever moved forward.

use super::*;

pub(super) async fn save_checkpoint(
    store: &PgStore,
    execution: Uuid,
    checkpoint: &CheckpointRecord,
) -> Result<bool, StoreError> {
    let client = store.client().await?;
    let step = i32::try_from(checkpoint.step).map_err(|_| StoreError::Corrupt {
        what: "checkpoint".into(),
        message: format!("step {} is out of range", checkpoint.step),
    })?;
    let written = client
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
    Ok(written == 1)
}

pub(super) async fn load_checkpoint(
    store: &PgStore,
    execution: Uuid,
) -> Result<Option<CheckpointRecord>, StoreError> {
    let client = store.client().await?;
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
}
