//! `LLMError`: what a prompt of `llm_batch` that failed for good leaves in
//! its slot, so that one failure never throws away the batch's other answers
//! (issue #53). It is a value, not an exception: falsy (`if r:` and
//! `[r for r in rs if r]` skip it), `str()` and `print` give its reason
//! (`LLMError: rate limited after 12 attempt(s) ...`), and `.kind`,
//! `.message`, `.attempts` and `.seconds` read its parts. `isinstance(r,
//! str)` is false; `json.dumps` refuses it as it refuses any object; it has no
//! method (`r.lower()` is an `AttributeError` naming `LLMError`).

use std::rc::Rc;

use rlm_interp::{HostError, HostObject, HostReturn, LimitError, SmolStr, Value};
use serde::{Deserialize, Serialize};

/// The type's name, as programs see it.
pub const LLM_ERROR_TYPE: &str = "LLMError";

/// A sub-model call that failed for good, as a program's value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LlmError {
    /// What failed, one word a program can test: `rate_limited`, `timeout`,
    /// `connection`, `server`, `auth`, `context_length_exceeded`,
    /// `deadline`, `budget`, ... (the adapters' error kinds, and the
    /// scheduler's deadline and budget refusals).
    pub kind: String,
    /// The reason, one line (already scrubbed of secrets).
    pub message: String,
    /// Requests sent for this prompt (0: none was sent).
    pub attempts: u32,
    /// Seconds from the first attempt to the end.
    pub seconds: f64,
}

impl LlmError {
    /// The error as a program's value.
    pub fn into_value(self) -> Value {
        Value::Host(Rc::new(Rc::new(self)))
    }

    /// The `LLMError` a value is, if it is one.
    pub fn of(value: &Value) -> Option<&LlmError> {
        match value {
            Value::Host(h) => h.as_any()?.downcast_ref::<LlmError>(),
            _ => None,
        }
    }
}

impl HostObject for LlmError {
    fn type_name(&self) -> &str {
        LLM_ERROR_TYPE
    }

    fn call_method(
        &self,
        _name: &str,
        _args: &[Value],
        _kwargs: &[(SmolStr, Value)],
        _fuel: &mut dyn FnMut(u64) -> Result<(), LimitError>,
    ) -> Option<Result<HostReturn, HostError>> {
        None
    }

    fn get_attr(&self, name: &str) -> Option<Value> {
        match name {
            "kind" => Some(Value::str(self.kind.as_str())),
            "message" => Some(Value::str(self.message.as_str())),
            "attempts" => Some(Value::Int(i64::from(self.attempts))),
            "seconds" => Some(Value::Float(self.seconds)),
            _ => None,
        }
    }

    fn method_names(&self) -> Vec<String> {
        ["kind", "message", "attempts", "seconds"].map(String::from).to_vec()
    }

    fn truthy(&self) -> bool {
        false
    }

    fn repr(&self) -> Option<String> {
        Some(format!("<{LLM_ERROR_TYPE}: {}>", self.message))
    }

    fn str(&self) -> Option<String> {
        Some(format!("{LLM_ERROR_TYPE}: {}", self.message))
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rlm_interp::{Interpreter, Limits, Outcome};

    fn failed() -> LlmError {
        LlmError {
            kind: "rate_limited".into(),
            message: "rate limited after 12 attempt(s): slow down (61 s)".into(),
            attempts: 12,
            seconds: 61.2,
        }
    }

    #[test]
    fn a_program_sees_a_falsy_value_that_prints_its_reason() {
        let mut s = Interpreter::new(Limits::default());
        s.set_global("rs", Value::list(vec![Value::str("yes"), failed().into_value()]));
        let src = "r = rs[1]\nprint(bool(r), [x for x in rs if x])\nprint(r)\n\
                   print(r.kind, r.attempts, r.seconds, isinstance(r, str), type(r))\nprint(rs)\n\
                   try:\n    r.lower()\nexcept AttributeError as e:\n    print(e)\n\
                   import json\ntry:\n    json.dumps(rs)\nexcept TypeError as e:\n    print(e)";
        let out = s.run_cell(src);
        assert!(matches!(out, Outcome::Done), "{out:?}");
        assert_eq!(
            s.take_output(),
            "False ['yes']\nLLMError: rate limited after 12 attempt(s): slow down (61 s)\n\
             rate_limited 12 61.2 False <class 'host object'>\n\
             ['yes', <LLMError: rate limited after 12 attempt(s): slow down (61 s)>]\n\
             'LLMError' object has no attribute 'lower'\n\
             Object of type host object is not JSON serializable\n"
        );
    }

    #[test]
    fn it_is_recognised_among_values() {
        let v = failed().into_value();
        assert_eq!(LlmError::of(&v), Some(&failed()));
        assert_eq!(LlmError::of(&Value::str("x")), None);
    }
}
