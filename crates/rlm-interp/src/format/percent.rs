//! `%`-formatting (`"%5.2f" % x`, `"%(name)s" % d`), with CPython's
//! conversions and errors; widths and precisions are held to the string cap
//! before padding allocates.

use crate::args::{as_float, as_int};
use crate::callbacks::Callbacks;
use crate::fault::{R, exc, type_err, value_err};
use crate::meter::Meter;
use crate::types::str::repr::ascii_escape;
use crate::value::*;

/// `s % args`, its result held to the limits.
pub(crate) fn str_percent<C: Callbacks + ?Sized>(cx: &mut C, s: &Str, args: &Value) -> R<Value> {
    let v = Value::str(percent_format(cx, s.as_str(), args)?);
    cx.meter().guard_result(&v)?;
    Ok(v)
}

pub(crate) fn percent_format<C: Callbacks + ?Sized>(
    cx: &mut C,
    fmt: &str,
    args: &Value,
) -> R<String> {
    let (items, mapping): (Vec<Value>, Option<Value>) = match args {
        Value::Tuple(t) => (t.to_vec(), None),
        Value::Dict(_) => (vec![args.clone()], Some(args.clone())),
        other => (vec![other.clone()], None),
    };
    // The literal runs between directives are copied whole (found by
    // `memchr`); only a directive is read byte by byte. Every byte a
    // directive's grammar consumes is ASCII, so the cursor stays on a char
    // boundary; the one non-ASCII character it can meet is the conversion.
    let b = fmt.as_bytes();
    let mut out = String::with_capacity(fmt.len());
    let mut ai = 0;
    let mut i = 0;
    while i < b.len() {
        let next = memchr::memchr(b'%', &b[i..]).map_or(b.len(), |p| i + p);
        out.push_str(&fmt[i..next]);
        if next == b.len() {
            break;
        }
        i = next + 1;
        if i >= b.len() {
            return value_err("incomplete format");
        }
        let mut key = None;
        if b[i] == b'(' {
            let start = i + 1;
            let mut j = start;
            while j < b.len() && b[j] != b')' {
                j += 1;
            }
            if j == b.len() {
                return value_err("incomplete format key");
            }
            key = Some(fmt[start..j].to_string());
            i = j + 1;
        }
        let mut flags = String::new();
        while i < b.len() && b"-+ #0".contains(&b[i]) {
            flags.push(b[i] as char);
            i += 1;
        }
        let mut width = String::new();
        if i < b.len() && b[i] == b'*' {
            let w = items.get(ai).cloned().unwrap_or(Value::Int(0));
            ai += 1;
            let Some(w) = as_int(&w) else { return type_err("* wants int") };
            // A negative `*` width left-justifies, as the `-` flag does.
            if w < 0 && !flags.contains('-') {
                flags.push('-');
            }
            width = w.unsigned_abs().to_string();
            i += 1;
        }
        while i < b.len() && b[i].is_ascii_digit() {
            width.push(b[i] as char);
            i += 1;
        }
        // Checked before padding allocates (`'%1000000000s' % x`); an
        // unparsable (overlong) width is over any cap too.
        // The padding, the padded field and the result that copies it
        // are held at once: charged for all three.
        if !width.is_empty() {
            cx.meter().check_str_copies(
                width.trim_start_matches('-').parse::<usize>().unwrap_or(usize::MAX),
                1,
                3,
            )?;
        }
        let mut prec = None;
        if i < b.len() && b[i] == b'.' && b.get(i + 1) == Some(&b'*') {
            let pv = items.get(ai).cloned().unwrap_or(Value::Int(0));
            ai += 1;
            i += 2;
            prec = Some(as_int(&pv).unwrap_or(0).to_string());
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            let mut p = String::new();
            while i < b.len() && b[i].is_ascii_digit() {
                p.push(b[i] as char);
                i += 1;
            }
            prec = Some(p);
        }
        if let Some(p) = prec.as_deref().filter(|p| !p.is_empty()) {
            cx.meter()
                .check_str_len(p.trim_start_matches('-').parse::<usize>().unwrap_or(usize::MAX))?;
        }
        let conv_at = i;
        let Some(conv) = fmt.get(i..).and_then(|rest| rest.chars().next()) else {
            return value_err("incomplete format");
        };
        i += conv.len_utf8();
        if conv == '%' {
            out.push('%');
            continue;
        }
        let arg = match (&key, &mapping) {
            (Some(k), Some(m)) => cx.getitem(m, &Value::str(k.as_str()))?,
            (Some(_), None) => return type_err("format requires a mapping"),
            (None, _) => {
                let a = items.get(ai).cloned();
                ai += 1;
                match a {
                    Some(a) => a,
                    None => return type_err("not enough arguments for format string"),
                }
            }
        };
        // A string argument is copied into its piece, then into `out`:
        // both must fit before either is made (`'%s%s' % (s, s)` doubled
        // a 51 MB string past the budget before the result was charged).
        if let Value::Str(text) = &arg {
            let total = out.len().saturating_add(text.byte_len());
            if total > cx.meter().limits.max_str_len {
                cx.meter().check_str_len(total)?;
            }
            cx.meter().check_str_copies(text.byte_len(), 1, 2)?;
            cx.meter().check_text_growth(total)?;
        }
        // A plain `%s` of a string goes straight into `out`: no piece is
        // copied first (it held a third copy of a 100 MB argument at the
        // peak of `'%s%s' % (s, s)`, past the budget's RSS bound).
        if let (Value::Str(text), 's', true, true, None) =
            (&arg, conv, flags.is_empty(), width.is_empty(), &prec)
        {
            out.push_str(text.as_str());
            continue;
        }
        let Some(piece) = percent_piece(cx.meter(), conv, &arg, &flags, &width, &prec)? else {
            // CPython counts the index in characters, and shows only a
            // printable ASCII character.
            let shown = if (' '..='~').contains(&conv) { conv } else { '?' };
            return value_err(format!(
                "unsupported format character '{shown}' (0x{:x}) at index {}",
                conv as u32,
                fmt[..conv_at].chars().count()
            ));
        };
        cx.meter().check_text_growth(out.len().saturating_add(piece.len()))?;
        out.push_str(&piece);
    }
    if mapping.is_none() && ai < items.len() {
        return type_err("not all arguments converted during string formatting");
    }
    Ok(out)
}

/// One `%` directive's text: flags, width and precision applied to `arg`;
/// `None` for a conversion character `%` does not know.
fn percent_piece(
    meter: &mut Meter,
    conv: char,
    arg: &Value,
    flags: &str,
    width: &str,
    prec: &Option<String>,
) -> R<Option<String>> {
    let mut spec = String::new();
    let left = flags.contains('-');
    if flags.contains('+') {
        spec.push('+');
    } else if flags.contains(' ') {
        spec.push(' ');
    }
    if flags.contains('#') {
        spec.push('#');
    }
    if flags.contains('0') && !left {
        spec.push('0');
    }
    spec.push_str(width);
    if let Some(p) = &prec {
        spec.push('.');
        spec.push_str(if p.is_empty() { "0" } else { p });
    }
    let piece = match conv {
        's' | 'r' | 'a' => {
            let s = match conv {
                's' => crate::format::repr::py_str(meter, arg)?,
                'r' => crate::format::repr::repr(meter, arg)?,
                _ => ascii_escape(&crate::format::repr::repr(meter, arg)?),
            };
            let s: String = match &prec {
                Some(p) => s.chars().take(p.parse().unwrap_or(0)).collect(),
                None => s,
            };
            let w: usize = width.parse().unwrap_or(0);
            let n = s.chars().count();
            if n < w {
                if left {
                    format!("{s}{}", " ".repeat(w - n))
                } else {
                    format!("{}{s}", " ".repeat(w - n))
                }
            } else {
                s
            }
        }
        'd' | 'i' | 'u' => {
            let n = match &arg {
                Value::Float(f) => Value::Int(float_to_i64(*f)?),
                Value::Int(_) | Value::Bool(_) => Value::Int(as_int(arg).unwrap_or(0)),
                other => {
                    return type_err(format!(
                        "%{conv} format: a real number is required, not {}",
                        other.type_name()
                    ));
                }
            };
            let iv = as_int(&n).unwrap_or(0);
            match &prec {
                Some(p) => {
                    let pn: usize = p.parse().unwrap_or(0);
                    let digits = iv.unsigned_abs().to_string();
                    let zeros = "0".repeat(pn.saturating_sub(digits.len()));
                    let sign = if iv < 0 {
                        "-"
                    } else if flags.contains('+') {
                        "+"
                    } else if flags.contains(' ') {
                        " "
                    } else {
                        ""
                    };
                    pad_plain(format!("{sign}{zeros}{digits}"), left, width)
                }
                None => {
                    let s = crate::format::spec::format_spec(meter, &n, &spec)?;
                    left_pad_fix(s, left, width)
                }
            }
        }
        'f' | 'F' | 'e' | 'E' | 'g' | 'G' => {
            let f = match as_float(arg) {
                Some(f) => f,
                None => {
                    return type_err(format!("must be real number, not {}", arg.type_name()));
                }
            };
            let mut sp = spec.clone();
            if prec.is_none() {
                sp.push_str(".6");
            }
            sp.push(conv);
            let s = crate::format::spec::format_spec(meter, &Value::Float(f), &sp)?;
            left_pad_fix(s, left, width)
        }
        'x' | 'X' | 'o' => {
            let Some(n) = as_int(arg) else {
                return type_err(format!(
                    "%{conv} format: an integer is required, not {}",
                    arg.type_name()
                ));
            };
            let mut sp = spec.clone();
            sp.push(conv);
            let s = crate::format::spec::format_spec(meter, &Value::Int(n), &sp)?;
            left_pad_fix(s, left, width)
        }
        'c' => pad_plain(percent_char(arg)?, left, width),
        _ => return Ok(None),
    };
    Ok(Some(piece))
}

/// `%c`'s character: a one-character str, or a code point.
fn percent_char(arg: &Value) -> R<String> {
    match arg {
        Value::Str(s) if s.as_str().chars().count() == 1 => Ok(s.as_str().to_string()),
        Value::Int(_) | Value::Bool(_) => {
            let i = as_int(arg).unwrap_or(-1);
            match u32::try_from(i).ok().and_then(char::from_u32) {
                Some(c) => Ok(c.to_string()),
                // A lone surrogate, which a Rust string cannot hold (as chr()).
                None if (0..0x110000).contains(&i) => value_err("chr() arg not in range(0x110000)"),
                None => exc(ExcKind::OverflowError, "%c arg not in range(0x110000)"),
            }
        }
        _ => type_err("%c requires int or char"),
    }
}

/// `%d` of a float: truncated, within the DSL's 64-bit ints.
fn float_to_i64(f: f64) -> R<i64> {
    if f.is_nan() {
        return value_err("cannot convert float NaN to integer");
    }
    if f.is_infinite() {
        return exc(ExcKind::OverflowError, "cannot convert float infinity to integer");
    }
    let t = f.trunc();
    if !(-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&t) {
        return crate::types::int::overflow();
    }
    Ok(t as i64)
}

fn pad_plain(s: String, left: bool, width: &str) -> String {
    let w: usize = width.parse().unwrap_or(0);
    let n = s.chars().count();
    if n >= w {
        s
    } else if left {
        format!("{s}{}", " ".repeat(w - n))
    } else {
        format!("{}{s}", " ".repeat(w - n))
    }
}

fn left_pad_fix(s: String, left: bool, width: &str) -> String {
    if !left {
        return s;
    }
    let w: usize = width.parse().unwrap_or(0);
    let t = s.trim_start().to_string();
    let n = t.chars().count();
    if n < w { format!("{t}{}", " ".repeat(w - n)) } else { t }
}
