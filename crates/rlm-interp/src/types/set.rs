//! `set` and `frozenset`: methods, the set operators (`|`, `&`, `-`, `^` and
//! their in-place forms), iteration order (CPython's for ints), `repr` and
//! the constructors. Subset comparisons are in `vm/compare.rs`.

use std::rc::Rc;

use rlm_syntax::ast::BinOp;

use crate::args::as_int;
use crate::cost::Over::{All, Args, Recv};
use crate::cost::{
    CostTable, FREE, FUEL_PER_NEW_SET_ELEMENT, HASH, SCAN, big_table_insert_fuel, cost,
};
use crate::fault::{Fault, R, exc, type_err};
use crate::value::*;
use crate::vm::Vm;

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

impl Vm {
    /// Charges one element about to be added to the set `s`: the memory
    /// [`insert_cost`] names and [`FUEL_PER_NEW_SET_ELEMENT`] for hashing,
    /// probing and growing the table, held to the collection cap. Every path
    /// that adds elements one at a time calls this (or
    /// [`Vm::charge_new_set_element_local`] for a set not yet a value).
    pub(crate) fn charge_new_set_element(&mut self, s: &StoreCell<KeySet>) -> R<()> {
        let (n, cost) = {
            let s = s.borrow();
            (s.len(), insert_cost(&s))
        };
        self.charge_set_insert(n, cost)
    }

    /// The same for a set being built before it is a value (`set(xs)`).
    pub(crate) fn charge_new_set_element_local(&mut self, s: &KeySet) -> R<()> {
        self.charge_set_insert(s.len(), insert_cost(s))
    }

    fn charge_set_insert(&mut self, n: usize, cost: usize) -> R<()> {
        if n >= self.limits.max_collection_len {
            self.check_len(n + 1)?;
        }
        self.fuel(FUEL_PER_NEW_SET_ELEMENT + big_table_insert_fuel(n))?;
        self.alloc(cost)
    }

    pub(crate) fn set_method(&mut self, recv: &Value, name: &str, args: Vec<Value>) -> R<Value> {
        let as_set = |vm: &mut Vm, v: &Value| -> R<KeySet> {
            match crate::types::set::set_items(v) {
                Some(s) => Ok(s),
                None => {
                    let mut s = KeySet::default();
                    for x in vm.iterate(v)? {
                        let k = vm.key(x)?;
                        vm.charge_new_set_element_local(&s)?;
                        s.insert(k);
                    }
                    Ok(s)
                }
            }
        };
        // A copy of the receiver's elements, made only by the methods that
        // build from it (copying on every call made `add` O(n)).
        let mine = || crate::types::set::set_items(recv).unwrap_or_default();
        let mutable = match recv {
            Value::Set(s) => Some(s.clone()),
            _ => None,
        };
        match name {
            "add" => {
                let x = args.into_iter().next().unwrap_or(Value::None);
                let k = self.key(x)?;
                if let Some(s) = mutable {
                    self.charge_new_set_element(&s)?;
                    s.borrow_mut().insert(k);
                }
                Ok(Value::None)
            }
            "remove" | "discard" => {
                let x = args.into_iter().next().unwrap_or(Value::None);
                let k = self.key(x.clone())?;
                if let Some(s) = &mutable {
                    // Removed in order: what follows it moves down (`dict::shift_fuel`).
                    let shift =
                        { s.borrow().get_index_of(&k).map_or(0, |i| s.borrow().len() - i - 1) };
                    self.fuel(shift as u64 / 4)?;
                }
                let removed = mutable.map(|s| s.borrow_mut().shift_remove(&k)).unwrap_or(false);
                if !removed && name == "remove" {
                    return Err(Fault::Exc(Exception::with_args(ExcKind::KeyError, vec![x])));
                }
                Ok(Value::None)
            }
            "pop" => {
                if let Some(s) = &mutable {
                    self.fuel(s.borrow().len() as u64 / 4)?;
                }
                let r = mutable.and_then(|s| s.borrow_mut().shift_remove_index(0));
                match r {
                    Some(k) => Ok(k.0),
                    None => exc(ExcKind::KeyError, "pop from an empty set"),
                }
            }
            "clear" => {
                if let Some(s) = mutable {
                    s.borrow_mut().clear();
                }
                Ok(Value::None)
            }
            "copy" => Ok(match recv {
                Value::Set(_) => Value::new_set(mine()),
                other => other.clone(),
            }),
            "union" | "intersection" | "difference" | "symmetric_difference" => {
                let mut acc = mine();
                for a in &args {
                    let o = as_set(self, a)?;
                    // Every element of both sides is copied or hashed.
                    self.fuel((acc.len() + o.len()) as u64)?;
                    acc = match name {
                        "union" => acc.into_iter().chain(o).collect(),
                        "intersection" => acc.into_iter().filter(|k| o.contains(k)).collect(),
                        "difference" => acc.into_iter().filter(|k| !o.contains(k)).collect(),
                        _ => {
                            let left: Vec<Key> =
                                acc.iter().filter(|k| !o.contains(*k)).cloned().collect();
                            let right: Vec<Key> =
                                o.iter().filter(|k| !acc.contains(*k)).cloned().collect();
                            left.into_iter().chain(right).collect()
                        }
                    };
                }
                self.check_len(acc.len())?;
                Ok(match recv {
                    Value::FrozenSet(_) => Value::new_frozenset(acc),
                    _ => Value::new_set(acc),
                })
            }
            "update"
            | "intersection_update"
            | "difference_update"
            | "symmetric_difference_update" => {
                let base = name.trim_end_matches("_update");
                let base = if base == "update" { "union" } else { base };
                let r = self.set_method(recv, base, args)?;
                if let (Some(s), Value::Set(r)) = (mutable, r) {
                    let new = r.borrow().clone();
                    *s.borrow_mut() = new;
                }
                Ok(Value::None)
            }
            "issubset" | "issuperset" | "isdisjoint" => {
                let Some(a) = args.first() else {
                    return type_err(format!("{name}() takes exactly one argument"));
                };
                let o = as_set(self, a)?;
                let mine = mine();
                self.fuel((mine.len() + o.len()) as u64)?;
                Ok(Value::Bool(match name {
                    "issubset" => mine.iter().all(|k| o.contains(k)),
                    "issuperset" => o.iter().all(|k| mine.contains(k)),
                    _ => !mine.iter().any(|k| o.contains(k)),
                }))
            }
            _ => self.no_attr(recv, name),
        }
    }

    /// `a | b`, `a & b`, `a - b`, `a ^ b` for two sets (or set-like views);
    /// the result has `a`'s type.
    pub(crate) fn set_binary(&mut self, op: BinOp, a: &Value, b: &Value) -> R<Value> {
        let x = set_items(a).unwrap_or_default();
        let y = set_items(b).unwrap_or_default();
        // Every element of both sides is copied and hashed.
        self.fuel((x.len() + y.len()) as u64)?;
        let r: KeySet = match op {
            BinOp::BitOr => x.iter().chain(y.iter()).cloned().collect(),
            BinOp::BitAnd => x.iter().filter(|k| y.contains(*k)).cloned().collect(),
            BinOp::Sub => x.iter().filter(|k| !y.contains(*k)).cloned().collect(),
            _ => x
                .iter()
                .filter(|k| !y.contains(*k))
                .chain(y.iter().filter(|k| !x.contains(*k)))
                .cloned()
                .collect(),
        };
        self.check_len(r.len())?;
        if let Value::FrozenSet(_) = a {
            Ok(Value::new_frozenset(r))
        } else {
            Ok(Value::new_set(r))
        }
    }

    /// `s |= b` etc.: the operator's result replaces the contents.
    pub(crate) fn set_inplace(
        &mut self,
        op: BinOp,
        s: &Rc<StoreCell<KeySet>>,
        a: Value,
        b: &Value,
    ) -> R<Value> {
        let r = self.binary(op, &a, b)?;
        if let Value::Set(r) = r {
            let new = r.borrow().clone();
            *s.borrow_mut() = new;
        }
        Ok(a)
    }

    pub(crate) fn set_repr(
        &mut self,
        items: Vec<Value>,
        frozen: bool,
        out: &mut String,
        depth: usize,
        seen: &mut Vec<usize>,
    ) -> R<()> {
        if frozen {
            if items.is_empty() {
                out.push_str("frozenset()");
            } else {
                out.push_str("frozenset({");
                self.repr_seq(&items, out, depth, seen)?;
                out.push_str("})");
            }
        } else if items.is_empty() {
            out.push_str("set()");
        } else {
            out.push('{');
            self.repr_seq(&items, out, depth, seen)?;
            out.push('}');
        }
        Ok(())
    }

    /// `set(iterable)`, `frozenset(iterable)`.
    pub(crate) fn set_new(&mut self, t: Ty, args: &[Value]) -> R<Value> {
        let mut set = KeySet::default();
        if let Some(v) = args.first() {
            for x in self.iterate(v)? {
                let k = self.key(x)?;
                self.charge_new_set_element_local(&set)?;
                set.insert(k);
            }
        }
        Ok(if t == Ty::Set { Value::new_set(set) } else { Value::new_frozenset(set) })
    }
}

pub fn set_items(v: &Value) -> Option<KeySet> {
    match v {
        Value::Set(s) => Some(s.borrow().clone()),
        Value::FrozenSet(s) => Some((**s).clone()),
        Value::Native(n) => match &**n {
            Native::DictView(0, d) => Some(d.borrow().map.keys().cloned().collect()),
            Native::DictView(2, d) => {
                let items = crate::types::dict::view::view_items(2, d);
                // Items are (key, value) tuples: hashable only when the values are.
                if items.iter().all(|t| match t {
                    Value::Tuple(p) => {
                        !matches!(p[1], Value::List(_) | Value::Dict(_) | Value::Set(_))
                    }
                    _ => false,
                }) {
                    Some(items.into_iter().map(Key).collect())
                } else {
                    None
                }
            }
            _ => None,
        },
        _ => None,
    }
}

/// Iteration order of a set. For sets of ints CPython's order follows the
/// hash table (hash(i) == i), which programs print; we simulate CPython's
/// table (growth policy and probing) to reproduce it. Other sets keep
/// insertion order (CPython's string order is randomised per process).
pub fn set_order(s: &KeySet) -> Vec<Value> {
    let items: Vec<Value> = s.iter().map(|k| k.0.clone()).collect();
    let hashes: Option<Vec<u64>> = items
        .iter()
        .map(|v| as_int(v).map(|i| if i == -1 { -2i64 as u64 } else { i as u64 }))
        .collect();
    let Some(hashes) = hashes else { return items };
    if items.len() > 100_000 {
        return items;
    }
    fn insert(table: &mut [Option<usize>], hashes: &[u64], idx: usize) {
        let mask = table.len() - 1;
        let hash = hashes[idx];
        let mut perturb = hash;
        let mut i = (hash as usize) & mask;
        loop {
            let probes = if i + 9 <= mask { 9 } else { 0 };
            for j in 0..=probes {
                if table[i + j].is_none() {
                    table[i + j] = Some(idx);
                    return;
                }
            }
            perturb >>= 5;
            i = (i.wrapping_mul(5).wrapping_add(1).wrapping_add(perturb as usize)) & mask;
        }
    }
    let mut table: Vec<Option<usize>> = vec![None; 8];
    let mut used = 0usize;
    for idx in 0..items.len() {
        insert(&mut table, &hashes, idx);
        used += 1;
        let mask = table.len() - 1;
        if used * 5 >= mask * 3 {
            let minused = if used > 50_000 { used * 2 } else { used * 4 };
            let mut newsize = 8;
            while newsize <= minused {
                newsize <<= 1;
            }
            let old = std::mem::replace(&mut table, vec![None; newsize]);
            for e in old.into_iter().flatten() {
                insert(&mut table, &hashes, e);
            }
        }
    }
    table.into_iter().flatten().map(|i| items[i].clone()).collect()
}
