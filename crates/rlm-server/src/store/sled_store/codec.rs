//! How the sled store's values and keys are spelled: records as JSON,
//! aggregates compact (postcard), the keys of pending jobs and trace
//! events, and sled's errors as [`StoreError`]s.

use serde::Serialize;
use serde::de::DeserializeOwned;
use sled::transaction::{ConflictableTransactionError, TransactionError};
use uuid::Uuid;

use crate::store::errors::StoreError;
use crate::store::job_records::JobRecord;

pub(super) fn backend(e: sled::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

pub(super) fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(value)
        .map_err(|e| StoreError::Corrupt { what: "encoding".into(), message: e.to_string() })
}

pub(super) fn decode<T: DeserializeOwned>(what: &str, bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes)
        .map_err(|e| StoreError::Corrupt { what: what.to_string(), message: e.to_string() })
}

/// The first byte of a compact record (never `{`, which opens a JSON one).
pub(super) const COMPACT: u8 = 0xB1;

/// Aggregates and time buckets, rewritten by every execution's settlement,
/// are stored compact (postcard behind [`COMPACT`]): decoding and encoding
/// them as JSON was a tenth of the writer thread's time.
pub(super) fn encode_compact<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    postcard::to_extend(value, vec![COMPACT])
        .map_err(|e| StoreError::Corrupt { what: "encoding".into(), message: e.to_string() })
}

/// Reads a record written by [`encode_compact`], or as JSON (stores
/// written before compact records).
pub(super) fn decode_compact<T: DeserializeOwned>(
    what: &str,
    bytes: &[u8],
) -> Result<T, StoreError> {
    match bytes.split_first() {
        Some((&COMPACT, rest)) => postcard::from_bytes(rest)
            .map_err(|e| StoreError::Corrupt { what: what.to_string(), message: e.to_string() }),
        _ => decode(what, bytes),
    }
}

pub(super) fn tx_err(e: TransactionError<StoreError>) -> StoreError {
    match e {
        TransactionError::Abort(e) => e,
        TransactionError::Storage(e) => backend(e),
    }
}

pub(super) fn abort(e: StoreError) -> ConflictableTransactionError<StoreError> {
    ConflictableTransactionError::Abort(e)
}

pub(super) fn pending_key(job: &JobRecord) -> Vec<u8> {
    let mut key = Vec::with_capacity(24);
    key.extend_from_slice(&job.created_at.to_be_bytes());
    key.extend_from_slice(job.id.as_bytes());
    key
}

pub(super) fn trace_key(execution: Uuid, position: u64) -> [u8; 24] {
    let mut key = [0u8; 24];
    key[..16].copy_from_slice(execution.as_bytes());
    key[16..].copy_from_slice(&position.to_be_bytes());
    key
}

/// The stream position in a trace key (its last 8 bytes, big-endian).
pub(super) fn trace_position(key: &[u8]) -> Option<u64> {
    let tail: [u8; 8] = key.get(16..24)?.try_into().ok()?;
    Some(u64::from_be_bytes(tail))
}
