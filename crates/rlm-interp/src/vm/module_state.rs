//! What the session keeps for its modules: the modules it imported, the
//! name its cells' code is reported under, and the settings and in-flight
//! state a module's functions leave on the session.

use smol_str::SmolStr;

use crate::value::Value;

/// The session's modules and the state their functions keep between calls.
pub(crate) struct ModuleState {
    /// The modules this session imported.
    pub(crate) registry: crate::modules::ModuleRegistry,
    /// The name a cell's code is compiled and reported under (`<cell>`).
    pub(crate) source_name: SmolStr,
    /// The comparison function of a `functools.cmp_to_key` sort in progress.
    pub(crate) sort_cmp: Option<Value>,
    /// `csv.field_size_limit()`: the longest field a csv reader accepts.
    pub(crate) csv_field_limit: i64,
}

impl Default for ModuleState {
    fn default() -> Self {
        ModuleState {
            registry: Default::default(),
            source_name: SmolStr::new("<cell>"),
            sort_cmp: None,
            csv_field_limit: crate::modules::csv::FIELD_LIMIT,
        }
    }
}
