//! The `AttributeError` of a name a value has no attribute by, spelled as
//! CPython spells its type, with a hint naming the nearest of the methods
//! the caller says the value has (each type passes its own table, so this
//! file names no type's).

use crate::fault::{Fault, R};
use crate::types::exception::suggest;
use crate::value::*;

/// A type name as CPython's argument errors spell it (`datetime.time`).
pub(crate) fn qualified_type_name(v: &Value) -> String {
    match v {
        Value::Native(n) => match &**n {
            Native::Module(m) => match m.qualified_module() {
                Some(module) => format!("{module}.{}", v.type_name()),
                None => v.type_name().to_string(),
            },
            _ => v.type_name().to_string(),
        },
        _ => v.type_name().to_string(),
    }
}

/// The `AttributeError` for `name` on `recv`, whose methods are `methods`.
pub(crate) fn no_attr_among<'a, T>(
    recv: &Value,
    name: &str,
    methods: impl IntoIterator<Item = &'a str>,
) -> R<T> {
    let e = Exception::new(
        ExcKind::AttributeError,
        format!("'{}' object has no attribute '{name}'", qualified_type_name(recv)),
    );
    Err(Fault::Exc(e.with_hint(suggest(name, methods))))
}
