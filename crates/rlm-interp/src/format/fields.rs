//! `str.format` and `str.format_map`: replacement fields with indices,
//! names, `[key]` and `.attr` accessors, conversions (`!r`, `!s`, `!a`),
//! nested fields in specs, and CPython's numbering errors.

use crate::callbacks::Callbacks;
use crate::fault::{Fault, R, exc, value_err};
use crate::types::str::repr::ascii_escape;
use crate::value::*;

// ----------------------------------------------------- str.format

pub(crate) fn str_format<C: Callbacks + ?Sized>(
    cx: &mut C,
    fmt: &str,
    args: &[Value],
    kwargs: &[(smol_str::SmolStr, Value)],
) -> R<String> {
    let mut out = String::new();
    let chars: Vec<char> = fmt.chars().collect();
    let mut i = 0;
    let mut auto = 0usize;
    let (mut manual, mut used_auto) = (false, false);
    while i < chars.len() {
        let c = chars[i];
        if c == '{' {
            if chars.get(i + 1) == Some(&'{') {
                out.push('{');
                i += 2;
                continue;
            }
            // Find the matching close brace (one level of nesting for specs).
            let mut j = i + 1;
            let mut depth = 1;
            while j < chars.len() {
                if chars[j] == '{' {
                    depth += 1;
                } else if chars[j] == '}' {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                j += 1;
            }
            if j >= chars.len() {
                return value_err("Single '{' encountered in format string");
            }
            let field: String = chars[i + 1..j].iter().collect();
            i = j + 1;
            let (name_part, spec) = match field.find(':') {
                Some(p) => (field[..p].to_string(), field[p + 1..].to_string()),
                None => (field.clone(), String::new()),
            };
            let (name_part, conv) = match name_part.find('!') {
                Some(p) => (name_part[..p].to_string(), name_part[p + 1..].chars().next()),
                None => (name_part, None),
            };
            // Split name into base and [index] accessors.
            let base_end = name_part.find(['[', '.']).unwrap_or(name_part.len());
            let base = &name_part[..base_end];
            if base.is_empty() {
                if manual {
                    return value_err(
                        "cannot switch from manual field specification to automatic field numbering",
                    );
                }
                used_auto = true;
            } else if base.parse::<usize>().is_ok() {
                if used_auto {
                    return value_err(
                        "cannot switch from automatic field numbering to manual field specification",
                    );
                }
                manual = true;
            }
            let mut v = if base.is_empty() {
                let v = args.get(auto).cloned();
                auto += 1;
                match v {
                    Some(v) => v,
                    None => {
                        return exc(
                            ExcKind::IndexError,
                            format!(
                                "Replacement index {} out of range for positional args tuple",
                                auto - 1
                            ),
                        );
                    }
                }
            } else if let Ok(n) = base.parse::<usize>() {
                match args.get(n) {
                    Some(v) => v.clone(),
                    None => {
                        return exc(
                            ExcKind::IndexError,
                            format!("Replacement index {n} out of range for positional args tuple"),
                        );
                    }
                }
            } else {
                match kwargs.iter().find(|(k, _)| k == base) {
                    Some((_, v)) => v.clone(),
                    None => {
                        return Err(Fault::Exc(Exception::with_args(
                            ExcKind::KeyError,
                            vec![Value::str(base)],
                        )));
                    }
                }
            };
            let mut rest = &name_part[base_end..];
            while !rest.is_empty() {
                if let Some(r) = rest.strip_prefix('[') {
                    let end = r.find(']').unwrap_or(r.len());
                    let key = &r[..end];
                    let idx = match key.parse::<i64>() {
                        Ok(n) => Value::Int(n),
                        Err(_) => Value::str(key),
                    };
                    v = cx.getitem(&v, &idx)?;
                    rest = &r[(end + 1).min(r.len())..];
                } else if let Some(r) = rest.strip_prefix('.') {
                    let end = r.find(['[', '.']).unwrap_or(r.len());
                    v = cx.get_attr(&v, &r[..end])?;
                    rest = &r[end..];
                } else {
                    break;
                }
            }
            let v = match conv {
                Some('r') => Value::str(crate::format::repr::repr(cx.meter(), &v)?),
                Some('s') => crate::format::repr::str_value(cx.meter(), v)?,
                Some('a') => Value::str(ascii_escape(&crate::format::repr::repr(cx.meter(), &v)?)),
                _ => v,
            };
            // Nested fields in the spec (`{:{}}`) continue the automatic numbering.
            let spec = if spec.contains('{') {
                let mut resolved = String::with_capacity(spec.len());
                let mut rest = spec.as_str();
                while let Some(open) = rest.find('{') {
                    resolved.push_str(&rest[..open]);
                    let Some(close) = rest[open..].find('}') else {
                        return value_err("unmatched '{' in format spec");
                    };
                    let name = &rest[open + 1..open + close];
                    let arg = if name.is_empty() {
                        if manual {
                            return value_err(
                                "cannot switch from manual field specification to automatic field numbering",
                            );
                        }
                        used_auto = true;
                        auto += 1;
                        args.get(auto - 1).cloned().ok_or(auto - 1)
                    } else if let Ok(n) = name.parse::<usize>() {
                        args.get(n).cloned().ok_or(n)
                    } else {
                        match kwargs.iter().find(|(k, _)| k == name) {
                            Some((_, v)) => Ok(v.clone()),
                            None => {
                                return Err(Fault::Exc(Exception::with_args(
                                    ExcKind::KeyError,
                                    vec![Value::str(name)],
                                )));
                            }
                        }
                    };
                    match arg {
                        Ok(a) => resolved.push_str(&crate::format::repr::py_str(cx.meter(), &a)?),
                        Err(n) => {
                            return exc(
                                ExcKind::IndexError,
                                format!(
                                    "Replacement index {n} out of range for positional args tuple"
                                ),
                            );
                        }
                    }
                    rest = &rest[open + close + 1..];
                }
                resolved.push_str(rest);
                resolved
            } else {
                spec
            };
            let s = if spec.is_empty() {
                crate::format::repr::py_str(cx.meter(), &v)?
            } else {
                crate::format::spec::format_spec(cx.meter(), &v, &spec)?
            };
            out.push_str(&s);
        } else if c == '}' {
            if chars.get(i + 1) == Some(&'}') {
                out.push('}');
                i += 2;
                continue;
            }
            return value_err("Single '}' encountered in format string");
        } else {
            out.push(c);
            i += 1;
        }
    }
    cx.meter().check_str_len(out.len())?;
    Ok(out)
}
