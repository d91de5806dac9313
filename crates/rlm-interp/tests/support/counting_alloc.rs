//! A counting global allocator for the real-heap tests (`real_heap.rs`,
//! `real_heap_producers.rs`): it forwards to the system's and counts the
//! bytes the heap holds and the highest it has held. Each test binary that
//! includes it installs it as its own global allocator (library users keep
//! theirs).

// A global allocator is `unsafe` by definition; this one only counts and
// forwards to the system's (or another's).
#![allow(unsafe_code, dead_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Counts the bytes the heap holds and the highest it has held, over the
/// system's allocator.
pub struct Counting;

/// [`Counting`] over another allocator: the cost fuzzer counts over the one
/// the `rlm` binary ships (mimalloc), so that its times are the product's
/// (glibc's fast bins, merged at the next request of 1 KiB or more, put a
/// setup's frees inside the timed call).
pub struct CountingOver<A>(pub A);

pub static CURRENT: AtomicUsize = AtomicUsize::new(0);
pub static PEAK: AtomicUsize = AtomicUsize::new(0);

fn note_alloc(n: usize) {
    let now = CURRENT.fetch_add(n, Ordering::Relaxed) + n;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

unsafe impl<A: GlobalAlloc> GlobalAlloc for CountingOver<A> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { self.0.alloc(layout) };
        if !p.is_null() {
            note_alloc(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { self.0.alloc_zeroed(layout) };
        if !p.is_null() {
            note_alloc(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { self.0.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { self.0.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            // Counted as resized in place: glibc grows a block from 128 KiB
            // up with `mremap` (no copy, no second block in memory), and a
            // smaller one moved holds at most 128 KiB twice for a moment.
            if new_size >= layout.size() {
                note_alloc(new_size - layout.size());
            } else {
                CURRENT.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { CountingOver(System).alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        unsafe { CountingOver(System).alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { CountingOver(System).dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        unsafe { CountingOver(System).realloc(ptr, layout, new_size) }
    }
}

/// The bound on the heap beyond the budget, for any program
/// (ARCHITECTURE.md, "Memory").
pub const SLACK: usize = 16 << 20;

/// Runs `f`; returns its result and the heap's peak above what was held
/// before it started (whatever `f` dropped before returning included).
pub fn peak_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = CURRENT.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let r = f();
    (r, PEAK.load(Ordering::Relaxed).saturating_sub(before))
}
