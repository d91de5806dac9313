//! What the value layer tells the collector's registry, without naming it:
//! a container was made (`Track`, implemented in `registry.rs` for each
//! kind, since the registry holds them) and a list was marked or dropped
//! (`note_list_change`). Names no value (issue #59): the value layer names
//! this file, and the registry, which holds values, stays out of its circle.

use std::cell::Cell;
use std::rc::Rc;

/// A mutable container (or one charged at its current size) registered,
/// weakly, with the current session's registry when made (see `gc`).
pub(crate) trait Track {
    /// Registers `this` and charges its cost now to the current session
    /// (nothing outside any session: it is registered when adopted).
    fn track(this: &Rc<Self>);
}

thread_local! {
    /// Lists of this thread marked or dropped so far: while it stands still
    /// and no list was left marked, a sync need not visit the lists at all.
    static LIST_CHANGES: Cell<u64> = const { Cell::new(0) };
}

/// See `LIST_CHANGES`.
pub(crate) fn list_changes() -> u64 {
    LIST_CHANGES.with(Cell::get)
}

/// A list was marked or dropped (`value/containers.rs`): the next sync
/// visits the lists.
pub(crate) fn note_list_change() {
    LIST_CHANGES.with(|c| c.set(c.get().wrapping_add(1)));
}
