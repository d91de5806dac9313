//! The first and last frames of an execution's event stream (SSE): the
//! RLM Engine's `execution_start`, and its two ends, `complete` and `error`.

use crate::store::{ExecutionRecord, ExecutionStatus};

/// The SSE event name of an execution's first frame.
pub const START_EVENT: &str = "execution_start";

/// The data of an execution's first frame (`execution_start`).
pub fn start_data(record: &ExecutionRecord) -> serde_json::Value {
    serde_json::json!({
        "execution_id": record.id,
        "root_node_id": null,
        "user_query": record.user_query,
        "context_size": record.context_size,
        "session_id": record.session_id,
        "model": record.model,
    })
}

/// The last frame of an execution's stream: `complete` with the execution,
/// or `error` with `{error, execution}` (the RLM Engine's two ends).
pub fn terminal_frame(
    record: &ExecutionRecord,
    execution: serde_json::Value,
) -> (&'static str, serde_json::Value) {
    if record.status == ExecutionStatus::Completed {
        (crate::bus::COMPLETE_EVENT, execution)
    } else {
        let error = record.error_message.clone().unwrap_or_default();
        (crate::bus::FAILED_EVENT, serde_json::json!({ "error": error, "execution": execution }))
    }
}
