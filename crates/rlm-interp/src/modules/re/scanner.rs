//! `Pattern.scanner(string, pos, endpos)`: the object whose `search()` and
//! `match()` each find the next match from where the last one ended (its
//! methods are `functions.rs`'s, which searches as `re.finditer` does).

use std::cell::Cell;

use crate::cost::CostTable;
use crate::value::*;
use crate::value::{NativeObject, boxed_cost};

pub(crate) const METHODS: &[&str] = &["match", "search"];

pub struct Scanner {
    /// The compiled pattern, as a value (`s.pattern`).
    pub(super) pattern: Value,
    /// The text up to `endpos`.
    pub(super) hay: Str,
    /// Where the next search starts (past the end: done).
    pub(super) at: Cell<super::matches::Cursor>,
    /// Whether its first search was paid for.
    pub(super) searched: Cell<bool>,
}

impl NativeObject for Scanner {
    fn ty(&self) -> Ty {
        Ty::Other(&"re.SRE_Scanner")
    }

    fn repr(&self) -> Vec<ReprPart> {
        vec![ReprPart::Text("<_sre.SRE_Scanner object>".to_string())]
    }

    fn attr(&self, name: &str) -> Option<Value> {
        (name == "pattern").then(|| self.pattern.clone())
    }

    fn method_names(&self) -> &'static [&'static str] {
        METHODS
    }

    fn method_costs(&self) -> CostTable {
        crate::types::native::SCANNER_COSTS
    }

    fn holds_values(&self) -> bool {
        false
    }

    fn mem_cost(&self) -> usize {
        boxed_cost::<Scanner>()
    }
}
