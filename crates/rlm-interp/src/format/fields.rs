//! `str.format` and `str.format_map` as CPython's
//! `Objects/stringlib/unicode_format.h` does them: the markup iterator
//! (literal text, `{{`, `}}`, fields), a field's name, conversion and spec
//! (`parse_field`), the name's first part as an index or a key and its
//! `.attr` and `[key]` parts (`field_name_split`, `FieldNameIterator`: a
//! part is an index only when all of it is decimal digits, so `[-1]` is the
//! key `'-1'`), the automatic numbering, nested fields in specs two levels
//! deep, and its errors in its order. `format_map` looks names up in its
//! mapping as `m[name]` does (a `defaultdict`'s or `Counter`'s missing key
//! included).

use crate::callbacks::{Callbacks, FormatSource};
use crate::fault::{Fault, R, exc, value_err};
use crate::types::str::repr::ascii_escape;
use crate::value::*;

/// The automatic field numbering's state (`AutoNumber`).
#[derive(Default)]
struct AutoNumber {
    /// `None` until a field is numbered, then whether automatically.
    automatic: Option<bool>,
    next: usize,
}

pub(crate) fn str_format<C: Callbacks + ?Sized>(
    cx: &mut C,
    fmt: &str,
    src: &FormatSource<'_>,
) -> R<String> {
    let chars: Vec<char> = fmt.chars().collect();
    let out = build_string(cx, &chars, src, 2, &mut AutoNumber::default())?;
    cx.meter().check_str_len(out.len())?;
    Ok(out)
}

/// `build_string`: `input`'s markup rendered, at most `depth` levels of
/// nested fields deep (two from the top: `{0:{1}}`, not `{0:{1:{2}}}`).
fn build_string<C: Callbacks + ?Sized>(
    cx: &mut C,
    input: &[char],
    src: &FormatSource<'_>,
    depth: u8,
    auto: &mut AutoNumber,
) -> R<String> {
    if depth == 0 {
        return value_err("Max string recursion exceeded");
    }
    let mut out = String::with_capacity(input.len());
    let mut pos = 0;
    while pos < input.len() {
        let start = pos;
        let mut c = '\0';
        while pos < input.len() {
            c = input[pos];
            pos += 1;
            if c == '{' || c == '}' {
                break;
            }
        }
        let markup = c == '{' || c == '}';
        let at_end = pos >= input.len();
        if c == '}' && (at_end || input[pos] != '}') {
            return value_err("Single '}' encountered in format string");
        }
        if at_end && c == '{' {
            return value_err("Single '{' encountered in format string");
        }
        let mut literal_end = pos;
        let mut field = markup;
        if markup {
            if input[pos] == c {
                // `{{` or `}}`: the one brace, no field.
                pos += 1;
                field = false;
            } else {
                literal_end -= 1;
            }
        }
        out.extend(&input[start..literal_end]);
        if field {
            let f = parse_field(input, &mut pos)?;
            let text = render(cx, input, &f, src, depth, auto)?;
            cx.meter().check_text_growth(out.len().saturating_add(text.len()))?;
            out.push_str(&text);
        }
    }
    Ok(out)
}

/// A field's parts, as ranges of the input.
struct Field {
    name: (usize, usize),
    conversion: Option<char>,
    spec: (usize, usize),
    spec_has_fields: bool,
}

/// `parse_field`: the field from `*pos` (just past its `{`) to its `}`.
fn parse_field(input: &[char], pos: &mut usize) -> R<Field> {
    let name_start = *pos;
    let mut c = '\0';
    while *pos < input.len() {
        c = input[*pos];
        *pos += 1;
        match c {
            '{' => return value_err("unexpected '{' in field name"),
            '[' => {
                while *pos < input.len() && input[*pos] != ']' {
                    *pos += 1;
                }
                continue;
            }
            '}' | ':' | '!' => break,
            _ => continue,
        }
    }
    let mut f = Field {
        name: (name_start, *pos - 1),
        conversion: None,
        spec: (0, 0),
        spec_has_fields: false,
    };
    if c != '!' && c != ':' {
        if c != '}' {
            return value_err("expected '}' before end of string");
        }
        return Ok(f);
    }
    if c == '!' {
        let Some(&conv) = input.get(*pos) else {
            return value_err("end of string while looking for conversion specifier");
        };
        f.conversion = Some(conv);
        *pos += 1;
        if *pos < input.len() {
            let next = input[*pos];
            *pos += 1;
            if next == '}' {
                return Ok(f);
            }
            if next != ':' {
                return value_err("expected ':' after conversion specifier");
            }
        }
    }
    let spec_start = *pos;
    let mut depth = 1;
    while *pos < input.len() {
        let c = input[*pos];
        *pos += 1;
        match c {
            '{' => {
                f.spec_has_fields = true;
                depth += 1;
            }
            '}' => {
                depth -= 1;
                if depth == 0 {
                    f.spec = (spec_start, *pos - 1);
                    return Ok(f);
                }
            }
            _ => {}
        }
    }
    value_err("unmatched '{' in format spec")
}

/// `output_markup`: the field's value, converted, formatted by its spec
/// (itself rendered first when it holds fields).
fn render<C: Callbacks + ?Sized>(
    cx: &mut C,
    input: &[char],
    f: &Field,
    src: &FormatSource<'_>,
    depth: u8,
    auto: &mut AutoNumber,
) -> R<String> {
    let v = field_value(cx, &input[f.name.0..f.name.1], src, auto)?;
    let v = match f.conversion {
        None => v,
        Some('r') => Value::str(crate::format::repr::repr(cx.meter(), &v)?),
        Some('s') => crate::format::repr::str_value(cx.meter(), v)?,
        Some('a') => {
            let text = crate::format::repr::repr(cx.meter(), &v)?;
            Value::str(ascii_escape(cx.meter(), text)?)
        }
        Some(c) if (c as u32) > 32 && (c as u32) < 127 => {
            return value_err(format!("Unknown conversion specifier {c}"));
        }
        Some(c) => return value_err(format!("Unknown conversion specifier \\x{:x}", c as u32)),
    };
    let spec_chars = &input[f.spec.0..f.spec.1];
    let spec: String = if f.spec_has_fields {
        build_string(cx, spec_chars, src, depth - 1, auto)?
    } else {
        spec_chars.iter().collect()
    };
    crate::format::spec::format_spec(cx.meter(), &v, &spec)
}

/// `get_integer`: all of `part` as a decimal number (any Unicode decimal
/// digits), `None` when it is empty or holds anything else.
fn index_of(part: &[char]) -> R<Option<usize>> {
    if part.is_empty() {
        return Ok(None);
    }
    let mut n: usize = 0;
    for c in part {
        let Some(d) = crate::unicode::decimal_value(*c) else { return Ok(None) };
        n = match n.checked_mul(10).and_then(|n| n.checked_add(d as usize)) {
            Some(n) if n <= isize::MAX as usize => n,
            _ => return value_err("Too many decimal digits in format string"),
        };
    }
    Ok(Some(n))
}

/// `get_field_object`: the value a field's name names.
fn field_value<C: Callbacks + ?Sized>(
    cx: &mut C,
    name: &[char],
    src: &FormatSource<'_>,
    auto: &mut AutoNumber,
) -> R<Value> {
    let first_end = name.iter().position(|c| *c == '[' || *c == '.').unwrap_or(name.len());
    let first = &name[..first_end];
    let mut index = index_of(first)?;
    if first.is_empty() || index.is_some() {
        let automatic = first.is_empty();
        let state = *auto.automatic.get_or_insert(automatic);
        match (state, automatic) {
            (false, true) => {
                return value_err(
                    "cannot switch from manual field specification to automatic field numbering",
                );
            }
            (true, false) => {
                return value_err(
                    "cannot switch from automatic field numbering to manual field specification",
                );
            }
            _ => {}
        }
        if automatic {
            index = Some(auto.next);
            auto.next += 1;
        }
    }
    let mut v = match (index, src) {
        (None, FormatSource::Call { kwargs, .. }) => {
            let key: String = first.iter().collect();
            match kwargs.iter().find(|(k, _)| k.as_str() == key) {
                Some((_, v)) => v.clone(),
                None => {
                    return Err(Fault::Exc(Exception::with_args(
                        ExcKind::KeyError,
                        vec![Value::str(key)],
                    )));
                }
            }
        }
        (None, FormatSource::Map(m)) => {
            let key: String = first.iter().collect();
            cx.getitem(m, &Value::str(key))?
        }
        (Some(_), FormatSource::Map(_)) => {
            return value_err("Format string contains positional fields");
        }
        (Some(i), FormatSource::Call { args, .. }) => match args.get(i) {
            Some(v) => v.clone(),
            None => {
                return exc(
                    ExcKind::IndexError,
                    format!("Replacement index {i} out of range for positional args tuple"),
                );
            }
        },
    };
    let mut pos = first_end;
    while pos < name.len() {
        let attribute = name[pos] == '.';
        if !attribute && name[pos] != '[' {
            return value_err("Only '.' or '[' may follow ']' in format field specifier");
        }
        pos += 1;
        let start = pos;
        let part = if attribute {
            while pos < name.len() && name[pos] != '.' && name[pos] != '[' {
                pos += 1;
            }
            &name[start..pos]
        } else {
            while pos < name.len() && name[pos] != ']' {
                pos += 1;
            }
            if pos == name.len() {
                return value_err("Missing ']' in format string");
            }
            pos += 1;
            &name[start..pos - 1]
        };
        if part.is_empty() {
            return value_err("Empty attribute in format string");
        }
        let text: String = part.iter().collect();
        v = if attribute {
            cx.get_attr(&v, &text)?
        } else {
            match index_of(part)? {
                Some(i) => cx.getitem(&v, &Value::Int(i as i64))?,
                None => cx.getitem(&v, &Value::str(text))?,
            }
        };
    }
    Ok(v)
}
