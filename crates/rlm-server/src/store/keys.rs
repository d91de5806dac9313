//! Key layouts of the sled store's `index` tree (one tree, a kind byte in
//! front of every key, so one transaction covers every index a write
//! touches) and of its `history` tree. Numbers are big-endian and signed
//! numbers have their sign bit flipped, so byte order is numeric order and a
//! range scan walks records by creation time.

use uuid::Uuid;

use super::clock::Micros;

/// Executions of an owner: `E owner created id` → ().
pub const EXECUTIONS_BY_OWNER: u8 = b'E';
/// Executions of a session: `S session created id` → ().
pub const EXECUTIONS_BY_SESSION: u8 = b'S';
/// Every execution by creation time (the retention sweeper's order): `G created id` → ().
pub const EXECUTIONS_BY_TIME: u8 = b'G';
/// Executions not yet ended: `R id` → ().
pub const RUNNING_EXECUTIONS: u8 = b'R';
/// Sessions of an owner: `N owner created id` → ().
pub const SESSIONS_BY_OWNER: u8 = b'N';
/// Jobs of an owner: `J owner created id` → ().
pub const JOBS_BY_OWNER: u8 = b'J';
/// Running (leased) jobs: `L id` → ().
pub const RUNNING_JOBS: u8 = b'L';
/// Counts: `C kind owner` → u64 (kind: `N` sessions, `J` jobs, `B` context bytes, `b` a blob's references).
pub const COUNT: u8 = b'C';
/// The kind of count of an owner's sessions' context bytes.
pub const CONTEXT_BYTES: u8 = b'B';
/// The kind of count of an owner's executions' recording bytes.
pub const RECORDING_BYTES: u8 = b'r';
/// The kind of count of a blob's references (`C b name`: the sessions and
/// executions naming it).
pub const BLOB_REFS: u8 = b'b';
/// An owner's aggregate: `A owner` → `Aggregate`.
pub const OWNER_AGGREGATE: u8 = b'A';
/// A session's aggregate: `a owner session` → `Aggregate`.
pub const SESSION_AGGREGATE: u8 = b'a';
/// Time buckets: `T scope width bucket` → `BucketTotals`; a scope's newest
/// bucket of every width: `T scope 0xFF` → their totals (sled's `HotBuckets`).
pub const TIME_BUCKET: u8 = b'T';
/// The newest attempt of an execution a queue delivered more than once:
/// `V id` → the attempt (4 bytes BE). A write of an older attempt (a trace
/// batch, a checkpoint) reads it to be refused.
pub const ATTEMPTS: u8 = b'V';

/// A signed number whose bytes sort as the number does.
pub fn ordered(n: i64) -> [u8; 8] {
    ((n as u64) ^ (1 << 63)).to_be_bytes()
}

/// The inverse of [`ordered`].
pub fn unordered(bytes: [u8; 8]) -> i64 {
    (u64::from_be_bytes(bytes) ^ (1 << 63)) as i64
}

/// `kind`, then the owner with its length in front (so one owner's keys are
/// never a prefix of another's).
pub fn owner_prefix(kind: u8, owner: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(5 + owner.len() + 24);
    key.push(kind);
    key.extend_from_slice(&(owner.len() as u32).to_be_bytes());
    key.extend_from_slice(owner.as_bytes());
    key
}

/// `kind` and a session id.
pub fn session_prefix(kind: u8, session: Uuid) -> Vec<u8> {
    let mut key = Vec::with_capacity(1 + 16 + 24);
    key.push(kind);
    key.extend_from_slice(session.as_bytes());
    key
}

/// `prefix created id`: one entry of a by-time index.
pub fn entry(mut prefix: Vec<u8>, created_at: Micros, id: Uuid) -> Vec<u8> {
    prefix.extend_from_slice(&ordered(created_at));
    prefix.extend_from_slice(id.as_bytes());
    prefix
}

/// The `(created, id)` at the end of an index entry.
pub fn position(key: &[u8]) -> Option<(Micros, Uuid)> {
    let tail = key.len().checked_sub(24).map(|start| &key[start..])?;
    let created = unordered(tail[..8].try_into().ok()?);
    Some((created, Uuid::from_slice(&tail[8..]).ok()?))
}

/// `kind id`.
pub fn by_id(kind: u8, id: Uuid) -> [u8; 17] {
    let mut key = [0u8; 17];
    key[0] = kind;
    key[1..].copy_from_slice(id.as_bytes());
    key
}

/// `C kind owner`.
pub fn count(kind: u8, owner: &str) -> Vec<u8> {
    let mut key = owner_prefix(COUNT, owner);
    key.insert(1, kind);
    key
}

/// `a owner session`.
pub fn session_aggregate(owner: &str, session: Uuid) -> Vec<u8> {
    let mut key = owner_prefix(SESSION_AGGREGATE, owner);
    key.extend_from_slice(session.as_bytes());
    key
}

/// The scope of a time bucket: an owner's executions or a session's.
pub fn owner_scope(owner: &str) -> Vec<u8> {
    let mut key = owner_prefix(TIME_BUCKET, owner);
    key.insert(1, b'o');
    key
}

pub fn session_scope(session: Uuid) -> Vec<u8> {
    let mut key = session_prefix(TIME_BUCKET, session);
    key.insert(1, b's');
    key
}

/// `scope width` (all of one width's buckets).
pub fn width_prefix(mut scope: Vec<u8>, width: usize) -> Vec<u8> {
    scope.push(width as u8);
    scope
}

/// `scope 0xFF`: the record of a scope's newest buckets (no width is 0xFF,
/// so no range of one width's buckets holds it).
pub fn hot_buckets(mut scope: Vec<u8>) -> Vec<u8> {
    scope.push(HOT_BUCKETS);
    scope
}

/// The width byte of [`hot_buckets`].
pub const HOT_BUCKETS: u8 = 0xFF;

/// `scope width bucket`.
pub fn bucket(scope: Vec<u8>, width: usize, bucket: i64) -> Vec<u8> {
    let mut key = width_prefix(scope, width);
    key.extend_from_slice(&ordered(bucket));
    key
}

/// The bucket number at the end of a bucket key.
pub fn bucket_number(key: &[u8]) -> Option<i64> {
    let start = key.len().checked_sub(8)?;
    Some(unordered(key[start..].try_into().ok()?))
}

/// `history` tree: `session turn` → the turn.
pub fn turn(session: Uuid, index: u64) -> [u8; 24] {
    let mut key = [0u8; 24];
    key[..16].copy_from_slice(session.as_bytes());
    key[16..].copy_from_slice(&index.to_be_bytes());
    key
}

/// A cursor a list answered with: where the next page starts (exclusive),
/// as 48 hex digits.
pub fn encode_cursor(created_at: Micros, id: Uuid) -> String {
    let mut bytes = Vec::with_capacity(24);
    bytes.extend_from_slice(&ordered(created_at));
    bytes.extend_from_slice(id.as_bytes());
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The inverse of [`encode_cursor`]; `None` for anything else.
pub fn decode_cursor(cursor: &str) -> Option<(Micros, Uuid)> {
    if cursor.len() != 48 || !cursor.is_ascii() {
        return None;
    }
    let bytes: Option<Vec<u8>> =
        (0..48).step_by(2).map(|i| u8::from_str_radix(&cursor[i..i + 2], 16).ok()).collect();
    position(&bytes?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordered_bytes_sort_as_the_numbers() {
        let numbers = [i64::MIN, -5, -1, 0, 1, 1_800_000_000_000_000, i64::MAX];
        for pair in numbers.windows(2) {
            assert!(ordered(pair[0]) < ordered(pair[1]));
            assert_eq!(unordered(ordered(pair[0])), pair[0]);
        }
    }

    #[test]
    fn cursors_round_trip_and_junk_is_refused() {
        let id = Uuid::new_v4();
        let c = encode_cursor(1_800_000_000_123_456, id);
        assert_eq!(decode_cursor(&c), Some((1_800_000_000_123_456, id)));
        for junk in ["", "zz", &c[..47], &format!("{}é", &c[..46])] {
            assert_eq!(decode_cursor(junk), None, "{junk}");
        }
    }

    #[test]
    fn one_owner_is_never_a_prefix_of_another() {
        assert!(!owner_prefix(b'E', "ab").starts_with(&owner_prefix(b'E', "a")));
    }
}
