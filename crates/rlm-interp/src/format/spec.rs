//! The format-spec mini-language (`f"{x:>10.2f}"`, `format(x, spec)`):
//! fill, alignment, sign, `#`, zero padding, width, grouping, precision and
//! type, for str, int, bool, float and dates (`strftime`), with CPython's
//! errors for specs a type does not take.

use super::fixed::fixed;
use crate::args::as_int;
use crate::fault::{Fault, R, exc, type_err, value_err};
use crate::meter::Meter;
use crate::types::float::repr::float_repr;
use crate::value::*;

#[derive(Debug, Default)]
pub(crate) struct Spec {
    fill: Option<char>,
    align: Option<char>,
    sign: Option<char>,
    /// `z` (3.11): a negative zero after rounding prints without its sign.
    no_neg_zero: bool,
    alt: bool,
    zero: bool,
    width: Option<usize>,
    grouping: Option<char>,
    precision: Option<usize>,
    ty: Option<char>,
}

fn parse_spec(spec: &str) -> R<Spec> {
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
    let mut sp = Spec::default();
    let mut i = 0;
    // `matches!` rather than `"<>=^".contains(..)`: a spec is parsed on
    // every formatting, and a string search per test is most of its cost.
    let is_align = |ch: char| matches!(ch, '<' | '>' | '=' | '^');
    if c.len() >= 2 && is_align(c[1]) {
        sp.fill = Some(c[0]);
        sp.align = Some(c[1]);
        i = 2;
    } else if !c.is_empty() && is_align(c[0]) {
        sp.align = Some(c[0]);
        i = 1;
    }
    if i < c.len() && matches!(c[i], '+' | '-' | ' ') {
        sp.sign = Some(c[i]);
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
    if i < c.len() && c[i] == '0' {
        sp.zero = true;
        i += 1;
    }
    let (width, next) = spec_number(c, i)?;
    sp.width = width;
    i = next;
    if i < c.len() && (c[i] == ',' || c[i] == '_') {
        sp.grouping = Some(c[i]);
        i += 1;
    }
    if i < c.len() && c[i] == '.' {
        let (precision, next) = spec_number(c, i + 1)?;
        if precision.is_none() {
            return value_err("Format specifier missing precision");
        }
        sp.precision = precision;
        i = next;
    }
    if i < c.len() {
        sp.ty = Some(c[i]);
        i += 1;
    }
    if i < c.len() {
        return value_err("Invalid format specifier");
    }
    Ok(sp)
}

/// The decimal number starting at `c[i]`, if any, and the index after it.
fn spec_number(c: &[char], mut i: usize) -> R<(Option<usize>, usize)> {
    let mut n: Option<usize> = None;
    while let Some(d) = c.get(i).and_then(|ch| ch.to_digit(10).filter(|_| ch.is_ascii_digit())) {
        n = n.unwrap_or(0).checked_mul(10).and_then(|n| n.checked_add(d as usize));
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

fn group_digits(digits: &str, sep: char, every: usize) -> String {
    let n = digits.len();
    let mut out = String::with_capacity(n + n / every);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (n - i) % every == 0 {
            out.push(sep);
        }
        out.push(ch);
    }
    out
}

fn sign_str(neg: bool, sp: &Spec) -> &'static str {
    if neg {
        "-"
    } else {
        match sp.sign {
            Some('+') => "+",
            Some(' ') => " ",
            _ => "",
        }
    }
}

/// A formatted number in its three parts, which padding treats apart
/// (`=` alignment and zero padding go between the sign/prefix and digits).
struct Number {
    sign: &'static str,
    prefix: &'static str,
    digits: String,
}

fn fmt_int(i: i64, base: u32, upper: bool, sp: &Spec) -> Number {
    let neg = i < 0;
    let mag = i.unsigned_abs();
    let mut digits = match base {
        2 => format!("{mag:b}"),
        8 => format!("{mag:o}"),
        16 => {
            if upper {
                format!("{mag:X}")
            } else {
                format!("{mag:x}")
            }
        }
        _ => mag.to_string(),
    };
    if let Some(g) = sp.grouping {
        digits = group_digits(&digits, g, if base == 10 { 3 } else { 4 });
    }
    let prefix = if sp.alt {
        match (base, upper) {
            (2, _) => "0b",
            (8, _) => "0o",
            (16, false) => "0x",
            (16, true) => "0X",
            _ => "",
        }
    } else {
        ""
    };
    Number { sign: sign_str(neg, sp), prefix, digits }
}

fn fmt_float(f: f64, sp: &Spec) -> Number {
    let mut neg = f.is_sign_negative() && !f.is_nan();
    let a = f.abs();
    let upper = matches!(sp.ty, Some('E' | 'F' | 'G'));
    let mut body = if !a.is_finite() {
        let word = if a.is_nan() { "nan" } else { "inf" };
        // `format(nan, '%')` keeps its percent sign, as in CPython.
        if sp.ty == Some('%') { format!("{word}%") } else { word.to_string() }
    } else {
        match sp.ty {
            Some('f' | 'F') => alt_point(fixed(a, sp.precision.unwrap_or(6)), sp.alt),
            Some('%') => alt_point(fixed(a * 100.0, sp.precision.unwrap_or(6)), sp.alt) + "%",
            Some('e' | 'E') => fmt_exp(a, sp.precision.unwrap_or(6), sp.alt),
            Some('g' | 'G') => fmt_general(a, sp.precision.unwrap_or(6), sp.alt),
            Some('n') => fmt_general(a, sp.precision.unwrap_or(6), sp.alt),
            _ => match sp.precision {
                Some(p) => fmt_no_type(a, p.max(1), sp.alt),
                None => float_repr(a),
            },
        }
    };
    if neg && sp.no_neg_zero && !body.bytes().any(|b| matches!(b, b'1'..=b'9' | b'n' | b'i')) {
        neg = false;
    }
    if upper {
        body = body.to_uppercase();
    }
    if let Some(g) = sp.grouping {
        let (int_part, rest) = match body.find(['.', 'e', 'E', '%']) {
            Some(p) => (body[..p].to_string(), body[p..].to_string()),
            None => (body.clone(), String::new()),
        };
        if int_part.chars().all(|c| c.is_ascii_digit()) {
            body = format!("{}{}", group_digits(&int_part, g, 3), rest);
        }
    }
    Number { sign: sign_str(neg, sp), prefix: "", digits: body }
}

/// `#` keeps the decimal point of a fixed-point number without decimals.
fn alt_point(t: String, alt: bool) -> String {
    if alt && !t.contains('.') { t + "." } else { t }
}

/// A precision and no type: like 'g', but fixed-point only while the
/// exponent is below precision - 1, and then with at least one decimal.
fn fmt_no_type(a: f64, p: usize, alt: bool) -> String {
    let s = format!("{:.*e}", p - 1, a);
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if exp >= -4 && exp < p as i32 - 1 {
        let t = fixed(a, (p as i32 - 1 - exp).max(0) as usize);
        let t = if alt { t } else { t.trim_end_matches('0').to_string() };
        return if t.ends_with('.') { t + "0" } else { t };
    }
    let m = if alt || !mant.contains('.') {
        mant.to_string()
    } else {
        mant.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    format!("{m}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs())
}

fn fmt_exp(a: f64, prec: usize, alt: bool) -> String {
    let s = format!("{:.*e}", prec, a);
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let mant = if alt && prec == 0 { format!("{mant}.") } else { mant.to_string() };
    format!("{mant}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs())
}

fn fmt_general(a: f64, prec: usize, alt: bool) -> String {
    let p = if prec == 0 { 1 } else { prec };
    if a == 0.0 {
        return if alt { format!("0.{}", "0".repeat(p - 1)) } else { "0".into() };
    }
    let s = format!("{:.*e}", p - 1, a);
    let exp: i32 = s.split_once('e').map(|(_, e)| e.parse().unwrap_or(0)).unwrap_or(0);
    if exp >= -4 && exp < p as i32 {
        let decimals = (p as i32 - 1 - exp).max(0) as usize;
        let mut t = fixed(a, decimals);
        if !alt && t.contains('.') {
            t = t.trim_end_matches('0').trim_end_matches('.').to_string();
        }
        if alt && !t.contains('.') {
            t.push('.');
        }
        t
    } else {
        let (mant, _) = s.split_once('e').unwrap_or((&s, ""));
        let mut m = mant.to_string();
        if !alt && m.contains('.') {
            m = m.trim_end_matches('0').trim_end_matches('.').to_string();
        }
        format!("{m}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs())
    }
}

/// Pad a formatted number per the spec.
fn pad_number(n: Number, sp: &Spec) -> String {
    let Number { sign, prefix, digits } = n;
    let width = sp.width.unwrap_or(0);
    let len = sign.len() + prefix.len() + digits.chars().count();
    let fill = sp.fill.unwrap_or(if sp.zero { '0' } else { ' ' });
    let align = sp.align.unwrap_or(if sp.zero { '=' } else { '>' });
    if len >= width {
        if sign.is_empty() && prefix.is_empty() {
            return digits;
        }
        return [sign, prefix, &digits].concat();
    }
    let padn = width - len;
    if align == '=' && fill == '0' && sp.grouping.is_some() && sp.zero {
        // Zero padding with grouping inserts separators into the padding.
        let g = sp.grouping.unwrap_or(',');
        let raw: String = digits.chars().filter(|c| *c != g).collect();
        let (int_part, rest) = match raw.find(['.', 'e', 'E', '%']) {
            Some(p) => (raw[..p].to_string(), raw[p..].to_string()),
            None => (raw.clone(), String::new()),
        };
        // The fewest digits `d` (zeros in front) whose grouping fills the
        // width: grouped, `d` digits take `d + (d - 1) / 3` characters, a
        // monotone count, so `d` is found from an estimate in a few steps
        // (adding one zero at a time and regrouping was quadratic in the width).
        let need = width.saturating_sub(sign.len() + prefix.len() + rest.len());
        let grouped_len = |d: usize| d + d.saturating_sub(1) / 3;
        let have = int_part.chars().count();
        let mut d = have.max((need.saturating_mul(3) / 4).saturating_sub(2));
        while grouped_len(d) < need {
            d += 1;
        }
        let mut int_digits = String::with_capacity(d.max(have));
        push_fill(&mut int_digits, '0', d.saturating_sub(have));
        int_digits.push_str(&int_part);
        let grouped = group_digits(&int_digits, g, 3);
        return format!("{sign}{prefix}{grouped}{rest}");
    }
    let (before, inside, after) = match align {
        '<' => (0, 0, padn),
        '^' => (padn / 2, 0, padn - padn / 2),
        '=' => (0, padn, 0),
        _ => (padn, 0, 0),
    };
    let mut out = String::with_capacity(width * fill.len_utf8() + digits.len());
    push_fill(&mut out, fill, before);
    out.push_str(sign);
    out.push_str(prefix);
    push_fill(&mut out, fill, inside);
    out.push_str(&digits);
    push_fill(&mut out, fill, after);
    out
}

fn pad(s: &str, sp: &Spec, default_align: char) -> String {
    let width = sp.width.unwrap_or(0);
    let n = s.chars().count();
    if n >= width {
        return s.to_string();
    }
    let fill = sp.fill.unwrap_or(if sp.zero && sp.align.is_none() { '0' } else { ' ' });
    let padn = width - n;
    let (before, after) = match sp.align.unwrap_or(default_align) {
        '>' => (padn, 0),
        '^' => (padn / 2, padn - padn / 2),
        _ => (0, padn),
    };
    // One exact buffer (formatting the padding apart held it twice).
    let mut out = String::with_capacity(s.len() + padn * fill.len_utf8());
    push_fill(&mut out, fill, before);
    out.push_str(s);
    push_fill(&mut out, fill, after);
    out
}

/// Appends `fill` `n` times: an ASCII fill as one `memset`-like repeat, any
/// other a block of copies of its UTF-8 bytes pushed whole (a character at a
/// time took a nanosecond or more each: a 200 000-wide field, 0.2 ms).
pub(crate) fn push_fill(out: &mut String, fill: char, n: usize) {
    if n < 16 {
        out.extend(std::iter::repeat_n(fill, n));
        return;
    }
    let mut buf = [0u8; 4];
    let unit: &str = fill.encode_utf8(&mut buf);
    let block = unit.repeat(n.min(1024));
    let mut left = n;
    while left >= 1024 {
        out.push_str(&block);
        left -= 1024;
    }
    out.push_str(&block[..left * unit.len()]);
}

pub(crate) fn format_spec(meter: &mut Meter, v: &Value, spec: &str) -> R<String> {
    if let Value::Native(n) = v {
        if let Native::Module(m) = &**n {
            if let Some(text) = m.format_spec(spec) {
                return Ok(text);
            }
        }
    }
    // Other types take only the empty spec, refused before it is read.
    let formats_itself =
        matches!(v, Value::Str(_) | Value::Int(_) | Value::Bool(_) | Value::Float(_));
    if !formats_itself && !spec.is_empty() {
        return type_err(format!(
            "unsupported format string passed to {}.__format__",
            v.type_name()
        ));
    }
    let sp = parse_spec(spec)?;
    if let Some(w) = sp.width {
        // The padded field, and the f-string or `format` result that
        // copies it, are held at once.
        meter.check_str_copies(w, sp.fill.map_or(1, char::len_utf8), 2)?;
        if sp.grouping.is_some() {
            // Grouping a zero-padded field walks its digits a few times
            // (filtered, grouped, joined): a few nanoseconds a character.
            meter.fuel(w as u64 / 2)?;
        }
    }
    if let Some(p) = sp.precision {
        // Past the string cap it is the cap's error (a limit), as for width.
        if p > meter.limits.max_str_len {
            meter.check_str_len(p)?;
        }
        if p > 10_000 {
            return value_err("precision too big");
        }
    }
    let body = match v {
        Value::Str(s) => {
            if let Some(t) = sp.ty {
                if t != 's' {
                    return value_err(format!(
                        "Unknown format code '{t}' for object of type 'str'"
                    ));
                }
            }
            match sp.sign {
                Some(' ') => return value_err("Space not allowed in string format specifier"),
                Some(_) => return value_err("Sign not allowed in string format specifier"),
                None => {}
            }
            if sp.align == Some('=') {
                return value_err("'=' alignment not allowed in string format specifier");
            }
            if sp.alt {
                return value_err("Alternate form (#) not allowed in string format specifier");
            }
            if sp.no_neg_zero {
                return value_err(
                    "Negative zero coercion (z) not allowed in string format specifier",
                );
            }
            if let Some(g) = sp.grouping {
                return value_err(format!("Cannot specify '{g}' with 's'."));
            }
            let mut t = s.as_str().to_string();
            if let Some(p) = sp.precision {
                t = t.chars().take(p).collect();
            }
            return Ok(pad(&t, &sp, '<'));
        }
        Value::Int(_) | Value::Bool(_) => {
            if sp.no_neg_zero {
                return value_err(
                    "Negative zero coercion (z) not allowed in integer format specifier",
                );
            }
            let i = as_int(v).unwrap_or(0);
            if matches!(v, Value::Bool(_)) && sp.ty.is_none() && spec.is_empty() {
                return Ok(if i != 0 { "True".into() } else { "False".into() });
            }
            if let (Some('s'), Some(g)) = (sp.ty, sp.grouping) {
                return value_err(format!("Cannot specify '{g}' with 's'."));
            }
            match sp.ty {
                None | Some('d') | Some('n') => {
                    if sp.precision.is_some() {
                        return value_err("Precision not allowed in integer format specifier");
                    }
                    fmt_int(i, 10, false, &sp)
                }
                Some('b') => fmt_int(i, 2, false, &sp),
                Some('o') => fmt_int(i, 8, false, &sp),
                Some('x') => fmt_int(i, 16, false, &sp),
                Some('X') => fmt_int(i, 16, true, &sp),
                Some('c') => match u32::try_from(i).ok().and_then(char::from_u32) {
                    Some(c) => return Ok(pad(&c.to_string(), &sp, '<')),
                    None => {
                        return exc(ExcKind::OverflowError, "%c arg not in range(0x110000)");
                    }
                },
                Some('e' | 'E' | 'f' | 'F' | 'g' | 'G' | '%') => fmt_float(i as f64, &sp),
                Some(t) => {
                    return value_err(format!(
                        "Unknown format code '{t}' for object of type 'int'"
                    ));
                }
            }
        }
        Value::Float(f) => match sp.ty {
            None | Some('e' | 'E' | 'f' | 'F' | 'g' | 'G' | 'n' | '%') => fmt_float(*f, &sp),
            Some(t) => {
                return value_err(format!("Unknown format code '{t}' for object of type 'float'"));
            }
        },
        other => {
            if spec.is_empty() {
                return crate::format::repr::py_str(meter, other);
            }
            return type_err(format!(
                "unsupported format string passed to {}.__format__",
                other.type_name()
            ));
        }
    };
    Ok(pad_number(body, &sp))
}
