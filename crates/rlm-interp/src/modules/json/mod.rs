//! The `json` module: `dumps` (indent, separators, sort_keys, ensure_ascii,
//! allow_nan, default) and `loads`, with CPython's output and error messages
//! (`JSONDecodeError` with line, column and char position).

mod dump;
mod parse;

use std::cell::RefCell;

use crate::args::{Kwargs, as_int, kw};
use crate::callbacks::Callbacks;
use crate::fault::{Fault, R, exc, type_err};
use crate::modules::function::functions;
use crate::value::*;
use dump::{JsonOpts, json_dump};
use parse::JsonParser;

pub(crate) fn attrs() -> Vec<(&'static str, Value)> {
    let mut a = functions("json", &["dumps", "loads"]);
    a.push(("JSONDecodeError", Value::Type(Ty::Exc(ExcKind::JSONDecodeError))));
    a
}

pub(crate) fn call<C: Callbacks + ?Sized>(
    cx: &mut C,
    name: &str,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    match name {
        "dumps" => {
            let Some(v) = args.first() else {
                return type_err("dumps() missing 1 required positional argument: 'obj'");
            };
            let indent = match kw(&kwargs, "indent") {
                None | Some(Value::None) => None,
                Some(Value::Str(s)) => Some(s.as_str().to_string()),
                Some(v) => {
                    let n = as_int(v).unwrap_or(0).max(0) as usize;
                    if n > cx.meter().limits.max_str_len {
                        cx.meter().check_str_len(n)?;
                    }
                    // Held to the budget before it is made (it is not a
                    // value of the program's, so it is checked, not charged).
                    cx.meter().fuel(crate::cost::fuel_for(crate::cost::FILL, 0, n as u64))?;
                    cx.meter().check_text_growth(n)?;
                    Some(" ".repeat(n))
                }
            };
            let ensure_ascii = kw(&kwargs, "ensure_ascii").is_none_or(|v| v.truthy());
            let sort_keys = kw(&kwargs, "sort_keys").is_some_and(|v| v.truthy());
            let allow_nan = kw(&kwargs, "allow_nan").is_none_or(|v| v.truthy());
            let (item_sep, key_sep) = match kw(&kwargs, "separators") {
                Some(Value::Tuple(t)) if t.len() == 2 => (
                    t[0].as_str().map(|s| s.as_str().to_string()).unwrap_or_default(),
                    t[1].as_str().map(|s| s.as_str().to_string()).unwrap_or_default(),
                ),
                _ => (
                    if indent.is_some() { ",".to_string() } else { ", ".to_string() },
                    ": ".to_string(),
                ),
            };
            let default = kw(&kwargs, "default").cloned();
            let opts = JsonOpts {
                indent,
                ensure_ascii,
                sort_keys,
                allow_nan,
                item_sep,
                key_sep,
                default,
                skip_keys: kw(&kwargs, "skipkeys").is_some_and(|v| v.truthy()),
                seen: RefCell::new(Vec::new()),
                in_default: std::cell::Cell::new(0),
            };
            let mut out = String::new();
            let sep = opts.item_sep.chars().count();
            if let Some(bound) = crate::format::repr::text_lower_bound(cx.meter(), v, sep)? {
                cx.meter().check_text_lower_bound(bound)?;
                out.reserve(bound);
            }
            crate::stack_guard::walk_over(v, || json_dump(cx, v, &opts, 0, &mut out))?;
            Ok(Value::str(out))
        }
        "loads" => {
            let Some(Value::Str(s)) = args.first() else {
                return type_err(format!(
                    "the JSON object must be str, bytes or bytearray, not {}",
                    args.first().map(|v| v.type_name()).unwrap_or("NoneType")
                ));
            };
            cx.meter().fuel(s.byte_len() as u64 / 16)?;
            let hooks = parse::Hooks {
                parse_int: hook(&kwargs, "parse_int"),
                parse_float: hook(&kwargs, "parse_float"),
                parse_constant: hook(&kwargs, "parse_constant"),
            };
            let mut p = JsonParser { s: s.as_str(), i: 0, depth: 0, hooks };
            let parsed = crate::stack_guard::walk(|| p.value(cx)).and_then(|v| {
                p.ws();
                if p.i < p.s.len() { p.err("Extra data") } else { Ok(v) }
            });
            // The error names the document it was reading (shared, not copied).
            if let Err(Fault::Exc(e)) = &parsed
                && e.kind == ExcKind::JSONDecodeError
            {
                e.attrs.borrow_mut().push(("doc", args[0].clone()));
            }
            parsed
        }
        _ => exc(ExcKind::AttributeError, format!("module 'json' has no attribute '{name}'")),
    }
}

/// A `loads` hook given by keyword (`None` is none, as CPython's default).
fn hook(kwargs: &Kwargs, name: &str) -> Option<Value> {
    kw(kwargs, name).filter(|v| !matches!(v, Value::None)).cloned()
}
