//! The `string` module: the character-class constants and `capwords`.

use crate::args::{Kwargs, kw};
use crate::callbacks::Callbacks;
use crate::fault::{R, type_err, value_err};
use crate::modules::functions;

use crate::types::str::methods::ascii_capitalize;
use crate::types::str::split::split_whitespace;
use crate::value::*;

pub(crate) fn attrs() -> Vec<(&'static str, Value)> {
    let mut a: Vec<(&'static str, Value)> = vec![
        ("ascii_letters", Value::str("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")),
        ("ascii_lowercase", Value::str("abcdefghijklmnopqrstuvwxyz")),
        ("ascii_uppercase", Value::str("ABCDEFGHIJKLMNOPQRSTUVWXYZ")),
        ("digits", Value::str("0123456789")),
        ("hexdigits", Value::str("0123456789abcdefABCDEF")),
        ("octdigits", Value::str("01234567")),
        ("punctuation", Value::str("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")),
        ("whitespace", Value::str(" \t\n\r\x0b\x0c")),
        (
            "printable",
            Value::str(
                "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ \t\n\r\x0b\x0c",
            ),
        ),
    ];
    a.extend(functions("string", &["capwords"]));
    a
}

/// `string.capwords(s, sep=None)` (the module's only function).
pub(crate) fn call<C: Callbacks + ?Sized>(
    cx: &mut C,
    name: &str,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    let _ = name;
    let Some(Value::Str(s)) = args.first() else {
        return type_err("capwords() argument must be str");
    };
    let sep = match args.get(1).or_else(|| kw(&kwargs, "sep")) {
        Some(Value::Str(sep)) if sep.as_str().is_empty() => return value_err("empty separator"),
        Some(Value::Str(sep)) => Some(sep.as_str().to_string()),
        _ => None,
    };
    let words: Vec<String> = match &sep {
        Some(sep) => s.as_str().split(sep.as_str()).map(str::to_string).collect(),
        None => split_whitespace(s.as_str(), -1),
    };
    let mut out = Vec::with_capacity(words.len());
    for w in &words {
        out.push(if w.is_ascii() {
            ascii_capitalize(w)
        } else {
            crate::types::str::case::capitalize(cx.meter(), w)?
        });
    }
    Ok(Value::str(out.join(sep.as_deref().unwrap_or(" "))))
}
