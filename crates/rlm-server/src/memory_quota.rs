//! The quota on a session's `memory` (the dict a program keeps across
//! executions): each value at most `max_memory_value_bytes` as JSON, the
//! whole dict at most `max_session_memory_bytes`. A key's memory is thus
//! bounded by its sessions (`--max-sessions-per-key`) times the per-session
//! quota; it is a quota of its own, not counted with the contexts. Checked
//! by `POST /api/sessions/{id}/memory` (413) and when an execution is
//! settled (a program's changes that would pass it are not kept, and its
//! record says so). Pages of `GET /api/sessions/{id}/memory` hold at most
//! [`PAGE_BYTES`].

use std::io::Write;

use serde_json::{Map, Value};

use crate::config::ServerLimits;
use crate::error::ServerError;

/// The most bytes of values one page of `GET …/memory` holds (one value
/// larger than this, stored before the quota, is a page on its own).
pub use crate::store::PAGE_BYTES;

/// See the module docs.
#[derive(Debug, Clone, Copy)]
pub struct MemoryQuota {
    pub per_value: u64,
    pub per_session: u64,
}

impl MemoryQuota {
    pub fn of(limits: &ServerLimits) -> Self {
        MemoryQuota {
            per_value: limits.max_memory_value_bytes,
            per_session: limits.max_session_memory_bytes,
        }
    }

    /// Refuses (413) a value past the per-value quota.
    pub fn check_value(&self, value: &Value) -> Result<(), ServerError> {
        let found = json_bytes(value);
        if found > self.per_value {
            return Err(ServerError::TooLarge {
                what: "this memory value (as JSON)",
                found,
                limit: self.per_value,
            });
        }
        Ok(())
    }

    /// A program's `memory` past the quota is put back as it `started`
    /// (the rest of its state is kept); returns the note saying so.
    pub fn keep_within(
        &self,
        memory: &mut Map<String, Value>,
        started: &Map<String, Value>,
    ) -> Option<String> {
        let over = self.check(memory).err()?;
        *memory = started.clone();
        Some(format!("memory was not saved: {over}"))
    }

    /// Refuses (413) a dict past either quota.
    pub fn check(&self, memory: &Map<String, Value>) -> Result<(), ServerError> {
        let mut total = 0u64;
        for (key, value) in memory {
            self.check_value(value)?;
            total = total.saturating_add(entry_bytes(key, value));
        }
        if total > self.per_session {
            return Err(ServerError::TooLarge {
                what: "this session's memory (as JSON)",
                found: total,
                limit: self.per_session,
            });
        }
        Ok(())
    }

    /// Refuses (413) setting `key` to `value` in `memory` past either quota.
    pub fn check_set(
        &self,
        memory: &Map<String, Value>,
        key: &str,
        value: &Value,
    ) -> Result<(), ServerError> {
        self.check_value(value)?;
        let others: u64 = memory
            .iter()
            .filter(|(k, _)| k.as_str() != key)
            .map(|(k, v)| entry_bytes(k, v))
            .fold(0, u64::saturating_add);
        let found = others.saturating_add(entry_bytes(key, value));
        if found > self.per_session {
            return Err(ServerError::TooLarge {
                what: "this session's memory (as JSON)",
                found,
                limit: self.per_session,
            });
        }
        Ok(())
    }
}

/// One page of a memory dict: the keys after `after`, in key order, at
/// most `limit` of them and [`PAGE_BYTES`] of values (at least one), and
/// the key the next page starts after (`None`: the last page).
pub fn page(
    memory: Map<String, Value>,
    after: Option<&str>,
    limit: usize,
) -> (Map<String, Value>, Option<String>) {
    let mut entries: Vec<(String, Value)> =
        memory.into_iter().filter(|(k, _)| after.is_none_or(|a| k.as_str() > a)).collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = Map::new();
    let mut bytes = 0u64;
    let mut last = None;
    let total = entries.len();
    for (i, (key, value)) in entries.into_iter().enumerate() {
        let size = entry_bytes(&key, &value);
        if i >= limit || (i > 0 && bytes.saturating_add(size) > PAGE_BYTES) {
            return (out, last);
        }
        bytes = bytes.saturating_add(size);
        last = Some(key.clone());
        out.insert(key, value);
        if i + 1 == total {
            return (out, None);
        }
    }
    (out, None)
}

fn entry_bytes(key: &str, value: &Value) -> u64 {
    (key.len() as u64).saturating_add(json_bytes(value))
}

/// A value's size as compact JSON, counted without building the text.
pub fn json_bytes(value: &Value) -> u64 {
    let mut counter = Counter(0);
    // Writing to a counter cannot fail.
    let _ = serde_json::to_writer(&mut counter, value);
    counter.0
}

struct Counter(u64);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn quota() -> MemoryQuota {
        MemoryQuota { per_value: 10, per_session: 20 }
    }

    #[test]
    fn a_value_or_a_dict_past_the_quota_is_413() {
        assert_eq!(json_bytes(&json!("abc")), 5);
        assert!(quota().check_value(&json!("12345678")).is_ok());
        let e = quota().check_value(&json!("123456789")).unwrap_err();
        assert!(e.to_string().contains("11 bytes, the limit is 10"), "{e}");
        let mut memory = Map::new();
        memory.insert("a".into(), json!("1234567"));
        memory.insert("b".into(), json!("1234567"));
        assert!(quota().check(&memory).is_ok());
        assert!(quota().check_set(&memory, "b", &json!("123456")).is_ok());
        assert!(quota().check_set(&memory, "b", &json!("12345678")).is_err());
        assert!(quota().check_set(&memory, "c", &json!("1")).is_err());
    }

    #[test]
    fn pages_are_in_key_order_and_bounded() {
        let mut memory = Map::new();
        for k in ["c", "a", "b"] {
            memory.insert(k.into(), json!(k));
        }
        let (first, next) = page(memory.clone(), None, 2);
        assert_eq!(first.keys().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(next.as_deref(), Some("b"));
        let (second, next) = page(memory.clone(), next.as_deref(), 2);
        assert_eq!(second.keys().collect::<Vec<_>>(), ["c"]);
        assert_eq!(next, None);
        let (all, next) = page(memory, None, 3);
        assert_eq!((all.len(), next), (3, None));
    }
}
