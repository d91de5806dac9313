//! The entry a dict lookup last found, kept so that a store of the same key
//! right after it (`d[k] = d.get(k, 0) + 1`, `d[k] += 1`) reaches that entry
//! without hashing the key and probing the table a second time. Only a
//! hint: the store compares its key with the one held at the entry (the
//! table's own equality) and looks the key up as usual when they differ,
//! so a stale hint (another dict at the same address, an entry moved or
//! removed since) costs one comparison and changes nothing.

use std::cell::Cell;

use indexmap::Equivalent;

use crate::value::{Dict, KeyRef, StoreCell, Value};

thread_local! {
    /// The dict's address and the index of the entry found; none at first.
    static LAST_FOUND: Cell<(usize, usize)> = const { Cell::new((0, usize::MAX)) };
}

/// The dict's identity for the hint: its address (compared, never read).
#[inline(always)]
fn address(d: &StoreCell<Dict>) -> usize {
    std::ptr::from_ref(d) as usize
}

/// Records that a lookup in `d` found its key at entry `index`.
#[inline(always)]
pub(crate) fn remember(d: &StoreCell<Dict>, index: usize) {
    let _ = LAST_FOUND.try_with(|h| h.set((address(d), index)));
}

/// The entry of `d` that holds `key` (a value `equality::key` accepted), when it
/// is the one the last lookup found; `None` (look it up) otherwise.
#[inline(always)]
pub(crate) fn entry_of(d: &StoreCell<Dict>, key: &Value) -> Option<usize> {
    let (at, index) = LAST_FOUND.try_with(Cell::get).ok()?;
    if at != address(d) {
        return None;
    }
    let dict = d.borrow();
    let (held, _) = dict.map.get_index(index)?;
    KeyRef(key).equivalent(held).then_some(index)
}
