//! The built-in functions' names: the table of what each costs beyond its
//! instruction, the type names, the Python names left out (with what to do
//! instead) and the `NameError` that lists the nearest.

use std::rc::Rc;

use crate::cost::Over::{Arg, Args, WorkDone};
use crate::cost::{COPY, CostTable, FREE, SCAN, cost};
use crate::value::*;

/// The built-in functions and what each costs beyond its instruction
/// (`cost.rs`): `FREE` ones are bounded, or charge as they proceed (`print`
/// through the output writer, `repr` per value written, `any` per item
/// drawn); the others over the arguments they walk.
pub(crate) const FUNCTIONS: CostTable = &[
    ("print", FREE),
    ("len", FREE),
    ("range", FREE),
    ("enumerate", FREE),
    ("zip", FREE),
    ("sorted", cost(Arg(0), COPY)),
    ("reversed", cost(Arg(0), COPY)),
    ("min", cost(Args, SCAN)),
    ("max", cost(Args, SCAN)),
    ("sum", cost(Arg(0), SCAN)),
    ("any", FREE),
    ("all", FREE),
    ("abs", FREE),
    ("round", FREE),
    ("isinstance", FREE),
    ("issubclass", FREE),
    ("hasattr", FREE),
    ("getattr", FREE),
    ("repr", FREE),
    ("ascii", FREE),
    ("chr", FREE),
    ("ord", FREE),
    ("map", FREE),
    ("filter", FREE),
    ("divmod", FREE),
    ("pow", FREE),
    ("hex", FREE),
    ("bin", FREE),
    ("oct", FREE),
    // Lazy over a sequence or a string; the copy a set, deque or dict
    // iterator takes at its start is charged by `Vm::get_iter`.
    ("iter", cost(WorkDone, SCAN)),
    ("next", FREE),
    ("callable", FREE),
    ("hash", cost(Arg(0), SCAN)),
    ("id", FREE),
    ("format", cost(Arg(0), COPY)),
    ("input", FREE),
    ("dir", FREE),
    ("FINAL", FREE),
    ("FINAL_VAR", FREE),
    ("SHOW_VARS", FREE),
];

pub(crate) const TYPE_NAMES: &[&str] = &[
    "int",
    "float",
    "str",
    "bool",
    "list",
    "tuple",
    "dict",
    "set",
    "frozenset",
    "range",
    "type",
    "slice",
    "None",
];

/// Names that exist in Python but not here, with what to do instead.
fn unavailable_hint(name: &str) -> Option<&'static str> {
    Some(match name {
        "eval" | "exec" | "compile" => {
            "running code from strings is not available in this sandbox; write the code directly"
        }
        "open" => "files are not available in this sandbox; the data is in `context`",
        "globals" | "locals" | "vars" => {
            "introspection is not available; use SHOW_VARS() to list variables"
        }
        "__builtins__" => {
            "the builtins namespace is not available in this sandbox (no introspection)"
        }
        "__import__" => {
            "use a plain `import` statement (available modules: re, json, math, collections, itertools, functools, string, textwrap, asyncio, datetime)"
        }
        "setattr" | "delattr" | "super" | "object" | "property" | "classmethod"
        | "staticmethod" => "classes and objects are not available here; use dicts and functions",
        "exit" | "quit" => "to finish, call FINAL(answer)",
        "breakpoint" | "help" | "memoryview" | "bytearray" | "bytes" => {
            "this builtin is not available in this sandbox"
        }
        _ => return None,
    })
}

pub fn name_error(name: &str) -> Rc<Exception> {
    match unavailable_hint(name) {
        Some(h) => {
            Exception::new(ExcKind::NameError, format!("name '{name}' is not defined ({h})"))
        }
        None => Exception::new(ExcKind::NameError, format!("name '{name}' is not defined"))
            .with_hint(crate::types::exception::suggest(
                name,
                FUNCTIONS.iter().map(|(n, _)| *n).chain(TYPE_NAMES.iter().copied()),
            )),
    }
}
