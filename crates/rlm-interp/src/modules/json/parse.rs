//! `json.loads`: a parser with CPython's error messages and positions,
//! charging memory per value and bounded by the nesting limit.

use crate::callbacks::Callbacks;
use crate::fault::{Fault, R, exc};
use crate::value::*;

pub(super) struct JsonParser<'a> {
    pub(super) s: &'a str,
    pub(super) i: usize,
    pub(super) depth: usize,
    pub(super) hooks: Hooks,
}

/// `loads`' `parse_int`, `parse_float` and `parse_constant`: each, when
/// given, is called with a number's (or `NaN`'s, `Infinity`'s) text and
/// its result stands for the value.
#[derive(Default)]
pub(super) struct Hooks {
    pub(super) parse_int: Option<Value>,
    pub(super) parse_float: Option<Value>,
    pub(super) parse_constant: Option<Value>,
}

impl JsonParser<'_> {
    /// A `JSONDecodeError` at the parser's place, with CPython's message and
    /// its `msg`, `pos`, `lineno` and `colno` (`loads` adds `doc`).
    pub(super) fn err<T>(&self, msg: &str) -> R<T> {
        let before = &self.s[..self.i.min(self.s.len())];
        let line = before.matches('\n').count() + 1;
        let charpos = before.chars().count();
        let col_chars = before[before.rfind('\n').map_or(0, |p| p + 1)..].chars().count() + 1;
        let e = Exception::new(
            ExcKind::JSONDecodeError,
            format!("{msg}: line {line} column {col_chars} (char {charpos})"),
        );
        e.attrs.borrow_mut().extend([
            ("msg", Value::str(msg)),
            ("pos", Value::Int(charpos as i64)),
            ("lineno", Value::Int(line as i64)),
            ("colno", Value::Int(col_chars as i64)),
        ]);
        Err(Fault::Exc(e))
    }

    pub(super) fn ws(&mut self) {
        let b = self.s.as_bytes();
        while self.i < b.len() && matches!(b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    pub(super) fn value<C: Callbacks + ?Sized>(&mut self, cx: &mut C) -> R<Value> {
        self.ws();
        self.depth += 1;
        if self.depth > cx.meter().limits.max_nesting {
            return Err(cx.meter().nesting_err());
        }
        crate::stack_guard::guard_stack(cx.meter())?;
        // Each value made (a dict, list, string or number, with its key if
        // any) costs twice what writing one costs (`FUEL_PER_VALUE_WRITTEN`):
        // a `json.loads(json.dumps(x))` loop ran its fuel in 3.2 s at none.
        cx.meter().fuel(2 * crate::cost::FUEL_PER_VALUE_WRITTEN)?;
        let b = self.s.as_bytes();
        let r = match b.get(self.i) {
            None => self.err("Expecting value"),
            Some(b'{') => {
                self.i += 1;
                let mut d = Dict::new();
                self.ws();
                if b.get(self.i) == Some(&b'}') {
                    self.i += 1;
                } else {
                    loop {
                        self.ws();
                        if b.get(self.i) != Some(&b'"') {
                            return self.err("Expecting property name enclosed in double quotes");
                        }
                        let k = self.string()?;
                        self.ws();
                        if b.get(self.i) != Some(&b':') {
                            return self.err("Expecting ':' delimiter");
                        }
                        self.i += 1;
                        let v = self.value(cx)?;
                        cx.meter().alloc(crate::types::dict::DICT_ENTRY_COST)?;
                        d.map.insert(Key(Value::Str(k)), v);
                        self.ws();
                        match b.get(self.i) {
                            Some(b',') => self.i += 1,
                            Some(b'}') => {
                                self.i += 1;
                                break;
                            }
                            _ => return self.err("Expecting ',' delimiter"),
                        }
                    }
                }
                Ok(Value::dict(d))
            }
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if b.get(self.i) == Some(&b']') {
                    self.i += 1;
                } else {
                    loop {
                        items.push(self.value(cx)?);
                        cx.meter().alloc(crate::meter::LIST_SLOT_COST)?;
                        self.ws();
                        match b.get(self.i) {
                            Some(b',') => self.i += 1,
                            Some(b']') => {
                                self.i += 1;
                                break;
                            }
                            _ => return self.err("Expecting ',' delimiter"),
                        }
                    }
                }
                Ok(Value::list(items))
            }
            Some(b'"') => Ok(Value::Str(self.string()?)),
            Some(b't') if self.s[self.i..].starts_with("true") => {
                self.i += 4;
                Ok(Value::Bool(AlignedBool(true)))
            }
            Some(b'f') if self.s[self.i..].starts_with("false") => {
                self.i += 5;
                Ok(Value::Bool(AlignedBool(false)))
            }
            Some(b'n') if self.s[self.i..].starts_with("null") => {
                self.i += 4;
                Ok(Value::None)
            }
            Some(b'N') if self.s[self.i..].starts_with("NaN") => {
                self.i += 3;
                self.constant(cx, "NaN", f64::NAN)
            }
            Some(b'I') if self.s[self.i..].starts_with("Infinity") => {
                self.i += 8;
                self.constant(cx, "Infinity", f64::INFINITY)
            }
            Some(b'-') if self.s[self.i..].starts_with("-Infinity") => {
                self.i += 9;
                self.constant(cx, "-Infinity", f64::NEG_INFINITY)
            }
            Some(c) if *c == b'-' || c.is_ascii_digit() => self.number(cx),
            Some(_) => self.err("Expecting value"),
        };
        self.depth -= 1;
        r
    }

    /// `NaN`, `Infinity` or `-Infinity`: `value`, or what `parse_constant`
    /// makes of its text.
    fn constant<C: Callbacks + ?Sized>(&mut self, cx: &mut C, text: &str, value: f64) -> R<Value> {
        match &self.hooks.parse_constant {
            Some(f) => cx.call_value(f, vec![Value::str(text)], Vec::new()),
            None => Ok(Value::Float(value)),
        }
    }

    /// A number (at its sign or first digit), as JSON's grammar reads it:
    /// an int or a float, or what `parse_int` or `parse_float` makes of its
    /// text.
    fn number<C: Callbacks + ?Sized>(&mut self, cx: &mut C) -> R<Value> {
        let b = self.s.as_bytes();
        let start = self.i;
        if b[self.i] == b'-' {
            self.i += 1;
        }
        if !b.get(self.i).is_some_and(|c| c.is_ascii_digit()) {
            self.i = start;
            return self.err("Expecting value");
        }
        // JSON's grammar: a leading 0 stands alone (`01` is a 0 followed
        // by extra data, as CPython reports it).
        if b[self.i] == b'0' {
            self.i += 1;
        } else {
            self.digits();
        }
        let mut is_float = false;
        if b.get(self.i) == Some(&b'.') && b.get(self.i + 1).is_some_and(|c| c.is_ascii_digit()) {
            is_float = true;
            self.i += 1;
            self.digits();
        }
        if matches!(b.get(self.i), Some(b'e' | b'E')) {
            let save = self.i;
            self.i += 1;
            if matches!(b.get(self.i), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if b.get(self.i).is_some_and(|c| c.is_ascii_digit()) {
                is_float = true;
                self.digits();
            } else {
                self.i = save;
            }
        }
        let t = &self.s[start..self.i];
        let hook = if is_float { &self.hooks.parse_float } else { &self.hooks.parse_int };
        if let Some(f) = hook {
            return cx.call_value(f, vec![Value::str(t)], Vec::new());
        }
        if is_float {
            return Ok(Value::Float(t.parse().unwrap_or(0.0)));
        }
        match t.parse::<i64>() {
            Ok(i) => Ok(Value::Int(i)),
            // CPython gives the exact int; a float would lose digits
            // silently, so the 64-bit bound is said.
            Err(_) => exc(
                ExcKind::OverflowError,
                format!(
                    "json.loads of a {}-digit integer: ints are 64-bit in this sandbox",
                    t.trim_start_matches('-').len()
                ),
            ),
        }
    }

    /// Past the ASCII digits at the parser's place.
    fn digits(&mut self) {
        let b = self.s.as_bytes();
        while b.get(self.i).is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
    }

    /// A string (at its opening quote). Its bytes up to the first quote,
    /// backslash or control character are one run: a string without escapes
    /// (nearly all of them) is made from it at once, in place when short,
    /// instead of through a `String` grown a character at a time (59 M of
    /// the `json_answers` bench's 349 M instructions, issue #59).
    fn string(&mut self) -> R<Str> {
        let start = self.i;
        let body = start + 1;
        let b = self.s.as_bytes();
        let run = b.get(body..).unwrap_or_default();
        let plain = run.iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20);
        // The run stops only at ASCII bytes, so at a character boundary.
        let end = body + plain.unwrap_or(run.len());
        if b.get(end) == Some(&b'"') {
            self.i = end + 1;
            return Ok(Str::new(&self.s[body..end]));
        }
        self.i = end;
        self.escaped_string(start, String::from(&self.s[body..end])).map(Str::new)
    }

    /// The rest of the string that started at `start`, after the run
    /// `out` already holds: escapes read a character at a time.
    fn escaped_string(&mut self, start: usize, mut out: String) -> R<String> {
        loop {
            let Some(c) = self.s[self.i..].chars().next() else {
                self.i = start;
                return self.err("Unterminated string starting at");
            };
            self.i += c.len_utf8();
            match c {
                '"' => return Ok(out),
                '\\' => {
                    let Some(e) = self.s[self.i..].chars().next() else {
                        self.i = start;
                        return self.err("Unterminated string starting at");
                    };
                    self.i += 1;
                    match e {
                        'n' => out.push('\n'),
                        't' => out.push('\t'),
                        'r' => out.push('\r'),
                        'b' => out.push('\x08'),
                        'f' => out.push('\x0c'),
                        '/' => out.push('/'),
                        '\\' => out.push('\\'),
                        '"' => out.push('"'),
                        'u' => {
                            let hex = self.s.get(self.i..self.i + 4).unwrap_or("");
                            let Ok(mut cp) = u32::from_str_radix(hex, 16) else {
                                // CPython points at the `u`.
                                self.i -= 1;
                                return self.err("Invalid \\uXXXX escape");
                            };
                            self.i += 4;
                            if (0xd800..0xdc00).contains(&cp) && self.s[self.i..].starts_with("\\u")
                            {
                                if let Ok(lo) = u32::from_str_radix(
                                    self.s.get(self.i + 2..self.i + 6).unwrap_or(""),
                                    16,
                                ) {
                                    if (0xdc00..0xe000).contains(&lo) {
                                        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                                        self.i += 6;
                                    }
                                }
                            }
                            out.push(char::from_u32(cp).unwrap_or('\u{fffd}'));
                        }
                        _ => {
                            self.i -= 2;
                            return self.err("Invalid \\escape");
                        }
                    }
                }
                c if (c as u32) < 0x20 => {
                    self.i -= 1;
                    return self.err("Invalid control character at");
                }
                c => out.push(c),
            }
        }
    }
}
