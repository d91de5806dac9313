//! Each cell's epoch on the thread and the stamp a mutable container
//! carries, the epoch it was made or last journaled in: what decides whether
//! a change must first be journaled (`undo.rs`, copy-on-first-write). Apart
//! from the journal, which holds values, so that a container's cell
//! (`gc/store_cell.rs`) carries its stamp without naming the journal or the
//! values (issue #59).

use std::cell::Cell;

thread_local! {
    /// The epoch of the cell running now on this thread (that of the
    /// account entered: `gc::enter`), 0 when none is: then nothing is journaled.
    static EPOCH: Cell<u32> = const { Cell::new(0) };
    /// The last epoch handed out on this thread.
    static LAST_EPOCH: Cell<u32> = const { Cell::new(0) };
}

/// A fresh epoch for a cell about to start: even, never 0 (a stamp one
/// above an epoch marks a list journaled by its length only). Epochs are
/// unique on the thread until 2^31 cells have run on it.
pub(crate) fn fresh_epoch() -> u32 {
    LAST_EPOCH
        .try_with(|e| {
            let next = match e.get().wrapping_add(2) {
                0 => 2,
                n => n,
            };
            e.set(next);
            next
        })
        .unwrap_or(0)
}

/// The epoch of the cell running now (0: none).
#[inline]
pub(crate) fn current_epoch() -> u32 {
    EPOCH.try_with(Cell::get).unwrap_or(0)
}

/// Makes `epoch` the current one, returning the previous (for `gc::enter`,
/// whose guard puts it back).
pub(crate) fn swap_epoch(epoch: u32) -> u32 {
    EPOCH.try_with(|e| e.replace(epoch)).unwrap_or(0)
}

/// The epoch a mutable container was made or last journaled in.
pub struct JournalStamp(Cell<u32>);

impl Default for JournalStamp {
    fn default() -> JournalStamp {
        JournalStamp::new()
    }
}

impl JournalStamp {
    /// A container made now: a change in the current cell needs no journal.
    #[inline]
    pub(crate) fn new() -> JournalStamp {
        JournalStamp(Cell::new(current_epoch()))
    }

    /// Whether a change now may need a journal entry (a cell runs and the
    /// container was not fully journaled in it): the fast path's one test.
    #[inline]
    pub(crate) fn change_pending(&self) -> bool {
        let epoch = current_epoch();
        epoch != 0 && self.0.get() != epoch
    }

    /// Whether an append now may need a journal entry (not journaled in
    /// the running cell at all).
    #[inline]
    pub(crate) fn append_pending(&self) -> bool {
        let epoch = current_epoch();
        epoch != 0 && self.0.get() | 1 != epoch | 1
    }

    /// Before a change: `Some(epoch)` when the container was not yet
    /// journaled in the running cell (and must be now), after which it is
    /// stamped as journaled; `None` when no cell runs or it already was.
    #[inline]
    pub(crate) fn first_change(&self) -> Option<u32> {
        let epoch = current_epoch();
        let stamp = self.0.get();
        if epoch == 0 || stamp == epoch {
            return None;
        }
        self.0.set(epoch);
        Some(epoch)
    }

    /// Before an append to a list: `Some(true)` when the list must be
    /// journaled by its length (first change in the cell), `None` otherwise.
    #[inline]
    pub(crate) fn first_append(&self) -> Option<()> {
        let epoch = current_epoch();
        let stamp = self.0.get();
        if epoch == 0 || stamp == epoch || stamp == epoch | 1 {
            return None;
        }
        self.0.set(epoch | 1);
        Some(())
    }

    /// Whether the container was journaled by its length only in the
    /// running cell (then stamped as fully journaled).
    #[inline]
    pub(crate) fn upgrade_from_length(&self) -> bool {
        let epoch = current_epoch();
        if epoch != 0 && self.0.get() == epoch | 1 {
            self.0.set(epoch);
            return true;
        }
        false
    }
}
