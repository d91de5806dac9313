//! Argument helpers every builtin, method and module function shares:
//! keyword lookup and checks, arity errors worded as CPython's, and operand
//! conversions (`bool` counts as an int).

use smol_str::SmolStr;

use crate::fault::{R, type_err};
use crate::value::*;

// The keyword arguments' type is the value layer's (a native object's method
// takes them); named here too, beside the helpers that read them.
pub use crate::value::Kwargs;

pub(crate) fn kw<'a>(kwargs: &'a [(SmolStr, Value)], name: &str) -> Option<&'a Value> {
    kwargs.iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

#[inline]
pub(crate) fn check_kwargs(fname: &str, kwargs: &[(SmolStr, Value)], allowed: &[&str]) -> R<()> {
    for (k, _) in kwargs {
        if !allowed.contains(&k.as_str()) {
            return type_err(format!("{fname}() got an unexpected keyword argument '{k}'"));
        }
    }
    Ok(())
}

pub(crate) fn nargs(fname: &str, args: &[Value], min: usize, max: usize) -> R<()> {
    if args.len() < min || args.len() > max {
        if min == max {
            let n = if min == 1 { "one argument".to_string() } else { format!("{min} arguments") };
            return type_err(format!("{fname}() takes exactly {n} ({} given)", args.len()));
        }
        if args.len() < min {
            return type_err(format!(
                "{fname} expected at least {min} argument{}, got {}",
                if min == 1 { "" } else { "s" },
                args.len()
            ));
        }
        return type_err(format!(
            "{fname} expected at most {max} argument{}, got {}",
            if max == 1 { "" } else { "s" },
            args.len()
        ));
    }
    Ok(())
}

pub(crate) fn str_arg<'a>(fname: &str, v: &'a Value) -> R<&'a Str> {
    match v {
        Value::Str(s) => Ok(s),
        other => type_err(format!("{fname}() argument must be str, not {}", other.type_name())),
    }
}

pub(crate) fn get_str_kw<'a>(
    args: &'a [Value],
    i: usize,
    kwargs: &'a [(SmolStr, Value)],
    name: &str,
) -> Option<&'a Value> {
    args.get(i).or_else(|| kw(kwargs, name))
}

pub fn as_int(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        Value::Bool(AlignedBool(b)) => Some(*b as i64),
        // An int-like module object (`re.IGNORECASE`).
        Value::Native(n) => n.as_int(),
        _ => None,
    }
}

/// An int where CPython wants an index (`__index__`): a TypeError otherwise.
pub fn index_int(v: &Value) -> R<i64> {
    match as_int(v) {
        Some(i) => Ok(i),
        None => type_err(format!("'{}' object cannot be interpreted as an integer", v.type_name())),
    }
}

pub fn as_float(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Bool(AlignedBool(b)) => Some(*b as i64 as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}

/// An index argument as an integer (`TypeError` naming `what` else).
pub(crate) fn index_of(idx: &Value, what: &str) -> R<i64> {
    match as_int(idx) {
        Some(i) => Ok(i),
        None => {
            type_err(format!("{what} indices must be integers or slices, not {}", idx.type_name()))
        }
    }
}
