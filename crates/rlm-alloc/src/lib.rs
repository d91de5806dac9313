//! The binaries' allocator: mimalloc 2 (see BENCHMARKS.md, issue #16 fifth
//! and sixth rounds), and [`configure`], which each binary calls first thing
//! in `main` to set the options that keep the time to reach the memory limit
//! as short as with glibc's malloc. Libraries never depend on this crate:
//! a binary declares `#[global_allocator] static A: rlm_alloc::MiMalloc =
//! rlm_alloc::MiMalloc;` itself.

pub use mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc 2's `mi_option_t` (libmimalloc-sys
/// does not name it; the version is pinned in the workspace manifest).
const OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Sets mimalloc's options, each unless the environment (`MIMALLOC_*`) sets
/// it (mimalloc reads its options when the process loads, so a later
/// default would be ignored: an explicit set, skipped for those given). Never purging freed memory (`purge_delay = -1`): with the default
/// 10 ms delay, a program that grows to the 512 MiB budget kept giving pages
/// back to the OS and faulting them in again, and took 1.3-4.7x glibc's CPU
/// to fail (BENCHMARKS.md). The pages stay mapped instead, and are reused.
pub fn configure() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        set(OPTION_PURGE_DELAY, -1);
    }
}

/// mimalloc's `mi_option_set`: an FFI call, hence `unsafe` (the one place in
/// the workspace that needs it outside tests); it only stores a value in
/// mimalloc's option table, so it cannot break memory safety.
#[allow(unsafe_code)]
fn set(option: libmimalloc_sys::mi_option_t, value: std::ffi::c_long) {
    // SAFETY: an FFI call with plain integer arguments into mimalloc's option
    // table, which any option number in range accepts.
    unsafe { libmimalloc_sys::mi_option_set(option, value) }
}

#[cfg(test)]
mod tests {
    use libmimalloc_sys::mi_option_t;

    /// The number is `purge_delay`'s: in mimalloc 2's `mi_option_t` it
    /// follows `eager_commit_delay` (which libmimalloc-sys names), its
    /// default is 10 (ms), and after `configure` mimalloc reads -1 there (or
    /// the environment's value, if the test runs with one).
    #[test]
    fn configure_sets_the_purge_delay() {
        assert_eq!(super::OPTION_PURGE_DELAY, libmimalloc_sys::mi_option_eager_commit_delay + 1);
        let env = std::env::var("MIMALLOC_PURGE_DELAY").ok();
        if env.is_none() {
            assert_eq!(read(super::OPTION_PURGE_DELAY), 10);
        }
        super::configure();
        let got = read(super::OPTION_PURGE_DELAY);
        match env {
            Some(v) => assert_eq!(got.to_string(), v),
            None => assert_eq!(got, -1),
        }
    }

    #[allow(unsafe_code)]
    fn read(option: mi_option_t) -> std::ffi::c_long {
        // SAFETY: reads mimalloc's option table; plain integers.
        unsafe { libmimalloc_sys::mi_option_get(option) }
    }
}
