//! The split family of `str` methods (`split`, `rsplit`, `splitlines`,
//! `partition`, `rpartition`) and the whitespace/line splitting other code
//! shares (`textwrap`, `string.capwords`). Parts of a shared buffer are views.

use crate::args::{Kwargs, as_int, get_str_kw};
use crate::fault::{R, type_err, value_err};
use crate::types::str::py_isspace;
use crate::value::*;
use crate::vm::Vm;

/// Python whitespace split.
pub fn split_whitespace(s: &str, maxsplit: i64) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = s.trim_start_matches(py_isspace);
    while !rest.is_empty() {
        if maxsplit >= 0 && out.len() as i64 == maxsplit {
            out.push(rest.to_string());
            return out;
        }
        match rest.find(py_isspace) {
            Some(p) => {
                out.push(rest[..p].to_string());
                rest = rest[p..].trim_start_matches(py_isspace);
            }
            None => {
                out.push(rest.to_string());
                break;
            }
        }
    }
    out
}

/// Byte ranges of Python's whitespace split.
pub fn split_whitespace_ranges(s: &str, maxsplit: i64) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let bytes = s.as_bytes();
    let mut i = 0;
    let n = s.len();
    let ascii = s.is_ascii();
    let is_ws_at = |i: usize| -> (bool, usize) {
        if ascii {
            let c = bytes[i];
            (matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c | 0x1c..=0x1f), 1)
        } else {
            let c = s[i..].chars().next().unwrap_or(' ');
            (py_isspace(c), c.len_utf8())
        }
    };
    loop {
        while i < n {
            let (ws, l) = is_ws_at(i);
            if !ws {
                break;
            }
            i += l;
        }
        if i >= n {
            break;
        }
        if maxsplit >= 0 && out.len() as i64 == maxsplit {
            out.push((i, n));
            break;
        }
        let start = i;
        while i < n {
            let (ws, l) = is_ws_at(i);
            if ws {
                break;
            }
            i += l;
        }
        out.push((start, i));
    }
    out
}

fn rsplit_whitespace(s: &str, maxsplit: i64) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = s.trim_end_matches(py_isspace);
    while !rest.is_empty() {
        if maxsplit >= 0 && out.len() as i64 == maxsplit {
            out.push(rest.to_string());
            break;
        }
        match rest.rfind(py_isspace) {
            Some(p) => {
                let c = rest[p..].chars().next().map_or(1, |c| c.len_utf8());
                out.push(rest[p + c..].to_string());
                rest = rest[..p].trim_end_matches(py_isspace);
            }
            None => {
                out.push(rest.to_string());
                break;
            }
        }
    }
    out.reverse();
    out
}

fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r'
            | '\x0b'
            | '\x0c'
            | '\x1c'
            | '\x1d'
            | '\x1e'
            | '\u{85}'
            | '\u{2028}'
            | '\u{2029}'
    )
}

pub fn splitlines(s: &str, keepends: bool) -> Vec<String> {
    splitlines_ranges(s, keepends).into_iter().map(|(a, b)| s[a..b].to_string()).collect()
}

/// Byte ranges of `s`'s lines (`str.splitlines`), in one pass.
fn splitlines_ranges(s: &str, keepends: bool) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = s.char_indices().peekable();
    while let Some((b, c)) = chars.next() {
        if is_line_break(c) {
            let mut end = b + c.len_utf8();
            if c == '\r' && chars.peek().is_some_and(|&(_, n)| n == '\n') {
                chars.next();
                end += 1;
            }
            out.push((start, if keepends { end } else { b }));
            start = end;
        }
    }
    if start < s.len() {
        out.push((start, s.len()));
    }
    out
}

impl Vm {
    pub(super) fn str_split_family(
        &mut self,
        s: &Str,
        name: &str,
        args: &[Value],
        kwargs: &Kwargs,
    ) -> R<Value> {
        let text = s.as_str();
        match name {
            "split" | "rsplit" => {
                let sep = get_str_kw(args, 0, kwargs, "sep").cloned();
                let maxsplit =
                    get_str_kw(args, 1, kwargs, "maxsplit").and_then(as_int).unwrap_or(-1);
                let parts: Vec<Value> = match sep {
                    None | Some(Value::None) if name == "split" => {
                        // Views into the receiver: no copy for shared context text.
                        s.byte_substrs(split_whitespace_ranges(text, maxsplit))
                    }
                    None | Some(Value::None) => {
                        let p = rsplit_whitespace(text, maxsplit);
                        p.into_iter().map(Value::str).collect()
                    }
                    Some(Value::Str(sep)) => {
                        let sep = sep.as_str();
                        if sep.is_empty() {
                            return value_err("empty separator");
                        }
                        let mut out: Vec<(usize, usize)> = Vec::new();
                        if name == "split" {
                            let mut start = 0;
                            let mut n = 0;
                            while maxsplit < 0 || n < maxsplit {
                                match text[start..].find(sep) {
                                    Some(p) => {
                                        out.push((start, start + p));
                                        start += p + sep.len();
                                        n += 1;
                                    }
                                    None => break,
                                }
                            }
                            out.push((start, text.len()));
                        } else {
                            let mut end = text.len();
                            let mut n = 0;
                            while maxsplit < 0 || n < maxsplit {
                                match text[..end].rfind(sep) {
                                    Some(p) => {
                                        out.push((p + sep.len(), end));
                                        end = p;
                                        n += 1;
                                    }
                                    None => break,
                                }
                            }
                            out.push((0, end));
                            out.reverse();
                        }
                        self.check_len(out.len())?;
                        s.byte_substrs(out)
                    }
                    Some(o) => {
                        return type_err(format!("must be str or None, not {}", o.type_name()));
                    }
                };
                self.check_len(parts.len())?;
                Ok(Value::list(parts))
            }
            "splitlines" => {
                let keep = get_str_kw(args, 0, kwargs, "keepends").is_some_and(|v| v.truthy());
                // Views into the receiver, as `split` gives.
                let lines = splitlines_ranges(text, keep);
                self.check_len(lines.len())?;
                Ok(Value::list(s.byte_substrs(lines)))
            }
            "partition" | "rpartition" => {
                let Some(Value::Str(sep)) = args.first() else { return type_err("must be str") };
                let sep = sep.as_str();
                if sep.is_empty() {
                    return value_err("empty separator");
                }
                let pos = if name == "partition" { text.find(sep) } else { text.rfind(sep) };
                Ok(Value::tuple(match pos {
                    Some(p) => vec![
                        Value::Str(s.byte_substr(0, p, None)),
                        Value::str(sep),
                        Value::Str(s.byte_substr(p + sep.len(), text.len(), None)),
                    ],
                    None if name == "partition" => {
                        vec![Value::Str(s.clone()), Value::str(""), Value::str("")]
                    }
                    None => vec![Value::str(""), Value::str(""), Value::Str(s.clone())],
                }))
            }
            _ => self.no_attr(&Value::Str(s.clone()), name),
        }
    }
}
