//! An execution's recording on PostgreSQL: one row per execution (its JSON
//! lines), replaced whole, deleted with it.

use super::*;

pub(super) async fn save_recording(
    store: &PgStore,
    execution: Uuid,
    jsonl: &str,
) -> Result<(), StoreError> {
    let client = store.client().await?;
    client
        .execute(
            "INSERT INTO recordings (execution_id, body) VALUES ($1, $2)
             ON CONFLICT (execution_id) DO UPDATE SET body = EXCLUDED.body",
            &[&execution, &jsonl],
        )
        .await
        .map_err(pg)?;
    Ok(())
}

pub(super) async fn load_recording(
    store: &PgStore,
    execution: Uuid,
) -> Result<Option<String>, StoreError> {
    let client = store.client().await?;
    let row = client
        .query_opt("SELECT body FROM recordings WHERE execution_id = $1", &[&execution])
        .await
        .map_err(pg)?;
    Ok(row.map(|r| r.get(0)))
}
