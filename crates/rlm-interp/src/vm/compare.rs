//! Comparison: the ordering walk (`<`; numbers here, each other type's
//! order its own, `PyType::order`, reached through `types/dispatch.rs`;
//! dates and time deltas), membership (`in`), and the comparison operators,
//! which reach equality, identity and the key check in `types/equality.rs`.

use std::cmp::Ordering;

use rlm_syntax::ast::CmpOp;

use crate::fault::{R, type_err};
use crate::meter::Meter;
use crate::types::attr_error::qualified_type_name;
use crate::types::equality::is_same;
use crate::types::protocol::{OrderWalk, holds};
use crate::types::str::str_order;
use crate::value::*;
use crate::vm::Vm;

/// The order of two numbers (ints, bools, floats), exact at every
/// magnitude: `Some(None)` when a NaN makes them unordered, `None` when
/// either is not a number.
fn number_order(a: &Value, b: &Value) -> Option<Option<Ordering>> {
    // Bools and int-like module objects (`re.IGNORECASE`) order as ints.
    let int = crate::args::as_int;
    Some(match (a, b) {
        (Value::Float(x), Value::Float(y)) => x.partial_cmp(y),
        (Value::Float(x), other) => {
            crate::types::float::order::cmp_int_float(int(other)?, *x).map(Ordering::reverse)
        }
        (other, Value::Float(y)) => crate::types::float::order::cmp_int_float(int(other)?, *y),
        _ => Some(int(a)?.cmp(&int(b)?)),
    })
}

/// Fuel for each item `x in iterator` draws and compares: the draw, the
/// item's clone and drop and a generic `==` ran ~2x the dispatch loop's time
/// a unit at 1 (`"a" in itertools.repeat("b")`,
/// docs/benchmarks/2026-11-25-issue-53-default-fuel-200m.md, "The default fuel of 200 M",
/// issue #53).
const FUEL_PER_ITEM_DRAWN: u64 = 2;

impl Vm {
    /// `a < b`, `a <= b`, `a > b` or `a >= b`, as CPython answers it:
    /// numbers exactly (an int and a float at any magnitude; NaN orders
    /// with nothing), the rest by their types' order (`PyType::order`: a
    /// list or tuple by its first item that differs from the other's, sets
    /// as subsets), dates and time deltas by theirs, else the `TypeError`.
    fn order(&mut self, op: CmpOp, a: &Value, b: &Value) -> R<bool> {
        if let Some(o) = number_order(a, b) {
            return Ok(holds(op, o));
        }
        // Two strings, the most ordered values after numbers (sorting
        // words), without the walk's checks.
        if let (Value::Str(x), Value::Str(y)) = (a, b) {
            return Ok(holds(op, Some(str_order(&mut self.meter, x, y)?)));
        }
        // Only a sequence or a Counter walks into what it holds: the stack
        // segment and its checks are for them (a date's order paid 380
        // instructions for the segment's).
        if matches!(a, Value::List(_) | Value::Tuple(_) | Value::Dict(_))
            || Native::as_tuple(a).is_some()
        {
            return crate::stack_guard::walk_over(a, || self.order_depth(op, a, b, 0));
        }
        if Native::as_tuple(b).is_some() {
            return self.order_value(op, a, b, 0);
        }
        // Neither a module's tuple nor two numbers (both asked above).
        self.order_typed(op, a, b, 0)
    }

    /// [`Vm::order`] `depth` levels into nested sequences, the depth and
    /// the stack checked.
    fn order_depth(&mut self, op: CmpOp, a: &Value, b: &Value, depth: usize) -> R<bool> {
        if depth > self.meter.limits.max_nesting {
            return Err(self.meter.nesting_err());
        }
        crate::stack_guard::guard_stack(&self.meter)?;
        self.order_value(op, a, b, depth)
    }

    /// [`Vm::order_depth`] past its checks: by the numbers' order, the
    /// types' own, the natives'.
    fn order_value(&mut self, op: CmpOp, a: &Value, b: &Value, depth: usize) -> R<bool> {
        // A module's object that is a tuple (`sys.version_info`) orders
        // as one.
        let (a, b) = (Native::as_tuple(a).unwrap_or(a), Native::as_tuple(b).unwrap_or(b));
        if let Some(o) = number_order(a, b) {
            return Ok(holds(op, o));
        }
        self.order_typed(op, a, b, depth)
    }

    /// [`Vm::order_value`] of two values that are neither two numbers nor
    /// a module's tuple: their types' order, else the natives'.
    fn order_typed(&mut self, op: CmpOp, a: &Value, b: &Value, depth: usize) -> R<bool> {
        if let Some(r) = crate::types::dispatch::order(&mut OrderStep { vm: self, depth }, op, a, b)
        {
            return r;
        }
        self.order_native(op, a, b)
    }

    /// The order of values of no protocol type with an order: a dict's keys
    /// or items views as subsets, dates, time deltas; else CPython's
    /// `TypeError`.
    fn order_native(&mut self, op: CmpOp, a: &Value, b: &Value) -> R<bool> {
        if let Some(r) = crate::types::set::order::subset_order(&mut self.meter, op, a, b) {
            return r;
        }
        if let (Value::Native(x), Value::Native(y)) = (a, b) {
            use crate::modules::datetime::{date_time::DateTime, timedelta::TimeDelta};
            if let (Some(p), Some(q)) = (x.module::<DateTime>(), y.module::<DateTime>()) {
                let o = crate::modules::datetime::date_time::datetime_cmp(p, q, op.as_str())?;
                return Ok(holds(op, Some(o)));
            }
            if let (Some(TimeDelta(a, b, c)), Some(TimeDelta(d, e, f))) =
                (x.module::<TimeDelta>(), y.module::<TimeDelta>())
            {
                return Ok(holds(op, Some((a, b, c).cmp(&(d, e, f)))));
            }
        }
        type_err(format!(
            "'{}' not supported between instances of '{}' and '{}'",
            op.as_str(),
            qualified_type_name(a),
            qualified_type_name(b)
        ))
    }

    pub(crate) fn compare(&mut self, op: CmpOp, a: &Value, b: &Value) -> R<bool> {
        match op {
            CmpOp::Eq => crate::types::eq_walk::eq(&mut self.meter, a, b),
            CmpOp::NotEq => Ok(!crate::types::eq_walk::eq(&mut self.meter, a, b)?),
            CmpOp::Is => Ok(is_same(a, b)),
            CmpOp::IsNot => Ok(!is_same(a, b)),
            CmpOp::In => self.contains(b, a),
            CmpOp::NotIn => Ok(!self.contains(b, a)?),
            _ => self.order(op, a, b),
        }
    }

    /// `item in it` for an iterator (or a dict's values or items): drawn
    /// one at a time up to the first equal item, [`FUEL_PER_ITEM_DRAWN`] each, as CPython
    /// consumes it (the rest is left in the iterator).
    fn contains_drawn(&mut self, container: &Value, item: &Value) -> R<bool> {
        let Value::Iter(it) = self.get_iter(container.clone())? else { return Ok(false) };
        while let Some(x) = self.iter_next(&it)? {
            self.meter.fuel(FUEL_PER_ITEM_DRAWN)?;
            if crate::types::eq_walk::eq(&mut self.meter, &x, item)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    pub(crate) fn contains(&mut self, container: &Value, item: &Value) -> R<bool> {
        if let Some(t) = Native::as_tuple(container) {
            return self.contains(&t.clone(), item);
        }
        if let Some(found) = crate::types::dispatch::contains(self, container, item) {
            return found;
        }
        match container {
            Value::Native(n) if matches!(**n, Native::DictView(..)) => {
                if let Native::DictView(0, d) = &**n {
                    let k = crate::types::equality::key(&mut self.meter, item.clone())?;
                    return Ok(d.borrow().map.contains_key(&k));
                }
                self.contains_drawn(container, item)
            }
            Value::Iter(_) => self.contains_drawn(container, item),
            _ => type_err(format!("argument of type '{}' is not iterable", container.type_name())),
        }
    }
}

/// The ordering walk as a type's order sees it ([`OrderWalk`]): one call
/// of [`Vm::order_depth`] deep.
struct OrderStep<'a> {
    vm: &'a mut Vm,
    depth: usize,
}

impl OrderWalk for OrderStep<'_> {
    #[inline]
    fn meter(&mut self) -> &mut Meter {
        &mut self.vm.meter
    }

    fn item(&mut self, op: CmpOp, a: &Value, b: &Value) -> R<bool> {
        self.vm.order_depth(op, a, b, self.depth + 1)
    }

    #[inline]
    fn eq(&mut self, a: &Value, b: &Value) -> R<bool> {
        crate::types::eq_walk::eq(&mut self.vm.meter, a, b)
    }

    fn compare(&mut self, op: CmpOp, a: &Value, b: &Value) -> R<bool> {
        self.vm.compare(op, a, b)
    }
}
