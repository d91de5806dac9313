//! Sessions on sled: create or update, read, list, delete, the history
//! beyond the window, and `memory` edited one key at a time.

use uuid::Uuid;

use super::SledStore;
use super::codec::*;
use super::tx::*;
use super::writer::{Durability, Trees};
use crate::store::clock::now_micros;
use crate::store::errors::StoreError;
use crate::store::keys::{self, *};
use crate::store::memory_edit::MemoryEdit;
use crate::store::pages::{HistoryPage, Listed, OwnerUsage, PAGE_BYTES, PageRequest};
use crate::store::records::{SessionRecord, session_blob};
use crate::store::traits::SessionStore;

#[async_trait::async_trait]
impl SessionStore for SledStore {
    async fn put_session(&self, session: &SessionRecord) -> Result<(), StoreError> {
        let session = session.clone();
        self.writer
            .write(Durability::Acknowledged, move |t: &Trees<'_>| tx_put_session(t, &session))
            .await
    }

    async fn get_session(&self, id: Uuid) -> Result<Option<SessionRecord>, StoreError> {
        match self.sessions.get(id.as_bytes()).map_err(backend)? {
            Some(bytes) => Ok(Some(decode("session", &bytes)?)),
            None => Ok(None),
        }
    }

    async fn list_sessions(
        &self,
        owner: &str,
        page: &PageRequest,
    ) -> Result<Listed<SessionRecord>, StoreError> {
        let total = self.count(&keys::count(SESSIONS_BY_OWNER, owner))?;
        self.page(
            owner_prefix(SESSIONS_BY_OWNER, owner),
            page,
            total,
            |id| match self.sessions.get(id.as_bytes()).map_err(backend)? {
                Some(bytes) => Ok(Some((decode("session", &bytes)?, bytes.len()))),
                None => Ok(None),
            },
            |_| true,
        )
    }

    async fn owner_usage(&self, owner: &str) -> Result<OwnerUsage, StoreError> {
        Ok(OwnerUsage {
            sessions: self.count(&keys::count(SESSIONS_BY_OWNER, owner))? as u64,
            context_bytes: self.count(&keys::count(CONTEXT_BYTES, owner))? as u64,
            recording_bytes: self.count(&keys::count(RECORDING_BYTES, owner))? as u64,
        })
    }

    async fn blob_references(&self, name: &str) -> Result<u64, StoreError> {
        Ok(self.count(&keys::count(BLOB_REFS, name))? as u64)
    }

    async fn delete_session(&self, id: Uuid) -> Result<bool, StoreError> {
        // The record, its index entries and its turns (numbered 0 to
        // `history_len`, every one in the history tree) go in one
        // transaction: a crash leaves all of them or none.
        self.writer
            .write(Durability::Acknowledged, move |t: &Trees<'_>| {
                let (sessions, index, history) = (t.sessions, t.index, t.history);
                let Some(stored) = tx_get::<SessionRecord>(sessions, id.as_bytes(), "session")?
                else {
                    return Ok(false);
                };
                sessions.remove(id.as_bytes())?;
                let by_owner = owner_prefix(SESSIONS_BY_OWNER, &stored.owner);
                index.remove(keys::entry(by_owner, stored.created_at, id))?;
                tx_count(index, &keys::count(SESSIONS_BY_OWNER, &stored.owner), false)?;
                let bytes = context_bytes(&stored);
                tx_add(index, &keys::count(CONTEXT_BYTES, &stored.owner), -bytes)?;
                tx_blob_refs(index, session_blob(&stored), None)?;
                for n in 0..stored.history_len {
                    history.remove(&keys::turn(id, n)[..])?;
                }
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
        let Some(record) = self.get_session(session).await? else {
            return Ok(HistoryPage { turns: Vec::new(), total: 0, next: None });
        };
        let mut turns = Vec::new();
        let mut held = 0u64;
        let range = keys::turn(session, from)..=keys::turn(session, u64::MAX);
        for item in self.history.range(range).take(limit) {
            let (key, bytes) = item.map_err(backend)?;
            held = held.saturating_add(bytes.len() as u64);
            if !turns.is_empty() && held > PAGE_BYTES {
                break;
            }
            let number = u64::from_be_bytes(key[16..24].try_into().unwrap_or_default());
            turns.push((number, decode("history turn", &bytes)?));
        }
        let next = turns.last().map(|(n, _)| n + 1).filter(|n| *n < record.history_len);
        Ok(HistoryPage { turns, total: record.history_len, next })
    }

    async fn get_memory(
        &self,
        session: Uuid,
    ) -> Result<serde_json::Map<String, serde_json::Value>, StoreError> {
        Ok(self.get_session(session).await?.map(|s| s.state.memory).unwrap_or_default())
    }

    async fn edit_memory(
        &self,
        session: Uuid,
        edit: &MemoryEdit,
    ) -> Result<Option<bool>, StoreError> {
        let edit = edit.clone();
        self.writer
            .write(Durability::Acknowledged, move |t: &Trees<'_>| {
                let Some(bytes) = t.sessions.get(session.as_bytes())? else { return Ok(None) };
                let mut record: SessionRecord = decode("session", &bytes).map_err(abort)?;
                if !edit.apply(&mut record.state.memory) {
                    return Ok(Some(false));
                }
                record.updated_at = now_micros();
                t.sessions.insert(session.as_bytes(), encode(&record).map_err(abort)?)?;
                Ok(Some(true))
            })
            .await
    }
}

/// [`SessionStore::put_session`] in the writer's transaction.
pub(super) fn tx_put_session(t: &Trees<'_>, session: &SessionRecord) -> TxResult<()> {
    let (sessions, index) = (t.sessions, t.index);
    let Some(stored) = tx_get::<SessionRecord>(sessions, session.id.as_bytes(), "session")? else {
        tx_put(sessions, session.id.as_bytes(), session)?;
        let by_owner = owner_prefix(SESSIONS_BY_OWNER, &session.owner);
        index.insert(keys::entry(by_owner, session.created_at, session.id), &[][..])?;
        tx_count(index, &keys::count(SESSIONS_BY_OWNER, &session.owner), true)?;
        let bytes = context_bytes(session);
        tx_add(index, &keys::count(CONTEXT_BYTES, &session.owner), bytes)?;
        tx_blob_refs(index, None, session_blob(session))?;
        return Ok(());
    };
    let delta = context_bytes(session) - context_bytes(&stored);
    tx_add(index, &keys::count(CONTEXT_BYTES, &stored.owner), delta)?;
    tx_blob_refs(index, session_blob(&stored), session_blob(session))?;
    // The stored state and history stand: only settling and
    // `edit_memory` change them. Owner and creation time are
    // what the index is keyed by: they stay too.
    let record = SessionRecord {
        state: stored.state,
        history_len: stored.history_len,
        owner: stored.owner,
        created_at: stored.created_at,
        ..session.clone()
    };
    tx_put(sessions, session.id.as_bytes(), &record)
}
