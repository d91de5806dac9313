//! `%`-formatting (`"%5.2f" % x`, `"%(name)s" % d`) as CPython's
//! `PyUnicode_Format` does it (`Objects/unicodeobject.c`): the arguments
//! (a tuple, one value, or a mapping: any object with `__getitem__` but a
//! tuple or a str), each directive parsed (`unicode_format_arg_parse`),
//! converted (`unicode_format_arg_format`: `mainformatlong`,
//! `_PyUnicode_FormatLong`, `formatfloat`, `formatchar`) and padded
//! (`unicode_format_arg_output`), with its errors in its order. Widths and
//! precisions are held to the string cap before padding allocates.

use super::dtoa::{Flags, double_to_string};
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

/// The arguments as the formatter walks them (`unicode_formatter_t`): a
/// tuple's items one at a time, or one value (`arglen` -1) taken once.
struct Args {
    args: Value,
    arglen: i64,
    argidx: i64,
    /// The mapping a `%(key)` looks the key up in.
    dict: Option<Value>,
}

impl Args {
    fn new(args: &Value) -> Self {
        let (arglen, argidx) = match args {
            Value::Tuple(t) => (t.len() as i64, 0),
            _ => (-1, -2),
        };
        let dict = is_mapping(args).then(|| args.clone());
        Args { args: args.clone(), arglen, argidx, dict }
    }

    /// `unicode_format_getnextarg`.
    fn next(&mut self) -> R<Value> {
        if self.argidx < self.arglen {
            self.argidx += 1;
            if self.arglen < 0 {
                return Ok(self.args.clone());
            }
            if let Value::Tuple(t) = &self.args {
                if let Some(v) = t.get((self.argidx - 1) as usize) {
                    return Ok(v.clone());
                }
            }
        }
        type_err("not enough arguments for format string")
    }
}

/// `PyMapping_Check(args) && !tuple && !str`: what `%(key)` may look into
/// (a dict of any flavour, a list, a range, a match), and what makes
/// surplus arguments no error.
fn is_mapping(v: &Value) -> bool {
    match v {
        Value::Dict(_) | Value::List(_) | Value::Range(_) => true,
        Value::Native(_) => v.type_name() == "re.Match",
        _ => false,
    }
}

/// A directive's flags, width, precision and conversion
/// (`unicode_format_arg_t`).
#[derive(Default)]
struct Directive {
    ch: char,
    ljust: bool,
    sign_flag: bool,
    blank: bool,
    alt: bool,
    zero: bool,
    /// -1 when not given.
    width: i64,
    /// -1 when not given.
    prec: i64,
    /// Whether the converted text may carry a sign to lay out.
    sign: bool,
}

/// The format string from a position on, read a character at a time as
/// the C loop reads it: once past the end, `exhausted` stays set and the
/// last character read stays current.
struct Cursor<'a> {
    fmt: &'a str,
    pos: usize,
    exhausted: bool,
}

impl Cursor<'_> {
    fn next(&mut self, d: &mut Directive) -> bool {
        match self.fmt[self.pos..].chars().next() {
            Some(c) => {
                d.ch = c;
                self.pos += c.len_utf8();
                true
            }
            None => {
                self.exhausted = true;
                false
            }
        }
    }
}

pub(crate) fn percent_format<C: Callbacks + ?Sized>(
    cx: &mut C,
    fmt: &str,
    args: &Value,
) -> R<String> {
    let mut a = Args::new(args);
    // The literal runs between directives are copied whole (found by
    // `memchr`); only a directive is read a character at a time.
    let b = fmt.as_bytes();
    let mut out = String::with_capacity(fmt.len());
    let mut i = 0;
    while i < b.len() {
        let next = memchr::memchr(b'%', &b[i..]).map_or(b.len(), |p| i + p);
        out.push_str(&fmt[i..next]);
        if next == b.len() {
            break;
        }
        i = next + 1;
        if b.get(i) == Some(&b'%') {
            out.push('%');
            i += 1;
            continue;
        }
        let mut cur = Cursor { fmt, pos: i, exhausted: false };
        let mut d = Directive { width: -1, prec: -1, ..Directive::default() };
        parse(cx, &mut cur, &mut d, &mut a)?;
        i = cur.pos;
        directive(cx, fmt, i, &mut d, &mut a, &mut out)?;
        if a.dict.is_some() && a.argidx < a.arglen {
            return type_err("not all arguments converted during string formatting");
        }
    }
    if a.argidx < a.arglen && a.dict.is_none() {
        return type_err("not all arguments converted during string formatting");
    }
    Ok(out)
}

/// `unicode_format_arg_parse`: the key, flags, width, precision and length
/// modifier of the directive at the cursor (just past its `%`).
fn parse<C: Callbacks + ?Sized>(
    cx: &mut C,
    cur: &mut Cursor<'_>,
    d: &mut Directive,
    a: &mut Args,
) -> R<()> {
    if cur.fmt[cur.pos..].starts_with('(') {
        mapping_key(cx, cur, d, a)?;
    }
    while cur.next(d) {
        match d.ch {
            '-' => d.ljust = true,
            '+' => d.sign_flag = true,
            ' ' => d.blank = true,
            '#' => d.alt = true,
            '0' => d.zero = true,
            _ => break,
        }
    }
    if d.ch == '*' {
        d.width = star(a)?;
        if d.width < 0 {
            d.ljust = true;
            d.width = d.width.saturating_neg();
        }
        cur.next(d);
    } else if d.ch.is_ascii_digit() {
        d.width = number(cur, d, isize::MAX as i64, "width too big")?;
    }
    if d.ch == '.' {
        d.prec = 0;
        cur.next(d);
        if d.ch == '*' {
            let p = star(a)?;
            if p > i64::from(i32::MAX) || p < i64::from(i32::MIN) {
                return exc(ExcKind::OverflowError, "Python int too large to convert to C int");
            }
            d.prec = p.max(0);
            cur.next(d);
        } else if d.ch.is_ascii_digit() {
            d.prec = number(cur, d, i64::from(i32::MAX), "precision too big")?;
        }
    }
    if !cur.exhausted && matches!(d.ch, 'h' | 'l' | 'L') {
        cur.next(d);
    }
    if cur.exhausted {
        return value_err("incomplete format");
    }
    Ok(())
}

/// `%(key)`: the key up to its balanced `)`, looked up in the mapping,
/// whose value becomes the one argument left.
fn mapping_key<C: Callbacks + ?Sized>(
    cx: &mut C,
    cur: &mut Cursor<'_>,
    d: &mut Directive,
    a: &mut Args,
) -> R<()> {
    let Some(dict) = a.dict.clone() else {
        return type_err("format requires a mapping");
    };
    cur.pos += 1;
    let start = cur.pos;
    let mut depth = 1;
    while depth > 0 && cur.next(d) {
        match d.ch {
            ')' => depth -= 1,
            '(' => depth += 1,
            _ => {}
        }
    }
    if cur.exhausted || depth > 0 {
        return value_err("incomplete format key");
    }
    let key = Value::str(&cur.fmt[start..cur.pos - 1]);
    a.args = cx.getitem(&dict, &key)?;
    (a.arglen, a.argidx) = (-1, -2);
    Ok(())
}

/// A `*` width or precision: the next argument, an int.
fn star(a: &mut Args) -> R<i64> {
    match a.next()? {
        Value::Int(n) => Ok(n),
        Value::Bool(AlignedBool(b)) => Ok(i64::from(b)),
        _ => type_err("* wants int"),
    }
}

/// The digits from the current one on, at most `max`.
fn number(cur: &mut Cursor<'_>, d: &mut Directive, max: i64, too_big: &str) -> R<i64> {
    let mut n = i64::from(d.ch as u8 - b'0');
    while cur.next(d) {
        let Some(digit) = d.ch.to_digit(10).filter(|_| d.ch.is_ascii_digit()) else { break };
        if n > (max - i64::from(digit)) / 10 {
            return value_err(too_big.to_string());
        }
        n = n * 10 + i64::from(digit);
    }
    Ok(n)
}

/// `unicode_format_arg_format` then `unicode_format_arg_output`: the
/// directive's argument converted and laid out into `out`. `end` is the
/// byte just past the conversion character.
fn directive<C: Callbacks + ?Sized>(
    cx: &mut C,
    fmt: &str,
    end: usize,
    d: &mut Directive,
    a: &mut Args,
    out: &mut String,
) -> R<()> {
    let v = a.next()?;
    // The padding, the padded field and the result that copies it are
    // held at once: charged for all three before any is made.
    if d.width > 0 {
        cx.meter().check_str_copies(d.width as usize, 1, 3)?;
    }
    let text = match d.ch {
        's' | 'r' | 'a' => {
            if let Value::Str(s) = &v {
                // A string is copied into `out`: it must fit first
                // (`'%s%s' % (s, s)` doubled a 51 MB string past the
                // budget before the result was charged).
                let total = out.len().saturating_add(s.byte_len());
                if total > cx.meter().limits.max_str_len {
                    cx.meter().check_str_len(total)?;
                }
                cx.meter().check_text_growth(total)?;
                if d.ch == 's' && d.width < 0 && d.prec < 0 && !d.sign_flag && !d.blank {
                    // No piece copied first (a third copy of a 100 MB
                    // argument at the peak of `'%s%s' % (s, s)`).
                    out.push_str(s.as_str());
                    return Ok(());
                }
                cx.meter().check_str_copies(s.byte_len(), 1, 2)?;
            }
            match d.ch {
                's' => crate::format::repr::py_str(cx.meter(), &v)?,
                'r' => crate::format::repr::repr(cx.meter(), &v)?,
                _ => {
                    let text = crate::format::repr::repr(cx.meter(), &v)?;
                    ascii_escape(cx.meter(), text)?
                }
            }
        }
        'i' | 'd' | 'u' | 'o' | 'x' | 'X' => {
            d.sign = true;
            format_long(cx.meter(), &v, d)?
        }
        'e' | 'E' | 'f' | 'F' | 'g' | 'G' => {
            d.sign = true;
            format_float(cx.meter(), &v, d)?
        }
        'c' => format_char(&v)?.to_string(),
        c => {
            // CPython counts the index in characters, and shows only a
            // printable ASCII character.
            let shown = if (31..=126).contains(&(c as u32)) { c } else { '?' };
            let at = fmt[..end - c.len_utf8()].chars().count();
            return value_err(format!(
                "unsupported format character '{shown}' (0x{:x}) at index {at}",
                c as u32
            ));
        }
    };
    cx.meter().check_text_growth(out.len().saturating_add(text.len() + d.width.max(0) as usize))?;
    output(d, &text, out);
    Ok(())
}

/// `mainformatlong` and `_PyUnicode_FormatLong`: an integer's text in base
/// 10, 8 or 16, its `0o`/`0x` kept under `#`, zeros up to the precision.
fn format_long(meter: &mut Meter, v: &Value, d: &Directive) -> R<String> {
    let (negative, digits) = match v {
        Value::Int(n) => {
            let mag = n.unsigned_abs();
            let digits = match d.ch {
                'o' => format!("{mag:o}"),
                'x' => format!("{mag:x}"),
                'X' => format!("{mag:X}"),
                _ => mag.to_string(),
            };
            (*n < 0, digits)
        }
        Value::Bool(AlignedBool(b)) => (false, u8::from(*b).to_string()),
        Value::Float(f) if matches!(d.ch, 'd' | 'i' | 'u') => float_digits(*f)?,
        // An int-like module object (`re.IGNORECASE`): its int.
        Value::Native(n) if n.as_int().is_some() => {
            return format_long(meter, &Value::Int(n.as_int().unwrap_or(0)), d);
        }
        other => {
            let what = if matches!(d.ch, 'o' | 'x' | 'X') { "an integer" } else { "a real number" };
            return type_err(format!(
                "%{} format: {what} is required, not {}",
                d.ch,
                other.type_name()
            ));
        }
    };
    if d.prec >= 4096 {
        meter.check_str_len(d.prec as usize)?;
    }
    let prefix = match d.ch {
        'o' if d.alt => "0o",
        'x' if d.alt => "0x",
        'X' if d.alt => "0X",
        _ => "",
    };
    let mut s = String::with_capacity(digits.len().max(d.prec.max(0) as usize) + 3);
    if negative {
        s.push('-');
    }
    s.push_str(prefix);
    super::fill::push_fill(&mut s, '0', (d.prec.max(0) as usize).saturating_sub(digits.len()));
    s.push_str(&digits);
    Ok(s)
}

/// `%d` of a float: its integer part's decimal digits, exact at any
/// magnitude (the float is an integer there: no 64-bit int is needed).
fn float_digits(f: f64) -> R<(bool, String)> {
    if f.is_nan() {
        return value_err("cannot convert float NaN to integer");
    }
    if f.is_infinite() {
        return exc(ExcKind::OverflowError, "cannot convert float infinity to integer");
    }
    let t = f.trunc();
    Ok((t < 0.0, format!("{:.0}", t.abs())))
}

/// `formatfloat`: `PyOS_double_to_string` with the precision (6 when not
/// given) and `#`.
fn format_float(meter: &mut Meter, v: &Value, d: &Directive) -> R<String> {
    let f = match v {
        Value::Float(f) => *f,
        Value::Int(n) => *n as f64,
        Value::Bool(AlignedBool(b)) => f64::from(u8::from(*b)),
        Value::Native(n) if n.as_int().is_some() => n.as_int().unwrap_or(0) as f64,
        other => return type_err(format!("must be real number, not {}", other.type_name())),
    };
    let prec = if d.prec < 0 { 6 } else { d.prec as usize };
    if prec >= 4096 {
        meter.check_str_len(prec)?;
    }
    let flags = Flags { alt: d.alt, ..Flags::default() };
    Ok(double_to_string(f, d.ch, prec, flags))
}

/// `formatchar`: a one-character str, or a code point.
fn format_char(v: &Value) -> R<char> {
    match v {
        Value::Str(s) if s.char_len() == 1 => Ok(s.as_str().chars().next().unwrap_or('\0')),
        Value::Int(_) | Value::Bool(AlignedBool(_)) => {
            let i = crate::args::as_int(v).unwrap_or(-1);
            match u32::try_from(i).ok().filter(|c| *c <= 0x10FFFF) {
                Some(c) => match char::from_u32(c) {
                    Some(c) => Ok(c),
                    // A lone surrogate, which a Rust string cannot hold (as chr()).
                    None => value_err("chr() arg not in range(0x110000)"),
                },
                None => exc(ExcKind::OverflowError, "%c arg not in range(0x110000)"),
            }
        }
        _ => type_err("%c requires int or char"),
    }
}

/// `unicode_format_arg_output`: `text` truncated to the precision (`s`,
/// `r`, `a`), its sign and `0x` prefix put before zeros or after spaces,
/// padded to the width.
fn output(d: &mut Directive, text: &str, out: &mut String) {
    let fill = if d.sign && d.zero { '0' } else { ' ' };
    let mut len = text.chars().count() as i64;
    if (d.width == -1 || d.width <= len)
        && (d.prec == -1 || d.prec >= len)
        && !d.sign_flag
        && !d.blank
    {
        out.push_str(text);
        return;
    }
    if matches!(d.ch, 's' | 'r' | 'a') && d.prec >= 0 && len > d.prec {
        len = d.prec;
    }
    let mut chars = text.chars().peekable();
    let mut sign_char = None;
    if d.sign {
        match chars.peek() {
            Some(&c @ ('-' | '+')) => {
                sign_char = Some(c);
                len -= 1;
                chars.next();
            }
            _ if d.sign_flag => sign_char = Some('+'),
            _ if d.blank => sign_char = Some(' '),
            _ => d.sign = false,
        }
    }
    let mut width = d.width.max(len);
    let prefixed = d.alt && matches!(d.ch, 'x' | 'X' | 'o');
    if d.sign {
        if fill != ' ' {
            out.extend(sign_char);
        }
        if width > len {
            width -= 1;
        }
    }
    if prefixed {
        if fill != ' ' {
            out.extend(chars.by_ref().take(2));
        }
        width = (width - 2).max(0);
        len -= 2;
    }
    if width > len && !d.ljust {
        super::fill::push_fill(out, fill, (width - len) as usize);
        width = len;
    }
    if fill == ' ' {
        if d.sign {
            out.extend(sign_char);
        }
        if prefixed {
            out.extend(chars.by_ref().take(2));
        }
    }
    out.extend(chars.take(len.max(0) as usize));
    if width > len {
        super::fill::push_fill(out, ' ', (width - len) as usize);
    }
}
