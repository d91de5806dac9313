//! The `re` module: Python regex syntax translated to the linear-time
//! `regex` crate, falling back to `fancy-regex` (backtracking, with a step
//! limit) only for lookaround and backreferences. Positions are code points.
//! `engine.rs` compiles and runs patterns, `functions.rs` is the module's and
//! the patterns' functions, `match_obj.rs`/`pattern.rs` the native objects,
//! `sre_check.rs` CPython's syntax check, `error.rs` the `re.error` it
//! raises, `scanner.rs` `Pattern.scanner`'s object, `flat.rs` the walk that
//! searches and resolves the groups of flat patterns as sre does, `stack.rs`
//! the backtracking engine's stack, charged before it runs.

mod ascii_twin;
pub(crate) mod engine;
mod error;
mod flags;
mod flat;
mod functions;
mod look;
pub(crate) mod match_obj;
mod matches;
pub(crate) mod pattern;
mod reach;
mod rewrite;
pub(crate) mod scanner;
mod size;
pub(crate) mod sre_check;
mod stack;
mod translate;

#[cfg(test)]
pub(crate) use flags::flag;
pub(crate) use flags::{flag_binary, flag_invert};
pub(crate) use functions::{finditer_match_bytes, finditer_step, re_call, scanner_call};
pub(crate) use matches::Cursor;

use std::rc::Rc;

use smol_str::SmolStr;

use crate::args::Kwargs;
use crate::callbacks::Callbacks;
use crate::fault::R;
use crate::value::*;

use flags::{ASCII, DOTALL, IGNORECASE, LOCALE, MULTILINE, UNICODE, VERBOSE};

/// `re.name(...)`: module functions compile (or reuse) their pattern first.
pub(crate) fn call<C: Callbacks + ?Sized>(
    cx: &mut C,
    name: &str,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    re_call(cx, name, None, args, kwargs)
}

pub(crate) fn attrs() -> Vec<(&'static str, Value)> {
    let f = |n: &'static str| {
        Value::Builtin(Rc::new(BuiltinFn { module: "re", name: SmolStr::new_static(n) }))
    };
    let mut v: Vec<(&'static str, Value)> = [
        "compile",
        "search",
        "match",
        "fullmatch",
        "findall",
        "finditer",
        "sub",
        "subn",
        "split",
        "escape",
    ]
    .iter()
    .map(|n| (*n, f(n)))
    .collect();
    for (n, x) in [
        ("I", IGNORECASE),
        ("IGNORECASE", IGNORECASE),
        ("M", MULTILINE),
        ("MULTILINE", MULTILINE),
        ("S", DOTALL),
        ("DOTALL", DOTALL),
        ("X", VERBOSE),
        ("VERBOSE", VERBOSE),
        ("A", ASCII),
        ("ASCII", ASCII),
        ("U", UNICODE),
        ("UNICODE", UNICODE),
        ("L", LOCALE),
        ("LOCALE", LOCALE),
        ("NOFLAG", 0),
    ] {
        v.push((n, flags::flag(x)));
    }
    v.push(("error", Value::Type(Ty::Exc(ExcKind::ReError))));
    v.push(("Pattern", Value::Type(Ty::Other(&"re.Pattern"))));
    v.push(("Match", Value::Type(Ty::Other(&"re.Match"))));
    v
}
