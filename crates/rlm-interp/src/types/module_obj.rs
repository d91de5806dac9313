//! Module objects (`import json` binds one): a name and its attributes.

use indexmap::IndexMap;

use crate::value::Value;

/// An imported module: its attributes are built once per session (`modules/`).
pub struct ModuleObject {
    pub name: &'static str,
    pub attrs: IndexMap<&'static str, Value>,
}
