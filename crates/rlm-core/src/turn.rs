//! One question of a session and its answer: the history an execution is
//! shown, and the id of the execution that answered it.

use serde::{Deserialize, Serialize};

/// Identifies one execution of a session (a UUID v4).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ExecutionId(pub String);

impl ExecutionId {
    /// A fresh random id.
    pub fn random() -> Self {
        ExecutionId(uuid::Uuid::new_v4().to_string())
    }
}

impl std::fmt::Display for ExecutionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One question and its answer, for the conversation history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Turn {
    pub execution_id: ExecutionId,
    pub query: String,
    /// `None` when the execution ended without an answer.
    pub answer: Option<String>,
}
