//! Parsing must not leak. chumsky's `Recursive::declare` leaks an `Rc` cycle
//! per parser built (found by the fuzzer's leak sanitizer); this guards the
//! grammar against that regression by counting live heap bytes around
//! repeated parses, good and bad.
#![allow(unsafe_code)] // a counting wrapper around the system allocator, test-only

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is forwarded unchanged to `System`; we only count sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn repeated_parses_do_not_grow_the_heap() {
    let good = "import re\nxs = [f(x) for x in range(10) if x]\nprint(f\"{xs!r:>10}\")\n";
    let bad = "if x = 1:\n    pass\nclass A:\n    pass\n";
    // Warm up thread-locals and lazy statics before measuring.
    for _ in 0..3 {
        let _ = rlm_syntax::parse(good);
        let _ = rlm_syntax::parse(bad);
    }
    let before = LIVE.load(Ordering::Relaxed);
    for _ in 0..200 {
        assert!(rlm_syntax::parse(good).is_ok());
        assert!(rlm_syntax::parse(bad).is_err());
    }
    let grown = LIVE.load(Ordering::Relaxed) - before;
    // A leak of even one parser per call would be ~45 KB x 400 here.
    assert!(grown < 64 * 1024, "live heap grew by {grown} bytes over 400 parses");
}
