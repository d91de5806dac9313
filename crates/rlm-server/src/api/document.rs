//! The OpenAPI document: built from the handlers' annotations and the
//! request and response types, and as one server serves it (its limits
//! and models written in).

use utoipa::OpenApi;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};

use super::{executions, jobs, openai, ops, sessions};
use crate::config::ServerLimits;

#[derive(OpenApi)]
#[openapi(
    info(title = "rlm serve", description = "Recursive Language Model runtime: sessions, executions, SSE, jobs. The RLM Engine's API plus ours."),
    paths(
        sessions::create, sessions::list, sessions::get, sessions::update, sessions::delete,
        sessions::get_memory, sessions::set_memory, sessions::delete_memory, sessions::history,
        executions::execute, executions::execute_stream, executions::events, executions::list,
        executions::get, executions::delete, executions::tree, executions::trace, executions::recording, executions::cancel, executions::stats,
        jobs::submit, jobs::get, jobs::list, jobs::cancel,
        ops::healthz, ops::api_health, ops::readyz, ops::metrics, ops::openapi,
        openai::completions::chat_completions, openai::responses::create_response,
        openai::models::list, openai::models::retrieve,
    ),
    modifiers(&BearerScheme)
)]
struct ApiDoc;

struct BearerScheme;

impl utoipa::Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components
            .add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

/// The OpenAPI document of this API, from the handlers' annotations and the
/// request and response types (their serde attributes and schema ranges).
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The document a server serves: [`openapi_document`] with this server's
/// own limits written into the schemas (the longest question, the execution
/// time limit, the operator's budget ceilings), and bearer security declared
/// only when the server has keys (without keys nothing answers 401).
pub fn served_document(
    limits: &ServerLimits,
    auth: bool,
    paths: bool,
    models: &[String],
) -> serde_json::Value {
    let mut doc = serde_json::to_value(openapi_document()).unwrap_or_default();
    let schemas = "/components/schemas";
    // The models a client may name are this server's offer.
    for pointer in [
        "ExecutionCreate/properties/model",
        "SessionSettings/properties/model",
        "SessionSettings/properties/sub_model",
    ] {
        if let Some(schema) = doc.pointer_mut(&format!("{schemas}/{pointer}")) {
            let mut offered: Vec<serde_json::Value> =
                models.iter().map(|m| m.as_str().into()).collect();
            offered.push(serde_json::Value::Null);
            schema["enum"] = serde_json::Value::Array(offered);
        }
    }
    // An execution runs over a session or an inline context, exactly one of
    // them (the type has both optional; the server refuses both and neither).
    if let Some(shape) = doc.pointer_mut(&format!("{schemas}/ExecutionCreate")) {
        let one = |field: &str, schema: serde_json::Value| serde_json::json!({ "required": [field], "properties": { field: schema } });
        shape["oneOf"] = serde_json::json!([
            one("session_id", serde_json::json!({ "type": "string", "format": "uuid" })),
            one("context", serde_json::json!({ "type": "string" })),
        ]);
    }
    // A multipart body takes the named parts only (the type has no serde derive to say so).
    if let Some(shape) = doc.pointer_mut(&format!("{schemas}/SessionUpload")) {
        shape["additionalProperties"] = false.into();
        // One `files` part is one text, several are several: both are what
        // a form sends (a part has no JSON type to be wrong about).
        if let Some(files) = shape.pointer_mut("/properties/files") {
            let text = serde_json::json!({ "type": "string" });
            *files = serde_json::json!({
                "description": files.get("description").cloned().unwrap_or_default(),
                "anyOf": [text, { "type": "array", "items": text }],
            });
        }
    }
    // A chat has a user message; tools and functions are refused unless null
    // (what the types cannot say).
    if let Some(chat) = doc.pointer_mut(&format!("{schemas}/ChatRequest/properties")) {
        // The names this server offers first (any other name is a 404).
        if let Some(model) = chat.get_mut("model") {
            let mut offered = vec![serde_json::Value::from("rlm")];
            offered.extend(models.iter().map(|m| serde_json::Value::from(format!("rlm:{m}"))));
            let description = model.get("description").cloned().unwrap_or_default();
            *model = serde_json::json!({
                "description": description,
                "anyOf": [{ "enum": offered }, { "type": "string" }],
            });
        }
        if let Some(messages) = chat.get_mut("messages").and_then(|m| m.as_object_mut()) {
            messages.insert("minItems".into(), 1.into());
            messages.insert(
                "contains".into(),
                serde_json::json!({
                    "type": "object",
                    "required": ["role"],
                    "properties": { "role": { "const": "user" } },
                }),
            );
        }
        for refused in ["tools", "functions"] {
            if let Some(field) = chat.get_mut(refused) {
                let description = field.get("description").cloned().unwrap_or_default();
                *field = serde_json::json!({ "type": "null", "description": description });
            }
        }
    }
    // Server-side paths exist only on a server started with `--allow-path`.
    if !paths
        && let Some(properties) = doc
            .pointer_mut(&format!("{schemas}/SessionCreate/properties"))
            .and_then(|p| p.as_object_mut())
    {
        properties.remove("paths");
    }
    let query = limits.max_query_chars as u64;
    for shape in ["ExecutionCreate", "JobCreate"] {
        set_bound(
            &mut doc,
            &format!("{schemas}/{shape}/properties/user_query"),
            "maxLength",
            query,
        );
    }
    let settings = format!("{schemas}/SessionSettings/properties");
    let ceilings = &limits.execution;
    for (field, ceiling) in [
        ("timeout_secs", Some(limits.max_execution.as_secs())),
        ("max_steps", ceilings.max_steps),
        ("max_subcalls", ceilings.max_subcalls),
        ("max_depth", ceilings.max_depth.map(u64::from)),
    ] {
        if let Some(ceiling) = ceiling {
            set_bound(&mut doc, &format!("{settings}/{field}"), "maximum", ceiling);
        }
    }
    if !auth {
        if let Some(paths) = doc.get_mut("paths").and_then(|p| p.as_object_mut()) {
            for item in paths.values_mut().filter_map(|i| i.as_object_mut()) {
                for operation in item.values_mut().filter_map(|o| o.as_object_mut()) {
                    operation.remove("security");
                    if let Some(responses) =
                        operation.get_mut("responses").and_then(|r| r.as_object_mut())
                    {
                        responses.remove("401");
                    }
                }
            }
        }
        if let Some(components) = doc.pointer_mut("/components").and_then(|c| c.as_object_mut()) {
            components.remove("securitySchemes");
        }
    }
    doc
}

/// Lowers (never raises) a schema's bound at `pointer` to `value`.
fn set_bound(doc: &mut serde_json::Value, pointer: &str, bound: &str, value: u64) {
    if let Some(schema) = doc.pointer_mut(pointer).and_then(|s| s.as_object_mut()) {
        let lower = schema.get(bound).and_then(|v| v.as_f64()).is_none_or(|b| (value as f64) < b);
        if lower {
            schema.insert(bound.to_string(), value.into());
        }
    }
}
