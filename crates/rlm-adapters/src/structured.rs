//! A request's JSON-schema constraint ([`OutputConstraint::JsonSchema`]) in
//! each provider's own form of structured output (issue #57):
//! - OpenAI-compatible servers: `response_format: {"type": "json_schema", ...}`
//!   (OpenAI, Azure, OpenRouter, vLLM's guided decoding, Ollama, LM Studio,
//!   llama.cpp's schema grammar), `strict` when the schema meets OpenAI's
//!   strict-mode rules;
//! - Anthropic: one tool whose input is the answer, forced with `tool_choice`;
//! - Gemini: `responseMimeType: application/json` with `responseJsonSchema`.
//!
//! The runtime checks every reply against the schema itself: these only make
//! a matching reply likely where the provider can.

use serde_json::{Map, Value, json};

use rlm_types::{CompletionRequest, OutputConstraint};

/// The name under which the schema is sent (OpenAI's `json_schema.name`,
/// Anthropic's tool).
pub(crate) const SCHEMA_NAME: &str = "answer";

/// The request's JSON-schema constraint as JSON (`None`: no such
/// constraint, or text that is not JSON).
pub(crate) fn json_schema(request: &CompletionRequest) -> Option<Value> {
    match &request.params.constraint {
        Some(OutputConstraint::JsonSchema(text)) => serde_json::from_str(text).ok(),
        _ => None,
    }
}

/// OpenAI's `response_format` for `schema`; `strict` only where the
/// provider has strict mode (`official`) and the schema meets its rules,
/// which refuse any other schema with a 400.
pub(crate) fn openai_response_format(schema: Value, official: bool) -> Value {
    let strict = official && strict_compatible(&schema);
    json!({
        "type": "json_schema",
        "json_schema": {"name": SCHEMA_NAME, "schema": schema, "strict": strict},
    })
}

/// Whether OpenAI's strict mode takes `schema`: every object schema in it
/// lists all its properties as required and sets `additionalProperties:
/// false`. Walked without recursion.
pub(crate) fn strict_compatible(schema: &Value) -> bool {
    let mut pending = vec![schema];
    while let Some(v) = pending.pop() {
        match v {
            Value::Object(map) => {
                if is_object_schema(map) && !closed_and_required(map) {
                    return false;
                }
                pending.extend(map.values());
            }
            Value::Array(items) => pending.extend(items),
            _ => {}
        }
    }
    true
}

fn is_object_schema(map: &Map<String, Value>) -> bool {
    map.get("type").and_then(Value::as_str) == Some("object") || map.contains_key("properties")
}

fn closed_and_required(map: &Map<String, Value>) -> bool {
    let closed = map.get("additionalProperties") == Some(&Value::Bool(false));
    let required: Vec<&str> = map
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let all_required = map
        .get("properties")
        .and_then(Value::as_object)
        .is_none_or(|props| props.keys().all(|k| required.contains(&k.as_str())));
    closed && all_required
}

/// Anthropic's forced tool for `schema`: `(tools, tool_choice)`. A tool's
/// input is always an object, so the answer is its one property
/// ([`SCHEMA_NAME`]), whatever the schema's type; [`anthropic_answer`]
/// takes it out.
pub(crate) fn anthropic_tool(schema: Value) -> (Value, Value) {
    let input_schema = json!({
        "type": "object",
        "properties": {SCHEMA_NAME: schema},
        "required": [SCHEMA_NAME],
    });
    let tools = json!([{
        "name": SCHEMA_NAME,
        "description": "Give the answer, as JSON matching the schema.",
        "input_schema": input_schema,
    }]);
    (tools, json!({"type": "tool", "name": SCHEMA_NAME}))
}

/// The answer in an Anthropic reply's content blocks: the forced tool's
/// input, as JSON text (`None`: no such block).
pub(crate) fn anthropic_answer(blocks: &[Value]) -> Option<String> {
    blocks
        .iter()
        .filter(|b| b.get("type").and_then(Value::as_str) == Some("tool_use"))
        .filter(|b| b.get("name").and_then(Value::as_str) == Some(SCHEMA_NAME))
        .find_map(|b| b.pointer(&format!("/input/{SCHEMA_NAME}")))
        .map(Value::to_string)
}

/// Gemini's `generationConfig` fields for `schema`.
pub(crate) fn gemini_generation(schema: Value, config: &mut Map<String, Value>) {
    config.insert("responseMimeType".into(), json!("application/json"));
    config.insert("responseJsonSchema".into(), schema);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_mode_only_for_closed_objects_with_every_property_required() {
        let closed = json!({"type": "object", "additionalProperties": false,
            "required": ["a", "b"], "properties": {"a": {"type": "string"},
            "b": {"type": "array", "items": {"type": "object", "additionalProperties": false,
                "required": ["c"], "properties": {"c": {"type": "integer"}}}}}});
        assert!(strict_compatible(&closed));
        let mut optional = closed.clone();
        optional["required"] = json!(["a"]);
        assert!(!strict_compatible(&optional));
        let mut open_inner = closed.clone();
        open_inner["properties"]["b"]["items"]
            .as_object_mut()
            .unwrap()
            .remove("additionalProperties");
        assert!(!strict_compatible(&open_inner));
        assert!(strict_compatible(&json!({"type": "array", "items": {"type": "string"}})));
        let format = openai_response_format(closed.clone(), true);
        assert_eq!(format["json_schema"]["strict"], true);
        assert_eq!(format["json_schema"]["name"], SCHEMA_NAME);
        assert_eq!(openai_response_format(closed, false)["json_schema"]["strict"], false);
    }

    #[test]
    fn anthropic_answers_come_out_of_the_forced_tool() {
        let (tools, choice) = anthropic_tool(json!({"type": "array"}));
        assert_eq!(tools[0]["input_schema"]["properties"][SCHEMA_NAME]["type"], "array");
        assert_eq!(choice, json!({"type": "tool", "name": SCHEMA_NAME}));
        let blocks = vec![
            json!({"type": "text", "text": "Here you go"}),
            json!({"type": "tool_use", "id": "t1", "name": SCHEMA_NAME, "input": {SCHEMA_NAME: [1, 2]}}),
        ];
        assert_eq!(anthropic_answer(&blocks).as_deref(), Some("[1,2]"));
        assert_eq!(anthropic_answer(&blocks[..1]), None);
    }
}
