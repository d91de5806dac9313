//! The `re` module's flags (`re.I`, `re.M`...), CPython's values: read by
//! the engine that compiles patterns and by a pattern's attributes, apart
//! from the module's table (`mod.rs`), which names the functions that name
//! the engine (issue #59: `re`'s circle).

pub(crate) const IGNORECASE: i64 = 2;
pub(crate) const LOCALE: i64 = 4;
pub(crate) const MULTILINE: i64 = 8;
pub(crate) const DOTALL: i64 = 16;
pub(crate) const UNICODE: i64 = 32;
pub(crate) const VERBOSE: i64 = 64;
pub(crate) const ASCII: i64 = 256;
