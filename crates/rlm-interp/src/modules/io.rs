//! The `io` module: `io.StringIO` (the type is `types/stringio.rs`).

use crate::args::{Kwargs, kw};
use crate::callbacks::Callbacks;
use crate::fault::{R, exc, type_err};
use crate::modules::function::functions;
use crate::types::stringio::StringIo;
use crate::value::*;

pub(crate) fn attrs() -> Vec<(&'static str, Value)> {
    functions("io", &["StringIO"])
}

pub(crate) fn call<C: Callbacks + ?Sized>(
    cx: &mut C,
    name: &str,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    match name {
        "StringIO" => {
            let initial = match args.first().or_else(|| kw(&kwargs, "initial_value")) {
                None | Some(Value::None) => String::new(),
                Some(Value::Str(s)) => s.as_str().to_string(),
                Some(other) => {
                    return type_err(format!(
                        "initial_value must be str or None, not {}",
                        other.type_name()
                    ));
                }
            };
            cx.meter().alloc(initial.len())?;
            Ok(Native::value(StringIo::new(initial)))
        }
        _ => exc(ExcKind::AttributeError, format!("module 'io' has no attribute '{name}'")),
    }
}
