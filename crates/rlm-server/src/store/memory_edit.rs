//! One change to a session's `memory`, as the API's edits make them.

/// One change to a session's `memory`, applied inside one store transaction.
#[derive(Debug, Clone, PartialEq)]
pub enum MemoryEdit {
    Set { key: String, value: serde_json::Value },
    Delete { key: String },
}

impl MemoryEdit {
    /// Applies the edit; `false` if it was a delete of a missing key.
    pub fn apply(&self, memory: &mut serde_json::Map<String, serde_json::Value>) -> bool {
        match self {
            MemoryEdit::Set { key, value } => {
                memory.insert(key.clone(), value.clone());
                true
            }
            MemoryEdit::Delete { key } => memory.remove(key).is_some(),
        }
    }
}
