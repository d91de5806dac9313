//! Conversions between interpreter values and JSON, for tools and `memory`:
//! the only values that cross into Rust code the embedder writes.

use rlm_interp::{Dict, Key, Session, Value};
use serde_json::Value as Json;

/// A value that has no JSON form (a function, a module, a non-string dict key...).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct NotJson(pub String);

/// Deepest nesting converted (values deeper than this are refused, not recursed into).
const MAX_DEPTH: usize = 64;

/// `v` as JSON: None, bool, int, float, str, list/tuple (arrays), dict with str keys.
pub fn to_json(session: &mut Session, v: &Value) -> Result<Json, NotJson> {
    to_json_at(session, v, 0)
}

fn to_json_at(session: &mut Session, v: &Value, depth: usize) -> Result<Json, NotJson> {
    if depth > MAX_DEPTH {
        return Err(NotJson(format!("value nested deeper than {MAX_DEPTH} levels")));
    }
    Ok(match v {
        Value::None => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(Json::Number)
            .ok_or_else(|| NotJson(format!("float {f} has no JSON form")))?,
        Value::Str(s) => Json::String(s.as_str().to_string()),
        Value::List(l) => {
            let items: Vec<Value> = l.borrow().clone();
            Json::Array(
                items
                    .iter()
                    .map(|x| to_json_at(session, x, depth + 1))
                    .collect::<Result<_, _>>()?,
            )
        }
        Value::Tuple(_) => {
            let items = tuple_items(session, v)?;
            Json::Array(
                items
                    .iter()
                    .map(|x| to_json_at(session, x, depth + 1))
                    .collect::<Result<_, _>>()?,
            )
        }
        Value::Dict(d) => {
            let entries: Vec<(Value, Value)> =
                d.borrow().map.iter().map(|(k, v)| (k.0.clone(), v.clone())).collect();
            let mut map = serde_json::Map::new();
            for (k, v) in entries {
                let Value::Str(k) = k else {
                    return Err(NotJson(format!("dict key {} is not a string", session.repr(&k))));
                };
                map.insert(k.as_str().to_string(), to_json_at(session, &v, depth + 1)?);
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

fn tuple_items(session: &mut Session, v: &Value) -> Result<Vec<Value>, NotJson> {
    // Tuples expose their items through the same iteration as Python's `list(t)`.
    match v {
        Value::Tuple(t) => Ok(t.iter().cloned().collect()),
        _ => Err(NotJson(format!("{} is not a tuple", session.repr(v)))),
    }
}

/// JSON as an interpreter value (objects become dicts, in their order).
pub fn from_json(j: &Json) -> Value {
    match j {
        Json::Null => Value::None,
        Json::Bool(b) => Value::Bool(*b),
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
