//! Interpreter values as JSON trees (`serde_json::Value`) and back: how values
//! cross into Rust code an embedder writes (tool arguments and results, the
//! persisted `memory` dict). The DSL's own `json` module works on text with
//! Python's exact formatting; this is the tree-level codec for hosts.

use crate::value::AlignedBool;
use serde_json::Value as Json;

use crate::value::{Dict, Key, Value};

/// A value that has no JSON form (a function, a module, a non-string dict key,
/// a float that is not finite, a value nested too deeply).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NotJson(pub String);

/// Deepest nesting converted (deeper values are refused, not recursed into).
pub const MAX_JSON_DEPTH: usize = 64;

/// `v` as JSON: None, bool, int, float, str, list/tuple (arrays), dict with str keys.
pub fn to_json(v: &Value) -> Result<Json, NotJson> {
    to_json_at(v, 0)
}

fn to_json_at(v: &Value, depth: usize) -> Result<Json, NotJson> {
    if depth > MAX_JSON_DEPTH {
        return Err(NotJson(format!("value nested deeper than {MAX_JSON_DEPTH} levels")));
    }
    let array = |items: &[Value]| -> Result<Json, NotJson> {
        Ok(Json::Array(items.iter().map(|x| to_json_at(x, depth + 1)).collect::<Result<_, _>>()?))
    };
    Ok(match v {
        Value::None => Json::Null,
        Value::Bool(AlignedBool(b)) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        // An int-like object (`re.IGNORECASE`, an int subclass in CPython) is its int.
        Value::Native(n) if n.as_int().is_some() => Json::from(n.as_int().unwrap_or_default()),
        Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(Json::Number)
            .ok_or_else(|| NotJson(format!("float {f} has no JSON form")))?,
        Value::Str(s) => Json::String(s.as_str().to_string()),
        Value::List(l) => array(&l.borrow())?,
        Value::Tuple(t) => array(t)?,
        Value::Dict(d) => {
            let mut map = serde_json::Map::new();
            for (k, v) in d.borrow().map.iter() {
                let Value::Str(k) = &k.0 else {
                    return Err(NotJson(format!(
                        "a dict key of type '{}' is not a string",
                        k.0.type_name()
                    )));
                };
                map.insert(k.as_str().to_string(), to_json_at(v, depth + 1)?);
            }
            Json::Object(map)
        }
        other => {
            return Err(NotJson(format!(
                "a value of type '{}' has no JSON form",
                other.type_name()
            )));
        }
    })
}

/// JSON as an interpreter value (objects become dicts, in their order).
pub fn from_json(j: &Json) -> Value {
    match j {
        Json::Null => Value::None,
        Json::Bool(b) => Value::Bool(AlignedBool(*b)),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => Value::str(s.as_str()),
        Json::Array(a) => Value::list(a.iter().map(from_json).collect()),
        Json::Object(o) => {
            let mut d = Dict::new();
            for (k, v) in o {
                d.map.insert(Key(Value::str(k.as_str())), from_json(v));
            }
            Value::dict(d)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refusals() {
        let j = serde_json::json!({"a": [1, 2.5, "x", null, true], "b": {"c": []}});
        assert_eq!(to_json(&from_json(&j)).unwrap(), j);
        let mut d = Dict::new();
        d.map.insert(Key(Value::Int(1)), Value::None);
        assert_eq!(
            to_json(&Value::dict(d)).unwrap_err().0,
            "a dict key of type 'int' is not a string"
        );
        assert!(to_json(&Value::Float(f64::NAN)).is_err());
        let mut deep = Value::None;
        for _ in 0..100 {
            deep = Value::list(vec![deep]);
        }
        assert!(to_json(&deep).unwrap_err().0.contains("nested deeper"));
    }
}
