//! Trace events on PostgreSQL, one row per `(execution, position)`.

use std::collections::BTreeMap;

use uuid::Uuid;

use super::PgStore;
use super::sql::{big, decode, pg, prepared_on};
use crate::store::errors::StoreError;
use crate::store::records::{EncodedEvent, StreamedEvent, attempt_of_position};
use crate::store::traits::TraceStore;

/// Stores a batch's rows, refused whole (no row written) when a later
/// attempt runs the execution now: `$1`-`$3` the rows, `$4` the execution,
/// `$5` the batch's attempt.
pub(super) const INSERT_TRACE: &str = "INSERT INTO trace (execution_id, position, event)
     SELECT * FROM unnest($1::uuid[], $2::int8[], $3::text[])
     WHERE NOT EXISTS (SELECT 1 FROM executions WHERE id = $4 AND attempt > $5)
     ON CONFLICT (execution_id, position) DO UPDATE SET event = excluded.event";

/// The rows of a batch, for [`INSERT_TRACE`].
pub(super) struct TraceRows<'a> {
    pub ids: Vec<Uuid>,
    pub positions: Vec<i64>,
    pub bodies: Vec<&'a str>,
    /// The batch's attempt (its positions name it).
    pub attempt: u32,
}

impl TraceRows<'_> {
    pub fn attempt_param(&self) -> i32 {
        i32::try_from(self.attempt).unwrap_or(i32::MAX)
    }
}

/// One row per position, the last event given for it winning (as on
/// sled); `None` with no event.
pub(super) fn trace_rows<'a>(
    execution: Uuid,
    events: &'a [EncodedEvent<'_>],
) -> Option<TraceRows<'a>> {
    let mut by_position: BTreeMap<i64, &str> = BTreeMap::new();
    for e in events {
        by_position.insert(big(e.position), e.json.as_ref());
    }
    let attempt = events.iter().map(|e| attempt_of_position(e.position)).min()?;
    let ids = vec![execution; by_position.len()];
    let (positions, bodies): (Vec<i64>, Vec<&str>) = by_position.into_iter().unzip();
    Some(TraceRows { ids, positions, bodies, attempt })
}

#[async_trait::async_trait]
impl TraceStore for PgStore {
    async fn append_trace_encoded(
        &self,
        execution: Uuid,
        events: &[EncodedEvent<'_>],
    ) -> Result<(), StoreError> {
        self.writing(move || async move {
            let Some(rows) = trace_rows(execution, events) else { return Ok(()) };
            let client = self.client().await?;
            let attempt = rows.attempt_param();
            let written = client
                .execute(
                    &prepared_on(&client, INSERT_TRACE).await?,
                    &[&rows.ids, &rows.positions, &rows.bodies, &execution, &attempt],
                )
                .await
                .map_err(pg)?;
            if written == 0 {
                return Err(superseded(self, execution, rows.attempt).await);
            }
            Ok(())
        })
        .await
    }

    async fn trace(&self, execution: Uuid) -> Result<Vec<StreamedEvent>, StoreError> {
        self.reading(move || async move {
            let client = self.client().await?;
            let rows = client
                .query(
                    "SELECT position, event FROM trace WHERE execution_id = $1 ORDER BY position",
                    &[&execution],
                )
                .await
                .map_err(pg)?;
            rows.iter()
                .map(|r| {
                    Ok(StreamedEvent {
                        position: r.get::<_, i64>(0).max(0) as u64,
                        event: decode("trace event", r.get(1))?,
                    })
                })
                .collect()
        })
        .await
    }

    async fn drop_trace_from(&self, execution: Uuid, position: u64) -> Result<u64, StoreError> {
        self.writing(move || async move {
            let client = self.client().await?;
            client
                .execute(
                    "DELETE FROM trace WHERE execution_id = $1 AND position >= $2",
                    &[&execution, &big(position)],
                )
                .await
                .map_err(pg)
        })
        .await
    }
}

/// The refusal of a superseded attempt's write (the newer attempt read back).
pub(super) async fn superseded(store: &PgStore, execution: Uuid, attempt: u32) -> StoreError {
    let newer = match store.client().await {
        Ok(client) => client
            .query_opt("SELECT attempt FROM executions WHERE id = $1", &[&execution])
            .await
            .ok()
            .flatten()
            .map_or(attempt + 1, |r| u32::try_from(r.get::<_, i32>(0)).unwrap_or(attempt + 1)),
        Err(_) => attempt + 1,
    };
    StoreError::Superseded { execution, attempt, newer }
}
