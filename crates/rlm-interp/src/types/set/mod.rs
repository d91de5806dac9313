//! `set` and `frozenset`: methods, the set operators (`|`, `&`, `-`, `^` and
//! their in-place forms), iteration order (CPython's for ints), `repr` and
//! the constructors. Subset comparisons are in `vm/compare.rs`.

pub(crate) mod order;

use std::rc::Rc;

use rlm_syntax::ast::BinOp;

use crate::callbacks::Callbacks;
use crate::cost::Over::{All, Args, Recv};
use crate::cost::{
    CostTable, FREE, FUEL_PER_NEW_SET_ELEMENT, HASH, SCAN, big_table_insert_fuel, cost,
};
use crate::fault::{Fault, R, exc, type_err};
use crate::meter::Meter;
use crate::types::attr_error::no_attr_among;
use crate::value::*;
pub(crate) use order::set_items;

/// What one new element may cost: an entry and its index, doubled by growth.
pub(crate) const SET_ENTRY_COST: usize =
    2 * (std::mem::size_of::<SetEntry>() + std::mem::size_of::<usize>() + 2);

/// What adding one element to `s` is about to allocate: when its table is
/// full, the doubled table at once (charged before, so a large set cannot
/// double past the budget between two syncs); else the amortised entry.
pub(crate) fn insert_cost(s: &KeySet) -> usize {
    if s.len() >= s.capacity() {
        crate::mem::table_block(
            s.capacity().saturating_mul(2).max(4),
            std::mem::size_of::<SetEntry>(),
        ) + SET_ENTRY_COST
    } else {
        SET_ENTRY_COST
    }
}

pub(crate) const SET_METHODS: &[&str] = &[
    "add",
    "remove",
    "discard",
    "pop",
    "clear",
    "copy",
    "union",
    "intersection",
    "difference",
    "symmetric_difference",
    "update",
    "intersection_update",
    "difference_update",
    "symmetric_difference_update",
    "issubset",
    "issuperset",
    "isdisjoint",
];

/// The methods that change a set in place: a frozenset has none of them.
pub(crate) const SET_MUTATORS: &[&str] = &[
    "add",
    "remove",
    "discard",
    "pop",
    "clear",
    "update",
    "intersection_update",
    "difference_update",
    "symmetric_difference_update",
];

/// What each `set`/`frozenset` method costs (`builtins/cost.rs`), sorted.
pub(crate) const SET_COSTS: CostTable = &[
    ("add", FREE),
    ("clear", cost(Recv, SCAN)),
    ("copy", cost(Recv, HASH)),
    ("difference", cost(All, HASH)),
    ("difference_update", cost(All, HASH)),
    ("discard", FREE),
    ("intersection", cost(All, HASH)),
    ("intersection_update", cost(All, HASH)),
    ("isdisjoint", cost(All, HASH)),
    ("issubset", cost(All, HASH)),
    ("issuperset", cost(All, HASH)),
    ("pop", FREE),
    ("remove", FREE),
    ("symmetric_difference", cost(All, HASH)),
    ("symmetric_difference_update", cost(All, HASH)),
    ("union", cost(All, HASH)),
    ("update", cost(Args, HASH)),
];

/// Charges one element about to be added to the set `s`: the memory
/// [`insert_cost`] names and [`FUEL_PER_NEW_SET_ELEMENT`] for hashing,
/// probing and growing the table, held to the collection cap. Every path
/// that adds elements one at a time calls this (or
/// [`charge_new_set_element_local`] for a set not yet a value).
pub(crate) fn charge_new_set_element(meter: &mut Meter, s: &StoreCell<KeySet>) -> R<()> {
    let (n, cost) = {
        let s = s.borrow();
        (s.len(), insert_cost(&s))
    };
    charge_set_insert(meter, n, cost)
}

/// The same for a set being built before it is a value (`set(xs)`).
pub(crate) fn charge_new_set_element_local(meter: &mut Meter, s: &KeySet) -> R<()> {
    charge_set_insert(meter, s.len(), insert_cost(s))
}

fn charge_set_insert(meter: &mut Meter, n: usize, cost: usize) -> R<()> {
    if n >= meter.limits.max_collection_len {
        meter.check_len(n + 1)?;
    }
    meter.fuel(FUEL_PER_NEW_SET_ELEMENT + big_table_insert_fuel(n))?;
    meter.alloc(cost)
}

/// A set's methods: a frozenset has those that do not change it.
pub(crate) fn set_method_names(recv: &Value) -> Vec<&'static str> {
    let frozen = matches!(recv, Value::FrozenSet(_));
    SET_METHODS.iter().copied().filter(|m| !(frozen && SET_MUTATORS.contains(m))).collect()
}

pub(crate) fn set_method<C: Callbacks + ?Sized>(
    cx: &mut C,
    recv: &Value,
    name: &str,
    args: Vec<Value>,
) -> R<Value> {
    if matches!(recv, Value::FrozenSet(_)) && SET_MUTATORS.contains(&name) {
        return no_attr_among(recv, name, set_method_names(recv));
    }
    // A copy of the receiver's elements, made only by the methods that
    // build from it (copying on every call made `add` O(n)).
    let mine = || set_items(recv).unwrap_or_default();
    let mutable = match recv {
        Value::Set(s) => Some(s.clone()),
        _ => None,
    };
    match name {
        "add" => {
            let x = args.into_iter().next().unwrap_or(Value::None);
            let k = crate::types::equality::key(cx.meter(), x)?;
            if let Some(s) = mutable {
                charge_new_set_element(cx.meter(), &s)?;
                s.borrow_mut().insert(k);
            }
            Ok(Value::None)
        }
        "remove" | "discard" => {
            let x = args.into_iter().next().unwrap_or(Value::None);
            let k = crate::types::equality::key(cx.meter(), x.clone())?;
            if let Some(s) = &mutable {
                // Removed in order: what follows it moves down (`dict::shift_fuel`).
                let shift = { s.borrow().get_index_of(&k).map_or(0, |i| s.borrow().len() - i - 1) };
                cx.meter().fuel(shift as u64 / 4)?;
            }
            let removed = mutable.map(|s| s.borrow_mut().shift_remove(&k)).unwrap_or(false);
            if !removed && name == "remove" {
                return Err(Fault::Exc(Exception::with_args(ExcKind::KeyError, vec![x])));
            }
            Ok(Value::None)
        }
        "pop" => {
            if let Some(s) = &mutable {
                cx.meter().fuel(s.borrow().len() as u64 / 4)?;
            }
            let r = mutable.and_then(|s| s.borrow_mut().shift_remove_index(0));
            match r {
                Some(k) => Ok(k.0),
                None => exc(ExcKind::KeyError, "pop from an empty set"),
            }
        }
        "clear" => {
            if let Some(s) = mutable {
                crate::types::release::charge_release(
                    cx.meter(),
                    s.addr(),
                    s.borrow().iter().map(|k| &k.0),
                )?;
                s.borrow_mut().clear();
            }
            Ok(Value::None)
        }
        "copy" => Ok(match recv {
            Value::Set(_) => Value::new_set(mine()),
            other => other.clone(),
        }),
        "union" | "intersection" | "difference" | "symmetric_difference" => {
            combined(cx, recv, SetOp::of_method(name), &args)
        }
        "update" => {
            // In place, as CPython: a small update of a big set costs
            // the small one (a copy of the receiver per call made
            // `s.update({x})` in a loop quadratic).
            let Some(s) = mutable else { return no_attr_among(recv, name, set_method_names(recv)) };
            for a in &args {
                let o = match elems(a) {
                    Some(o) => o,
                    None => Elems::Owned(as_set(cx, a)?),
                };
                if o.is_same(&s) {
                    continue;
                }
                cx.meter().fuel(o.len() as u64)?;
                insert_missing(cx.meter(), &mut s.borrow_mut(), &o)?;
            }
            Ok(Value::None)
        }
        "intersection_update" | "difference_update" | "symmetric_difference_update" => {
            let base = name.trim_end_matches("_update");
            let r = set_method(cx, recv, base, args)?;
            if let (Some(s), Value::Set(r)) = (mutable, r) {
                // The new contents are moved in, not copied again.
                let new = std::mem::take(&mut *r.borrow_mut());
                *s.borrow_mut() = new;
            }
            Ok(Value::None)
        }
        "issubset" | "issuperset" | "isdisjoint" => {
            let Some(a) = args.first() else {
                return type_err(format!("{name}() takes exactly one argument"));
            };
            // Read where they are (copies of both held two sets' worth of
            // memory, uncharged); an argument that is no set is made one
            // first, while nothing is borrowed.
            let owned = owned_args(cx, std::slice::from_ref(a), as_set)?.pop().flatten();
            let o = match &owned {
                Some(o) => Elems::Frozen(o),
                None => elems(a).unwrap_or(Elems::Owned(KeySet::default())),
            };
            let mine = elems(recv).unwrap_or(Elems::Owned(KeySet::default()));
            cx.meter().fuel((mine.len() + o.len()) as u64)?;
            Ok(Value::Bool(AlignedBool(match name {
                "issubset" => mine.iter().all(|k| o.contains(k)),
                "issuperset" => o.iter().all(|k| mine.contains(k)),
                _ => !mine.iter().any(|k| o.contains(k)),
            })))
        }
        _ => no_attr_among(recv, name, set_method_names(recv)),
    }
}

/// `a | b`, `a & b`, `a - b`, `a ^ b` for two sets (or set-like views);
/// the result has `a`'s type. The operands are read where they are
/// (copying both first held three sets' worth of memory, uncharged),
/// and the result is charged as it grows (`set_combine`).
pub(crate) fn set_binary(meter: &mut Meter, op: BinOp, a: &Value, b: &Value) -> R<Value> {
    let empty = || Elems::Owned(KeySet::default());
    let x = elems(a).unwrap_or_else(empty);
    let y = elems(b).unwrap_or_else(empty);
    // Every element of both sides is copied and hashed.
    meter.fuel((x.len() + y.len()) as u64)?;
    let op = SetOp::of_operator(op);
    let r = match op {
        SetOp::Union => {
            let acc = charged_copy(meter, &x)?;
            set_combine(meter, op, acc, &y)?
        }
        _ => set_combine_from(meter, op, &x, &y)?,
    };
    drop((x, y));
    if let Value::FrozenSet(_) = a { Ok(Value::new_frozenset(r)) } else { Ok(Value::new_set(r)) }
}

/// `s |= b` etc. `|=` adds `b`'s missing elements in place (as
/// `update`); the others' result replaces the contents (moved in).
pub(crate) fn set_inplace<C: Callbacks + ?Sized>(
    cx: &mut C,
    op: BinOp,
    s: &Rc<StoreCell<KeySet>>,
    a: Value,
    b: &Value,
) -> R<Value> {
    if op == BinOp::BitOr {
        // `|=`'s declared cost was charged by the operator's dispatch
        // (`vm/binary.rs`), as `+=`'s of a list is.
        if let Some(o) = elems(b) {
            if !o.is_same(s) {
                insert_missing(cx.meter(), &mut s.borrow_mut(), &o)?;
            }
            drop(o);
            return Ok(a);
        }
    }
    let r = cx.binary(op, &a, b)?;
    if let Value::Set(r) = r {
        let new = std::mem::take(&mut *r.borrow_mut());
        *s.borrow_mut() = new;
    }
    Ok(a)
}

/// `s.union(*others)`, `intersection`, `difference`, `symmetric_difference`:
/// a new set of `recv`'s type.
fn combined<C: Callbacks + ?Sized>(
    cx: &mut C,
    recv: &Value,
    op: SetOp,
    args: &[Value],
) -> R<Value> {
    // The arguments that are not sets are made sets first, while
    // nothing is borrowed (making them may run program code).
    let others = owned_args(cx, args, as_set::<C>)?;
    let mine = elems(recv).unwrap_or(Elems::Owned(KeySet::default()));
    // Built from the receiver where it is: a copy of it first is
    // made only for a union (which adds to it), charged.
    let mut acc: Option<KeySet> = None;
    for (a, owned) in args.iter().zip(&others) {
        let o = match owned {
            Some(o) => Elems::Frozen(o),
            None => elems(a).unwrap_or(Elems::Owned(KeySet::default())),
        };
        let x: &KeySet = acc.as_ref().unwrap_or(&mine);
        // Every element of both sides is copied or hashed.
        cx.meter().fuel((x.len() + o.len()) as u64)?;
        let r = match (op, acc.take()) {
            (SetOp::Union, Some(a)) => set_combine(cx.meter(), op, a, &o)?,
            (SetOp::Union, None) => {
                let a = charged_copy(cx.meter(), &mine)?;
                set_combine(cx.meter(), op, a, &o)?
            }
            (_, Some(a)) => set_combine_from(cx.meter(), op, &a, &o)?,
            (_, None) => set_combine_from(cx.meter(), op, &mine, &o)?,
        };
        acc = Some(r);
    }
    let acc = match acc {
        Some(a) => a,
        None => charged_copy(cx.meter(), &mine)?,
    };
    drop(mine);
    Ok(match recv {
        Value::FrozenSet(_) => Value::new_frozenset(acc),
        _ => Value::new_set(acc),
    })
}

/// The elements of an iterable as a set: copied from a set-like value,
/// else hashed and inserted one by one, each charged.
fn as_set<C: Callbacks + ?Sized>(vm: &mut C, v: &Value) -> R<KeySet> {
    match set_items(v) {
        Some(s) => Ok(s),
        None => {
            let mut s = KeySet::default();
            for x in vm.iterate(v)? {
                let k = crate::types::equality::key(vm.meter(), x)?;
                charge_new_set_element_local(vm.meter(), &s)?;
                s.insert(k);
            }
            Ok(s)
        }
    }
}

/// For each argument of a set method: `None` when it is read where it is
/// (a set, a frozenset), else its elements made a set by `as_set`.
fn owned_args<C: Callbacks + ?Sized>(
    cx: &mut C,
    args: &[Value],
    as_set: impl Fn(&mut C, &Value) -> R<KeySet>,
) -> R<Vec<Option<KeySet>>> {
    args.iter()
        .map(|a| match a {
            Value::Set(_) | Value::FrozenSet(_) => Ok(None),
            _ => as_set(cx, a).map(Some),
        })
        .collect()
}

/// A copy of `x` to build a result in, its table charged before it is
/// made.
fn charged_copy(meter: &mut Meter, x: &KeySet) -> R<KeySet> {
    if x.len() >= meter.limits.max_collection_len {
        meter.check_len(x.len())?;
    }
    meter.alloc(crate::mem::table_block(x.len(), std::mem::size_of::<SetEntry>()))?;
    Ok(x.clone())
}

/// Adds `k` to `r`, a set a bulk operation is building (its items were
/// paid for by the cost table): held to the collection cap, its table's
/// growth charged before it happens, and past [`crate::cost::BIG_TABLE_FROM`]
/// entries the cache misses one-at-a-time inserts pay
/// (`big_table_insert_fuel`).
fn bulk_insert(meter: &mut Meter, r: &mut KeySet, k: Key) -> R<()> {
    let n = r.len();
    if n >= meter.limits.max_collection_len {
        meter.check_len(n + 1)?;
    }
    meter.fuel(big_table_insert_fuel(n))?;
    if n >= r.capacity() {
        meter.alloc(insert_cost(r))?;
    }
    r.insert(k);
    Ok(())
}

/// Adds to `r` each element of `o` it lacks (union, `update`, `|=`).
fn insert_missing(meter: &mut Meter, r: &mut KeySet, o: &KeySet) -> R<()> {
    if r.is_empty() && r.capacity() < o.len() {
        // Into an empty set (`s |= t` on a new set): one table of the
        // right size, charged before it is reserved.
        if o.len() > meter.limits.max_collection_len {
            meter.check_len(o.len())?;
        }
        meter.alloc(crate::mem::table_block(o.len(), std::mem::size_of::<SetEntry>()))?;
        r.reserve(o.len());
    }
    for k in o {
        if !r.contains(k) {
            bulk_insert(meter, r, k.clone())?;
        }
    }
    Ok(())
}

/// `acc op o`, reusing `acc` where the operation keeps it (union).
fn set_combine(meter: &mut Meter, op: SetOp, mut acc: KeySet, o: &KeySet) -> R<KeySet> {
    if op == SetOp::Union {
        insert_missing(meter, &mut acc, o)?;
        return Ok(acc);
    }
    set_combine_from(meter, op, &acc, o)
}

/// `x op o` for the operations that build a new set (all but union),
/// in CPython's order: `x`'s elements first.
fn set_combine_from(meter: &mut Meter, op: SetOp, x: &KeySet, o: &KeySet) -> R<KeySet> {
    let mut r = KeySet::default();
    match op {
        SetOp::Union => {
            for k in x {
                bulk_insert(meter, &mut r, k.clone())?;
            }
            insert_missing(meter, &mut r, o)?;
        }
        // CPython walks the smaller set (`o` on a tie) and keeps its
        // elements: `{True} & {1}` is `{1}`.
        SetOp::Intersection => {
            let (walk, probe) = if o.len() <= x.len() { (o, x) } else { (x, o) };
            for k in walk {
                if probe.contains(k) {
                    bulk_insert(meter, &mut r, k.clone())?;
                }
            }
        }
        SetOp::Difference => {
            for k in x {
                if !o.contains(k) {
                    bulk_insert(meter, &mut r, k.clone())?;
                }
            }
        }
        SetOp::SymmetricDifference => {
            for k in x {
                if !o.contains(k) {
                    bulk_insert(meter, &mut r, k.clone())?;
                }
            }
            for k in o {
                if !x.contains(k) {
                    bulk_insert(meter, &mut r, k.clone())?;
                }
            }
        }
    }
    Ok(r)
}

/// `set(iterable)`, `frozenset(iterable)`.
pub(crate) fn set_new<C: Callbacks + ?Sized>(cx: &mut C, t: Ty, args: &[Value]) -> R<Value> {
    cx.meter().fuel(crate::cost::FUEL_PER_SET_MADE)?;
    let mut set = KeySet::default();
    if let Some(v) = args.first() {
        for x in cx.iterate(v)? {
            let k = crate::types::equality::key(cx.meter(), x)?;
            charge_new_set_element_local(cx.meter(), &set)?;
            set.insert(k);
        }
    }
    Ok(if t == Ty::Set { Value::new_set(set) } else { Value::new_frozenset(set) })
}

/// The four set operations, named by method or by operator.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SetOp {
    Union,
    Intersection,
    Difference,
    SymmetricDifference,
}

impl SetOp {
    fn of_method(name: &str) -> SetOp {
        match name {
            "union" => SetOp::Union,
            "intersection" => SetOp::Intersection,
            "difference" => SetOp::Difference,
            _ => SetOp::SymmetricDifference,
        }
    }

    fn of_operator(op: BinOp) -> SetOp {
        match op {
            BinOp::BitOr => SetOp::Union,
            BinOp::BitAnd => SetOp::Intersection,
            BinOp::Sub => SetOp::Difference,
            _ => SetOp::SymmetricDifference,
        }
    }
}

/// A set-like value's elements, read where a set or frozenset holds them
/// (no copy), or collected from a dict's keys or items view.
enum Elems<'a> {
    Cell(std::cell::Ref<'a, KeySet>, &'a Rc<StoreCell<KeySet>>),
    Frozen(&'a KeySet),
    Owned(KeySet),
}

impl Elems<'_> {
    /// Whether these are the elements of the set `s` itself.
    fn is_same(&self, s: &Rc<StoreCell<KeySet>>) -> bool {
        matches!(self, Elems::Cell(_, c) if Rc::ptr_eq(c, s))
    }
}

impl std::ops::Deref for Elems<'_> {
    type Target = KeySet;
    fn deref(&self) -> &KeySet {
        match self {
            Elems::Cell(r, _) => r,
            Elems::Frozen(s) => s,
            Elems::Owned(s) => s,
        }
    }
}

/// The elements of a set-like value (`None`: not one), borrowed when it is
/// a set or a frozenset.
fn elems(v: &Value) -> Option<Elems<'_>> {
    match v {
        Value::Set(s) => Some(Elems::Cell(s.borrow(), s)),
        Value::FrozenSet(s) => Some(Elems::Frozen(&s.0)),
        _ => set_items(v).map(Elems::Owned),
    }
}

/// Whether `v` is set-like for the set operators (a set, a frozenset, a
/// dict's keys view, an items view of hashable values), without copying
/// its elements.
pub(crate) fn is_set_like(v: &Value) -> bool {
    match v {
        Value::Set(_) | Value::FrozenSet(_) => true,
        Value::Native(n) if matches!(**n, Native::DictView(0, _)) => true,
        _ => set_items(v).is_some(),
    }
}

/// `{1, 2}`, `set()`, `frozenset({1})` or `frozenset()`, the items one
/// level deeper in the repr walk.
fn set_repr<W: crate::types::protocol::ReprWalk>(
    items: &[Value],
    frozen: bool,
    walk: &mut W,
) -> R<()> {
    let (empty, open, close) =
        if frozen { ("frozenset()", "frozenset({", "})") } else { ("set()", "{", "}") };
    if items.is_empty() {
        walk.out().push_str(empty);
        return Ok(());
    }
    walk.out().push_str(open);
    walk.items(items)?;
    walk.out().push_str(close);
    Ok(())
}

/// `x == other` for a set or frozenset's elements `x`: another set or
/// frozenset with the same elements, or a dict's keys or items view.
fn set_eq<E: crate::types::protocol::EqWalk>(
    x: &KeySet,
    other: &Value,
    walk: &mut E,
) -> Option<bool> {
    let same = |y: &KeySet, walk: &mut E| -> Option<bool> {
        Some(
            x.len() == y.len() && {
                walk.spend(x.len() as u64)?;
                x.iter().all(|k| y.contains(k))
            },
        )
    };
    match other {
        Value::Set(y) => same(&y.borrow(), walk),
        Value::FrozenSet(y) => same(y, walk),
        Value::Native(n) if matches!(**n, Native::DictView(0 | 2, _)) => Some(
            set_items(other).is_some_and(|y| x.len() == y.len() && x.iter().all(|k| y.contains(k))),
        ),
        _ => Some(false),
    }
}

/// `set` in the value protocol.
pub(crate) struct SetType;

impl crate::types::protocol::PyType for SetType {
    type Data = Rc<StoreCell<KeySet>>;

    fn truth(data: &Rc<StoreCell<KeySet>>) -> bool {
        !data.borrow().is_empty()
    }

    fn len(data: &Rc<StoreCell<KeySet>>) -> Option<R<usize>> {
        Some(Ok(data.borrow().len()))
    }

    fn method_names(data: &Rc<StoreCell<KeySet>>) -> std::borrow::Cow<'static, [&'static str]> {
        let _ = data;
        SET_METHODS.into()
    }

    fn method_cost(data: &Rc<StoreCell<KeySet>>, name: &str) -> crate::cost::Cost {
        let _ = data;
        crate::cost::lookup(SET_COSTS, name)
    }

    fn arity_key(data: &Rc<StoreCell<KeySet>>) -> Option<u8> {
        let _ = data;
        Some(crate::types::method_arity::TY_SET)
    }

    fn changes_receiver(name: &str) -> bool {
        SET_MUTATORS.contains(&name)
    }

    fn iter<C: crate::callbacks::Callbacks + ?Sized>(
        cx: &mut C,
        recv: &Value,
        data: &Rc<StoreCell<KeySet>>,
    ) -> Option<R<IterState>> {
        // Copied whole at the start (in CPython's order), charged before.
        let fuel = crate::types::iter::snapshot_fuel(data.borrow().len());
        Some(
            cx.meter().fuel(fuel).map(|()| {
                IterState::watched(order::set_order(&data.borrow()).into(), recv.clone())
            }),
        )
    }

    fn repr<W: crate::types::protocol::ReprWalk>(
        data: &Rc<StoreCell<KeySet>>,
        walk: &mut W,
    ) -> R<()> {
        let items = order::set_order(&data.borrow());
        set_repr(&items, false, walk)
    }

    #[inline]
    fn size(data: &Rc<StoreCell<KeySet>>) -> (u64, u64) {
        (data.borrow().len() as u64, 0)
    }

    fn eq<E: crate::types::protocol::EqWalk>(
        data: &Rc<StoreCell<KeySet>>,
        other: &Value,
        walk: &mut E,
    ) -> Option<bool> {
        set_eq(&data.borrow(), other, walk)
    }

    fn order<W: crate::types::protocol::OrderWalk>(
        walk: &mut W,
        op: rlm_syntax::ast::CmpOp,
        lhs: &Value,
        data: &Rc<StoreCell<KeySet>>,
        other: &Value,
    ) -> Option<R<bool>> {
        let _ = data;
        order::subset_order(walk.meter(), op, lhs, other)
    }

    fn contains<C: crate::callbacks::Callbacks + ?Sized>(
        cx: &mut C,
        data: &Rc<StoreCell<KeySet>>,
        item: &Value,
    ) -> Option<R<bool>> {
        Some(
            crate::types::equality::key(cx.meter(), item.clone())
                .map(|k| data.borrow().contains(&k)),
        )
    }

    fn binary<C: crate::callbacks::Callbacks + ?Sized>(
        cx: &mut C,
        op: rlm_syntax::ast::BinOp,
        data: &Rc<StoreCell<KeySet>>,
        lhs: &Value,
        rhs: &Value,
        reflected: bool,
    ) -> Option<R<Value>> {
        use rlm_syntax::ast::BinOp;
        let _ = (data, reflected);
        let set_op = matches!(op, BinOp::BitOr | BinOp::BitAnd | BinOp::BitXor | BinOp::Sub);
        (set_op && is_set_like(lhs) && is_set_like(rhs))
            .then(|| set_binary(cx.meter(), op, lhs, rhs))
    }

    fn call_method<C: crate::callbacks::Callbacks + ?Sized>(
        cx: &mut C,
        recv: &Value,
        data: &Rc<StoreCell<KeySet>>,
        name: &str,
        args: Vec<Value>,
        kwargs: crate::args::Kwargs,
    ) -> R<Value> {
        let _ = (data, kwargs);
        set_method(cx, recv, name, args)
    }
}

/// `frozenset` in the value protocol.
pub(crate) struct FrozenSetType;

impl crate::types::protocol::PyType for FrozenSetType {
    type Data = Rc<FrozenSetObj>;

    fn truth(data: &Rc<FrozenSetObj>) -> bool {
        !data.is_empty()
    }

    fn len(data: &Rc<FrozenSetObj>) -> Option<R<usize>> {
        Some(Ok(data.len()))
    }

    fn method_names(data: &Rc<FrozenSetObj>) -> std::borrow::Cow<'static, [&'static str]> {
        let _ = data;
        SET_METHODS.iter().copied().filter(|m| !SET_MUTATORS.contains(m)).collect::<Vec<_>>().into()
    }

    fn method_cost(data: &Rc<FrozenSetObj>, name: &str) -> crate::cost::Cost {
        let _ = data;
        crate::cost::lookup(SET_COSTS, name)
    }

    fn arity_key(data: &Rc<FrozenSetObj>) -> Option<u8> {
        let _ = data;
        Some(crate::types::method_arity::TY_FROZENSET)
    }

    fn iter<C: crate::callbacks::Callbacks + ?Sized>(
        cx: &mut C,
        recv: &Value,
        data: &Rc<FrozenSetObj>,
    ) -> Option<R<IterState>> {
        let _ = recv;
        let fuel = crate::types::iter::snapshot_fuel(data.len());
        Some(cx.meter().fuel(fuel).map(|()| IterState::Items(order::set_order(data).into())))
    }

    fn repr<W: crate::types::protocol::ReprWalk>(data: &Rc<FrozenSetObj>, walk: &mut W) -> R<()> {
        set_repr(&order::set_order(data), true, walk)
    }

    fn hash<W: crate::types::protocol::HashWalk>(
        data: &Rc<FrozenSetObj>,
        walk: &mut W,
    ) -> Option<()> {
        use std::hash::Hash;
        // Its size alone: equal sets hash alike whatever their elements'
        // order in the table.
        data.len().hash(walk.state());
        Some(())
    }

    #[inline]
    fn size(data: &Rc<FrozenSetObj>) -> (u64, u64) {
        (data.len() as u64, 0)
    }

    fn eq<E: crate::types::protocol::EqWalk>(
        data: &Rc<FrozenSetObj>,
        other: &Value,
        walk: &mut E,
    ) -> Option<bool> {
        set_eq(data, other, walk)
    }

    fn order<W: crate::types::protocol::OrderWalk>(
        walk: &mut W,
        op: rlm_syntax::ast::CmpOp,
        lhs: &Value,
        data: &Rc<FrozenSetObj>,
        other: &Value,
    ) -> Option<R<bool>> {
        let _ = data;
        order::subset_order(walk.meter(), op, lhs, other)
    }

    fn contains<C: crate::callbacks::Callbacks + ?Sized>(
        cx: &mut C,
        data: &Rc<FrozenSetObj>,
        item: &Value,
    ) -> Option<R<bool>> {
        Some(crate::types::equality::key(cx.meter(), item.clone()).map(|k| data.contains(&k)))
    }

    fn binary<C: crate::callbacks::Callbacks + ?Sized>(
        cx: &mut C,
        op: rlm_syntax::ast::BinOp,
        data: &Rc<FrozenSetObj>,
        lhs: &Value,
        rhs: &Value,
        reflected: bool,
    ) -> Option<R<Value>> {
        use rlm_syntax::ast::BinOp;
        let _ = (data, reflected);
        let set_op = matches!(op, BinOp::BitOr | BinOp::BitAnd | BinOp::BitXor | BinOp::Sub);
        (set_op && is_set_like(lhs) && is_set_like(rhs))
            .then(|| set_binary(cx.meter(), op, lhs, rhs))
    }

    fn call_method<C: crate::callbacks::Callbacks + ?Sized>(
        cx: &mut C,
        recv: &Value,
        data: &Rc<FrozenSetObj>,
        name: &str,
        args: Vec<Value>,
        kwargs: crate::args::Kwargs,
    ) -> R<Value> {
        let _ = (data, kwargs);
        set_method(cx, recv, name, args)
    }
}
