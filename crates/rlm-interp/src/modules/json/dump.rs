//! `json.dumps`: serialisation with CPython's formatting, held to the
//! string cap and the nesting limit as it writes.

use std::cell::RefCell;
use std::rc::Rc;

use crate::fault::{R, type_err, value_err};
use crate::value::*;
use crate::vm::Vm;

pub(super) struct JsonOpts {
    pub(super) indent: Option<String>,
    pub(super) ensure_ascii: bool,
    pub(super) sort_keys: bool,
    pub(super) item_sep: String,
    pub(super) key_sep: String,
    pub(super) default: Option<Value>,
    /// Containers being serialised (for "Circular reference detected").
    pub(super) seen: RefCell<Vec<usize>>,
}

fn json_str(s: &str, ensure_ascii: bool, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if ensure_ascii && !c.is_ascii() => {
                let mut buf = [0u16; 2];
                for u in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{:04x}", u));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

pub(super) fn json_dump(
    vm: &mut Vm,
    v: &Value,
    o: &JsonOpts,
    depth: usize,
    out: &mut String,
) -> R<()> {
    if depth > vm.limits.max_nesting {
        return Err(vm.nesting_err());
    }
    vm.guard_stack()?;
    if out.len() > vm.limits.max_str_len {
        vm.check_str_len(out.len())?;
    }
    vm.check_text_growth(out.capacity())?;
    vm.fuel(if depth > 0 { crate::cost::FUEL_PER_VALUE_WRITTEN } else { 1 })?;
    // A newline plus `d` indents, held to the string cap before it is
    // written (an indent near the cap times the depth would overshoot it).
    let nl = |vm: &mut Vm, out: &mut String, d: usize| -> R<()> {
        if let Some(ind) = &o.indent {
            let grown = out.len().saturating_add(1).saturating_add(ind.len().saturating_mul(d));
            if grown > vm.limits.max_str_len {
                vm.check_str_len(grown)?;
            }
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
        Value::Float(f) => {
            if f.is_nan() {
                out.push_str("NaN")
            } else if f.is_infinite() {
                out.push_str(if *f > 0.0 { "Infinity" } else { "-Infinity" })
            } else {
                out.push_str(&crate::types::float::float_repr(*f))
            }
        }
        Value::Str(s) => json_str(s.as_str(), o.ensure_ascii, out),
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
            o.seen.borrow_mut().push(ptr);
            let items = vm.iterate(v)?;
            if items.is_empty() {
                out.push_str("[]");
                return Ok(());
            }
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(&o.item_sep);
                }
                nl(vm, out, depth + 1)?;
                json_dump(vm, x, o, depth + 1, out)?;
            }
            nl(vm, out, depth)?;
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
                vm.sort_values(&mut keys, None, false)?;
                let mut sorted = Vec::new();
                for k in keys {
                    if let Some(p) = items.iter().position(|(x, _)| crate::vm::eq_shallow(x, &k)) {
                        sorted.push(items.remove(p));
                    }
                }
                items = sorted;
            }
            out.push('{');
            for (i, (k, x)) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(&o.item_sep);
                }
                nl(vm, out, depth + 1)?;
                let ks = match k {
                    Value::Str(s) => s.as_str().to_string(),
                    Value::Int(i) => i.to_string(),
                    Value::Float(f) => crate::types::float::float_repr(*f),
                    Value::Bool(b) => (if *b { "true" } else { "false" }).to_string(),
                    Value::None => "null".to_string(),
                    other => {
                        return type_err(format!(
                            "keys must be str, int, float, bool or None, not {}",
                            other.type_name()
                        ));
                    }
                };
                json_str(&ks, o.ensure_ascii, out);
                out.push_str(&o.key_sep);
                json_dump(vm, x, o, depth + 1, out)?;
            }
            nl(vm, out, depth)?;
            out.push('}');
            o.seen.borrow_mut().pop();
        }
        other => match &o.default {
            Some(d) => {
                let r = vm.call_value(d, vec![other.clone()], Vec::new())?;
                json_dump(vm, &r, o, depth + 1, out)?;
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
