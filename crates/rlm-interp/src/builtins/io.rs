//! Output and the session: `print` (held to the output cap), `input`
//! (refused: no user), `FINAL`/`FINAL_VAR` (end the run with an answer),
//! `SHOW_VARS`.

use crate::args::{Kwargs, check_kwargs, kw};
use crate::builtins::names::name_error;
use crate::callbacks::Callbacks;
use crate::fault::{Fault, R, exc, type_err};
use crate::value::*;

/// `print`, `input`, `FINAL`, `FINAL_VAR`, `SHOW_VARS`.
pub(crate) fn io_builtin<C: Callbacks + ?Sized>(
    cx: &mut C,
    name: &str,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    match name {
        "print" => {
            check_kwargs("print", &kwargs, &["sep", "end", "flush", "file"])?;
            let sep = match kw(&kwargs, "sep") {
                Some(Value::Str(s)) => s.as_str().to_string(),
                Some(Value::None) | None => " ".into(),
                Some(o) => {
                    return type_err(format!(
                        "sep must be None or a string, not {}",
                        o.type_name()
                    ));
                }
            };
            let end = match kw(&kwargs, "end") {
                Some(Value::Str(s)) => s.as_str().to_string(),
                Some(Value::None) | None => "\n".into(),
                Some(o) => {
                    return type_err(format!(
                        "end must be None or a string, not {}",
                        o.type_name()
                    ));
                }
            };
            // Written a piece at a time, as CPython writes them: each held
            // to the output cap and paid before it is copied (a line made
            // whole first copied 24 MB of text, uncharged, to be refused
            // by the cap: issue #77).
            for (i, a) in args.iter().enumerate() {
                if i > 0 {
                    cx.write_output(&sep)?;
                }
                match a {
                    Value::Str(s) => cx.write_output(s.as_str())?,
                    other => {
                        let s = crate::format::repr::py_str(cx.meter(), other)?;
                        cx.write_output(&s)?;
                    }
                }
            }
            cx.write_output(&end)?;
            Ok(Value::None)
        }
        "input" => exc(
            ExcKind::RuntimeError,
            "input() is not available: there is no user to type; the data is in `context`",
        ),
        "FINAL" => {
            let v = args
                .into_iter()
                .next()
                .or_else(|| kw(&kwargs, "answer").cloned())
                .unwrap_or(Value::None);
            Err(Fault::Final(v))
        }
        "FINAL_VAR" => {
            let Some(v) = args.into_iter().next() else {
                return type_err("FINAL_VAR() missing 1 required positional argument: 'name'");
            };
            match &v {
                Value::Str(s) => {
                    let n = s.as_str().trim().trim_matches(|c| c == '"' || c == '\'').to_string();
                    match cx.global(&n) {
                        Some(val) => Err(Fault::Final(val)),
                        None => exc(
                            ExcKind::NameError,
                            format!(
                                "FINAL_VAR: variable '{n}' is not defined; assign it first (e.g. {n} = ...) or call FINAL(value)"
                            ),
                        ),
                    }
                }
                _ => Err(Fault::Final(v)),
            }
        }
        "SHOW_VARS" => {
            let vars = cx.user_globals();
            let mut parts = Vec::new();
            for (n, v) in vars {
                if matches!(v, Value::Module(_)) {
                    continue;
                }
                parts.push(format!("'{}': '{}'", n, v.type_name()));
            }
            Ok(Value::str(format!("Available variables: {{{}}}", parts.join(", "))))
        }
        other => Err(Fault::Exc(name_error(other))),
    }
}
