//! `StoreCell`: the interior of a container that takes references after it
//! is made (dict, set, deque, closure cell). A `RefCell` whose every mutable
//! borrow counts as a store on this thread (`registry::note_store`), so the
//! cycle collector knows when no cycle can have formed (`Registry::cycles_possible`)
//! and skips collections that would free nothing. Reads cost nothing more.

use std::cell::{BorrowError, BorrowMutError, Ref, RefCell, RefMut};

/// A `RefCell` that notes its mutable borrows (see the module docs).
#[derive(Default)]
pub struct StoreCell<T>(RefCell<T>);

impl<T> StoreCell<T> {
    pub const fn new(value: T) -> StoreCell<T> {
        StoreCell(RefCell::new(value))
    }

    #[inline]
    pub fn borrow(&self) -> Ref<'_, T> {
        self.0.borrow()
    }

    #[inline]
    pub fn try_borrow(&self) -> Result<Ref<'_, T>, BorrowError> {
        self.0.try_borrow()
    }

    /// The value, to change: counted as a store.
    #[inline]
    pub fn borrow_mut(&self) -> RefMut<'_, T> {
        super::registry::note_store();
        self.0.borrow_mut()
    }

    /// See [`StoreCell::borrow_mut`].
    #[inline]
    pub fn try_borrow_mut(&self) -> Result<RefMut<'_, T>, BorrowMutError> {
        super::registry::note_store();
        self.0.try_borrow_mut()
    }

    /// Replace the value (a store), returning the old one.
    pub fn replace(&self, value: T) -> T {
        super::registry::note_store();
        self.0.replace(value)
    }

    /// The value, when nothing else can see it (no store to count).
    pub fn get_mut(&mut self) -> &mut T {
        self.0.get_mut()
    }

    pub fn into_inner(self) -> T {
        self.0.into_inner()
    }
}
