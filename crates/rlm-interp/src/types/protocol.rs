//! The value protocol: what a built-in type implements, once, beside its
//! own behaviour in its folder, and what the rest of the interpreter asks of
//! a value through it (`types/dispatch.rs` finds the type of a value, in one
//! place). Each type is a marker with no data: a value's data is its
//! `Value` variant's payload, handed to each function, so that a call
//! through the protocol is a `match` and a direct call (no `dyn`), as the
//! per-operation `match`es it replaces were.

use std::borrow::Cow;
use std::cmp::Ordering;

use rlm_syntax::ast::{BinOp, CmpOp, UnaryOp};

use crate::args::Kwargs;
use crate::callbacks::Callbacks;
use crate::cost::Cost;
use crate::fault::{R, type_err};
use crate::meter::Meter;
use crate::value::*;

pub(crate) trait PyType {
    /// What a value of the type holds: its `Value` variant's payload.
    type Data: ?Sized;

    /// `bool(x)`.
    fn truth(data: &Self::Data) -> bool;

    /// `len(x)`; `None` for a type without a length.
    fn len(data: &Self::Data) -> Option<R<usize>> {
        let _ = data;
        None
    }

    /// Its items and bytes as the cost model counts them (`call_cost.rs`:
    /// a call's or an operator's charge over its operands); none for an
    /// unsized type.
    fn size(data: &Self::Data) -> (u64, u64) {
        let _ = data;
        (0, 0)
    }

    /// Its methods, by name (`dir()`, `hasattr`, an attribute error's hint).
    fn method_names(data: &Self::Data) -> Cow<'static, [&'static str]>;

    /// What calling its method `name` costs beyond the instruction
    /// (`crate::cost`), charged before the call.
    fn method_cost(data: &Self::Data, name: &str) -> Cost;

    /// Its row key in the argument-count tables generated off CPython
    /// (`method_arity.rs`); `None` when they have no row for it.
    fn arity_key(data: &Self::Data) -> Option<u8> {
        let _ = data;
        None
    }

    /// Whether method `name` may change the value in place other than by
    /// appending to a list: the running cell's journal copies it first.
    fn changes_receiver(name: &str) -> bool {
        let _ = name;
        false
    }

    /// A data attribute that is not a method (`x.real`, `r.start`,
    /// `d.maxlen`); `None` when it has none by that name.
    fn data_attr(data: &Self::Data, name: &str) -> Option<Value> {
        let _ = (data, name);
        None
    }

    /// `iter(x)`: an iterator's state over `recv` (which holds `data`),
    /// what it copies at its start charged; `None` for a type that is not
    /// iterable.
    fn iter<C: Callbacks + ?Sized>(
        cx: &mut C,
        recv: &Value,
        data: &Self::Data,
    ) -> Option<R<IterState>> {
        let _ = (cx, recv, data);
        None
    }

    /// `x[idx]`; `None` when the type is not subscriptable. A slice's copy
    /// was charged before (`Vm::getitem`).
    fn getitem<C: Callbacks + ?Sized>(
        cx: &mut C,
        data: &Self::Data,
        idx: &Value,
    ) -> Option<R<Value>> {
        let _ = (cx, data, idx);
        None
    }

    /// `x[idx] = v` (`obj` is `x`); by default the `TypeError` of a type
    /// without item assignment. The journal's copy of the container was
    /// made before. (A result, not an option as for reads: the hottest
    /// store, `d[k] = v`, measured 29 Ir more a store through an option.)
    fn setitem<C: Callbacks + ?Sized>(
        cx: &mut C,
        obj: &Value,
        data: &Self::Data,
        idx: Value,
        v: Value,
    ) -> R<()> {
        let _ = (cx, data, idx, v);
        no_item_assignment(obj)
    }

    /// `del x[idx]`; `None` when the type has no item deletion.
    fn delitem<C: Callbacks + ?Sized>(cx: &mut C, data: &Self::Data, idx: &Value) -> Option<R<()>> {
        let _ = (cx, data, idx);
        None
    }

    /// `item in x`, charged as it compares; `None` for a type that holds
    /// no items.
    fn contains<C: Callbacks + ?Sized>(
        cx: &mut C,
        data: &Self::Data,
        item: &Value,
    ) -> Option<R<bool>> {
        let _ = (cx, data, item);
        None
    }

    /// `x == other`, `other` of any type (`Some(false)` for one it never
    /// equals), its items compared one level deeper through the walk;
    /// `None` when the walk stops (its depth, the stack or its work ran
    /// out).
    fn eq<E: EqWalk>(data: &Self::Data, other: &Value, walk: &mut E) -> Option<bool>;

    /// A dict or set key's hash, written into the walk's hasher, its items
    /// one level deeper through [`HashWalk::item`]: values that are equal
    /// (`1 == 1.0 == True`) hash alike. `None` for an unhashable type
    /// (`equality::key` refuses its values before any is hashed).
    fn hash<W: HashWalk>(data: &Self::Data, walk: &mut W) -> Option<()> {
        let _ = (data, walk);
        None
    }

    /// `lhs op other` for an ordering `op` (`<`, `<=`, `>`, `>=`), `lhs`
    /// holding `data`, its items ordered one level deeper through the walk;
    /// `None` when the type has no order with `other`'s (the machine's
    /// `TypeError`). Numbers are ordered before, in the machine.
    fn order<W: OrderWalk>(
        walk: &mut W,
        op: CmpOp,
        lhs: &Value,
        data: &Self::Data,
        other: &Value,
    ) -> Option<R<bool>> {
        let _ = (walk, op, lhs, data, other);
        None
    }

    /// `repr(x)`, written into the walk that reached it (its items one
    /// level deeper through [`ReprWalk::item`]).
    fn repr<W: ReprWalk>(data: &Self::Data, walk: &mut W) -> R<()>;

    /// `lhs op rhs` when `lhs` (which holds `data`) is of this type, or,
    /// `reflected`, when `rhs` is and `lhs`'s type had no answer (`3 *
    /// 'ab'`); `None` when the type has none either. Numbers' arithmetic
    /// and the sized operators' charge come first, in the machine.
    fn binary<C: Callbacks + ?Sized>(
        cx: &mut C,
        op: BinOp,
        data: &Self::Data,
        lhs: &Value,
        rhs: &Value,
        reflected: bool,
    ) -> Option<R<Value>> {
        let _ = (cx, op, data, lhs, rhs, reflected);
        None
    }

    /// `op x` for `-x`, `+x` and `~x` (`not x` is the machine's, by
    /// [`PyType::truth`]); `None` when the type has no such operator.
    fn unary<C: Callbacks + ?Sized>(
        cx: &mut C,
        op: UnaryOp,
        data: &Self::Data,
    ) -> Option<R<Value>> {
        let _ = (cx, op, data);
        None
    }

    /// `recv.name(*args, **kwargs)`, `recv` holding `data`, after the
    /// arity check and the charge.
    fn call_method<C: Callbacks + ?Sized>(
        cx: &mut C,
        recv: &Value,
        data: &Self::Data,
        name: &str,
        args: Vec<Value>,
        kwargs: Kwargs,
    ) -> R<Value>;
}

/// The `TypeError` of `x[i] = v` on a value without item assignment.
pub(crate) fn no_item_assignment<T>(obj: &Value) -> R<T> {
    type_err(format!("'{}' object does not support item assignment", obj.type_name()))
}

/// The repr walk (`format/repr.rs`) as a type's form sees it: the text
/// written so far, the meter it charges, its cycle marks, and the values a
/// form holds, written one level deeper with the walk's caps and fuel.
pub(crate) trait ReprWalk {
    /// The text written so far.
    fn out(&mut self) -> &mut String;

    /// The meter and the text at once (a string's escaped form is held to
    /// the caps as it is written).
    fn meter_and_out(&mut self) -> (&mut Meter, &mut String);

    /// `v`'s repr, one level deeper.
    fn item(&mut self, v: &Value) -> R<()>;

    /// Marks the container at `addr` as being written: `false` when it
    /// already is (a cycle, written `[...]` by the caller). [`ReprWalk::leave`]
    /// unmarks it.
    fn enter(&mut self, addr: usize) -> bool;

    /// Unmarks the container [`ReprWalk::enter`] marked last.
    fn leave(&mut self);

    /// `items`' reprs one level deeper, separated by `, `.
    fn items(&mut self, items: &[Value]) -> R<()> {
        for (i, x) in items.iter().enumerate() {
            if i > 0 {
                self.out().push_str(", ");
            }
            self.item(x)?;
        }
        Ok(())
    }
}

/// The equality walk (`types/equality.rs`) as a type's `==` sees it: each
/// step returns `None` when the walk must stop.
pub(crate) trait EqWalk {
    /// `a == b`, one level deeper.
    fn item(&mut self, a: &Value, b: &Value) -> Option<bool>;

    /// Pays for a container entered and the `items` it compares.
    fn visit(&mut self, items: u64) -> Option<()>;

    /// Pays `n` units of the walk's work (a set's lookups, a string's
    /// bytes).
    fn spend(&mut self, n: u64) -> Option<()>;

    /// Checks the stack before a container's items are compared.
    fn stack_left(&mut self) -> Option<()>;

    /// `a` and `b`'s items equal pairwise (same length), each one level
    /// deeper, the container paid first.
    fn items<'a>(
        &mut self,
        a: impl ExactSizeIterator<Item = &'a Value>,
        b: impl ExactSizeIterator<Item = &'a Value>,
    ) -> Option<bool> {
        if a.len() != b.len() {
            return Some(false);
        }
        self.stack_left()?;
        self.visit(a.len() as u64)?;
        for (p, q) in a.zip(b) {
            if !self.item(p, q)? {
                return Some(false);
            }
        }
        Some(true)
    }
}

/// Whether the ordering `op` holds of an order (`None`: unordered, a NaN's,
/// and no `op` holds).
#[inline]
pub(crate) fn holds(op: CmpOp, o: Option<Ordering>) -> bool {
    match (op, o) {
        (_, None) => false,
        (CmpOp::Lt, Some(o)) => o == Ordering::Less,
        (CmpOp::LtE, Some(o)) => o != Ordering::Greater,
        (CmpOp::Gt, Some(o)) => o == Ordering::Greater,
        (_, Some(o)) => o != Ordering::Less,
    }
}

/// The ordering walk (`vm/compare.rs`) as a type's order sees it.
pub(crate) trait OrderWalk {
    /// The meter the walk charges.
    fn meter(&mut self) -> &mut Meter;

    /// `a op b`, one level deeper (the depth cap and the stack checked).
    fn item(&mut self, op: CmpOp, a: &Value, b: &Value) -> R<bool>;

    /// `a == b`, charged as the equality walk charges it.
    fn eq(&mut self, a: &Value, b: &Value) -> R<bool>;

    /// `a op b` as a comparison of its own (a Counter's counts).
    fn compare(&mut self, op: CmpOp, a: &Value, b: &Value) -> R<bool>;

    /// Two sequences in CPython's order: by their first items that differ
    /// (those items' own `op`, so `(1, {2}) < (1, {1})` is a subset test and
    /// `[nan] <= [1]` is false), else by length.
    fn items(&mut self, op: CmpOp, x: &[Value], y: &[Value]) -> R<bool> {
        for (p, q) in x.iter().zip(y.iter()) {
            if !self.eq(p, q)? {
                return self.item(op, p, q);
            }
        }
        Ok(holds(op, Some(x.len().cmp(&y.len()))))
    }
}

/// The hash walk (`types/hash_walk.rs`) as a type's hash sees it.
pub(crate) trait HashWalk {
    /// The hasher written to.
    type State: std::hash::Hasher;

    /// The hasher.
    fn state(&mut self) -> &mut Self::State;

    /// `v`'s hash, one level deeper (a tuple's items); nothing past the
    /// walk's depth cap, where a hash that stops still agrees with equality.
    fn item(&mut self, v: &Value);
}
