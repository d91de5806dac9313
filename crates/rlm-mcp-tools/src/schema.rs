//! A tool's JSON Schemas as a Python signature: its `inputSchema`'s
//! properties become parameters (required ones positional-or-keyword without
//! a default, in the order of `required`; the others keyword-friendly with
//! their schema's default, else `None`), each JSON type a type check the
//! registry makes before the call leaves the sandbox; its `outputSchema`
//! names what the call returns.

use rlm_interp::{DefaultValue, ParamType, Signature, SignatureParam};
use serde_json::{Map, Value as Json};

/// A tool's parameters as the program binds them, and how each goes back
/// into the call's JSON arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolShape {
    pub params: Signature,
    /// One per parameter, in order: its JSON name and whether it is a
    /// boolean (sent as the value's truth, as Python's `bool()` reads it).
    pub fields: Vec<Field>,
    /// What the prompt shows the call returns (`str`, `int`, `dict`, ...).
    pub returns: String,
    /// Whether the structured result is the Python SDK's wrapping of a plain
    /// return value, `{"result": value}`: the program gets the value.
    pub wrapped_result: bool,
}

/// One parameter of the call's JSON arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    pub boolean: bool,
    pub required: bool,
}

/// The shape of a tool from its input and output schemas; the error names
/// the parameter no program could pass.
pub fn tool_shape(
    input: &Map<String, Json>,
    output: Option<&Map<String, Json>>,
) -> Result<ToolShape, String> {
    let empty = Map::new();
    let properties = input.get("properties").and_then(Json::as_object).unwrap_or(&empty);
    let required: Vec<&str> = input
        .get("required")
        .and_then(Json::as_array)
        .map(|r| r.iter().filter_map(Json::as_str).collect())
        .unwrap_or_default();
    let mut params = Vec::new();
    let mut fields = Vec::new();
    for name in &required {
        let schema = properties.get(*name).unwrap_or(&Json::Null);
        if !is_identifier(name) {
            return Err(format!("its required parameter {name:?} is not a Python identifier"));
        }
        let (ty, boolean) = param_type(schema);
        params.push(SignatureParam::required(name, ty));
        fields.push(Field { name: name.to_string(), boolean, required: true });
    }
    for (name, schema) in properties {
        // An optional parameter no program could name is left out: the
        // server's own default applies.
        if required.contains(&name.as_str()) || !is_identifier(name) {
            continue;
        }
        let (ty, boolean) = param_type(schema);
        let default = schema.get("default").and_then(default_value).unwrap_or(DefaultValue::None);
        // `None` stands for "not sent" only where it is the default.
        let ty = match (&ty, &default) {
            (ParamType::Any | ParamType::Optional(_), _) => ty,
            (_, DefaultValue::None) => ParamType::optional(ty),
            _ => ty,
        };
        params.push(SignatureParam::optional(name, ty, default));
        fields.push(Field { name: name.clone(), boolean, required: false });
    }
    let (returns, wrapped_result) = returns_of(output);
    Ok(ToolShape { params: Signature::new(params), fields, returns, wrapped_result })
}

/// The type check of one property's schema, and whether it is a boolean.
fn param_type(schema: &Json) -> (ParamType, bool) {
    let types = json_types(schema);
    let nullable = types.iter().any(|t| t == "null");
    let concrete: Vec<&String> = types.iter().filter(|t| *t != "null").collect();
    let (ty, boolean) = match concrete.as_slice() {
        [one] => match one.as_str() {
            "string" => (ParamType::Str, false),
            "integer" => (ParamType::Int, false),
            "number" => (ParamType::Number, false),
            "boolean" => (ParamType::Bool, true),
            "array" => {
                let items = schema.get("items").map(json_types).unwrap_or_default();
                if items == ["string"] {
                    (ParamType::StrList, false)
                } else {
                    (ParamType::List, false)
                }
            }
            _ => (ParamType::Any, false),
        },
        _ => (ParamType::Any, false),
    };
    match ty {
        ParamType::Any | ParamType::Bool => (ty, boolean),
        _ if nullable => (ParamType::optional(ty), boolean),
        _ => (ty, boolean),
    }
}

/// The JSON types a schema allows: its `type` (a word or a list), or its
/// `anyOf` branches' (pydantic writes `Optional[int]` as `anyOf: [int, null]`).
fn json_types(schema: &Json) -> Vec<String> {
    match schema.get("type") {
        Some(Json::String(t)) => vec![t.clone()],
        Some(Json::Array(ts)) => ts.iter().filter_map(Json::as_str).map(str::to_string).collect(),
        _ => match schema.get("anyOf").and_then(Json::as_array) {
            Some(branches) => branches.iter().flat_map(json_types).collect(),
            None => Vec::new(),
        },
    }
}

/// A schema's default as a Python default, when it is a scalar.
fn default_value(value: &Json) -> Option<DefaultValue> {
    Some(match value {
        Json::Null => DefaultValue::None,
        Json::Bool(b) => DefaultValue::Bool(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => DefaultValue::Int(i),
            None => DefaultValue::Float(n.as_f64()?),
        },
        Json::String(s) => DefaultValue::Str(s.as_str().into()),
        _ => return None,
    })
}

/// What a call returns, as the prompt shows it, and whether the structured
/// result wraps a plain value (`{"result": ...}`, the Python SDK's form).
fn returns_of(output: Option<&Map<String, Json>>) -> (String, bool) {
    let Some(output) = output else { return ("str".into(), false) };
    let properties = output.get("properties").and_then(Json::as_object);
    match properties {
        Some(p) if p.len() == 1 && p.contains_key("result") => {
            let (ty, _) = param_type(&p["result"]);
            (ty.python(), true)
        }
        _ => ("dict".into(), false),
    }
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
        && !s.starts_with("__")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(v: Json) -> Map<String, Json> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn required_first_then_optional_with_their_defaults() {
        let input = object(json!({
            "type": "object",
            "properties": {
                "b": {"type": "integer"},
                "a": {"type": "integer"},
                "limit": {"type": "integer", "default": 5},
                "tags": {"type": "array", "items": {"type": "string"}},
                "unit": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": null},
                "max-results": {"type": "integer"},
                "verbose": {"type": "boolean"}
            },
            "required": ["a", "b"]
        }));
        let output =
            object(json!({"type": "object", "properties": {"result": {"type": "integer"}}}));
        let shape = tool_shape(&input, Some(&output)).unwrap();
        assert_eq!(
            shape.params.render("add"),
            "add(a: int, b: int, limit: int = 5, tags: list[str] | None = None, \
             unit: str | None = None, verbose: bool | None = None)"
        );
        assert_eq!(shape.returns, "int");
        assert!(shape.wrapped_result);
        assert!(shape.fields.iter().any(|f| f.name == "verbose" && f.boolean));
        assert!(!shape.fields.iter().any(|f| f.name == "max-results"));
    }

    #[test]
    fn a_required_parameter_no_program_can_name_is_an_error() {
        let input = object(json!({"properties": {"max-results": {}}, "required": ["max-results"]}));
        assert!(tool_shape(&input, None).unwrap_err().contains("\"max-results\""));
        let shape = tool_shape(&object(json!({"type": "object"})), None).unwrap();
        assert_eq!((shape.params.render("f"), shape.returns.as_str()), ("f()".to_string(), "str"));
        let dict = object(json!({"type": "object", "properties": {"x": {}, "y": {}}}));
        assert_eq!(tool_shape(&object(json!({})), Some(&dict)).unwrap().returns, "dict");
    }
}
