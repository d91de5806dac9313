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
    let fresh = StoredKey { fingerprint: key.fingerprint.clone(), created_at: now, response: None };
    loop {
        let current = store.idempotency.get(&id).map_err(backend)?;
        if let Some(bytes) = &current {
            let stored: StoredKey = decode("idempotency key", bytes)?;
            if let Some(found) = stored.claim(key, stale_before) {
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

pub(super) async fn complete_key(
    store: &SledStore,
    key: &IdempotencyKey,
    response: &StoredResponse,
) -> Result<(), StoreError> {
    let id = idempotency_key(key);
    let created_at = match store.idempotency.get(&id).map_err(backend)? {
        Some(bytes) => decode::<StoredKey>("idempotency key", &bytes)?.created_at,
        None => now_micros(),
    };
    let stored = StoredKey {
        fingerprint: key.fingerprint.clone(),
        created_at,
        response: Some(response.clone()),
    };
    store.idempotency.insert(id, encode(&stored)?).map_err(backend)?;
    store.durable().await
}

pub(super) async fn release_key(store: &SledStore, key: &IdempotencyKey) -> Result<(), StoreError> {
    let id = idempotency_key(key);
    if let Some(bytes) = store.idempotency.get(&id).map_err(backend)? {
        let stored: StoredKey = decode("idempotency key", &bytes)?;
        if stored.response.is_none() {
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
