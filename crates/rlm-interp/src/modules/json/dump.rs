//! `json.dumps`: serialisation with CPython's formatting, held to the
//! string cap and the nesting limit as it writes.

use std::cell::RefCell;
use std::rc::Rc;

use crate::callbacks::Callbacks;
use crate::fault::{R, type_err, value_err};
use crate::value::*;

pub(super) struct JsonOpts {
    pub(super) indent: Option<String>,
    pub(super) ensure_ascii: bool,
    pub(super) sort_keys: bool,
    /// `allow_nan=False` refuses nan and the infinities (values and keys).
    pub(super) allow_nan: bool,
    pub(super) item_sep: String,
    pub(super) key_sep: String,
    pub(super) default: Option<Value>,
    /// Containers being serialised (for "Circular reference detected").
    pub(super) seen: RefCell<Vec<usize>>,
}

/// The most bytes `json.dumps` writes for one byte of a string: `\u001f`
/// for a one-byte control character; a wider character's escape under
/// `ensure_ascii` (`\u00e9`, a surrogate pair's 12) is at most three times
/// its UTF-8 bytes. [`escaped_len`] is at most this times the bytes plus 2.
const JSON_ESCAPE_MAX: usize = 6;

/// The bytes `s` takes once escaped: measured before it is written, so
/// the output is held to the string cap and the budget before it grows.
fn escaped_len(s: &str, ensure_ascii: bool) -> usize {
    s.chars()
        .map(|c| match c {
            '"' | '\\' | '\n' | '\r' | '\t' | '\x08' | '\x0c' => 2,
            c if (c as u32) < 0x20 => 6,
            c if ensure_ascii && c as u32 >= 0x7f => 6 * c.len_utf16(),
            c => c.len_utf8(),
        })
        .fold(2, usize::saturating_add)
}

/// Makes room for `extra` more bytes of `out`: the string cap and the
/// budget are checked before the buffer grows (a single string or
/// separator can be as long as the cap: `r = json.dumps(r)` in a loop
/// doubled a string to 128 MiB in a 32 MiB session before any check).
fn reserve<C: Callbacks + ?Sized>(cx: &mut C, out: &mut String, extra: usize) -> R<()> {
    let needed = out.len().saturating_add(extra);
    if needed > cx.meter().limits.max_str_len {
        cx.meter().check_str_len(needed)?;
    }
    if needed > out.capacity() {
        cx.meter().check_text_growth(needed)?;
        out.reserve(extra);
    }
    Ok(())
}

/// Writes a separator or an indent that the program chose (any length).
fn push_checked<C: Callbacks + ?Sized>(cx: &mut C, out: &mut String, piece: &str) -> R<()> {
    cx.meter().fuel(crate::cost::fuel_for(crate::cost::TEXT, 0, piece.len() as u64))?;
    reserve(cx, out, piece.len())?;
    out.push_str(piece);
    Ok(())
}

/// Writes `s` as a JSON string, paying fuel per byte and making room for
/// it before a byte is written.
fn json_str<C: Callbacks + ?Sized>(
    cx: &mut C,
    s: &str,
    ensure_ascii: bool,
    out: &mut String,
) -> R<()> {
    cx.meter().fuel(crate::cost::fuel_for(crate::cost::TEXT, 1, s.len() as u64))?;
    // Measured exactly only when the bound (`JSON_ESCAPE_MAX` bytes a byte
    // and the quotes) could fail the cap or the budget: else a second scan
    // for nothing.
    let bound = out.len().saturating_add(s.len().saturating_mul(JSON_ESCAPE_MAX)).saturating_add(2);
    if !cx.meter().text_within_unchecked(bound, out.capacity()) {
        reserve(cx, out, escaped_len(s, ensure_ascii))?;
    }
    out.push('"');
    // Runs of bytes written as they are (printable ASCII but `"` and `\`)
    // are copied whole; only the rest is looked at a character at a time.
    let mut rest = s;
    while !rest.is_empty() {
        let plain = rest
            .bytes()
            .position(|b| b < 0x20 || b == b'"' || b == b'\\' || (ensure_ascii && b >= 0x7f))
            .unwrap_or(rest.len());
        let (run, tail) = rest.split_at(plain);
        out.push_str(run);
        let mut chars = tail.chars();
        let Some(c) = chars.next() else { break };
        rest = chars.as_str();
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            // CPython escapes DEL too under `ensure_ascii` (all but ' '..'~').
            c if ensure_ascii && c as u32 >= 0x7f => {
                let mut buf = [0u16; 2];
                for u in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{:04x}", u));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    Ok(())
}

pub(super) fn json_dump<C: Callbacks + ?Sized>(
    cx: &mut C,
    v: &Value,
    o: &JsonOpts,
    depth: usize,
    out: &mut String,
) -> R<()> {
    if depth > cx.meter().limits.max_nesting {
        return Err(cx.meter().nesting_err());
    }
    crate::stack_guard::guard_stack(cx.meter())?;
    if out.len() > cx.meter().limits.max_str_len {
        cx.meter().check_str_len(out.len())?;
    }
    cx.meter().check_text_growth(out.capacity())?;
    cx.meter().fuel(if depth > 0 { crate::cost::FUEL_PER_VALUE_WRITTEN } else { 1 })?;
    // A newline plus `d` indents, held to the string cap before it is
    // written (an indent near the cap times the depth would overshoot it).
    let nl = |cx: &mut C, out: &mut String, d: usize| -> R<()> {
        if let Some(ind) = &o.indent {
            let extra = ind.len().saturating_mul(d).saturating_add(1);
            cx.meter().fuel(crate::cost::fuel_for(crate::cost::FILL, 0, extra as u64))?;
            reserve(cx, out, extra)?;
            out.push('\n');
            for _ in 0..d {
                out.push_str(ind);
            }
        }
        Ok(())
    };
    match v {
        Value::None => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Float(f) => out.push_str(&json_float(*f, o.allow_nan)?),
        Value::Str(s) => json_str(cx, s.as_str(), o.ensure_ascii, out)?,
        Value::List(l) if o.seen.borrow().contains(&(Rc::as_ptr(l) as *const u8 as usize)) => {
            return value_err("Circular reference detected");
        }
        Value::Dict(d) if o.seen.borrow().contains(&(Rc::as_ptr(d) as *const u8 as usize)) => {
            return value_err("Circular reference detected");
        }
        Value::List(_) | Value::Tuple(_) => {
            let ptr = match v {
                Value::List(l) => Rc::as_ptr(l) as *const u8 as usize,
                _ => 0,
            };
            let items = cx.iterate(v)?;
            if items.is_empty() {
                out.push_str("[]");
                return Ok(());
            }
            // Pushed once it will be popped: an empty list left behind made
            // the next reference to it (`[[]] * 2`) a "circular" one.
            o.seen.borrow_mut().push(ptr);
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    push_checked(cx, out, &o.item_sep)?;
                }
                nl(cx, out, depth + 1)?;
                json_dump(cx, x, o, depth + 1, out)?;
            }
            nl(cx, out, depth)?;
            out.push(']');
            o.seen.borrow_mut().pop();
        }
        Value::Dict(d) => {
            let mut items: Vec<(Value, Value)> =
                d.borrow().map.iter().map(|(k, v)| (k.0.clone(), v.clone())).collect();
            if items.is_empty() {
                out.push_str("{}");
                return Ok(());
            }
            o.seen.borrow_mut().push(Rc::as_ptr(d) as *const u8 as usize);
            if o.sort_keys {
                let mut keys: Vec<Value> = items.iter().map(|(k, _)| k.clone()).collect();
                crate::builtins::sort::sort_values(cx, &mut keys, None, false)?;
                // Each sorted key finds its value by hash (a search of the
                // items for each key was quadratic, and unpaid).
                let mut by_key: Map = items.drain(..).map(|(k, x)| (Key(k), x)).collect();
                items = keys
                    .into_iter()
                    .filter_map(|k| by_key.swap_remove(&KeyRef(&k)).map(|x| (k, x)))
                    .collect();
            }
            out.push('{');
            for (i, (k, x)) in items.iter().enumerate() {
                if i > 0 {
                    push_checked(cx, out, &o.item_sep)?;
                }
                nl(cx, out, depth + 1)?;
                // A string key is written from the program's own string, not a copy.
                let ks: std::borrow::Cow<'_, str> = match k {
                    Value::Str(s) => std::borrow::Cow::Borrowed(s.as_str()),
                    Value::Int(i) => i.to_string().into(),
                    Value::Float(f) => json_float(*f, o.allow_nan)?.into(),
                    Value::Bool(b) => (if *b { "true" } else { "false" }).into(),
                    Value::None => "null".into(),
                    other => {
                        return type_err(format!(
                            "keys must be str, int, float, bool or None, not {}",
                            other.type_name()
                        ));
                    }
                };
                json_str(cx, &ks, o.ensure_ascii, out)?;
                push_checked(cx, out, &o.key_sep)?;
                json_dump(cx, x, o, depth + 1, out)?;
            }
            nl(cx, out, depth)?;
            out.push('}');
            o.seen.borrow_mut().pop();
        }
        other => match &o.default {
            Some(d) => {
                let r = cx.call_value(d, vec![other.clone()], Vec::new())?;
                json_dump(cx, &r, o, depth + 1, out)?;
            }
            None => {
                return type_err(format!(
                    "Object of type {} is not JSON serializable",
                    other.type_name()
                ));
            }
        },
    }
    Ok(())
}

/// A float as JSON writes it, as a value or a key: `NaN`, `Infinity`,
/// `-Infinity`, else its repr.
fn json_float(f: f64, allow_nan: bool) -> R<String> {
    if !f.is_finite() && !allow_nan {
        return value_err("Out of range float values are not JSON compliant");
    }
    Ok(if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        (if f > 0.0 { "Infinity" } else { "-Infinity" }).into()
    } else {
        crate::types::float::repr::float_repr(f)
    })
}
