//! The last line against Rust recursion on program data. Every walk over a
//! value the program built (repr, `==`, ordering, hashing, json) is already
//! bounded by a depth cap (`Limits::max_nesting`); the outermost entries of
//! the walks whose levels are large (repr, ordering, json, regex compile)
//! run with at least [`WALK_STACK`] bytes of stack (on a heap segment when
//! the thread has less, as a small test thread), so a capped walk behaves the
//! same on every thread; and each level checks the
//! stack left, ending with the nesting limit error below [`RED_ZONE`], so a
//! path no cap foresaw (a re-entry that restarts its depth count) ends with
//! an error instead of overflowing the thread.

use crate::value::AlignedBool;
use std::cell::Cell;

use crate::fault::{Fault, R};
use crate::meter::Meter;
use crate::value::Value;

/// Stack a walk's outermost entry is given: a level of repr with its
/// `format!` buffers is about 1 KiB in a release build, so a walk at the
/// nesting cap (200) fits. Threads with more left (a tokio worker's 2 MiB, a
/// main thread's 8 MiB) run it in place; a smaller one grows a segment of
/// [`GROWN_SEGMENT`] (a syscall: it costs one per walk only there).
pub(crate) const WALK_STACK: usize = 256 << 10;

/// The size of a segment a walk grows onto.
const GROWN_SEGMENT: usize = 1 << 20;

/// Below this much stack left a walk stops: the deepest leaf work (a
/// `format!`, a regex compile, an allocation) fits in it.
pub(crate) const RED_ZONE: usize = 64 * 1024;

/// Stack guaranteed to parsing, compiling and dropping a cell's tree, whose
/// recursion follows the source's nesting, bounded by the parser's budgets
/// (200 brackets or blocks, 1000 chained operations); the compiler refuses
/// a tree deeper than what is left (see `compile/expr.rs`). A thread with
/// less left runs them on a segment of [`FRONT_END_SEGMENT`].
pub(crate) const FRONT_END_STACK: usize = 1 << 20;

/// The size of the segment the front end grows onto.
pub(crate) const FRONT_END_SEGMENT: usize = 4 << 20;

thread_local! {
    /// Whether a walk is running on this thread: only the outermost entry
    /// may move to a new segment (nested entries growing one each would
    /// turn an unbounded re-entry into unbounded heap).
    static IN_WALK: Cell<bool> = const { Cell::new(false) };
}

/// Whether the stack left is below [`RED_ZONE`] (`false` where the platform
/// does not say).
#[inline]
pub(crate) fn stack_low() -> bool {
    stacker::remaining_stack().is_some_and(|left| left < RED_ZONE)
}

/// Run `f`, the outermost entry of a walk, with at least [`WALK_STACK`]
/// bytes of stack.
pub(crate) fn walk<T>(f: impl FnOnce() -> T) -> T {
    if IN_WALK.with(Cell::get) {
        return f();
    }
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            IN_WALK.with(|w| w.set(false));
        }
    }
    IN_WALK.with(|w| w.set(true));
    let _reset = Reset;
    stacker::maybe_grow(WALK_STACK, GROWN_SEGMENT, f)
}

/// [`walk`] for a walk over `v`, or `f` in place when `v` holds no values
/// (an int, a string...: their walk is one level, the common case of
/// `print` and of a sort's comparisons). Inlined: left out of line (as
/// other code changed), `print(1)` paid ~70 instructions more a call.
#[inline]
pub(crate) fn walk_over<T>(v: &Value, f: impl FnOnce() -> T) -> T {
    match v {
        Value::None
        | Value::Bool(AlignedBool(_))
        | Value::Int(_)
        | Value::Float(_)
        | Value::Str(_)
        | Value::Range(_)
        | Value::Type(_)
        | Value::Builtin(_)
        | Value::Func(_)
        | Value::Module(_) => f(),
        _ => walk(f),
    }
}

/// The nesting limit error when the stack left is below [`RED_ZONE`].
#[inline]
pub(crate) fn guard_stack(meter: &Meter) -> R<()> {
    if stack_low() { Err(stack_err(meter)) } else { Ok(()) }
}

#[cold]
fn stack_err(meter: &Meter) -> Fault {
    meter.nesting_err()
}
