//! [`OutputSchema`]: the JSON Schema a run's answer must match (issue #57),
//! compiled once with the `jsonschema` crate, given as a file or inline JSON
//! (`output.schema`, a task file's `output_schema`, `--output-schema`). A
//! setting whose first non-blank character is `{` is inline JSON; anything
//! else is a path to a JSON file. [`OutputSchema::violations`] says, for a
//! candidate answer, each failing instance path and what was expected there.
//!
//! A schema is at most [`MAX_SCHEMA_BYTES`] as compact JSON, measured before
//! it is compiled: it goes out with every model request, and its compiled
//! form (an `enum` of millions of values) can be many times its text. Its
//! compact text is made once, with it, for every prompt that shows it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

use crate::error::TaskSpecError;

/// The most bytes a schema may take as compact JSON (OpenAI's structured
/// outputs allow a few thousand properties and enum values; this is room
/// for several times that).
pub const MAX_SCHEMA_BYTES: usize = 64 * 1024;

/// A compiled JSON Schema for answers. Cheap to clone.
#[derive(Clone)]
pub struct OutputSchema {
    schema: Arc<Value>,
    /// The schema as compact JSON text, made once.
    text: Arc<str>,
    validator: Arc<jsonschema::Validator>,
}

impl std::fmt::Debug for OutputSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutputSchema").field("schema", &self.schema).finish()
    }
}

impl PartialEq for OutputSchema {
    fn eq(&self, other: &Self) -> bool {
        self.schema == other.schema
    }
}

/// One way a candidate answer fails the schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaViolation {
    /// The failing instance path (a JSON Pointer, `""` for the whole answer).
    pub path: String,
    /// What was expected there, as the validator words it.
    pub expected: String,
}

impl std::fmt::Display for SchemaViolation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = if self.path.is_empty() { "(the whole answer)" } else { &self.path };
        write!(f, "at {at}: {}", self.expected)
    }
}

/// Most violations reported for one answer (the first ones, in the validator's order).
pub const MAX_VIOLATIONS: usize = 5;

impl OutputSchema {
    /// Compiles `schema`; an invalid schema is an error naming `origin`.
    pub fn new(schema: Value, origin: &str) -> Result<OutputSchema, TaskSpecError> {
        if !schema.is_object() && !schema.is_boolean() {
            return Err(TaskSpecError::OutputSchema {
                origin: origin.to_string(),
                message: "a JSON Schema is an object (or true/false)".into(),
            });
        }
        OutputSchema::check_size(&schema, origin)?;
        let text = serde_json::to_string(&schema).unwrap_or_default();
        let validator = jsonschema::validator_for(&schema).map_err(|e| {
            TaskSpecError::OutputSchema { origin: origin.to_string(), message: e.to_string() }
        })?;
        Ok(OutputSchema {
            schema: Arc::new(schema),
            text: Arc::from(text),
            validator: Arc::new(validator),
        })
    }

    /// Refuses a schema past [`MAX_SCHEMA_BYTES`] as compact JSON, measured
    /// without writing it out (a caller checks before it copies one).
    pub fn check_size(schema: &Value, origin: &str) -> Result<(), TaskSpecError> {
        let mut counted = ByteCount(0);
        let _ = serde_json::to_writer(&mut counted, schema);
        if counted.0 > MAX_SCHEMA_BYTES {
            return Err(TaskSpecError::OutputSchema {
                origin: origin.to_string(),
                message: format!(
                    "it is {} bytes as compact JSON; the most is {MAX_SCHEMA_BYTES}",
                    counted.0
                ),
            });
        }
        Ok(())
    }

    /// A setting as written: inline JSON when its first non-blank character
    /// is `{`, else the path of a JSON file (relative paths from `base`,
    /// when given). Unreadable files and invalid schemas are errors naming
    /// the path.
    pub fn from_setting(setting: &str, base: Option<&Path>) -> Result<OutputSchema, TaskSpecError> {
        let text = setting.trim();
        if text.starts_with('{') {
            let value: Value =
                serde_json::from_str(text).map_err(|e| TaskSpecError::OutputSchema {
                    origin: "given inline".into(),
                    message: format!("it is not JSON: {e}"),
                })?;
            return OutputSchema::new(value, "given inline");
        }
        let path = match base {
            Some(b) if Path::new(text).is_relative() && !b.as_os_str().is_empty() => b.join(text),
            _ => PathBuf::from(text),
        };
        OutputSchema::from_file(&path)
    }

    /// The schema in the JSON file at `path`.
    pub fn from_file(path: &Path) -> Result<OutputSchema, TaskSpecError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| TaskSpecError::ReadSchema { path: path.to_path_buf(), source })?;
        let origin = format!("in {}", path.display());
        let value: Value =
            serde_json::from_str(&text).map_err(|e| TaskSpecError::OutputSchema {
                origin: origin.clone(),
                message: format!("it is not JSON: {e}"),
            })?;
        OutputSchema::new(value, &origin)
    }

    /// The schema as given.
    pub fn schema(&self) -> &Value {
        &self.schema
    }

    /// The schema as compact JSON text (made once, when it was compiled).
    pub fn schema_text(&self) -> &str {
        &self.text
    }

    /// How `instance` fails the schema (at most [`MAX_VIOLATIONS`]); empty when it is valid.
    pub fn violations(&self, instance: &Value) -> Vec<SchemaViolation> {
        self.validator
            .iter_errors(instance)
            .take(MAX_VIOLATIONS)
            .map(|e| SchemaViolation {
                path: e.instance_path().to_string(),
                expected: e.to_string(),
            })
            .collect()
    }

    /// Whether `instance` is valid.
    pub fn is_valid(&self, instance: &Value) -> bool {
        self.validator.is_valid(instance)
    }
}

/// A writer that only counts what it is given.
struct ByteCount(usize);

impl std::io::Write for ByteCount {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// An answer's text as JSON: the text itself, or the JSON inside a
/// ```` ```json ```` fence; `Err` is the parser's message.
pub fn parse_json_answer(answer: &str) -> Result<Value, String> {
    serde_json::from_str(strip_fence(answer)).map_err(|e| e.to_string())
}

/// The JSON inside a ```json fence, or the text itself.
pub(crate) fn strip_fence(answer: &str) -> &str {
    let t = answer.trim();
    let Some(body) = t.strip_prefix("```") else { return t };
    let body = body.trim_start_matches(|c: char| c.is_ascii_alphanumeric());
    body.strip_suffix("```").unwrap_or(body).trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_schema_past_the_bound_is_refused_before_it_is_compiled_and_kept_compact() {
        let values: Vec<String> = (0..20_000).map(|i| format!("v{i}")).collect();
        let big = serde_json::json!({"enum": values});
        let e = OutputSchema::new(big, "of the test").unwrap_err().to_string();
        assert!(e.contains("bytes as compact JSON; the most is 65536"), "{e}");
        let s = OutputSchema::new(
            serde_json::json!({ "type": "array", "items": {"type": "string"} }),
            "t",
        )
        .unwrap();
        assert_eq!(s.schema_text(), r#"{"items":{"type":"string"},"type":"array"}"#);
    }

    #[test]
    fn inline_and_file_settings_compile_and_report_paths() {
        let s = OutputSchema::from_setting(
            r#" {"type":"object","required":["year"],"properties":{"year":{"type":"integer"}}}"#,
            None,
        )
        .unwrap();
        assert!(s.is_valid(&serde_json::json!({"year": 1969})));
        let v = s.violations(&serde_json::json!({"year": "1969"}));
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].path, "/year");
        assert!(v[0].expected.contains("integer"), "{v:?}");
        assert_eq!(v[0].to_string(), format!("at /year: {}", v[0].expected));
        let missing = s.violations(&serde_json::json!({}));
        assert_eq!(missing[0].path, "");
        assert!(missing[0].to_string().starts_with("at (the whole answer): "), "{missing:?}");

        let dir = std::env::temp_dir().join(format!("rlm-output-schema-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("s.json"), r#"{"type":"array"}"#).unwrap();
        let f = OutputSchema::from_setting("s.json", Some(&dir)).unwrap();
        assert!(f.is_valid(&serde_json::json!([1])));
        std::fs::write(dir.join("bad.json"), r#"{"type": 3}"#).unwrap();
        let bad = OutputSchema::from_setting("bad.json", Some(&dir)).unwrap_err().to_string();
        assert!(bad.contains("bad.json"), "{bad}");
        let absent = OutputSchema::from_setting("absent.json", Some(&dir)).unwrap_err().to_string();
        assert!(absent.contains("absent.json"), "{absent}");
        std::fs::remove_dir_all(&dir).unwrap();
        let not_json = OutputSchema::from_setting("{type: object}", None).unwrap_err().to_string();
        assert!(not_json.contains("not JSON"), "{not_json}");
    }

    #[test]
    fn answers_parse_with_or_without_a_fence() {
        assert_eq!(
            parse_json_answer("```json\n{\"a\": 1}\n```").unwrap(),
            serde_json::json!({"a": 1})
        );
        assert_eq!(parse_json_answer(" [1, 2] ").unwrap(), serde_json::json!([1, 2]));
        assert!(parse_json_answer("{'a': 1}").is_err());
    }
}
