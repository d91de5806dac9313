//! The global allocator of the `rlm` binary: mimalloc 2, reached through its
//! plain entry points where the layout allows. `mimalloc::MiMalloc` sends
//! every allocation through `mi_malloc_aligned`, whose extra checks cost
//! part of a small allocation (issue #59: 76 M of the 1,230 M instructions of
//! the `sort_counter` bench went to it). mimalloc gives a block of `size`
//! bytes an alignment of at least `min(size, 16)` (its own
//! `mi_malloc_is_naturally_aligned`), so a layout asking no more than that
//! takes `mi_malloc` itself, as `std`'s system allocator does with `malloc`.
//! Also compiled into rlm-interp's examples (`#[path]`), so that the bench
//! measures the allocator as it ships; the file names nothing but `std` and
//! the `mimalloc` crate, whose C library it calls.

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

// The C library comes with the crate; nothing else of it is used.
use mimalloc as _;

/// mimalloc's `MI_MAX_ALIGN_SIZE`: a block of more than one word is aligned
/// to it (its small size classes are multiples of two words), a one-word
/// block to a word.
const NATURAL_ALIGN: usize = 16;

/// Whether a block of `size` bytes from the plain calls has `align`.
#[inline]
fn naturally_aligned(size: usize, align: usize) -> bool {
    align <= NATURAL_ALIGN && align <= size
}

#[allow(unsafe_code)] // mimalloc's C entry points
unsafe extern "C" {
    fn mi_malloc(size: usize) -> *mut c_void;
    fn mi_zalloc(size: usize) -> *mut c_void;
    fn mi_realloc(p: *mut c_void, newsize: usize) -> *mut c_void;
    fn mi_malloc_aligned(size: usize, alignment: usize) -> *mut c_void;
    fn mi_zalloc_aligned(size: usize, alignment: usize) -> *mut c_void;
    fn mi_realloc_aligned(p: *mut c_void, newsize: usize, alignment: usize) -> *mut c_void;
    fn mi_free(p: *mut c_void);
}

/// mimalloc, with the plain entry points for word-aligned layouts.
pub struct Allocator;

#[allow(unsafe_code)] // the GlobalAlloc contract, forwarded to mimalloc's C API
// SAFETY: each method returns what mimalloc returns for the same size, with
// an alignment at least the layout's: the plain calls only when the block is
// naturally aligned to it (see `naturally_aligned`); `dealloc` frees with
// `mi_free`, which takes blocks from either kind of call.
unsafe impl GlobalAlloc for Allocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: plain C calls with a size and a power-of-two alignment.
        unsafe {
            if naturally_aligned(layout.size(), layout.align()) {
                mi_malloc(layout.size()).cast()
            } else {
                mi_malloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as `alloc`.
        unsafe {
            if naturally_aligned(layout.size(), layout.align()) {
                mi_zalloc(layout.size()).cast()
            } else {
                mi_zalloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: `ptr` came from this allocator, so from mimalloc.
        unsafe { mi_free(ptr.cast()) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from this allocator with `layout`; the new block
        // keeps its alignment as `alloc` gives it.
        unsafe {
            if naturally_aligned(new_size, layout.align()) {
                mi_realloc(ptr.cast(), new_size).cast()
            } else {
                mi_realloc_aligned(ptr.cast(), new_size, layout.align()).cast()
            }
        }
    }
}
