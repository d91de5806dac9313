//! The first and last frames of an execution's event stream (SSE): the
//! RLM Engine's `execution_start`, and its two ends, `complete` and `error`.

use serde::Serialize;

use crate::shapes::ExecutionResponse;
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

/// The last frame of an execution's stream, `{"type": name, "data": ...}`
/// serialised: `complete` with the execution, or `error` with `{error,
/// execution}` (the RLM Engine's two ends). Written straight from the types
/// (no `serde_json::Value` in between: this runs once per execution, live,
/// and again for each replay).
pub fn terminal_frame(record: &ExecutionRecord) -> (&'static str, String) {
    #[derive(Serialize)]
    struct Frame<'a, T> {
        r#type: &'a str,
        data: T,
    }
    #[derive(Serialize)]
    struct Failed<'a> {
        error: &'a str,
        execution: &'a ExecutionResponse,
    }
    let execution = ExecutionResponse::from(record);
    let (name, json) = if record.status == ExecutionStatus::Completed {
        let name = crate::bus::COMPLETE_EVENT;
        (name, serde_json::to_string(&Frame { r#type: name, data: &execution }))
    } else {
        let name = crate::bus::FAILED_EVENT;
        let error = record.error_message.as_deref().unwrap_or_default();
        let data = Failed { error, execution: &execution };
        (name, serde_json::to_string(&Frame { r#type: name, data }))
    };
    // An execution always serialises (string keys, finite or null numbers);
    // if one ever did not, its listeners still get the end, with no data.
    let json = json.unwrap_or_else(|_| {
        serde_json::json!({ "type": name, "data": serde_json::Value::Null }).to_string()
    });
    (name, json)
}
