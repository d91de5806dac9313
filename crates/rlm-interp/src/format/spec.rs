//! The format-spec mini-language (`f"{x:>10.2f}"`, `format(x, spec)`) as
//! CPython's `Python/formatter_unicode.c` reads and applies it: fill,
//! alignment, sign, `z`, `#`, `0`, width, grouping, precision and type, for
//! str, int, bool, float and dates (`strftime`), with its errors for specs a
//! type does not take. A number's field is laid out by `number.rs`, a
//! float's text written by `dtoa.rs`.

use super::dtoa::{Flags, double_to_string};
use super::fill::push_fill;
use super::number::{Grouping, Layout, NumberText, lay_out};
use crate::args::as_int;
use crate::fault::{Fault, R, exc, value_err};
use crate::meter::Meter;
use crate::types::float::repr::float_repr;
use crate::value::*;

/// A parsed spec (`InternalFormatSpec`).
#[derive(Debug)]
pub(crate) struct Spec {
    fill: char,
    align: char,
    alt: bool,
    /// `z` (3.11): a negative zero after rounding prints without its sign.
    no_neg_zero: bool,
    /// `+`, `-`, ` ` or `\0` (none given).
    sign: char,
    width: Option<usize>,
    grouping: Grouping,
    precision: Option<usize>,
    /// The type letter, or the type's default.
    ty: char,
}

fn is_align(ch: char) -> bool {
    // `matches!` rather than `"<>=^".contains(..)`: a spec is parsed on
    // every formatting, and a string search per test is most of its cost.
    matches!(ch, '<' | '>' | '=' | '^')
}

/// `parse_internal_render_format_spec`: `spec` read for a value of type
/// `type_name` whose default type and alignment are given.
fn parse_spec(spec: &str, type_name: &str, default_ty: char, default_align: char) -> R<Spec> {
    // Specs are short: their characters go in a buffer on the stack.
    let mut short = ['\0'; 32];
    let long: Vec<char>;
    let c: &[char] = if spec.len() <= short.len() {
        let mut n = 0;
        for ch in spec.chars() {
            short[n] = ch;
            n += 1;
        }
        &short[..n]
    } else {
        long = spec.chars().collect();
        &long
    };
    let mut sp = Spec {
        fill: ' ',
        align: default_align,
        alt: false,
        no_neg_zero: false,
        sign: '\0',
        width: None,
        grouping: Grouping::None,
        precision: None,
        ty: default_ty,
    };
    let mut i = 0;
    let (mut fill_given, mut align_given) = (false, false);
    if c.len() >= 2 && is_align(c[1]) {
        (sp.fill, sp.align, fill_given, align_given) = (c[0], c[1], true, true);
        i = 2;
    } else if !c.is_empty() && is_align(c[0]) {
        (sp.align, align_given) = (c[0], true);
        i = 1;
    }
    if i < c.len() && matches!(c[i], '+' | '-' | ' ') {
        sp.sign = c[i];
        i += 1;
    }
    if i < c.len() && c[i] == 'z' {
        sp.no_neg_zero = true;
        i += 1;
    }
    if i < c.len() && c[i] == '#' {
        sp.alt = true;
        i += 1;
    }
    if !fill_given && i < c.len() && c[i] == '0' {
        sp.fill = '0';
        if !align_given && default_align == '>' {
            sp.align = '=';
        }
        i += 1;
    }
    let (width, next) = spec_number(c, i)?;
    (sp.width, i) = (width, next);
    if i < c.len() && c[i] == ',' {
        sp.grouping = Grouping::Comma;
        i += 1;
    }
    if i < c.len() && c[i] == '_' {
        if sp.grouping != Grouping::None {
            return value_err("Cannot specify both ',' and '_'.");
        }
        sp.grouping = Grouping::Underscore;
        i += 1;
    }
    if i < c.len() && c[i] == ',' && sp.grouping == Grouping::Underscore {
        return value_err("Cannot specify both ',' and '_'.");
    }
    if i < c.len() && c[i] == '.' {
        let (precision, next) = spec_number(c, i + 1)?;
        if precision.is_none() {
            return value_err("Format specifier missing precision");
        }
        (sp.precision, i) = (precision, next);
    }
    if c.len() - i > 1 {
        return value_err(format!(
            "Invalid format specifier '{spec}' for object of type '{type_name}'"
        ));
    }
    if i < c.len() {
        sp.ty = c[i];
    }
    check_grouping(&mut sp)?;
    Ok(sp)
}

/// The types a grouping is allowed with (PEP 378; `_` every four digits
/// in binary, octal and hexadecimal, PEP 515).
fn check_grouping(sp: &mut Spec) -> R<()> {
    let sep = match sp.grouping {
        Grouping::None => return Ok(()),
        Grouping::Comma => ',',
        _ => '_',
    };
    match sp.ty {
        'd' | 'e' | 'f' | 'g' | 'E' | 'G' | '%' | 'F' | '\0' => Ok(()),
        'b' | 'o' | 'x' | 'X' if sep == '_' => {
            sp.grouping = Grouping::UnderscoreFour;
            Ok(())
        }
        t => value_err(format!("Cannot specify '{sep}' with {}.", shown_code(t))),
    }
}

/// A type letter in an error: itself in quotes when printable ASCII, else
/// its code (`'\x1'`), as CPython shows it.
fn shown_code(t: char) -> String {
    if (t as u32) > 32 && (t as u32) < 128 {
        format!("'{t}'")
    } else {
        format!("'\\x{:x}'", t as u32)
    }
}

/// `unknown_presentation_type`.
fn unknown_code<T>(t: char, type_name: &str) -> R<T> {
    value_err(format!("Unknown format code {} for object of type '{type_name}'", shown_code(t)))
}

/// The decimal number starting at `c[i]`, if any, and the index after it
/// (`get_integer`: any Unicode decimal digit counts). Always inline: left
/// to the optimiser's heuristics it became a call from `parse` once code
/// elsewhere in the crate changed (`fstring_build` +0.9% Ir, issue #79).
#[inline(always)]
fn spec_number(c: &[char], mut i: usize) -> R<(Option<usize>, usize)> {
    let mut n: Option<usize> = None;
    while let Some(d) = c.get(i).and_then(|ch| crate::unicode::decimal_value(*ch)) {
        n = n
            .unwrap_or(0)
            .checked_mul(10)
            .and_then(|n| n.checked_add(d as usize))
            .filter(|n| *n <= isize::MAX as usize);
        if n.is_none() {
            return Err(Fault::Exc(Exception::new(
                ExcKind::ValueError,
                "Too many decimal digits in format string",
            )));
        }
        i += 1;
    }
    Ok((n, i))
}

impl Spec {
    fn layout(&self) -> Layout {
        Layout {
            fill: self.fill,
            align: self.align,
            sign: self.sign,
            width: self.width,
            grouping: self.grouping,
        }
    }
}

/// `format_string_internal`.
fn format_str(text: &str, sp: &Spec) -> R<String> {
    match sp.sign {
        ' ' => return value_err("Space not allowed in string format specifier"),
        '\0' => {}
        _ => return value_err("Sign not allowed in string format specifier"),
    }
    if sp.no_neg_zero {
        return value_err("Negative zero coercion (z) not allowed in string format specifier");
    }
    if sp.alt {
        return value_err("Alternate form (#) not allowed in string format specifier");
    }
    if sp.align == '=' {
        return value_err("'=' alignment not allowed in string format specifier");
    }
    let text = match sp.precision {
        Some(p) => match text.char_indices().nth(p) {
            Some((at, _)) => &text[..at],
            None => text,
        },
        None => text,
    };
    let n = text.chars().count();
    let pad = sp.width.map_or(0, |w| w.saturating_sub(n));
    let left = match sp.align {
        '>' => pad,
        '^' => pad / 2,
        _ => 0,
    };
    // One exact buffer (formatting the padding apart held it twice).
    let mut out = String::with_capacity(text.len() + pad * sp.fill.len_utf8());
    push_fill(&mut out, sp.fill, left);
    out.push_str(text);
    push_fill(&mut out, sp.fill, pad - left);
    Ok(out)
}

/// `format_long_internal`: an int (or bool) with type `b c d n o x X`.
fn format_int(i: i64, sp: &Spec) -> R<String> {
    if sp.precision.is_some() {
        return value_err("Precision not allowed in integer format specifier");
    }
    if sp.no_neg_zero {
        return value_err("Negative zero coercion (z) not allowed in integer format specifier");
    }
    if sp.ty == 'c' {
        if sp.sign != '\0' {
            return value_err("Sign not allowed with integer format specifier 'c'");
        }
        if sp.alt {
            return value_err("Alternate form (#) not allowed with integer format specifier 'c'");
        }
        let Some(ch) = u32::try_from(i).ok().filter(|c| *c <= 0x10FFFF) else {
            return exc(ExcKind::OverflowError, "%c arg not in range(0x110000)");
        };
        // A lone surrogate, which a Rust string cannot hold (as chr()).
        let Some(ch) = char::from_u32(ch) else {
            return value_err("chr() arg not in range(0x110000)");
        };
        let text = ch.to_string();
        let n = NumberText { negative: false, prefix: "", digits: "", decimal: false, rest: &text };
        return Ok(lay_out(&n, &sp.layout()));
    }
    if sp.width.is_none() && sp.grouping == Grouping::None && !matches!(sp.sign, '+' | ' ') {
        // Nothing to lay out: the digits and their sign (CPython's fast path).
        if matches!(sp.ty, 'd' | 'n') {
            return Ok(itoa::Buffer::new().format(i).to_string());
        }
    }
    let mag = i.unsigned_abs();
    // Decimal digits on the stack (no `String` of their own to lay out).
    let mut decimal = itoa::Buffer::new();
    let (digits, prefix) = match sp.ty {
        'b' => (format!("{mag:b}").into(), "0b"),
        'o' => (format!("{mag:o}").into(), "0o"),
        'x' => (format!("{mag:x}").into(), "0x"),
        'X' => (format!("{mag:X}").into(), "0X"),
        _ => (std::borrow::Cow::Borrowed(decimal.format(mag)), ""),
    };
    let prefix = if sp.alt { prefix } else { "" };
    let n = NumberText { negative: i < 0, prefix, digits: &digits, decimal: false, rest: "" };
    Ok(lay_out(&n, &sp.layout()))
}

/// `format_float_internal`: a float (or an int converted) with type
/// `e E f F g G n %` or none.
fn format_float(meter: &mut Meter, f: f64, sp: &Spec) -> R<String> {
    let precision = match sp.precision {
        Some(p) if p > i32::MAX as usize => return value_err("precision too big"),
        // Many digits are held to the string cap (a limit, as for a
        // width) and the budget before they are made.
        Some(p) => {
            if p >= 4096 {
                meter.check_str_len(p)?;
            }
            Some(p)
        }
        None => None,
    };
    let mut flags = Flags { alt: sp.alt, add_dot_0: false, no_neg_0: sp.no_neg_zero };
    let (mut code, mut default_precision) = (sp.ty, 6);
    if code == '\0' {
        flags.add_dot_0 = true;
        code = 'r';
        default_precision = 0;
    }
    if code == 'n' {
        code = 'g';
    }
    let (value, pct) = if code == '%' { (f * 100.0, true) } else { (f, false) };
    if code == '%' {
        code = 'f';
    }
    let precision = match precision {
        None => default_precision,
        Some(p) => {
            if code == 'r' {
                code = 'g';
            }
            p
        }
    };
    let mut text = double_to_string(value, code, precision, flags);
    if pct {
        text.push('%');
    }
    if !matches!(sp.sign, '+' | ' ')
        && sp.width.is_none()
        && sp.ty != 'n'
        && sp.grouping == Grouping::None
    {
        return Ok(text);
    }
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.as_str()),
    };
    Ok(lay_out(&NumberText::split(negative, "", body), &sp.layout()))
}

pub(crate) fn format_spec(meter: &mut Meter, v: &Value, spec: &str) -> R<String> {
    if let Value::Native(n) = v {
        // An int-like module object (`re.IGNORECASE`) formats as its int
        // under a spec, as its `str` without one.
        if let Some(i) = n.as_int().filter(|_| !spec.is_empty()) {
            return format_spec(meter, &Value::Int(i), spec);
        }
        if let Native::Module(m) = &**n {
            meter.fuel(m.format_spec_fuel(spec))?;
            if let Some(text) = m.format_spec(spec) {
                return Ok(text);
            }
        }
    }
    let (default_ty, default_align) = match v {
        Value::Str(s) if spec.is_empty() => return Ok(s.as_str().to_string()),
        Value::Float(f) if spec.is_empty() => return Ok(float_repr(*f)),
        Value::Str(_) => ('s', '<'),
        Value::Int(_) | Value::Bool(AlignedBool(_)) => ('d', '>'),
        Value::Float(_) => ('\0', '>'),
        // Other types take only the empty spec, refused before it is read.
        other if spec.is_empty() => return crate::format::repr::py_str(meter, other),
        other => {
            return crate::fault::type_err(format!(
                "unsupported format string passed to {}.__format__",
                other.type_name()
            ));
        }
    };
    if spec.is_empty() {
        return crate::format::repr::py_str(meter, v);
    }
    let type_name = v.type_name();
    let sp = parse_spec(spec, type_name, default_ty, default_align)?;
    if let Some(w) = sp.width {
        // The padded field, and the f-string or `format` result that
        // copies it, are held at once.
        meter.check_str_copies(w, sp.fill.len_utf8(), 2)?;
        if sp.grouping != Grouping::None {
            // Grouping a zero-padded field walks its digits a few times:
            // a few nanoseconds a character.
            meter.fuel(w as u64 / 2)?;
        }
    }
    match v {
        Value::Str(s) if sp.ty == 's' => format_str(s.as_str(), &sp),
        Value::Int(_) | Value::Bool(AlignedBool(_)) => {
            let i = as_int(v).unwrap_or(0);
            match sp.ty {
                'b' | 'c' | 'd' | 'o' | 'x' | 'X' | 'n' => format_int(i, &sp),
                'e' | 'E' | 'f' | 'F' | 'g' | 'G' | '%' => format_float(meter, i as f64, &sp),
                t => unknown_code(t, type_name),
            }
        }
        Value::Float(f) => match sp.ty {
            '\0' | 'e' | 'E' | 'f' | 'F' | 'g' | 'G' | 'n' | '%' => format_float(meter, *f, &sp),
            t => unknown_code(t, type_name),
        },
        _ => unknown_code(sp.ty, type_name),
    }
}
