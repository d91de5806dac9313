//! What memory really costs, and the running count of it.
//!
//! Costs are derived from `size_of` and the capacity actually reserved, plus
//! what the system allocator adds to every block (glibc malloc: an 8-byte
//! header, 16-byte granularity, 32-byte minimum; blocks from 128 KiB up are
//! whole pages). Each value type states its own cost with these helpers
//! (`types/`); the registry of mutable containers (`gc.rs`) keeps their
//! charges current.
//!
//! The count is per thread (values are `Rc`, so they never leave it): every
//! interpreter value alive on the thread counts, whichever session made it.
//! Immutable values (strings, tuples) are charged when made and credited when
//! dropped, exactly; mutable containers are charged by the registry when
//! registered, re-charged when it is synced, credited when pruned.

use std::cell::Cell;
use std::mem::size_of;

/// Bytes the allocator really takes for a request of `n` bytes.
pub(crate) const fn block(n: usize) -> usize {
    if n == 0 {
        return 0;
    }
    // glibc serves requests from 128 KiB up with mmap: whole pages plus a
    // 16-byte header.
    if n >= 128 * 1024 {
        return (n + 16 + 4095) & !4095;
    }
    let chunk = (n + 8 + 15) & !15;
    if chunk < 32 { 32 } else { chunk }
}

/// One `Rc<T>` allocation: the strong and weak counts, then `T`.
pub(crate) const fn rc_block<T>() -> usize {
    block(2 * size_of::<usize>() + size_of::<T>())
}

/// A `Vec<T>`'s (or `VecDeque<T>`'s) buffer of capacity `cap`.
pub(crate) const fn vec_block<T>(cap: usize) -> usize {
    block(cap.saturating_mul(size_of::<T>()))
}

/// An `IndexMap`/`IndexSet` of capacity `cap` whose entries (hash, key,
/// value) take `entry` bytes: the entries vector plus hashbrown's table of
/// indices (8 bytes and one control byte per bucket, buckets a power of two
/// at most 7/8 full, plus one group of trailing control bytes).
pub(crate) const fn table_block(cap: usize, entry: usize) -> usize {
    if cap == 0 {
        return 0;
    }
    let buckets = if cap < 8 {
        (cap + 1).next_power_of_two()
    } else {
        (cap.saturating_mul(8) / 7).next_power_of_two()
    };
    block(cap.saturating_mul(entry)) + block(buckets * (size_of::<usize>() + 1) + 16)
}

thread_local! {
    static LIVE: Cell<usize> = const { Cell::new(0) };
}

/// Count `n` bytes as allocated.
#[inline]
pub(crate) fn charge(n: usize) {
    let _ = LIVE.try_with(|l| l.set(l.get().saturating_add(n)));
}

/// Count `n` bytes (charged earlier) as freed.
#[inline]
pub(crate) fn credit(n: usize) {
    let _ = LIVE.try_with(|l| l.set(l.get().saturating_sub(n)));
}

/// Bytes held by the interpreter values alive on this thread, as of the
/// last sync of the mutable containers (`gc::sync`).
#[inline]
pub(crate) fn live() -> usize {
    LIVE.try_with(Cell::get).unwrap_or(0)
}
