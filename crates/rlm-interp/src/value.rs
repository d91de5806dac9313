//! The runtime value: the `Value` enum (one variant per kind of object),
//! hashable dict keys (`Key`), the hash tables' types, and the deferred drop
//! that keeps dropping deeply nested values off the Rust stack. The data a
//! value holds is in the files beside this one (`value/`: the containers'
//! storage, the other objects', the native objects' enum and trait), and a
//! few in `types/` that name no value (a `str`'s storage, the type objects)
//! or hold an iterator's states; all are re-exported here, so that `use
//! crate::value::*` names every type. A frame's data and its operand stack
//! (`value/frame.rs`, `value/stack.rs`) are not: a suspended generator's
//! frame is held behind the `Suspended` trait declared here, so they name
//! this file and it does not name them (`crate::value::frame::Frame`).
//! Each type's behaviour is in `types/` and the machine, which name this
//! layer, never the other way round (issue #59).

use std::any::Any;
use std::cell::RefCell;
use std::rc::Rc;

use smol_str::SmolStr;

use crate::gc::track::Track;

mod containers;
pub(crate) mod frame;
mod native;
mod objects;
pub(crate) mod stack;

pub use crate::gc::store_cell::StoreCell;
pub use crate::types::iter::IterState;
pub use crate::types::str::storage::{Str, TextBuffer};
pub use crate::types::type_obj::{ExcKind, Ty};
pub(crate) use containers::DictEntry;
pub use containers::{DequeObj, Dict, DictKind, ListObj, TupleObj};
pub use native::Native;
pub(crate) use native::{NativeObject, ReprPart, boxed_cost};
pub(crate) use objects::awaitable_mem_cost;
pub use objects::{
    BuiltinFn, Coroutine, Exception, Function, Gather, HostError, HostFuture, HostObject,
    HostReturn, ModuleObject,
};

/// A generator expression's state as its iterator (`IterState::Gen`) holds
/// it, implemented by `value/frame.rs`'s `Generator` (its frame while
/// suspended): neither this file nor the iterator names the frame, so the
/// frame and its operand stack, which hold values, name the value layer one
/// way (issue #59: the values' circle was 7 files with them). Resuming a
/// generator is cold next to a `for` over a range or list, which never
/// reaches this: the machine downcasts through [`Suspended::as_any_mut`]
/// to move the frame.
pub(crate) trait Suspended: Any {
    /// Its box and, while suspended, the frame's buffers and values.
    fn mem_cost(&self) -> usize;

    /// Itself, for the machine's downcast to the generator (the crate
    /// builds on Rust 1.85, which has no upcasting to `dyn Any`).
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

/// Fast, randomly seeded hashing for dicts and sets (seeded per process so
/// that colliding keys cannot be precomputed).
pub type HashState = foldhash::fast::RandomState;
pub type Map = indexmap::IndexMap<Key, Value, HashState>;
pub type KeySet = indexmap::IndexSet<Key, HashState>;

/// A call's keyword arguments, in the order given.
pub type Kwargs = Vec<(SmolStr, Value)>;

/// One entry of a set's table: its hash and key.
pub(crate) type SetEntry = (u64, Key);

/// A set's table at its reserved capacity and the elements no one else
/// charges (`Value::unowned_cost`); the caller adds its `Rc` box.
pub(crate) fn set_table_mem_cost(s: &KeySet) -> usize {
    crate::mem::table_block(s.capacity(), std::mem::size_of::<SetEntry>())
        + s.iter().map(|k| k.0.unowned_cost()).sum::<usize>()
}

/// Dropping deeply nested values must not recurse on the Rust stack: the
/// containers' `Drop` hands their children to this queue, which the
/// outermost drop empties in a loop.
mod deferred_drop {
    use crate::value::{AlignedBool, Value};
    use std::cell::{Cell, RefCell};

    thread_local! {
        static DROPPING: Cell<bool> = const { Cell::new(false) };
        /// A stack of vectors whose items are dropped one at a time, last
        /// first (depth first): never copied into one queue (that doubled a
        /// 16 M-item list at the memory limit), and as deep as the value.
        static PENDING: RefCell<Vec<Vec<Value>>> = const { RefCell::new(Vec::new()) };
        /// Single values waiting ([`defer_one`]), dropped before `PENDING`'s.
        static SINGLES: RefCell<Vec<Value>> = const { RefCell::new(Vec::new()) };
    }

    /// Values that may hold other values (and so may nest deeply).
    fn holds_values(v: &Value) -> bool {
        !matches!(
            v,
            Value::None
                | Value::Bool(AlignedBool(_))
                | Value::Int(_)
                | Value::Float(_)
                | Value::Str(_)
                | Value::Range(_)
                | Value::Type(_)
                | Value::Builtin(_)
                | Value::Module(_)
                | Value::Host(_)
                | Value::Ellipsis
        )
    }

    fn next_item() -> Option<Value> {
        if let Some(v) = SINGLES.try_with(|s| s.borrow_mut().pop()).ok().flatten() {
            return Some(v);
        }
        PENDING
            .try_with(|p| {
                let mut p = p.borrow_mut();
                loop {
                    let top = p.last_mut()?;
                    match top.pop() {
                        Some(v) => {
                            // An emptied vector leaves at once: kept until
                            // the next call, a chain (`x = [x]` 4.5 M deep)
                            // stacked one empty vector per level, 250 MB.
                            if top.is_empty() {
                                p.pop();
                            }
                            return Some(v);
                        }
                        None => {
                            p.pop();
                        }
                    }
                }
            })
            .ok()
            .flatten()
    }

    pub fn defer(mut items: Vec<Value>) {
        // Flat values drop here at once.
        items.retain(holds_values);
        if items.is_empty() {
            return;
        }
        let _ = PENDING.try_with(|p| p.borrow_mut().push(items));
        if DROPPING.with(|d| d.get()) {
            return;
        }
        drain();
    }

    /// [`defer`] for one value, without a vector of its own (a generator's
    /// frame or a list iterator, dropped per `any(...)` call, allocated one
    /// for its values, issue #59): a flat value drops at once; inside a drop
    /// already under way the value waits in `SINGLES`; else it drops now,
    /// and what it held waits as `defer` leaves it.
    pub fn defer_one(v: Value) {
        // Another owner keeps what it holds: only a count goes down here.
        if !holds_values(&v) || v.box_shared() {
            return;
        }
        if DROPPING.with(|d| d.get()) {
            let _ = SINGLES.try_with(|s| s.borrow_mut().push(v));
            return;
        }
        DROPPING.with(|d| d.set(true));
        drop(v);
        drain();
    }

    /// Drops what waits, one item at a time, marked as dropping meanwhile;
    /// a deep chain's waiting room is given back after it.
    fn drain() {
        DROPPING.with(|d| d.set(true));
        while let Some(v) = next_item() {
            drop(v);
        }
        let _ = SINGLES.try_with(|s| {
            let mut s = s.borrow_mut();
            if s.capacity() > 1024 {
                *s = Vec::new();
            }
        });
        DROPPING.with(|d| d.set(false));
    }
}

pub(crate) use deferred_drop::defer as defer_drop;
pub(crate) use deferred_drop::defer_one as defer_drop_one;

/// A frozenset's items. Its own type for its `Drop`: a frozenset of a
/// frozenset of ... (`x = frozenset([x])` 10^6 times) is dropped through
/// the deferred drop, as the other containers are.
pub struct FrozenSetObj(pub KeySet);

impl std::ops::Deref for FrozenSetObj {
    type Target = KeySet;
    fn deref(&self) -> &KeySet {
        &self.0
    }
}

impl Drop for FrozenSetObj {
    fn drop(&mut self) {
        // Strings and numbers drop here; only items that may nest are
        // handed over (no vector at all for a frozenset of strings).
        if self.0.iter().any(|k| matches!(k.0, Value::FrozenSet(_) | Value::Tuple(_))) {
            defer_drop(std::mem::take(&mut self.0).into_iter().map(|k| k.0).collect());
        }
    }
}

/// A `bool`'s payload, aligned as a word: every variant of [`Value`] then
/// holds its data 8 bytes in, after the tag byte, and a value is moved as
/// a tag byte and a word, as it was written. A bare `bool` lay at byte 1
/// (as did an exception type's kind), so the compiler moved every value as
/// a byte and 15 more, in pieces that straddled the ones it had been
/// written in: each such load waited for the stores before it to reach
/// the cache (store forwarding fails), ~20% of the dispatch loop's time in
/// call-heavy programs (docs/benchmarks/2026-11-30-issue-79-value-layout.md).
#[repr(align(8))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AlignedBool(pub bool);

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(AlignedBool(b))
    }
}

#[derive(Clone)]
pub enum Value {
    None,
    Bool(AlignedBool),
    Int(i64),
    Float(f64),
    Str(Str),
    List(Rc<ListObj>),
    Tuple(Rc<TupleObj>),
    Dict(Rc<StoreCell<Dict>>),
    Set(Rc<StoreCell<KeySet>>),
    FrozenSet(Rc<FrozenSetObj>),
    Deque(Rc<DequeObj>),
    Range(Rc<(i64, i64, i64)>),
    Slice(Rc<(Value, Value, Value)>),
    Func(Rc<Function>),
    Builtin(Rc<BuiltinFn>),
    /// A method of a built-in value, bound to its receiver.
    Method(Rc<(Value, SmolStr)>),
    Type(Ty),
    Exc(Rc<Exception>),
    Module(Rc<ModuleObject>),
    Iter(Rc<RefCell<IterState>>),
    Coroutine(Rc<RefCell<Coroutine>>),
    HostFuture(Rc<HostFuture>),
    Gather(Rc<Gather>),
    /// Behind a second `Rc`: a `dyn` pointer is two words, and would make
    /// every `Value` 24 bytes instead of 16.
    Host(Rc<Rc<dyn HostObject>>),
    Native(Rc<Native>),
    Ellipsis,
}

impl Value {
    pub fn str(s: impl Into<compact_str::CompactString>) -> Value {
        Value::Str(Str::new(s))
    }

    pub fn list(v: Vec<Value>) -> Value {
        let l = Rc::new(ListObj::new(v));
        Track::track(&l);
        Value::List(l)
    }

    /// A new tuple, charged to the current account (see `TupleObj`).
    pub fn tuple(v: Vec<Value>) -> Value {
        Value::Tuple(Rc::new(TupleObj::new(v)))
    }

    pub fn dict(d: Dict) -> Value {
        let d = Rc::new(StoreCell::new(d));
        Track::track(&d);
        Value::Dict(d)
    }

    /// A new mutable set (registered for cycle collection, see `gc`).
    pub(crate) fn new_set(s: KeySet) -> Value {
        let s = Rc::new(StoreCell::new(s));
        Track::track(&s);
        Value::Set(s)
    }

    /// A new frozenset (registered for its memory, see `gc`).
    pub(crate) fn new_frozenset(s: KeySet) -> Value {
        let s = Rc::new(FrozenSetObj(s));
        Track::track(&s);
        Value::FrozenSet(s)
    }

    /// A new iterator (registered for its memory, see `gc`).
    pub(crate) fn iter(st: IterState) -> Value {
        let i = Rc::new(RefCell::new(st));
        Track::track(&i);
        Value::Iter(i)
    }

    pub fn ty(&self) -> Ty {
        match self {
            Value::None => Ty::NoneType,
            Value::Bool(AlignedBool(_)) => Ty::Bool,
            Value::Int(_) => Ty::Int,
            Value::Float(_) => Ty::Float,
            Value::Str(_) => Ty::Str,
            Value::List(_) => Ty::List,
            Value::Tuple(_) => Ty::Tuple,
            Value::Dict(d) => match d.borrow().kind {
                DictKind::Plain => Ty::Dict,
                DictKind::Counter => Ty::Counter,
                DictKind::Ordered => Ty::OrderedDict,
                DictKind::Default(_) => Ty::DefaultDict,
            },
            Value::Set(_) => Ty::Set,
            Value::FrozenSet(_) => Ty::FrozenSet,
            Value::Deque(_) => Ty::Deque,
            Value::Range(_) => Ty::Range,
            Value::Slice(_) => Ty::Slice,
            Value::Func(_) => Ty::Function,
            Value::Builtin(_) => Ty::BuiltinFunction,
            Value::Method(_) => Ty::BuiltinFunction,
            Value::Type(_) => Ty::Type,
            Value::Exc(e) => Ty::Exc(e.kind),
            Value::Module(_) => Ty::Module,
            Value::Iter(i) if matches!(i.try_borrow().as_deref(), Ok(IterState::Gen(_))) => {
                Ty::Other(&"generator")
            }
            Value::Iter(_) => Ty::Other(&"iterator"),
            Value::Coroutine(_) => Ty::Other(&"coroutine"),
            Value::HostFuture(_) => Ty::Other(&"coroutine"),
            Value::Gather(_) => Ty::Other(&"_GatheringFuture"),
            Value::Host(_) => Ty::Other(&"host object"),
            Value::Native(n) => n.ty(),
            Value::Ellipsis => Ty::Other(&"ellipsis"),
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Host(_) => "host object",
            v => v.ty().name(),
        }
    }

    /// `clone`, with the scalar variants copied inline: the dispatch loop
    /// copies ints on nearly every instruction, and the derived `clone` is an
    /// out-of-line call over every variant.
    #[inline(always)]
    pub(crate) fn clone_fast(&self) -> Value {
        match self {
            Value::Int(i) => Value::Int(*i),
            Value::None => Value::None,
            Value::Bool(AlignedBool(b)) => Value::Bool(AlignedBool(*b)),
            Value::Float(f) => Value::Float(*f),
            // Likewise a list (`x = [x]`, `xs.append(...)`): the derived
            // `clone` returns it in memory, copied out again by parts.
            Value::List(l) => Value::List(Rc::clone(l)),
            // And the other values most loaded (`for w in ...: d[w] = ...`):
            // the derived `clone` dispatches on the variant through a jump
            // table shared by every caller, which predicts poorly.
            Value::Str(s) => Value::Str(s.clone()),
            Value::Dict(d) => Value::Dict(Rc::clone(d)),
            other => other.clone(),
        }
    }

    /// `drop`, with the scalar variants (which own nothing) released inline
    /// rather than through the out-of-line drop of every variant.
    #[inline(always)]
    pub(crate) fn discard(self) {
        if matches!(
            self,
            Value::Int(_) | Value::None | Value::Bool(AlignedBool(_)) | Value::Float(_)
        ) {
            std::mem::forget(self);
        } else {
            drop(self);
        }
    }

    /// Whether this value's box has another owner, so that dropping this
    /// handle only lowers a count and drops nothing it holds (a constant
    /// tuple a loop walks: its iterator's drop need not wait in
    /// `deferred_drop`).
    pub(crate) fn box_shared(&self) -> bool {
        fn many<T: ?Sized>(r: &Rc<T>) -> bool {
            Rc::strong_count(r) > 1
        }
        match self {
            Value::List(r) => many(r),
            Value::Tuple(r) => many(r),
            Value::Dict(r) => many(r),
            Value::Set(r) => many(r),
            Value::FrozenSet(r) => many(r),
            Value::Deque(r) => many(r),
            Value::Iter(r) => many(r),
            Value::Func(r) => many(r),
            _ => false,
        }
    }

    /// Bytes of this value's own allocations that nothing else charges to
    /// the memory count (see `mem`): strings and tuples charge themselves,
    /// mutable containers and iterators are charged by the registry (`gc`),
    /// ints, floats and `None` live in the slot, modules and host objects
    /// belong to the session. The rest (functions, methods, exceptions,
    /// awaitables, natives...) is charged by the container that holds it.
    /// Shallow: what these values hold charges itself the same way.
    #[inline]
    pub(crate) fn unowned_cost(&self) -> usize {
        // The values containers hold most often cost nothing here: no call.
        match self {
            Value::None
            | Value::Bool(AlignedBool(_))
            | Value::Int(_)
            | Value::Float(_)
            | Value::Str(_)
            | Value::List(_)
            | Value::Tuple(_)
            | Value::Dict(_) => 0,
            _ => self.unowned_cost_rest(),
        }
    }

    /// [`Value::unowned_cost`] of the other variants.
    fn unowned_cost_rest(&self) -> usize {
        use crate::mem::{rc_block, vec_block};
        match self {
            Value::Range(_) => rc_block::<(i64, i64, i64)>(),
            Value::Slice(_) => rc_block::<(Value, Value, Value)>(),
            Value::Func(f) => f.mem_cost(),
            Value::Builtin(_) => rc_block::<BuiltinFn>(),
            Value::Method(_) => rc_block::<(Value, SmolStr)>(),
            Value::Exc(e) => e.mem_cost(),
            Value::Coroutine(c) => match c.try_borrow() {
                Ok(c) => {
                    awaitable_mem_cost::<RefCell<Coroutine>>(c.args.capacity(), c.kwargs.capacity())
                }
                Err(_) => rc_block::<RefCell<Coroutine>>(),
            },
            Value::HostFuture(h) => {
                awaitable_mem_cost::<HostFuture>(h.args.capacity(), h.kwargs.capacity())
            }
            Value::Gather(g) => rc_block::<Gather>() + vec_block::<Value>(g.items.capacity()),
            Value::Native(n) => rc_block::<Native>() + n.own_cost(),
            _ => 0,
        }
    }

    pub fn as_str(&self) -> Option<&Str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// A range's number of items, exact: a range of i64 bounds holds up to
/// 2^64 - 1. A function of the `Range` variant's data alone (its truth and
/// hash read it), so it lives with the value.
pub fn range_len_exact(start: i64, stop: i64, step: i64) -> u64 {
    let n = if step > 0 && start < stop {
        (stop as i128 - start as i128 - 1) / step as i128 + 1
    } else if step < 0 && start > stop {
        (start as i128 - stop as i128 - 1) / (-(step as i128)) + 1
    } else {
        0
    };
    n as u64
}

/// A range's number of items, held at `i64::MAX` (for callers that only
/// bound or test it; never negative).
pub fn range_len(start: i64, stop: i64, step: i64) -> i64 {
    range_len_exact(start, stop, step).min(i64::MAX as u64) as i64
}

/// Python's equalities hold: `1 == 1.0 == True` hash and compare equal.
#[derive(Clone)]
pub struct Key(pub Value);

impl Key {
    pub fn value(&self) -> &Value {
        &self.0
    }
}

/// A value looked up as a [`Key`] without being cloned into one (it hashes
/// and compares as `Key` does). Only for values already known hashable.
pub(crate) struct KeyRef<'a>(pub &'a Value);

// A key's equality (`PartialEq`, `Eq`, and `KeyRef`'s `Equivalent`) is
// implemented beside the equality walk it uses, in `types/eq_walk.rs`, and
// its hash beside it, in `types/hash_walk.rs` (each type's own): the value
// layer holds a key's data, not how values compare or hash.

// Every stack slot, local, list item and dict value is a `Value`, moved on
// nearly every instruction: two words, the tag sharing its byte with `Ty`'s.
// A variant holding a wider payload (a `&str`, a `dyn` pointer) made it 24
// bytes, copied by parts around its tag byte.
const _: () = assert!(std::mem::size_of::<Value>() == 16);
const _: () = assert!(std::mem::size_of::<Option<Value>>() == 16);
// Every variant's data 8 bytes in (see `AlignedBool`).
const _: () = assert!(std::mem::align_of::<AlignedBool>() == 8);
const _: () = assert!(std::mem::size_of::<ExcKind>() == 8);
