//! Idempotency keys and the protocol settings on sled: a claim is one
//! compare-and-swap on the key's row, so two requests with one key never
//! both run.

use super::SledStore;
use super::codec::*;
use super::tx::*;
use crate::store::clock::{Micros, now_micros};
use crate::store::errors::StoreError;
use crate::store::outbox::{
    IdempotencyKey, KeyClaim, KeyedAnswer, ProtocolSettings, StoredKey, StoredResponse,
};
use crate::store::traits::IdempotencyStore;

/// The row of the settings every process must agree on.
const DEPLOYMENT: &[u8] = b"deployment";

#[async_trait::async_trait]
impl IdempotencyStore for SledStore {
    async fn claim_idempotency_key(
        &self,
        key: &IdempotencyKey,
        now: Micros,
        stale_before: Micros,
        _lapsed: Option<Micros>,
    ) -> Result<KeyClaim, StoreError> {
        let id = idempotency_key(key);
        let fresh = StoredKey::claimed(key, now);
        loop {
            let current = self.idempotency.get(&id).map_err(backend)?;
            if let Some(bytes) = &current {
                let stored: StoredKey = decode("idempotency key", bytes)?;
                // One process holds a sled self: a claim another process made
                // was made by one that is gone.
                let holder_gone = stored.holder.as_deref() != Some(key.holder.as_str());
                if let Some(found) = stored.claim(key, stale_before, holder_gone) {
                    return Ok(found);
                }
            }
            let swapped = self
                .idempotency
                .compare_and_swap(&id, current, Some(encode(&fresh)?))
                .map_err(backend)?;
            if swapped.is_ok() {
                self.durable().await?;
                return Ok(KeyClaim::Fresh);
            }
        }
    }

    async fn complete_idempotency_key(
        &self,
        key: &IdempotencyKey,
        response: &StoredResponse,
    ) -> Result<(), StoreError> {
        let answer = KeyedAnswer { key, response };
        self.idempotency
            .transaction(|idempotency| tx_answer_key(idempotency, &answer))
            .map_err(tx_err)?;
        self.durable().await
    }

    async fn release_idempotency_key(&self, key: &IdempotencyKey) -> Result<(), StoreError> {
        let id = idempotency_key(key);
        if let Some(bytes) = self.idempotency.get(&id).map_err(backend)? {
            let stored: StoredKey = decode("idempotency key", &bytes)?;
            if stored.response.is_none() && stored.claim.as_deref() == Some(key.claim.as_str()) {
                let _ = self
                    .idempotency
                    .compare_and_swap(&id, Some(bytes), None::<Vec<u8>>)
                    .map_err(backend)?;
            }
        }
        Ok(())
    }

    async fn sweep_idempotency_keys(&self, before: Micros) -> Result<u64, StoreError> {
        let mut swept = 0;
        for item in self.idempotency.iter() {
            let (id, bytes) = item.map_err(backend)?;
            let stored: StoredKey = decode("idempotency key", &bytes)?;
            if stored.created_at < before {
                self.idempotency.remove(id).map_err(backend)?;
                swept += 1;
            }
        }
        Ok(swept)
    }

    async fn record_protocol(
        &self,
        process: &str,
        _role: &str,
        settings: &ProtocolSettings,
        authoritative: bool,
    ) -> Result<ProtocolSettings, StoreError> {
        let text = encode(settings)?;
        self.protocol.insert(process.as_bytes(), text.clone()).map_err(backend)?;
        if authoritative {
            self.protocol.insert(DEPLOYMENT, text).map_err(backend)?;
        } else {
            let _ = self
                .protocol
                .compare_and_swap(DEPLOYMENT, None::<&[u8]>, Some(text))
                .map_err(backend)?;
        }
        match self.protocol.get(DEPLOYMENT).map_err(backend)? {
            Some(bytes) => decode("protocol settings", &bytes),
            None => Ok(settings.clone()),
        }
    }
}

/// The key's answer within a transaction over the idempotency tree (the
/// row its request creates is written in the same transaction), if the
/// request still holds the claim.
pub(super) fn tx_answer_key(
    idempotency: &sled::transaction::TransactionalTree,
    answer: &KeyedAnswer<'_>,
) -> TxResult<()> {
    let id = idempotency_key(answer.key);
    let stored = tx_get::<StoredKey>(idempotency, &id, "idempotency key")?
        // Swept meanwhile (a request older than the keys' retention): claimed again here.
        .unwrap_or_else(|| StoredKey::claimed(answer.key, now_micros()));
    stored.check_answer(answer.key).map_err(abort)?;
    tx_put(idempotency, &id, &stored.answered(answer.key, answer.response))
}

/// An idempotency key's key in its tree: owner, a zero byte, the key.
pub(super) fn idempotency_key(key: &IdempotencyKey) -> Vec<u8> {
    let mut out = Vec::with_capacity(key.owner.len() + key.key.len() + 1);
    out.extend_from_slice(key.owner.as_bytes());
    out.push(0);
    out.extend_from_slice(key.key.as_bytes());
    out
}
