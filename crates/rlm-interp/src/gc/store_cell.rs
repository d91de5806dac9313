//! `StoreCell`: the interior of a container that takes references after it
//! is made (dict, set, deque, closure cell). A `RefCell` whose every mutable
//! borrow counts as a store on this thread (`note_store`), so the cycle
//! collector knows when no cycle can have formed (`Registry::cycles_possible`)
//! and skips collections that would free nothing; and whose first mutable
//! borrow in a cell journals its contents (`Journaled`, implemented by
//! `undo`), so that a limit error can put them back. Reads cost nothing
//! more. Names no value and no journal (issue #59): the contents journal
//! themselves, and the store count and the stamp are value-free. A list's
//! items journal themselves through `JournaledList`, defined here too.

use std::cell::{BorrowError, BorrowMutError, Ref, RefCell, RefMut};

use crate::epoch::JournalStamp;

thread_local! {
    /// Stores into existing objects on this thread so far (see
    /// `Registry::cycles_possible`).
    static STORES: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// See `STORES`.
pub(crate) fn stores() -> u64 {
    STORES.try_with(std::cell::Cell::get).unwrap_or(u64::MAX)
}

/// A reference may be stored into an existing object now: a `StoreCell` or
/// a list is borrowed mutably.
#[inline]
pub(crate) fn note_store() {
    let _ = STORES.try_with(|s| s.set(s.get().wrapping_add(1)));
}

/// Contents a `StoreCell` saves in the running cell's journal before their
/// first change in it (`undo` implements it for each kind of contents).
pub trait Journaled {
    /// Saves a copy of the contents under `addr`, the cell's address.
    fn journal(&self, addr: usize);
}

/// A list's items, journaled as a `StoreCell`'s contents are (`undo`
/// implements it), after the list checked its stamp. A list is no
/// `StoreCell`: it marks itself for the registry's sync, and a list only
/// appended to is journaled by its length alone.
pub(crate) trait JournaledList {
    /// Before a change other than an append: the items, or (journaled by
    /// its length so far) the items before that length.
    fn journal_change(&self, stamp: &JournalStamp, addr: usize);
    /// Before an append: the length, if this is the cell's first change.
    fn journal_append(&self, stamp: &JournalStamp, addr: usize);
}

/// A `RefCell` that notes its mutable borrows (see the module docs).
#[derive(Default)]
pub struct StoreCell<T> {
    value: RefCell<T>,
    stamp: JournalStamp,
}

impl<T> StoreCell<T> {
    pub fn new(value: T) -> StoreCell<T> {
        StoreCell { value: RefCell::new(value), stamp: JournalStamp::new() }
    }

    #[inline]
    pub fn borrow(&self) -> Ref<'_, T> {
        self.value.borrow()
    }

    #[inline]
    pub fn try_borrow(&self) -> Result<Ref<'_, T>, BorrowError> {
        self.value.try_borrow()
    }

    /// The value, when nothing else can see it (no store to count).
    pub fn get_mut(&mut self) -> &mut T {
        self.value.get_mut()
    }

    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }

    /// The address the journal knows this cell by.
    pub(crate) fn addr(&self) -> usize {
        self as *const StoreCell<T> as *const u8 as usize
    }

    /// Puts back contents the journal saved: no store is counted and nothing
    /// journaled (a rollback runs outside any cell).
    pub(crate) fn restore(&self, value: T) -> Option<T> {
        self.value.try_borrow_mut().ok().map(|mut v| std::mem::replace(&mut *v, value))
    }
}

impl<T: Journaled> StoreCell<T> {
    /// Journals the contents if this is the running cell's first change.
    #[inline]
    fn before_change(&self) {
        if self.stamp.change_pending() {
            self.journal_contents();
        }
    }

    #[cold]
    #[inline(never)]
    fn journal_contents(&self) {
        if let Ok(v) = self.value.try_borrow() {
            if self.stamp.first_change().is_some() {
                v.journal(self.addr());
            }
        }
    }

    /// Whether a change now would first save the contents in the running
    /// cell's journal, for the charge of that copy before it.
    #[inline]
    pub(crate) fn journal_pending(&self) -> bool {
        self.stamp.change_pending()
    }

    /// Saves the contents in the running cell's journal now if a change
    /// would (the copy was charged before).
    pub(crate) fn journal_now(&self) {
        self.before_change();
    }

    /// The value, to change: counted as a store.
    #[inline]
    pub fn borrow_mut(&self) -> RefMut<'_, T> {
        note_store();
        self.before_change();
        self.value.borrow_mut()
    }

    /// See [`StoreCell::borrow_mut`].
    #[inline]
    pub fn try_borrow_mut(&self) -> Result<RefMut<'_, T>, BorrowMutError> {
        note_store();
        self.before_change();
        self.value.try_borrow_mut()
    }

    /// Replace the value (a store), returning the old one.
    pub fn replace(&self, value: T) -> T {
        note_store();
        self.before_change();
        self.value.replace(value)
    }
}
