//! `dict` and its `collections` flavours (`Counter`, `OrderedDict`,
//! `defaultdict`, which share the storage and differ by `DictKind`): methods,
//! lookup (a missing key asks the flavour), item assignment and deletion,
//! `|`, `|=`, `update`, `repr` and the constructors. The flavours' own
//! methods are in `counter.rs` and `ordered.rs`, the live views in `view.rs`;
//! the storage (`Dict`, `DictKind`) is the value layer's
//! (`value/containers.rs`).

pub(crate) mod counter;
mod last_found;
mod most_common;
pub(crate) mod ordered;
mod repr;
pub(crate) mod view;

use std::rc::Rc;

use crate::args::{Kwargs, kw};
use crate::callbacks::Callbacks;
use crate::cost::Over::{Arg, Args, Recv};
use crate::cost::{
    CostTable, FREE, FUEL_PER_NEW_DICT_KEY, HASH, HASH_BYTES, SCAN, big_table_insert_fuel, cost,
};
use crate::fault::{Fault, R, exc, type_err, value_err};
use crate::meter::Meter;
use crate::types::attr_error::no_attr_among;
use crate::value::*;

/// What one new key may cost: an entry and its index, doubled by growth.
pub(crate) const DICT_ENTRY_COST: usize =
    2 * (std::mem::size_of::<DictEntry>() + std::mem::size_of::<usize>() + 2);

/// `d.get(k, default)` for a key [`Vm::key`] accepted.
#[inline]
pub(crate) fn dict_get(d: &StoreCell<Dict>, k: &Value, default: Option<&Value>) -> Value {
    match d.borrow().map.get_full(&KeyRef(k)) {
        Some((i, _, v)) => {
            last_found::remember(d, i);
            v.clone()
        }
        None => default.cloned().unwrap_or(Value::None),
    }
}

/// `d[k] = v` where the lookup just before found `k` in `d` (`d[k] =
/// d.get(k, 0) + 1`, `d[k] += 1`), `k` hashes for free and the cell's
/// journal needs no copy of `d`: the value at `k`'s entry replaced where it
/// lies by `v`, and the three popped from the top of `stack` (`v` first,
/// below `d` and `k`, for an assignment, `StoreSubscrAssign`; last, above
/// them, for an augmented one, `StoreSubscr`). Nothing is charged: no entry
/// is added and no memory, as in the general `d[k] = v` of a key the dict
/// holds. `false` (the stack untouched) otherwise. The plain loop
/// (`vm/plain.rs`) runs it; out of line, as that loop's other calls that
/// are not int work (inlined, it cost `func_calls`' loop 1.5% more
/// instructions, in registers).
#[inline(never)]
pub(crate) fn store_found_item(
    stack: &mut crate::value::stack::OperandStack,
    value_first: bool,
) -> bool {
    let Some(at) = stack.len().checked_sub(3) else { return false };
    let (d_at, k_at, v_at) = if value_first { (at + 1, at + 2, at) } else { (at, at + 1, at + 2) };
    let (Some(Value::Dict(d)), Some(k)) = (stack.get(d_at), stack.get(k_at)) else {
        return false;
    };
    if d.journal_pending() || !crate::types::equality::key_is_free(k) {
        return false;
    }
    let Some(i) = last_found::entry_of(d, k) else { return false };
    let d = Rc::clone(d);
    let mut dict = d.borrow_mut();
    let Some((_, slot)) = dict.map.get_index_mut(i) else { return false };
    let Some(v) = stack.get_mut(v_at).map(|v| std::mem::replace(v, Value::None)) else {
        return false;
    };
    let old = std::mem::replace(slot, v);
    drop(dict);
    stack.drop_top(3);
    drop(old);
    true
}

/// What inserting one new key into `d` is about to allocate: when its table
/// is full, the doubled table at once (charged before, so a large dict cannot
/// double past the budget between two syncs); else the amortised entry.
pub(crate) fn insert_cost(d: &Dict) -> usize {
    if d.map.len() >= d.map.capacity() {
        crate::mem::table_block(
            d.map.capacity().saturating_mul(2).max(4),
            std::mem::size_of::<DictEntry>(),
        ) + DICT_ENTRY_COST
    } else {
        DICT_ENTRY_COST
    }
}

pub(crate) const DICT_METHODS: &[&str] = &[
    "get",
    "keys",
    "values",
    "items",
    "pop",
    "popitem",
    "setdefault",
    "update",
    "clear",
    "copy",
    "fromkeys",
];

/// The methods that change a dict (of any kind) in place (`types::changes_receiver`).
pub(crate) const DICT_CHANGES: &[&str] =
    &["clear", "move_to_end", "pop", "popitem", "setdefault", "subtract", "update"];

/// What each `dict` method costs (`builtins/cost.rs`), sorted; the views (`keys`...) are charged when iterated,
/// `pop` the entries its removal shifts (`shift_fuel`).
pub(crate) const DICT_COSTS: CostTable = &[
    ("clear", cost(Recv, SCAN)),
    ("copy", cost(Recv, HASH)),
    ("fromkeys", cost(Arg(0), HASH_BYTES)),
    ("get", FREE),
    ("items", FREE),
    ("keys", FREE),
    ("pop", FREE),
    ("popitem", FREE),
    ("setdefault", FREE),
    ("update", cost(Args, HASH_BYTES)),
    ("values", FREE),
];

/// Fuel for removing `k` in order (`shift_remove`, as CPython keeps
/// insertion order): the entries after it move down and their indices are
/// rewritten, about a nanosecond each: one unit per 4.
pub(crate) fn shift_fuel(map: &Map, k: &Key) -> u64 {
    map.get_index_of(k).map_or(0, |i| (map.len() - i - 1) as u64 / 4)
}

/// Charges one new key about to be inserted into `d`: the memory
/// [`insert_cost`] names and [`FUEL_PER_NEW_DICT_KEY`] for the work of
/// hashing, probing and growing the table. Every path that inserts keys
/// one at a time calls this, so none is cheaper than another.
pub(crate) fn charge_new_dict_key(meter: &mut Meter, d: &StoreCell<Dict>) -> R<()> {
    let d = d.borrow();
    let (len, cost) = (d.map.len(), insert_cost(&d));
    drop(d);
    charge_dict_insert(meter, len, cost)
}

/// [`FUEL_PER_NEW_DICT_KEY`] (more for a big table:
/// [`big_table_insert_fuel`]) and `cost` bytes for one new key of a
/// dict of `len` keys (`cost` from [`insert_cost`]; `fromkeys` builds
/// its dict first).
fn charge_dict_insert(meter: &mut Meter, len: usize, cost: usize) -> R<()> {
    meter.fuel(FUEL_PER_NEW_DICT_KEY + big_table_insert_fuel(len))?;
    meter.alloc(cost)
}

/// A dict's methods by its kind: its own, and a `Counter`'s or an
/// `OrderedDict`'s besides.
pub(crate) fn dict_method_names(kind: &DictKind) -> Vec<&'static str> {
    let mut names = DICT_METHODS.to_vec();
    match kind {
        DictKind::Counter => names.extend(counter::COUNTER_METHODS),
        DictKind::Ordered => names.extend(ordered::ORDERED_METHODS),
        _ => {}
    }
    names
}

pub(crate) fn dict_method<C: Callbacks + ?Sized>(
    cx: &mut C,
    recv: &Value,
    d: &Rc<StoreCell<Dict>>,
    name: &str,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    match name {
        "get" => {
            if args.is_empty() || args.len() > 2 {
                return type_err(format!("get expected at least 1 argument, got {}", args.len()));
            }
            let k = crate::types::equality::key(cx.meter(), args[0].clone())?;
            Ok(dict_get(d, &k.0, args.get(1)))
        }
        "keys" => Ok(Value::Native(Rc::new(Native::DictView(0, d.clone())))),
        "values" => Ok(Value::Native(Rc::new(Native::DictView(1, d.clone())))),
        "items" => Ok(Value::Native(Rc::new(Native::DictView(2, d.clone())))),
        "pop" => {
            let Some(k0) = args.first() else {
                return type_err("pop expected at least 1 argument, got 0");
            };
            let k = crate::types::equality::key(cx.meter(), k0.clone())?;
            cx.meter().fuel(shift_fuel(&d.borrow().map, &k))?;
            let r = d.borrow_mut().remove(&k);
            match r {
                Some(v) => Ok(v),
                None => match args.get(1) {
                    Some(dv) => Ok(dv.clone()),
                    None => {
                        Err(Fault::Exc(Exception::with_args(ExcKind::KeyError, vec![k0.clone()])))
                    }
                },
            }
        }
        "popitem" => {
            let last = args.first().or_else(|| kw(&kwargs, "last")).is_none_or(|v| v.truthy());
            // The last entry leaves no gap before any iterator's position
            // (CPython's `popitem` gives its slot back): nothing to note.
            let r = if last {
                d.borrow_mut().map.pop()
            } else {
                cx.meter().fuel(d.borrow().map.len() as u64 / 4)?;
                let mut dm = d.borrow_mut();
                dm.removed_at(0);
                dm.map.shift_remove_index(0)
            };
            match r {
                Some((k, v)) => Ok(Value::tuple(vec![k.0, v])),
                None => exc(ExcKind::KeyError, "popitem(): dictionary is empty"),
            }
        }
        "setdefault" => {
            let Some(k0) = args.first() else {
                return type_err("setdefault expected at least 1 argument, got 0");
            };
            let k = crate::types::equality::key(cx.meter(), k0.clone())?;
            if let Some(v) = d.borrow().map.get(&k) {
                return Ok(v.clone());
            }
            let v = args.get(1).cloned().unwrap_or(Value::None);
            charge_new_dict_key(cx.meter(), d)?;
            d.borrow_mut().map.insert(k, v.clone());
            Ok(v)
        }
        "update" if matches!(d.borrow().kind, DictKind::Counter) => {
            crate::types::dict::counter::counter_update_call(cx, recv, name, args, kwargs, 1)
        }
        "subtract" => {
            crate::types::dict::counter::counter_update_call(cx, recv, name, args, kwargs, -1)
        }
        "update" => {
            if let Some(src) = args.first() {
                dict_update(cx, recv, src)?;
            }
            for (k, v) in kwargs {
                d.borrow_mut().map.insert(Key(Value::str(k.as_str())), v);
            }
            Ok(Value::None)
        }
        "most_common" | "elements" | "total" => {
            crate::types::dict::counter::counter_method(cx, recv, d, name, args)
        }
        "clear" => {
            // A new table, as CPython's: an iterator reads it from its
            // position on (its length check sees the change).
            crate::types::release::charge_release(
                cx.meter(),
                d.addr(),
                d.borrow().map.iter().flat_map(|(k, v)| [&k.0, v]),
            )?;
            d.borrow_mut().map.clear();
            Ok(Value::None)
        }
        "copy" => {
            let c = Dict::with_kind(d.borrow().map.clone(), d.borrow().kind.clone());
            cx.meter().check_len(c.map.len())?;
            Ok(Value::dict(c))
        }
        "move_to_end" => ordered::ordered_move_to_end(cx.meter(), d, args, kwargs),
        "fromkeys" => flavoured_fromkeys(cx, d, args, kwargs),
        _ => no_attr_among(recv, name, dict_method_names(&d.borrow().kind)),
    }
}

/// `d[k]`: a missing key asks the flavour (`Counter` answers 0,
/// `defaultdict` calls its factory and stores the result).
pub(crate) fn dict_getitem<C: Callbacks + ?Sized>(
    cx: &mut C,
    d: &Rc<StoreCell<Dict>>,
    idx: &Value,
) -> R<Value> {
    let k = crate::types::equality::key(cx.meter(), idx.clone())?;
    if let Some((i, _, v)) = d.borrow().map.get_full(&k) {
        last_found::remember(d, i);
        return Ok(v.clone());
    }
    let kind = d.borrow().kind.clone();
    match kind {
        DictKind::Counter => Ok(Value::Int(0)),
        DictKind::Default(factory) => {
            if matches!(factory, Value::None) {
                return Err(Fault::Exc(Exception::with_args(ExcKind::KeyError, vec![idx.clone()])));
            }
            let v = cx.call_value(&factory, Vec::new(), Vec::new())?;
            // A missing key inserts: the same cap as `d[k] = v`.
            let n = d.borrow().map.len();
            if n >= cx.meter().limits.max_collection_len {
                cx.meter().check_len(n + 1)?;
            }
            charge_new_dict_key(cx.meter(), d)?;
            d.borrow_mut().map.insert(k, v.clone());
            Ok(v)
        }
        _ => Err(Fault::Exc(Exception::with_args(ExcKind::KeyError, vec![idx.clone()]))),
    }
}

/// `d[k] = v` (inlined into `Vm::setitem`, as it was when a `Vm` method:
/// without the hint `word_count` ran 0.7% more instructions).
#[inline]
pub(crate) fn dict_setitem(
    meter: &mut Meter,
    d: &Rc<StoreCell<Dict>>,
    idx: Value,
    v: Value,
) -> R<()> {
    let k = crate::types::equality::key(meter, idx)?;
    // One hash lookup: overwrite in place when the key exists; none when
    // the lookup just before found this key (`d[k] = d.get(k, 0) + 1`).
    let hash_index = last_found::entry_of(d, &k.0).or_else(|| d.borrow().map.get_index_of(&k));
    match hash_index {
        Some(i) => {
            if let Some((_, slot)) = d.borrow_mut().map.get_index_mut(i) {
                *slot = v;
            }
        }
        None => {
            let n = d.borrow().map.len();
            if n >= meter.limits.max_collection_len {
                meter.check_len(n + 1)?;
            }
            charge_new_dict_key(meter, d)?;
            d.borrow_mut().map.insert(k, v);
        }
    }
    Ok(())
}

/// `del d[k]`.
pub(crate) fn dict_delitem(meter: &mut Meter, d: &Rc<StoreCell<Dict>>, idx: &Value) -> R<()> {
    let k = crate::types::equality::key(meter, idx.clone())?;
    meter.fuel(shift_fuel(&d.borrow().map, &k))?;
    let counter = matches!(d.borrow().kind, DictKind::Counter);
    let removed = d.borrow_mut().remove(&k);
    match removed {
        // A Counter ignores deleting a key it does not have.
        Some(_) => Ok(()),
        None if counter => Ok(()),
        None => Err(Fault::Exc(Exception::with_args(ExcKind::KeyError, vec![idx.clone()]))),
    }
}

/// `a | b` for two dicts (not Counters): a copy of `a` updated with `b`.
pub(crate) fn dict_or(
    meter: &mut Meter,
    x: &Rc<StoreCell<Dict>>,
    y: &Rc<StoreCell<Dict>>,
) -> R<Value> {
    let mut d = {
        let x = x.borrow();
        // The copy's table, charged before it is made.
        meter.check_len(x.map.len())?;
        meter.alloc(crate::mem::table_block(x.map.len(), std::mem::size_of::<DictEntry>()))?;
        // A plain dict | a subclass is the subclass's `__ror__`: its kind.
        let kind = match (&x.kind, &y.borrow().kind) {
            (DictKind::Plain, DictKind::Default(f)) => DictKind::Default(f.clone()),
            (DictKind::Plain, DictKind::Ordered) => DictKind::Ordered,
            (k, _) => k.clone(),
        };
        crate::value::Dict::with_kind(x.map.clone(), kind)
    };
    {
        let y = y.borrow();
        meter.fuel((y.map.len() as u64).saturating_mul(FUEL_PER_NEW_DICT_KEY))?;
        dict_insert_all(meter, &mut d, &y)?;
    }
    Ok(Value::dict(d))
}

/// `d |= b`: `d.update(b)` for a dict `b`.
pub(crate) fn dict_ior<C: Callbacks + ?Sized>(
    cx: &mut C,
    d: &Rc<StoreCell<Dict>>,
    a: Value,
    b: &Value,
) -> R<Value> {
    if let Value::Dict(_) = b {
        dict_update(cx, &Value::Dict(d.clone()), b)?;
        return Ok(a);
    }
    cx.binary(rlm_syntax::ast::BinOp::BitOr, &a, b)
}

/// Inserts every entry of `src` into `dst` (a value replaces the one of
/// an equal key, in place), charging what the one-at-a-time paths pay
/// beyond [`FUEL_PER_NEW_DICT_KEY`] (the caller's, per key of `src`): a
/// big table's inserts ([`big_table_insert_fuel`]) and each growth of
/// the table, before it happens ([`insert_cost`]), and the collection
/// cap. No program code runs: the keys are already hashed.
fn dict_insert_all(meter: &mut Meter, dst: &mut Dict, src: &Dict) -> R<()> {
    if dst.map.is_empty() && dst.map.capacity() < src.map.len() {
        // Into an empty dict (`dict(d)`): one table of the right size.
        meter.alloc(crate::mem::table_block(src.map.len(), std::mem::size_of::<DictEntry>()))?;
        dst.map.reserve(src.map.len());
    }
    for (k, v) in src.map.iter() {
        if let Some(slot) = dst.map.get_mut(k) {
            *slot = v.clone();
            continue;
        }
        let len = dst.map.len();
        if len >= meter.limits.max_collection_len {
            meter.check_len(len + 1)?;
        }
        meter.fuel(big_table_insert_fuel(len))?;
        if len >= dst.map.capacity() {
            meter.alloc(insert_cost(dst))?;
        }
        dst.map.insert(k.clone(), v.clone());
    }
    Ok(())
}

pub(crate) fn dict_update<C: Callbacks + ?Sized>(cx: &mut C, d: &Value, src: &Value) -> R<()> {
    let Value::Dict(d) = d else { return Ok(()) };
    match src {
        Value::Dict(s) => {
            if Rc::ptr_eq(d, s) {
                // `d.update(d)`: every key maps to what it maps to.
                return Ok(());
            }
            let s = s.borrow();
            cx.meter().check_len(s.map.len())?;
            cx.meter().fuel((s.map.len() as u64).saturating_mul(FUEL_PER_NEW_DICT_KEY))?;
            // Read and written where they are: no copy of the items
            // first, and every growth charged before it happens (an
            // `update` or `|=` from a big dict inserted it unpaid).
            dict_insert_all(cx.meter(), &mut d.borrow_mut(), &s)?;
        }
        other => {
            let items = cx.iterate(other)?;
            for (i, it) in items.into_iter().enumerate() {
                let pair = match cx.iterate(&it) {
                    Ok(p) => p,
                    Err(_) => {
                        return type_err(format!(
                            "cannot convert dictionary update sequence element #{i} to a sequence"
                        ));
                    }
                };
                if pair.len() != 2 {
                    return value_err(format!(
                        "dictionary update sequence element #{i} has length {}; 2 is required",
                        pair.len()
                    ));
                }
                let mut p = pair.into_iter();
                let (Some(k), Some(v)) = (p.next(), p.next()) else { continue };
                let k = crate::types::equality::key(cx.meter(), k)?;
                charge_new_dict_key(cx.meter(), d)?;
                d.borrow_mut().map.insert(k, v);
            }
        }
    }
    Ok(())
}

/// `x.fromkeys(...)` of a dict value: a dict of `x`'s flavour (a
/// defaultdict without a factory); a Counter refuses, as CPython's does.
fn flavoured_fromkeys<C: Callbacks + ?Sized>(
    cx: &mut C,
    d: &Rc<StoreCell<Dict>>,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    let kind = match &d.borrow().kind {
        DictKind::Counter => None,
        DictKind::Ordered => Some(DictKind::Ordered),
        DictKind::Default(_) => Some(DictKind::Default(Value::None)),
        DictKind::Plain => Some(DictKind::Plain),
    };
    let Some(kind) = kind else {
        return exc(
            ExcKind::NotImplementedError,
            "Counter.fromkeys() is undefined.  Use Counter(iterable) instead.",
        );
    };
    let v = cx.call_method(&Value::Type(Ty::Dict), "fromkeys", args, kwargs)?;
    if let Value::Dict(new) = &v {
        new.borrow_mut().kind = kind;
    }
    Ok(v)
}

/// `OrderedDict.fromkeys`, `defaultdict.fromkeys` (its factory `None`) and
/// `Counter.fromkeys` (undefined, as in CPython) called on the type.
pub(crate) fn flavour_fromkeys<C: Callbacks + ?Sized>(
    cx: &mut C,
    t: Ty,
    args: &[Value],
) -> R<Value> {
    let kind = match t {
        Ty::OrderedDict => DictKind::Ordered,
        Ty::DefaultDict => DictKind::Default(Value::None),
        _ => {
            return exc(
                ExcKind::NotImplementedError,
                "Counter.fromkeys() is undefined.  Use Counter(iterable) instead.",
            );
        }
    };
    let v = dict_fromkeys(cx, args)?;
    if let Value::Dict(new) = &v {
        new.borrow_mut().kind = kind;
    }
    Ok(v)
}

/// `dict.fromkeys(keys, value)`.
pub(crate) fn dict_fromkeys<C: Callbacks + ?Sized>(cx: &mut C, args: &[Value]) -> R<Value> {
    let keys = match args.first() {
        Some(v) => cx.iterate(v)?,
        None => return type_err("fromkeys expected at least 1 argument, got 0"),
    };
    let val = args.get(1).cloned().unwrap_or(Value::None);
    let mut d = Dict::new();
    for k in keys {
        let k = crate::types::equality::key(cx.meter(), k)?;
        let n = d.map.len();
        if n >= cx.meter().limits.max_collection_len {
            cx.meter().check_len(n + 1)?;
        }
        charge_dict_insert(cx.meter(), n, insert_cost(&d))?;
        d.map.insert(k, val.clone());
    }
    Ok(Value::dict(d))
}

/// `dict(...)`, `OrderedDict(...)`, `Counter(...)`, `defaultdict(factory, ...)`.
pub(crate) fn dict_new<C: Callbacks + ?Sized>(
    cx: &mut C,
    t: Ty,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    let mut d = Dict::new();
    d.kind = match t {
        Ty::OrderedDict => DictKind::Ordered,
        Ty::Counter => DictKind::Counter,
        _ => DictKind::Plain,
    };
    let mut args = args.into_iter();
    if t == Ty::DefaultDict {
        let factory = args.next().unwrap_or(Value::None);
        d.kind = DictKind::Default(factory);
    }
    let dv = Value::dict(d);
    if let Some(src) = args.next() {
        if t == Ty::Counter {
            crate::types::dict::counter::counter_update(cx, &dv, &src, 1)?;
        } else {
            dict_update(cx, &dv, &src)?;
        }
    }
    if !kwargs.is_empty() {
        let kd = Value::dict(Dict::with_kind(
            kwargs.into_iter().map(|(k, v)| (Key(Value::str(k.as_str())), v)).collect(),
            DictKind::Plain,
        ));
        if t == Ty::Counter {
            crate::types::dict::counter::counter_update(cx, &dv, &kd, 1)?;
        } else {
            dict_update(cx, &dv, &kd)?;
        }
    }
    Ok(dv)
}

/// Fuel for each key a dict comparison looks up in the other dict (its
/// hash, its probe, its key compared, in tables apart): `X.index(X[-1])`
/// over 130,263 one-key dicts took 100-120 ns a dict charged about three
/// units (10.7-17x the loop's time a unit, issue #77's fuzzer).
const KEY_LOOKUP: u64 = 8;

/// `x == y` for two dicts: the same keys with equal values; two Counters
/// agree on every count, a missing one counting as zero (Python 3.10's
/// `Counter.__eq__`); two OrderedDicts also in the same order.
fn dict_eq<E: crate::types::protocol::EqWalk>(x: &Dict, y: &Dict, walk: &mut E) -> Option<bool> {
    if x.map.len() == y.map.len() {
        walk.visit(x.map.len() as u64)?;
    }
    if matches!(x.kind, DictKind::Counter) && matches!(y.kind, DictKind::Counter) {
        walk.visit((x.map.len() + y.map.len()) as u64)?;
        let zero = Value::Int(0);
        for (a, b) in [(x, y), (y, x)] {
            for (k, v) in a.map.iter() {
                if !walk.item(v, b.map.get(k).unwrap_or(&zero))? {
                    return Some(false);
                }
            }
        }
        return Some(true);
    }
    if x.map.len() != y.map.len() {
        return Some(false);
    }
    if matches!(x.kind, DictKind::Ordered) && matches!(y.kind, DictKind::Ordered) {
        for ((k1, v1), (k2, v2)) in x.map.iter().zip(y.map.iter()) {
            if !walk.item(&k1.0, &k2.0)? || !walk.item(v1, v2)? {
                return Some(false);
            }
        }
        return Some(true);
    }
    walk.spend(KEY_LOOKUP.saturating_mul(x.map.len() as u64))?;
    for (k, v) in x.map.iter() {
        match y.map.get(k) {
            Some(w) if walk.item(v, w)? => {}
            _ => return Some(false),
        }
    }
    Some(true)
}

/// `dict` and its kinds (`Counter`, `OrderedDict`, `defaultdict`) in the value protocol.
pub(crate) struct DictType;

impl crate::types::protocol::PyType for DictType {
    type Data = Rc<StoreCell<Dict>>;

    fn truth(data: &Rc<StoreCell<Dict>>) -> bool {
        !data.borrow().map.is_empty()
    }

    fn len(data: &Rc<StoreCell<Dict>>) -> Option<R<usize>> {
        Some(Ok(data.borrow().map.len()))
    }

    fn method_names(data: &Rc<StoreCell<Dict>>) -> std::borrow::Cow<'static, [&'static str]> {
        dict_method_names(&data.borrow().kind).into()
    }

    fn method_cost(data: &Rc<StoreCell<Dict>>, name: &str) -> crate::cost::Cost {
        let extra = match data.borrow().kind {
            DictKind::Counter => counter::COUNTER_COSTS,
            DictKind::Ordered => ordered::ORDERED_COSTS,
            _ => &[],
        };
        crate::cost::find(extra, name).unwrap_or_else(|| crate::cost::lookup(DICT_COSTS, name))
    }

    fn arity_key(data: &Rc<StoreCell<Dict>>) -> Option<u8> {
        Some(match data.borrow().kind {
            DictKind::Plain => crate::types::method_arity::TY_DICT,
            DictKind::Counter => crate::types::method_arity::TY_COUNTER,
            DictKind::Ordered => crate::types::method_arity::TY_ORDERED_DICT,
            DictKind::Default(_) => crate::types::method_arity::TY_DEFAULTDICT,
        })
    }

    fn changes_receiver(name: &str) -> bool {
        DICT_CHANGES.contains(&name)
    }

    fn getitem<C: crate::callbacks::Callbacks + ?Sized>(
        cx: &mut C,
        data: &Rc<StoreCell<Dict>>,
        idx: &Value,
    ) -> Option<R<Value>> {
        Some(dict_getitem(cx, data, idx))
    }

    #[inline]
    fn setitem<C: crate::callbacks::Callbacks + ?Sized>(
        cx: &mut C,
        obj: &Value,
        data: &Rc<StoreCell<Dict>>,
        idx: Value,
        v: Value,
    ) -> R<()> {
        let _ = obj;
        dict_setitem(cx.meter(), data, idx, v)
    }

    fn delitem<C: crate::callbacks::Callbacks + ?Sized>(
        cx: &mut C,
        data: &Rc<StoreCell<Dict>>,
        idx: &Value,
    ) -> Option<R<()>> {
        Some(dict_delitem(cx.meter(), data, idx))
    }

    fn iter<C: crate::callbacks::Callbacks + ?Sized>(
        cx: &mut C,
        recv: &Value,
        data: &Rc<StoreCell<Dict>>,
    ) -> Option<R<IterState>> {
        // Read in place a step at a time, each step charged (a copy of the
        // keys at the start cost a loop that breaks early the whole copy,
        // and `for k, v in d.items()` a tuple an item).
        let _ = (cx, recv);
        Some(Ok(IterState::dict_entries(data.clone(), 0)))
    }

    fn repr<W: crate::types::protocol::ReprWalk>(
        data: &Rc<StoreCell<Dict>>,
        walk: &mut W,
    ) -> R<()> {
        repr::dict_repr(data, walk)
    }

    fn data_attr(data: &Rc<StoreCell<Dict>>, name: &str) -> Option<Value> {
        match &data.borrow().kind {
            DictKind::Default(f) if name == "default_factory" => Some(f.clone()),
            _ => None,
        }
    }

    #[inline]
    fn size(data: &Rc<StoreCell<Dict>>) -> (u64, u64) {
        (data.borrow().map.len() as u64, 0)
    }

    fn eq<E: crate::types::protocol::EqWalk>(
        data: &Rc<StoreCell<Dict>>,
        other: &Value,
        walk: &mut E,
    ) -> Option<bool> {
        let Value::Dict(y) = other else { return Some(false) };
        if Rc::ptr_eq(data, y) {
            return Some(true);
        }
        walk.stack_left()?;
        dict_eq(&data.borrow(), &y.borrow(), walk)
    }

    fn order<W: crate::types::protocol::OrderWalk>(
        walk: &mut W,
        op: rlm_syntax::ast::CmpOp,
        _lhs: &Value,
        data: &Rc<StoreCell<Dict>>,
        other: &Value,
    ) -> Option<R<bool>> {
        let Value::Dict(y) = other else { return None };
        let counter = |d: &Rc<StoreCell<Dict>>| matches!(d.borrow().kind, DictKind::Counter);
        if !(counter(data) && counter(y)) {
            return None;
        }
        Some(counter::counter_order_charged(walk, op, data, y))
    }

    fn contains<C: crate::callbacks::Callbacks + ?Sized>(
        cx: &mut C,
        data: &Rc<StoreCell<Dict>>,
        item: &Value,
    ) -> Option<R<bool>> {
        Some(
            crate::types::equality::key(cx.meter(), item.clone())
                .map(|k| data.borrow().map.contains_key(&k)),
        )
    }

    fn binary<C: crate::callbacks::Callbacks + ?Sized>(
        cx: &mut C,
        op: rlm_syntax::ast::BinOp,
        data: &Rc<StoreCell<Dict>>,
        lhs: &Value,
        rhs: &Value,
        reflected: bool,
    ) -> Option<R<Value>> {
        use rlm_syntax::ast::BinOp;
        let (Value::Dict(x), Value::Dict(y)) = (lhs, rhs) else { return None };
        let _ = (data, reflected);
        let counter = |d: &Rc<StoreCell<Dict>>| matches!(d.borrow().kind, DictKind::Counter);
        match op {
            BinOp::BitOr if !counter(x) => Some(dict_or(cx.meter(), x, y)),
            BinOp::Add | BinOp::Sub | BinOp::BitAnd | BinOp::BitOr if counter(x) && counter(y) => {
                Some(counter::counter_arith(cx, op, x, y))
            }
            _ => None,
        }
    }

    /// `-c` and `+c` of a `Counter`: a new `Counter`.
    fn unary<C: crate::callbacks::Callbacks + ?Sized>(
        cx: &mut C,
        op: rlm_syntax::ast::UnaryOp,
        data: &Rc<StoreCell<Dict>>,
    ) -> Option<R<Value>> {
        use rlm_syntax::ast::UnaryOp;
        let counter = matches!(data.borrow().kind, DictKind::Counter);
        (counter && matches!(op, UnaryOp::Neg | UnaryOp::Pos))
            .then(|| counter::counter_unary(cx, op, data))
    }

    fn call_method<C: crate::callbacks::Callbacks + ?Sized>(
        cx: &mut C,
        recv: &Value,
        data: &Rc<StoreCell<Dict>>,
        name: &str,
        args: Vec<Value>,
        kwargs: crate::args::Kwargs,
    ) -> R<Value> {
        dict_method(cx, recv, data, name, args, kwargs)
    }
}
