//! The stored value of one cache entry: a versioned, checksummed envelope
//! around a JSON-serialised [`Completion`].
//!
//! Layout (big-endian integers):
//!
//! ```text
//! magic "RLMC" (4) | format u8 (1) | stored_at_ms u64 (8) | seq u64 (8)
//! | payload_len u32 (4) | payload (payload_len bytes of JSON) | checksum (16)
//! ```
//!
//! `seq` is the entry's position in the insertion-order index (used for
//! eviction); `checksum` is the first 16 bytes of blake3 over everything before
//! it. Decoding never panics: any truncation, bad magic, unknown format,
//! length mismatch, checksum mismatch or undecodable JSON is a [`DecodeError`],
//! which the cache turns into a miss.

use rlm_types::Completion;

/// Version of the value envelope.
pub const VALUE_FORMAT_VERSION: u8 = 1;

const MAGIC: &[u8; 4] = b"RLMC";
const HEADER_LEN: usize = 4 + 1 + 8 + 8 + 4;
const CHECKSUM_LEN: usize = 16;

/// Why a stored value could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("value is {0} bytes, shorter than the envelope")]
    Truncated(usize),
    #[error("value does not start with the cache magic bytes")]
    BadMagic,
    #[error("value has envelope format {0}, this build reads {VALUE_FORMAT_VERSION}")]
    UnknownFormat(u8),
    #[error("payload length {declared} does not match the value size {actual}")]
    LengthMismatch { declared: usize, actual: usize },
    #[error("checksum mismatch")]
    Checksum,
    #[error("payload is not a completion: {0}")]
    Payload(String),
}

/// The envelope fields readable without checking the payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryHeader {
    pub stored_at_ms: u64,
    pub seq: u64,
}

/// Encode a completion into a stored value.
pub fn encode(completion: &Completion, stored_at_ms: u64, seq: u64) -> Result<Vec<u8>, String> {
    let payload = serde_json::to_vec(completion).map_err(|e| e.to_string())?;
    let payload_len = u32::try_from(payload.len())
        .map_err(|_| format!("completion of {} bytes is too large to cache", payload.len()))?;
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len() + CHECKSUM_LEN);
    out.extend_from_slice(MAGIC);
    out.push(VALUE_FORMAT_VERSION);
    out.extend_from_slice(&stored_at_ms.to_be_bytes());
    out.extend_from_slice(&seq.to_be_bytes());
    out.extend_from_slice(&payload_len.to_be_bytes());
    out.extend_from_slice(&payload);
    let sum = blake3::hash(&out);
    out.extend_from_slice(&sum.as_bytes()[..CHECKSUM_LEN]);
    Ok(out)
}

fn be_u64(bytes: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&bytes[..8]);
    u64::from_be_bytes(b)
}

/// Read the header only (cheap; used when scanning the database at open).
/// Checks magic, format and overall length, not the checksum.
pub fn decode_header(value: &[u8]) -> Result<EntryHeader, DecodeError> {
    if value.len() < HEADER_LEN + CHECKSUM_LEN {
        return Err(DecodeError::Truncated(value.len()));
    }
    if &value[..4] != MAGIC {
        return Err(DecodeError::BadMagic);
    }
    if value[4] != VALUE_FORMAT_VERSION {
        return Err(DecodeError::UnknownFormat(value[4]));
    }
    let mut len_bytes = [0u8; 4];
    len_bytes.copy_from_slice(&value[21..25]);
    let declared = u32::from_be_bytes(len_bytes) as usize;
    let actual = value.len() - HEADER_LEN - CHECKSUM_LEN;
    if declared != actual {
        return Err(DecodeError::LengthMismatch { declared, actual });
    }
    Ok(EntryHeader { stored_at_ms: be_u64(&value[5..13]), seq: be_u64(&value[13..21]) })
}

/// Fully decode and verify a stored value.
pub fn decode(value: &[u8]) -> Result<(EntryHeader, Completion), DecodeError> {
    let header = decode_header(value)?;
    let body_end = value.len() - CHECKSUM_LEN;
    let sum = blake3::hash(&value[..body_end]);
    if sum.as_bytes()[..CHECKSUM_LEN] != value[body_end..] {
        return Err(DecodeError::Checksum);
    }
    let completion = serde_json::from_slice(&value[HEADER_LEN..body_end])
        .map_err(|e| DecodeError::Payload(e.to_string()))?;
    Ok((header, completion))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rlm_types::{FinishReason, Usage};
    use std::time::Duration;

    fn sample() -> Completion {
        Completion {
            text: "the answer is 42 — ünïcode".into(),
            usage: Usage { prompt_tokens: 10, completion_tokens: 5, cached_tokens: 2 },
            finish_reason: Some(FinishReason::Stop),
            model: "gpt-5-mini-2025".into(),
            latency: Duration::from_millis(321),
        }
    }

    #[test]
    fn round_trips() {
        let v = encode(&sample(), 1_700_000_000_123, 77).unwrap();
        let (h, c) = decode(&v).unwrap();
        assert_eq!(h, EntryHeader { stored_at_ms: 1_700_000_000_123, seq: 77 });
        assert_eq!(c, sample());
    }

    #[test]
    fn rejects_each_kind_of_damage() {
        let v = encode(&sample(), 1, 2).unwrap();
        assert_eq!(decode(&v[..10]), Err(DecodeError::Truncated(10)));
        let mut bad = v.clone();
        bad[0] = b'X';
        assert_eq!(decode(&bad), Err(DecodeError::BadMagic));
        let mut bad = v.clone();
        bad[4] = 9;
        assert_eq!(decode(&bad), Err(DecodeError::UnknownFormat(9)));
        let mut bad = v.clone();
        bad.pop();
        assert!(matches!(decode(&bad), Err(DecodeError::LengthMismatch { .. })));
        let mut bad = v.clone();
        let mid = HEADER_LEN + 3;
        bad[mid] ^= 0x20;
        assert_eq!(decode(&bad), Err(DecodeError::Checksum));
        assert_eq!(decode(b""), Err(DecodeError::Truncated(0)));
    }

    #[test]
    fn valid_envelope_with_wrong_payload_is_a_payload_error() {
        let mut out = Vec::new();
        let payload = br#"{"not":"a completion"}"#;
        out.extend_from_slice(MAGIC);
        out.push(VALUE_FORMAT_VERSION);
        out.extend_from_slice(&0u64.to_be_bytes());
        out.extend_from_slice(&0u64.to_be_bytes());
        out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
        out.extend_from_slice(payload);
        let sum = blake3::hash(&out);
        out.extend_from_slice(&sum.as_bytes()[..CHECKSUM_LEN]);
        assert!(matches!(decode(&out), Err(DecodeError::Payload(_))));
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = decode(&bytes);
            let _ = decode_header(&bytes);
        }

        #[test]
        fn any_single_byte_flip_is_detected(pos in 0usize..10_000, flip in 1u8..=255) {
            let v = encode(&sample(), 5, 6).unwrap();
            let mut bad = v.clone();
            let i = pos % bad.len();
            bad[i] ^= flip;
            prop_assert!(decode(&bad).is_err());
        }
    }
}
