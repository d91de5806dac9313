//! Idempotency keys and the protocol settings on sled: a claim is one
//! compare-and-swap on the key's row, so two requests with one key never
//! both run.

use super::outbox::idempotency_key;
use super::*;

/// The row of the settings every process must agree on.
const DEPLOYMENT: &[u8] = b"deployment";

pub(super) async fn claim_key(
    store: &SledStore,
    key: &IdempotencyKey,
    now: Micros,
    stale_before: Micros,
) -> Result<KeyClaim, StoreError> {
    let id = idempotency_key(key);
    let fresh = StoredKey::claimed(key, now);
    loop {
        let current = store.idempotency.get(&id).map_err(backend)?;
        if let Some(bytes) = &current {
            let stored: StoredKey = decode("idempotency key", bytes)?;
            // One process holds a sled store: a claim another process made
            // was made by one that is gone.
            let holder_gone = stored.holder.as_deref() != Some(key.holder.as_str());
            if let Some(found) = stored.claim(key, stale_before, holder_gone) {
                return Ok(found);
            }
        }
        let swapped = store
            .idempotency
            .compare_and_swap(&id, current, Some(encode(&fresh)?))
            .map_err(backend)?;
        if swapped.is_ok() {
            store.durable().await?;
            return Ok(KeyClaim::Fresh);
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

pub(super) async fn complete_key(
    store: &SledStore,
    key: &IdempotencyKey,
    response: &StoredResponse,
) -> Result<(), StoreError> {
    let answer = KeyedAnswer { key, response };
    store
        .idempotency
        .transaction(|idempotency| tx_answer_key(idempotency, &answer))
        .map_err(tx_err)?;
    store.durable().await
}

pub(super) async fn release_key(store: &SledStore, key: &IdempotencyKey) -> Result<(), StoreError> {
    let id = idempotency_key(key);
    if let Some(bytes) = store.idempotency.get(&id).map_err(backend)? {
        let stored: StoredKey = decode("idempotency key", &bytes)?;
        if stored.response.is_none() && stored.claim.as_deref() == Some(key.claim.as_str()) {
            let _ = store
                .idempotency
                .compare_and_swap(&id, Some(bytes), None::<Vec<u8>>)
                .map_err(backend)?;
        }
    }
    Ok(())
}

pub(super) async fn sweep_keys(store: &SledStore, before: Micros) -> Result<u64, StoreError> {
    let mut swept = 0;
    for item in store.idempotency.iter() {
        let (id, bytes) = item.map_err(backend)?;
        let stored: StoredKey = decode("idempotency key", &bytes)?;
        if stored.created_at < before {
            store.idempotency.remove(id).map_err(backend)?;
            swept += 1;
        }
    }
    Ok(swept)
}

pub(super) async fn record_protocol(
    store: &SledStore,
    process: &str,
    settings: &ProtocolSettings,
    authoritative: bool,
) -> Result<ProtocolSettings, StoreError> {
    let text = encode(settings)?;
    store.protocol.insert(process.as_bytes(), text.clone()).map_err(backend)?;
    if authoritative {
        store.protocol.insert(DEPLOYMENT, text).map_err(backend)?;
    } else {
        let _ = store
            .protocol
            .compare_and_swap(DEPLOYMENT, None::<&[u8]>, Some(text))
            .map_err(backend)?;
    }
    match store.protocol.get(DEPLOYMENT).map_err(backend)? {
        Some(bytes) => decode("protocol settings", &bytes),
        None => Ok(settings.clone()),
    }
}
