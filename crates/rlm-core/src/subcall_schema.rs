//! Structured subcalls (issue #57): `llm_query(prompt, schema=...)` and
//! `llm_batch(prompts, schema=...)`. The `schema` argument (a dict, or its
//! JSON text) is compiled once per suspension. Each request carries it twice:
//! as its constraint, which adapters turn into the provider's own structured
//! output (OpenAI's `response_format`, llama.cpp's JSON-schema grammar,
//! Anthropic's forced tool, Gemini's `responseJsonSchema`), and as a note
//! after the prompt, for providers without one. A reply is read as JSON and
//! checked; one that fails is re-asked once with what is wrong (by the
//! run's call server); the call returns the parsed value.

use std::collections::HashMap;
use std::sync::Arc;

use rlm_interp::{AlignedBool, ExcKind, HostError, Value};
use rlm_taskspec::{OutputSchema, parse_json_answer};
use serde_json::Value as Json;

use crate::answer_schema::answer_value;

/// Most dict and list entries a subcall's schema may hold. Schemas models
/// write have tens; the host converts and compiles it, so it is bounded.
pub(crate) const MAX_SCHEMA_NODES: usize = 4_096;
/// Most bytes of a subcall's schema as JSON text (it goes out in every
/// request): the run's own schema's bound.
pub(crate) use rlm_taskspec::MAX_SCHEMA_BYTES;

/// A subcall's compiled schema and its compact JSON text.
pub(crate) struct SubcallSchema {
    compiled: OutputSchema,
    text: String,
}

impl SubcallSchema {
    /// The schema as compact JSON text (the requests' constraint, the note, the trace).
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// The reply as JSON when it matches; else one line per violation.
    pub(crate) fn check(&self, reply: &str) -> Result<Json, String> {
        let value = reply_json(reply);
        let violations = self.compiled.violations(&value);
        if violations.is_empty() {
            return Ok(value);
        }
        Err(violations.iter().map(|v| format!("- {v}")).collect::<Vec<_>>().join("\n"))
    }
}

/// The schemas of one suspension's calls, each compiled once (a batch's
/// prompts share theirs).
#[derive(Default)]
pub(crate) struct SchemaCache {
    compiled: HashMap<String, Arc<SubcallSchema>>,
}

impl SchemaCache {
    /// `value` (the `schema` argument of `name`) compiled; a bad one is the
    /// call's `TypeError` or `ValueError`, before anything is sent.
    pub(crate) fn compile(
        &mut self,
        name: &str,
        value: &Value,
    ) -> Result<Arc<SubcallSchema>, HostError> {
        let json = schema_json(name, value)?;
        let text = json.to_string();
        if text.len() > MAX_SCHEMA_BYTES {
            return Err(value_error(
                name,
                format!("is {} bytes as JSON; at most {MAX_SCHEMA_BYTES}", text.len()),
            ));
        }
        if let Some(s) = self.compiled.get(&text) {
            return Ok(Arc::clone(s));
        }
        let compiled = OutputSchema::new(json, "given to the subcall")
            .map_err(|e| value_error(name, format!("is not a valid JSON Schema: {e}")))?;
        let schema = Arc::new(SubcallSchema { compiled, text: text.clone() });
        self.compiled.insert(text, Arc::clone(&schema));
        Ok(schema)
    }
}

fn value_error(name: &str, what: String) -> HostError {
    HostError::typed(ExcKind::ValueError, format!("{name}() argument 'schema' {what}"))
}

/// The `schema` argument as JSON: a dict (or `True`/`False`, which JSON
/// Schema allows) converted after a bounded walk, or JSON text parsed.
fn schema_json(name: &str, value: &Value) -> Result<Json, HostError> {
    match value {
        Value::Str(s) => {
            if s.byte_len() > MAX_SCHEMA_BYTES {
                return Err(value_error(
                    name,
                    format!("is {} bytes; at most {MAX_SCHEMA_BYTES}", s.byte_len()),
                ));
            }
            serde_json::from_str(s.as_str())
                .map_err(|e| value_error(name, format!("is not JSON text: {e}")))
        }
        Value::Dict(_) | Value::Bool(AlignedBool(_)) => {
            check_size(name, value)?;
            rlm_interp::to_json(value).map_err(|e| value_error(name, format!("is not JSON: {e}")))
        }
        other => Err(HostError::typed(
            ExcKind::TypeError,
            format!(
                "{name}() argument 'schema' must be a dict (a JSON Schema) or its JSON text, not {}",
                other.type_name()
            ),
        )),
    }
}

/// Refuses a schema of more than [`MAX_SCHEMA_NODES`] entries or
/// [`MAX_SCHEMA_BYTES`] of strings, walking it without recursion and
/// stopping at the first excess (a dict shared many times over is counted
/// each time it is reached, as the conversion would walk it).
fn check_size(name: &str, value: &Value) -> Result<(), HostError> {
    let (mut nodes, mut bytes) = (0usize, 0usize);
    let mut pending = vec![value.clone()];
    while let Some(v) = pending.pop() {
        match &v {
            Value::Dict(d) => {
                let d = d.borrow();
                nodes += d.map.len();
                for (k, x) in d.map.iter() {
                    pending.push(k.0.clone());
                    pending.push(x.clone());
                }
            }
            Value::List(l) => {
                let l = l.borrow();
                nodes += l.len();
                pending.extend(l.iter().cloned());
            }
            Value::Tuple(t) => {
                nodes += t.len();
                pending.extend(t.iter().cloned());
            }
            Value::Str(s) => bytes += s.byte_len(),
            _ => {}
        }
        if nodes > MAX_SCHEMA_NODES {
            return Err(value_error(name, format!("has over {MAX_SCHEMA_NODES} entries")));
        }
        if bytes > MAX_SCHEMA_BYTES {
            return Err(value_error(name, format!("holds over {MAX_SCHEMA_BYTES} bytes of text")));
        }
    }
    Ok(())
}

/// A reply as JSON: the text (or a ```` ```json ```` fence in it) as JSON;
/// else the outermost `{...}` or `[...]` in it (a model's words around the
/// JSON); else as the run's answers are read ([`answer_value`]: a Python
/// literal, or the text as a JSON string).
fn reply_json(reply: &str) -> Json {
    if let Ok(v) = parse_json_answer(reply) {
        return v;
    }
    for (open, close) in [('{', '}'), ('[', ']')] {
        if let (Some(s), Some(e)) = (reply.find(open), reply.rfind(close))
            && e > s
            && let Ok(v) = serde_json::from_str::<Json>(&reply[s..=e])
        {
            return v;
        }
    }
    answer_value(reply)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rlm_interp::{Interpreter, Limits, Outcome};

    fn value_of(expr: &str) -> Value {
        bound_v(&format!("v = {expr}\n"))
    }

    /// `v` after running `program`.
    fn bound_v(program: &str) -> Value {
        let mut s = Interpreter::new(Limits::default());
        assert!(matches!(s.run_cell(program), Outcome::Done));
        s.get_global("v").expect("bound")
    }

    #[test]
    fn a_dict_or_its_json_text_compiles_once_and_checks_replies() {
        let mut cache = SchemaCache::default();
        let dict = value_of(
            "{'type': 'object', 'required': ['year'], 'properties': {'year': {'type': 'integer'}}}",
        );
        let a = cache.compile("llm_query", &dict).unwrap();
        let text = Value::str(a.text());
        let b = cache.compile("llm_query", &text).unwrap();
        assert!(Arc::ptr_eq(&a, &b), "the same schema is compiled once");
        assert_eq!(a.check("{\"year\": 1969}").unwrap(), serde_json::json!({"year": 1969}));
        // Words around the JSON, and a fence, are read through.
        assert_eq!(
            a.check("Sure! Here it is: {\"year\": 1969}. Hope it helps").unwrap()["year"],
            1969
        );
        assert_eq!(a.check("```json\n{\"year\": 1}\n```").unwrap()["year"], 1);
        let bad = a.check("{\"year\": \"1969\"}").unwrap_err();
        assert!(bad.starts_with("- at /year: "), "{bad}");
        let prose = a.check("It was 1969.").unwrap_err();
        assert!(prose.contains("(the whole answer)"), "{prose}");
    }

    #[test]
    fn bad_schemas_are_the_calls_errors() {
        let mut cache = SchemaCache::default();
        let e = |v: Value| cache_err(&mut SchemaCache::default(), v);
        assert_eq!(e(Value::Int(3)).kind, ExcKind::TypeError);
        let not_json = e(Value::str("{nope"));
        assert!(not_json.message.contains("is not JSON text"), "{}", not_json.message);
        let invalid = e(value_of("{'type': 3}"));
        assert!(invalid.message.contains("is not a valid JSON Schema"), "{}", invalid.message);
        let set = e(value_of("{'enum': {1, 2}}"));
        assert!(set.message.contains("is not JSON"), "{}", set.message);
        // Too many entries, and a DAG that shares one dict 2^40 times: both
        // refused after a walk of at most MAX_SCHEMA_NODES entries.
        let wide = e(value_of("{'enum': list(range(5000))}"));
        assert!(wide.message.contains("entries"), "{}", wide.message);
        let dag = e(bound_v("v = {'x': 1}\nfor _ in range(40):\n    v = {'a': v, 'b': v}\n"));
        assert!(dag.message.contains("entries"), "{}", dag.message);
        assert!(cache.compile("llm_query", &Value::Bool(AlignedBool(true))).is_ok());
    }

    fn cache_err(cache: &mut SchemaCache, v: Value) -> HostError {
        match cache.compile("llm_query", &v) {
            Err(e) => e,
            Ok(_) => panic!("{v:?} compiled"),
        }
    }
}
