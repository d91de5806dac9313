//! mimalloc's purge delays for the `rlm` binary, set before the program runs
//! (no environment variables). Also compiled into rlm-interp's bench example
//! (`#[path]`), so that the bench measures the allocator as it ships; the file
//! uses nothing but `std` for that reason.
//!
//! A page freed inside a segment is given back to the OS after 25 ms instead
//! of 10 ms, so a program that drops a large list of strings and makes new
//! ones reuses its pages without a fault each, while a freed segment (a
//! growing list's old buffer) is still given back after the default 100 ms
//! (`arena_purge_mult` 4 instead of 10: 25 x 4), which keeps the peak memory
//! of `rlm exec` programs where it was (a longer segment delay, or pages kept
//! 50 ms and more, let a growing list peak higher). Measured in
//! docs/benchmarks/2026-11-21-rlm-interp.md (issue #16, ninth round, B).

/// Gives the pages mimalloc holds free back to the OS (`mi_collect(true)`:
/// this thread's heap, the abandoned segments and the arenas); `rlm serve`
/// runs it after executions end.
#[allow(unsafe_code)] // one call into mimalloc's C API
pub fn collect() {
    unsafe extern "C" {
        fn mi_collect(force: bool);
    }
    // SAFETY: mi_collect may be called from any thread at any time.
    unsafe { mi_collect(true) }
}

/// Sets the two options; call once, first thing in `main`.
#[allow(unsafe_code)] // two calls into mimalloc's C API with plain integers
pub fn set() {
    use std::ffi::{c_int, c_long};
    // Their positions in mimalloc 2's `mi_option_t` (include/mimalloc.h of
    // the version Cargo.lock pins; libmimalloc-sys does not export these two).
    const MI_OPTION_PURGE_DELAY: c_int = 15;
    const MI_OPTION_ARENA_PURGE_MULT: c_int = 24;
    unsafe extern "C" {
        fn mi_option_set(option: c_int, value: c_long);
    }
    // SAFETY: each call stores one option's value; mimalloc reads it when it
    // next schedules a purge.
    unsafe {
        mi_option_set(MI_OPTION_PURGE_DELAY, 25);
        mi_option_set(MI_OPTION_ARENA_PURGE_MULT, 4);
    }
}
