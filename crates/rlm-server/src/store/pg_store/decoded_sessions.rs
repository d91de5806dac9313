//! Sessions' records as last decoded, each with the exact text it was
//! decoded from: a session read again unchanged is cloned, not decoded.
//!
//! An execution of a session reads its session's record three times: the
//! admission's read, the start's batch (the session as its lease found
//! it) and the settlement's (locked, to merge into). Between them the
//! text rarely changes, and decoding it was the server's largest JSON
//! cost on PostgreSQL (about 40,000 instructions a read of a 2.7 KB
//! record, against a few thousand for a clone; issue #80).
//!
//! An entry answers only for the very text it holds, compared whole, so
//! it can never be stale: a changed record is a different text, decoded
//! again. What the memo holds is bounded: [`MAX_ENTRIES`] sessions, each
//! text at most [`MAX_TEXT`] bytes (a bigger record is decoded each time).

use std::collections::HashMap;
use std::sync::Mutex;

use uuid::Uuid;

use super::sql::decode;
use crate::store::errors::StoreError;
use crate::store::records::SessionRecord;

/// How many sessions the memo holds at most.
const MAX_ENTRIES: usize = 256;

/// The longest text the memo keeps (bytes): the memo holds at most
/// `MAX_ENTRIES * MAX_TEXT` = 4 MiB of text, and the records decoded from it.
const MAX_TEXT: usize = 16 * 1024;

/// The memo (shared by a store's clones).
#[derive(Default)]
pub(super) struct DecodedSessions {
    entries: Mutex<HashMap<Uuid, Entry>>,
}

struct Entry {
    text: Box<str>,
    record: SessionRecord,
}

impl DecodedSessions {
    /// The session `id`'s record stored as `text`: the memo's copy when it
    /// was decoded from that same text, otherwise decoded (and kept).
    pub fn decode(&self, id: Uuid, text: &str) -> Result<SessionRecord, StoreError> {
        if let Some(entry) = self.lock().get(&id)
            && *entry.text == *text
        {
            return Ok(entry.record.clone());
        }
        let record: SessionRecord = decode("session", text)?;
        self.remember(id, text, &record);
        Ok(record)
    }

    /// Keeps `record` as the decoding of `text` (what a write encoded it to).
    pub fn remember(&self, id: Uuid, text: &str, record: &SessionRecord) {
        if text.len() > MAX_TEXT || record.id != id {
            return;
        }
        let entry = Entry { text: text.into(), record: record.clone() };
        let mut entries = self.lock();
        if entries.len() >= MAX_ENTRIES
            && !entries.contains_key(&id)
            && let Some(evicted) = entries.keys().next().copied()
        {
            entries.remove(&evicted);
        }
        entries.insert(id, entry);
    }

    /// The entries; a panic elsewhere while they were held left them whole
    /// (each change is one insert or remove), so a poisoned lock is taken.
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Entry>> {
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::records::new_session_state;

    fn session(name: &str) -> SessionRecord {
        let id = Uuid::new_v4();
        SessionRecord {
            id,
            owner: "ann".into(),
            name: Some(name.into()),
            context: None,
            context_metadata: Default::default(),
            settings: Default::default(),
            state: new_session_state(id),
            history_len: 0,
            created_at: 1,
            updated_at: 1,
        }
    }

    fn text(s: &SessionRecord) -> String {
        serde_json::to_string(s).unwrap()
    }

    #[test]
    fn the_same_text_gives_the_same_record_and_a_changed_text_is_decoded_again() {
        let memo = DecodedSessions::default();
        let mut s = session("first");
        assert_eq!(memo.decode(s.id, &text(&s)).unwrap(), s);
        assert_eq!(memo.decode(s.id, &text(&s)).unwrap(), s, "from the memo");
        s.name = Some("second".into());
        assert_eq!(memo.decode(s.id, &text(&s)).unwrap(), s, "a new text is decoded");
        // A write's own encoding is remembered, and answers for that text only.
        let written = SessionRecord { updated_at: 2, ..s.clone() };
        memo.remember(s.id, &text(&written), &written);
        assert_eq!(memo.decode(s.id, &text(&written)).unwrap(), written);
        assert_eq!(memo.decode(s.id, &text(&s)).unwrap(), s);
    }

    #[test]
    fn a_corrupt_text_is_an_error_each_time_and_leaves_the_kept_record() {
        let memo = DecodedSessions::default();
        let s = session("kept");
        memo.decode(s.id, &text(&s)).unwrap();
        for _ in 0..2 {
            let read = memo.decode(s.id, "{\"id\": 7}");
            assert!(matches!(read, Err(StoreError::Corrupt { .. })), "{read:?}");
        }
        assert_eq!(memo.decode(s.id, &text(&s)).unwrap(), s);
    }

    #[test]
    fn the_memo_holds_a_bounded_number_of_bounded_texts() {
        let memo = DecodedSessions::default();
        for i in 0..MAX_ENTRIES * 2 {
            let s = session(&format!("session {i}"));
            memo.decode(s.id, &text(&s)).unwrap();
            assert!(memo.len() <= MAX_ENTRIES);
        }
        assert_eq!(memo.len(), MAX_ENTRIES);
        let fresh = DecodedSessions::default();
        let mut big = session("big");
        big.context_metadata.insert("notes".into(), "x".repeat(MAX_TEXT).into());
        assert_eq!(fresh.decode(big.id, &text(&big)).unwrap(), big, "decoded, not kept");
        assert_eq!(fresh.len(), 0);
        // A text whose record is another session's is not kept under `id`.
        let other = session("other");
        fresh.remember(Uuid::new_v4(), &text(&other), &other);
        assert_eq!(fresh.len(), 0);
    }
}
