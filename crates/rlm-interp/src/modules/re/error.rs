//! `re.error` as CPython raises it: the message the syntax check or the
//! template parser wrote (`nothing to repeat at position 0`), with the
//! attributes a program reads, `msg`, `pattern`, `pos`, `lineno` and `colno`,
//! and `(line L, column C)` added to the text of a pattern that spans lines.

use std::rc::Rc;

use crate::fault::Fault;
use crate::value::*;

/// The `re.error` for `message` about `pattern` (the pattern, or a
/// `sub` template): a message that ends in ` at position N` carries `N`
/// as its position, others none (`lineno`, `colno` and `pos` are `None`).
pub(super) fn re_error(pattern: &Value, message: &str) -> Fault {
    let at = message
        .rsplit_once(" at position ")
        .and_then(|(msg, p)| p.parse::<usize>().ok().map(|p| (msg, p)));
    let Some((msg, pos)) = at else {
        let e = Exception::new(ExcKind::ReError, message);
        e.attrs.borrow_mut().extend([
            ("msg", Value::str(message)),
            ("pattern", Value::None),
            ("pos", Value::None),
            ("lineno", Value::None),
            ("colno", Value::None),
        ]);
        return Fault::Exc(e);
    };
    let (lineno, colno, multiline) = match pattern {
        Value::Str(s) => line_and_column(s.as_str(), pos),
        _ => (1, pos + 1, false),
    };
    let text = if multiline {
        format!("{message} (line {lineno}, column {colno})")
    } else {
        message.to_string()
    };
    let e: Rc<Exception> = Exception::new(ExcKind::ReError, text);
    e.attrs.borrow_mut().extend([
        ("msg", Value::str(msg)),
        ("pattern", pattern.clone()),
        ("pos", Value::Int(pos as i64)),
        ("lineno", Value::Int(lineno as i64)),
        ("colno", Value::Int(colno as i64)),
    ]);
    Fault::Exc(e)
}

/// The line and column (from 1) of code point `pos` of `s`, and whether
/// `s` holds a newline at all (then the message names them).
fn line_and_column(s: &str, pos: usize) -> (usize, usize, bool) {
    let mut line = 1;
    let mut line_start = 0;
    for (i, c) in s.chars().take(pos).enumerate() {
        if c == '\n' {
            line += 1;
            line_start = i + 1;
        }
    }
    (line, pos - line_start + 1, s.contains('\n'))
}
