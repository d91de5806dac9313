//! Idempotency keys and the deployment's protocol settings on PostgreSQL.
//! A claim locks the key's row (`INSERT … ON CONFLICT DO NOTHING`, then
//! `SELECT … FOR UPDATE`), so two requests with one key never both run.

use super::PgStore;
use super::sql::{Tx, decode, encode, pg};
use crate::store::clock::{Micros, now_micros};
use crate::store::errors::StoreError;
use crate::store::outbox::{
    IdempotencyKey, KeyClaim, KeyedAnswer, ProtocolSettings, StoredKey, StoredResponse,
};
use crate::store::traits::IdempotencyStore;

/// The row of the settings every process must agree on.
const DEPLOYMENT: &str = "deployment";

#[async_trait::async_trait]
impl IdempotencyStore for PgStore {
    async fn claim_idempotency_key(
        &self,
        key: &IdempotencyKey,
        now: Micros,
        stale_before: Micros,
        lapsed: Option<Micros>,
    ) -> Result<KeyClaim, StoreError> {
        self.writing(move || async move {
            let mut client = self.client().await?;
            let tx = client.transaction().await.map_err(pg)?;
            let inserted = tx
        .execute(
            "INSERT INTO idempotency_keys (owner, key, fingerprint, created_at, holder, claim)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (owner, key) DO NOTHING",
            &[&key.owner, &key.key, &key.fingerprint, &now, &key.holder, &key.claim],
        )
        .await
        .map_err(pg)?;
            if inserted == 1 {
                tx.commit().await.map_err(pg)?;
                return Ok(KeyClaim::Fresh);
            }
            let stored = lock_key(&tx, key).await?;
            let holder_gone = match (&stored.holder, lapsed) {
                (Some(holder), Some(before)) => process_gone(&tx, holder, before).await?,
                _ => false,
            };
            let claim = match stored.claim(key, stale_before, holder_gone) {
                Some(found) => found,
                None => {
                    tx.execute(
                        "UPDATE idempotency_keys SET created_at = $3, holder = $4, claim = $5
                 WHERE owner = $1 AND key = $2",
                        &[&key.owner, &key.key, &now, &key.holder, &key.claim],
                    )
                    .await
                    .map_err(pg)?;
                    KeyClaim::Fresh
                }
            };
            tx.commit().await.map_err(pg)?;
            Ok(claim)
        })
        .await
    }

    async fn complete_idempotency_key(
        &self,
        key: &IdempotencyKey,
        response: &StoredResponse,
    ) -> Result<(), StoreError> {
        self.writing(move || async move {
            let mut client = self.client().await?;
            let tx = client.transaction().await.map_err(pg)?;
            answer_key(&tx, &KeyedAnswer { key, response }).await?;
            tx.commit().await.map_err(pg)
        })
        .await
    }

    async fn release_idempotency_key(&self, key: &IdempotencyKey) -> Result<(), StoreError> {
        self.writing(move || async move {
            let client = self.client().await?;
            client
                .execute(
                    "DELETE FROM idempotency_keys
             WHERE owner = $1 AND key = $2 AND response_status IS NULL AND claim = $3",
                    &[&key.owner, &key.key, &key.claim],
                )
                .await
                .map_err(pg)?;
            Ok(())
        })
        .await
    }

    async fn sweep_idempotency_keys(&self, before: Micros) -> Result<u64, StoreError> {
        self.reading(move || async move {
            let client = self.client().await?;
            client
                .execute("DELETE FROM idempotency_keys WHERE created_at < $1", &[&before])
                .await
                .map_err(pg)
        })
        .await
    }

    async fn record_protocol(
        &self,
        process: &str,
        role: &str,
        settings: &ProtocolSettings,
        authoritative: bool,
    ) -> Result<ProtocolSettings, StoreError> {
        self.writing(move || async move {
            let mut client = self.client().await?;
            let tx = client.transaction().await.map_err(pg)?;
            let text = encode(settings)?;
            let upsert = "INSERT INTO protocol_settings (process, role, settings, updated_at)
         VALUES ($1, $2, $3, $4) ON CONFLICT (process) DO UPDATE
         SET role = excluded.role, settings = excluded.settings, updated_at = excluded.updated_at";
            tx.execute(upsert, &[&process, &role, &text, &now_micros()]).await.map_err(pg)?;
            // An api's settings are the deployment's; a worker's only when none are recorded.
            let deployment = if authoritative {
                upsert.to_string()
            } else {
                "INSERT INTO protocol_settings (process, role, settings, updated_at)
         VALUES ($1, $2, $3, $4) ON CONFLICT (process) DO NOTHING"
                    .to_string()
            };
            tx.execute(&deployment, &[&DEPLOYMENT, &role, &text, &now_micros()])
                .await
                .map_err(pg)?;
            let row = tx
                .query_one(
                    "SELECT settings FROM protocol_settings WHERE process = $1",
                    &[&DEPLOYMENT],
                )
                .await
                .map_err(pg)?;
            let found = decode("protocol settings", row.get(0))?;
            tx.commit().await.map_err(pg)?;
            Ok(found)
        })
        .await
    }
}

/// The key's row, locked for the transaction.
async fn lock_key(tx: &Tx<'_>, key: &IdempotencyKey) -> Result<StoredKey, StoreError> {
    let row = tx
        .query_one(
            "SELECT fingerprint, created_at, response_status, response_body, holder, claim
             FROM idempotency_keys WHERE owner = $1 AND key = $2 FOR UPDATE",
            &[&key.owner, &key.key],
        )
        .await
        .map_err(pg)?;
    let status: Option<i32> = row.get(2);
    Ok(StoredKey {
        fingerprint: row.get(0),
        created_at: row.get(1),
        response: status.map(|s| StoredResponse {
            status: u16::try_from(s).unwrap_or(500),
            body: row.get::<_, Option<String>>(3).unwrap_or_default(),
        }),
        holder: row.get(4),
        claim: row.get(5),
    })
}

/// Whether `holder`'s process lease ended before `before` (or it never
/// held one): its process is gone.
async fn process_gone(tx: &Tx<'_>, holder: &str, before: Micros) -> Result<bool, StoreError> {
    let row = tx
        .query_opt("SELECT expires_at FROM process_leases WHERE holder = $1", &[&holder])
        .await
        .map_err(pg)?;
    Ok(row.is_none_or(|r| r.get::<_, i64>(0) < before))
}

/// Stores the key's response in the caller's transaction (the row its
/// request creates is written in it too), if the request still holds the
/// claim; [`StoreError::KeyTakenOver`] (the caller's transaction is then
/// dropped, nothing written) if another request took it.
pub(super) async fn answer_key(tx: &Tx<'_>, answer: &KeyedAnswer<'_>) -> Result<(), StoreError> {
    let (key, response) = (answer.key, answer.response);
    let stored = match tx
        .query_opt(
            "SELECT 1 FROM idempotency_keys WHERE owner = $1 AND key = $2",
            &[&key.owner, &key.key],
        )
        .await
        .map_err(pg)?
    {
        Some(_) => lock_key(tx, key).await?,
        // Swept meanwhile (a request older than the keys' retention): claimed again here.
        None => StoredKey::claimed(key, now_micros()),
    };
    stored.check_answer(key)?;
    tx.execute(
        "INSERT INTO idempotency_keys
             (owner, key, fingerprint, created_at, response_status, response_body, holder, claim)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (owner, key) DO UPDATE
         SET response_status = excluded.response_status, response_body = excluded.response_body",
        &[
            &key.owner,
            &key.key,
            &key.fingerprint,
            &stored.created_at,
            &i32::from(response.status),
            &response.body,
            &key.holder,
            &key.claim,
        ],
    )
    .await
    .map_err(pg)?;
    Ok(())
}
