//! The run's output schema applied to a candidate answer (issue #57). An
//! answer reaches the loop as text (`str()` of the FINAL value), so it is
//! read as JSON in this order: the text as JSON (or inside a ```` ```json ````
//! fence); a Python literal (what `str()` of a dict, list, tuple, bool or
//! None prints, evaluated in a fresh interpreter with no functions); else
//! the text as a JSON string (so `FINAL('yes')` meets `{"type": "string"}`).
//! A valid answer is given back as compact JSON text: with a schema, every
//! accepted answer is JSON.

use rlm_interp::{Interpreter, Limits, Outcome};
use rlm_taskspec::{OutputSchema, parse_json_answer};
use serde_json::Value;

/// What a candidate answer is under the schema.
pub(crate) enum SchemaCheck {
    /// It matches: the answer as compact JSON text.
    Valid(String),
    /// It does not: one line per violation (`- at PATH: expected`).
    Invalid(String),
}

/// Checks `answer` against `schema`.
pub(crate) fn check(schema: &OutputSchema, answer: &str) -> SchemaCheck {
    let value = answer_value(answer);
    let violations = schema.violations(&value);
    if violations.is_empty() {
        return SchemaCheck::Valid(value.to_string());
    }
    let lines: Vec<String> = violations.iter().map(|v| format!("- {v}")).collect();
    SchemaCheck::Invalid(lines.join("\n"))
}

/// The answer's text as a JSON value (see the module's docs).
pub(crate) fn answer_value(answer: &str) -> Value {
    if let Ok(v) = parse_json_answer(answer) {
        return v;
    }
    python_literal(answer.trim()).unwrap_or_else(|| Value::String(answer.to_string()))
}

/// Fuel for reading one literal: plenty for any answer a model prints.
const LITERAL_FUEL: u64 = 2_000_000;

/// `text` evaluated as a Python literal in a fresh interpreter (no host
/// functions, small limits), as JSON; `None` when it is not one.
fn python_literal(text: &str) -> Option<Value> {
    let looks_literal =
        text.starts_with(['{', '[', '(']) || matches!(text, "True" | "False" | "None");
    if !looks_literal || text.len() > 1_000_000 {
        return None;
    }
    let limits = Limits { fuel: LITERAL_FUEL, ..Limits::default() };
    let mut interp = Interpreter::new(limits);
    match interp.run_cell(&format!("__answer__ = (\n{text}\n)\n")) {
        Outcome::Done => {}
        _ => return None,
    }
    let value = interp.get_global("__answer__")?;
    rlm_interp::to_json(&value).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> OutputSchema {
        OutputSchema::new(
            json!({"type": "object", "required": ["name", "ok"],
                   "properties": {"name": {"type": "string"}, "ok": {"type": "boolean"}}}),
            "of the test",
        )
        .unwrap()
    }

    #[test]
    fn json_python_literals_and_text_are_read_and_checked() {
        assert_eq!(answer_value("{\"a\": [1, null]}"), json!({"a": [1, null]}));
        assert_eq!(answer_value("```json\n[1]\n```"), json!([1]));
        assert_eq!(answer_value("{'a': (1, True, None)}"), json!({"a": [1, true, null]}));
        assert_eq!(answer_value("True"), json!(true));
        assert_eq!(answer_value("plain words"), json!("plain words"));
        assert_eq!(answer_value("{'a': undefined_name}"), json!("{'a': undefined_name}"));
        match check(&schema(), "{'name': 'x', 'ok': True}") {
            SchemaCheck::Valid(text) => assert_eq!(text, r#"{"name":"x","ok":true}"#),
            SchemaCheck::Invalid(v) => panic!("{v}"),
        }
        match check(&schema(), r#"{"name": 3}"#) {
            SchemaCheck::Invalid(v) => {
                assert!(
                    v.contains("- at (the whole answer): \"ok\" is a required property"),
                    "{v}"
                );
                assert!(v.contains("- at /name: 3 is not of type \"string\""), "{v}");
            }
            SchemaCheck::Valid(t) => panic!("{t}"),
        }
    }
}
