//! `collections.OrderedDict`'s own method, `move_to_end` (its equality and
//! `repr` are in `vm/compare.rs` and `dict/mod.rs`).

use std::rc::Rc;

use crate::args::{Kwargs, kw};
use crate::cost::Over::WorkDone;
use crate::cost::{CostTable, HASH, cost};
use crate::fault::{Fault, R, type_err};
use crate::meter::Meter;
use crate::value::*;

pub(crate) const ORDERED_METHODS: &[&str] = &["move_to_end"];

/// What each `OrderedDict` method beyond `dict`'s costs (`builtins/cost.rs`).
/// `move_to_end` shifts the entries between the key and the end it goes to,
/// and re-indexes each in the hash table: charged by those entries, at
/// `HASH` (at `SCAN` on the whole dict, moving the first key of a 1 M-entry
/// dict ran 10.9x the dispatch loop's time a unit, issue #59's calibration;
/// moving a key already near its end, as an LRU cache does, is cheap).
pub(crate) const ORDERED_COSTS: CostTable = &[("move_to_end", cost(WorkDone, HASH))];

/// `od.move_to_end(key, last=True)`.
pub(crate) fn ordered_move_to_end(
    meter: &mut Meter,
    d: &Rc<StoreCell<Dict>>,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    let Some(k0) = args.first() else {
        return type_err("move_to_end expected 1 argument");
    };
    let last = args.get(1).or_else(|| kw(&kwargs, "last")).is_none_or(|v| v.truthy());
    let k = crate::types::equality::key(meter, k0.clone())?;
    let mut dm = d.borrow_mut();
    let Some(idx) = dm.map.get_index_of(&k) else {
        return Err(Fault::Exc(Exception::with_args(ExcKind::KeyError, vec![k0.clone()])));
    };
    let n = dm.map.len();
    let shifted = if last { n - 1 - idx } else { idx };
    meter.charge_work(HASH, shifted, 0)?;
    dm.reordered();
    if last {
        dm.map.move_index(idx, n - 1)
    } else {
        dm.map.move_index(idx, 0)
    }
    Ok(Value::None)
}
