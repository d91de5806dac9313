//! Sessions on PostgreSQL: create or update, read, list, delete, the
//! history one row per turn, and `memory` edited one key at a time.

use uuid::Uuid;

use super::PgStore;
use super::aggregates::{add_count, context_bytes, move_blob_refs};
use super::rows::{OwnedTable, list_owned, lock_session, write_session};
use super::sql::{Tx, big, big_usize, decode, encode, page_bytes, pg};
use crate::store::clock::now_micros;
use crate::store::errors::StoreError;
use crate::store::memory_edit::MemoryEdit;
use crate::store::pages::{HistoryPage, Listed, OwnerUsage, PageRequest};
use crate::store::records::{SessionRecord, session_blob};
use crate::store::traits::SessionStore;

#[async_trait::async_trait]
impl SessionStore for PgStore {
    async fn put_session(&self, session: &SessionRecord) -> Result<(), StoreError> {
        self.writing(move || async move {
            let mut client = self.client().await?;
            let tx = client.transaction().await.map_err(pg)?;
            put_session_in(&tx, session).await?;
            tx.commit().await.map_err(pg)
        })
        .await
    }

    async fn get_session(&self, id: Uuid) -> Result<Option<SessionRecord>, StoreError> {
        self.read_session_grouped(id).await
    }

    async fn list_sessions(
        &self,
        owner: &str,
        page: &PageRequest,
    ) -> Result<Listed<SessionRecord>, StoreError> {
        self.reading(
            move || async move { list_owned(self, OwnedTable::Sessions, owner, page).await },
        )
        .await
    }

    async fn owner_usage(&self, owner: &str) -> Result<OwnerUsage, StoreError> {
        self.reading(move || async move {
            Ok(OwnerUsage {
                sessions: self.count(owner, "sessions").await?,
                context_bytes: self.count(owner, "context_bytes").await?,
                recording_bytes: self.count(owner, "recording_bytes").await?,
            })
        })
        .await
    }

    async fn blob_references(&self, name: &str) -> Result<u64, StoreError> {
        self.reading(move || async move {
            let client = self.client().await?;
            let row = client
                .query_opt("SELECT refs FROM blob_refs WHERE name = $1", &[&name])
                .await
                .map_err(pg)?;
            Ok(row.map_or(0, |r| u64::try_from(r.get::<_, i64>(0)).unwrap_or(0)))
        })
        .await
    }

    async fn delete_session(&self, id: Uuid) -> Result<bool, StoreError> {
        self.writing(move || async move {
            let mut client = self.client().await?;
            let tx = client.transaction().await.map_err(pg)?;
            let Some(stored) = lock_session(&tx, id).await? else { return Ok(false) };
            tx.execute("DELETE FROM sessions WHERE id = $1", &[&id]).await.map_err(pg)?;
            tx.execute("DELETE FROM session_history WHERE session_id = $1", &[&id])
                .await
                .map_err(pg)?;
            add_count(&tx, &stored.owner, "sessions", -1).await?;
            add_count(&tx, &stored.owner, "context_bytes", -context_bytes(&stored)).await?;
            move_blob_refs(&tx, session_blob(&stored), None).await?;
            tx.commit().await.map_err(pg)?;
            Ok(true)
        })
        .await
    }

    async fn history(
        &self,
        session: Uuid,
        from: u64,
        limit: usize,
    ) -> Result<HistoryPage, StoreError> {
        self.reading(move || async move {
            let Some(record) = self.get_session(session).await? else {
                return Ok(HistoryPage { turns: Vec::new(), total: 0, next: None });
            };
            let client = self.client().await?;
            // Each turn's body only while the page's turns up to it fit its bytes (the first always).
            let rows = client
                .query(
                    "WITH page AS (SELECT turn, octet_length(body) AS len FROM session_history
               WHERE session_id = $1 AND turn >= $2 ORDER BY turn LIMIT $3),
             sized AS (SELECT turn, len, sum(len) OVER (ORDER BY turn) - len AS before FROM page)
             SELECT s.turn, CASE WHEN s.before = 0 OR s.before + s.len <= $4 THEN h.body END
             FROM sized s JOIN session_history h ON h.session_id = $1 AND h.turn = s.turn
             ORDER BY s.turn",
                    &[&session, &big(from), &big_usize(limit), &page_bytes()],
                )
                .await
                .map_err(pg)?;
            let mut turns = Vec::with_capacity(rows.len());
            for r in &rows {
                let Some(body) = r.get::<_, Option<&str>>(1) else { break };
                turns.push((r.get::<_, i64>(0).max(0) as u64, decode("history turn", body)?));
            }
            let next = turns.last().map(|(n, _)| n + 1).filter(|n| *n < record.history_len);
            Ok(HistoryPage { turns, total: record.history_len, next })
        })
        .await
    }

    async fn get_memory(
        &self,
        session: Uuid,
    ) -> Result<serde_json::Map<String, serde_json::Value>, StoreError> {
        self.reading(move || async move {
            Ok(self.get_session(session).await?.map(|s| s.state.memory).unwrap_or_default())
        })
        .await
    }

    async fn edit_memory(
        &self,
        session: Uuid,
        edit: &MemoryEdit,
    ) -> Result<Option<bool>, StoreError> {
        self.writing(move || async move {
            let mut client = self.client().await?;
            let tx = client.transaction().await.map_err(pg)?;
            let Some(mut record) = lock_session(&tx, session).await? else { return Ok(None) };
            if !edit.apply(&mut record.state.memory) {
                return Ok(Some(false));
            }
            record.updated_at = now_micros();
            write_session(&tx, &record).await?;
            tx.commit().await.map_err(pg)?;
            Ok(Some(true))
        })
        .await
    }
}

/// [`SessionStore::put_session`] in the caller's transaction.
pub(super) async fn put_session_in(tx: &Tx<'_>, session: &SessionRecord) -> Result<(), StoreError> {
    match lock_session(tx, session.id).await? {
        None => {
            let inserted = tx
                .execute(
                    "INSERT INTO sessions (id, owner, created_at, record) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (id) DO NOTHING",
                    &[&session.id, &session.owner, &session.created_at, &encode(session)?],
                )
                .await
                .map_err(pg)?;
            if inserted == 1 {
                add_count(tx, &session.owner, "sessions", 1).await?;
                add_count(tx, &session.owner, "context_bytes", context_bytes(session)).await?;
                move_blob_refs(tx, None, session_blob(session)).await?;
            }
        }
        Some(stored) => {
            let delta = context_bytes(session) - context_bytes(&stored);
            add_count(tx, &stored.owner, "context_bytes", delta).await?;
            move_blob_refs(tx, session_blob(&stored), session_blob(session)).await?;
            // As on sled: state, history, owner and creation time stand.
            let record = SessionRecord {
                state: stored.state,
                history_len: stored.history_len,
                owner: stored.owner,
                created_at: stored.created_at,
                ..session.clone()
            };
            write_session(tx, &record).await?;
        }
    }
    Ok(())
}
