//! One `tools/call`: the bound arguments as the call's JSON object, the
//! server's timeout, and its result as the program's value: the structured
//! result when the server gives one (a wrapped plain value unwrapped), else
//! its text parts joined. `isError`, a failure of the transport, a timeout
//! or a reply past the cap is a message the program raises, each starting
//! `mcp server 'S' tool 'T':`.

use std::sync::Arc;

use rmcp::model::{CallToolRequestParams, CallToolResult, ContentBlock};
use rmcp::service::ServiceError;
use serde_json::{Map, Value as Json};

use crate::connect::{Connection, secs};
use crate::schema::Field;

/// Most bytes of a result the program gets (text, or structured JSON).
pub const MAX_RESULT_BYTES: usize = 4 * 1024 * 1024;

/// What a call needs of its tool.
pub struct CallSpec {
    pub tool: String,
    pub fields: Vec<Field>,
    pub wrapped_result: bool,
}

/// Calls the tool with `args` (one per field, bound by the registry).
pub async fn call(
    connection: Arc<Connection>,
    spec: Arc<CallSpec>,
    args: Vec<Json>,
) -> Result<Json, String> {
    let prefix = format!("mcp server '{}' tool '{}'", connection.server, spec.tool);
    let params =
        CallToolRequestParams::new(spec.tool.clone()).with_arguments(arguments(&spec.fields, args));
    let answer = tokio::time::timeout(connection.timeout, connection.peer.call_tool(params)).await;
    match answer {
        Err(_) => Err(format!("{prefix}: timed out after {}", secs(connection.timeout))),
        Ok(Err(e)) => Err(format!("{prefix}: {}", failure(&connection, &e).await)),
        Ok(Ok(result)) => {
            value_of(result, spec.wrapped_result).map_err(|m| format!("{prefix}: {m}"))
        }
    }
}

/// The call's JSON arguments: a parameter left at `None` is not sent (the
/// server's default applies); a boolean goes as its truth value.
fn arguments(fields: &[Field], args: Vec<Json>) -> Map<String, Json> {
    let mut out = Map::new();
    for (field, value) in fields.iter().zip(args) {
        if value.is_null() && !field.required {
            continue;
        }
        let value = if field.boolean { Json::Bool(truth(&value)) } else { value };
        out.insert(field.name.clone(), value);
    }
    out
}

/// Python's truth of a JSON value.
fn truth(value: &Json) -> bool {
    match value {
        Json::Null => false,
        Json::Bool(b) => *b,
        Json::Number(n) => n.as_f64().is_some_and(|x| x != 0.0),
        Json::String(s) => !s.is_empty(),
        Json::Array(a) => !a.is_empty(),
        Json::Object(o) => !o.is_empty(),
    }
}

/// Why a call failed: the server's error, or the connection's end (with the
/// child's exit when it exited).
async fn failure(connection: &Connection, e: &ServiceError) -> String {
    match e {
        ServiceError::McpError(data) => format!("the server refused the call: {}", data.message),
        ServiceError::TransportClosed | ServiceError::TransportSend(_) => {
            let note = connection.exit_note().await.unwrap_or_default();
            format!("the connection to the server is closed ({e}){note}")
        }
        ServiceError::UnexpectedResponse => {
            "the server's reply is not a tools/call result (CallToolResult)".to_string()
        }
        other => other.to_string(),
    }
}

/// The program's value of a result, or the message it raises.
fn value_of(result: CallToolResult, wrapped: bool) -> Result<Json, String> {
    let text = || {
        let mut parts = Vec::new();
        for block in &result.content {
            match block {
                ContentBlock::Text(t) => parts.push(t.text.as_str()),
                _ => parts.push("[a non-text part, left out]"),
            }
        }
        parts.join("\n")
    };
    if result.is_error == Some(true) {
        let message = text();
        return Err(cut(&message, 2_000));
    }
    let value = match result.structured_content {
        Some(Json::Object(mut o)) if wrapped && o.len() == 1 && o.contains_key("result") => {
            o.remove("result").unwrap_or(Json::Null)
        }
        Some(structured) => structured,
        None => Json::String(text()),
    };
    let size = match &value {
        Json::String(s) => s.len(),
        other => other.to_string().len(),
    };
    if size > MAX_RESULT_BYTES {
        return Err(format!(
            "the reply holds {size} bytes, past the cap of {} MiB a program may receive",
            MAX_RESULT_BYTES >> 20
        ));
    }
    Ok(value)
}

/// `text` cut to `max` characters, marked when cut.
fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}... (cut)", &text[..at]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field(name: &str, boolean: bool, required: bool) -> Field {
        Field { name: name.into(), boolean, required }
    }

    #[test]
    fn arguments_leave_none_out_and_send_truth_for_booleans() {
        let fields =
            [field("city", false, true), field("days", false, false), field("raw", true, false)];
        let args = arguments(&fields, vec![json!("Paris"), Json::Null, json!(1)]);
        assert_eq!(Json::Object(args), json!({"city": "Paris", "raw": true}));
    }

    #[test]
    fn results_become_values_or_messages() {
        let text = CallToolResult::success(vec![ContentBlock::text("a"), ContentBlock::text("b")]);
        assert_eq!(value_of(text, false), Ok(json!("a\nb")));
        let mut wrapped = CallToolResult::success(vec![ContentBlock::text("5")]);
        wrapped.structured_content = Some(json!({"result": 5}));
        assert_eq!(value_of(wrapped.clone(), true), Ok(json!(5)));
        assert_eq!(value_of(wrapped, false), Ok(json!({"result": 5})));
        let failed = CallToolResult::error(vec![ContentBlock::text("no such city")]);
        assert_eq!(value_of(failed, false), Err("no such city".into()));
        let huge =
            CallToolResult::success(vec![ContentBlock::text("x".repeat(MAX_RESULT_BYTES + 1))]);
        assert!(value_of(huge, false).unwrap_err().contains("past the cap of 4 MiB"));
    }
}
