//! The `collections` module: its classes are types of their own (`Counter`,
//! `defaultdict`, `OrderedDict` in `types/dict/`, `deque` in
//! `types/deque/`); `namedtuple` is refused (it defines a class).

use crate::args::Kwargs;
use crate::callbacks::Callbacks;
use crate::fault::{R, exc};
use crate::modules::function::function;
use crate::value::*;

pub(crate) fn attrs() -> Vec<(&'static str, Value)> {
    vec![
        ("Counter", Value::Type(Ty::Counter)),
        ("defaultdict", Value::Type(Ty::DefaultDict)),
        ("OrderedDict", Value::Type(Ty::OrderedDict)),
        ("deque", Value::Type(Ty::Deque)),
        ("namedtuple", function("collections", "namedtuple")),
    ]
}

/// `collections.namedtuple(...)`, the module's only function.
pub(crate) fn call<C: Callbacks + ?Sized>(
    cx: &mut C,
    name: &str,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    let _ = (cx, name, args, kwargs);
    exc(
        ExcKind::NotImplementedError,
        "namedtuple defines a class, and classes are not available here; use a dict or a tuple",
    )
}
