//! Comparison: ordering (`<` on numbers, strings, sequences, sets as
//! subsets, dates), membership (`in`), and the comparison operators, which
//! reach equality, identity and the key check in `types/equality.rs`.

use std::cmp::Ordering;

use rlm_syntax::ast::CmpOp;

use crate::fault::{R, type_err};
use crate::types::attr_error::qualified_type_name;
use crate::types::equality::{is_same, is_set_like};
use crate::types::set::order::set_items;
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

/// Whether `op` holds of an order (`None`: unordered, and no `op` holds).
fn holds(op: CmpOp, o: Option<Ordering>) -> bool {
    match (op, o) {
        (_, None) => false,
        (CmpOp::Lt, Some(o)) => o == Ordering::Less,
        (CmpOp::LtE, Some(o)) => o != Ordering::Greater,
        (CmpOp::Gt, Some(o)) => o == Ordering::Greater,
        (_, Some(o)) => o != Ordering::Less,
    }
}

/// Fuel for each item `x in iterator` draws and compares: the draw, the
/// item's clone and drop and a generic `==` ran ~2x the dispatch loop's time
/// a unit at 1 (`"a" in itertools.repeat("b")`,
/// docs/benchmarks/2026-11-25-issue-53-default-fuel-200m.md, "The default fuel of 200 M",
/// issue #53).
const FUEL_PER_ITEM_DRAWN: u64 = 2;

impl Vm {
    /// Strings in code-point order (UTF-8's byte order), charged for the
    /// bytes the comparison may read.
    #[inline]
    fn cmp_str(&mut self, x: &Str, y: &Str) -> R<Ordering> {
        self.meter.fuel((x.byte_len().min(y.byte_len()) / 64) as u64)?;
        Ok(x.as_str().cmp(y.as_str()))
    }

    /// The order of two values that are neither sequences nor sets: ints,
    /// strings, dates, time deltas, numbers; else CPython's `TypeError`.
    fn cmp_flat(&mut self, a: &Value, b: &Value, op: CmpOp) -> R<Ordering> {
        match (a, b) {
            (Value::Int(x), Value::Int(y)) => Ok(x.cmp(y)),
            (Value::Str(x), Value::Str(y)) => self.cmp_str(x, y),
            (Value::Native(x), Value::Native(y)) => {
                use crate::modules::datetime::{date_time::DateTime, timedelta::TimeDelta};
                if let (Some(p), Some(q)) = (x.module::<DateTime>(), y.module::<DateTime>()) {
                    return crate::modules::datetime::date_time::datetime_cmp(p, q, op.as_str());
                }
                if let (Some(TimeDelta(a, b, c)), Some(TimeDelta(d, e, f))) =
                    (x.module::<TimeDelta>(), y.module::<TimeDelta>())
                {
                    return Ok((a, b, c).cmp(&(d, e, f)));
                }
                type_err(format!(
                    "'{}' not supported between instances of '{}' and '{}'",
                    op.as_str(),
                    qualified_type_name(a),
                    qualified_type_name(b)
                ))
            }
            _ => {
                if let Some(o) = number_order(a, b) {
                    return Ok(o.unwrap_or(Ordering::Equal));
                }
                type_err(format!(
                    "'{}' not supported between instances of '{}' and '{}'",
                    op.as_str(),
                    qualified_type_name(a),
                    qualified_type_name(b)
                ))
            }
        }
    }

    /// `a < b`, `a <= b`, `a > b` or `a >= b`, as CPython answers it:
    /// numbers exactly (an int and a float at any magnitude; NaN orders
    /// with nothing), a list or tuple by its first item that differs from
    /// the other's (that item's own `op`, so `(1, {2}) < (1, {1})` is a
    /// subset test and `[nan] <= [1]` is false) else by length, sets as
    /// subsets, the rest by their order.
    fn order(&mut self, op: CmpOp, a: &Value, b: &Value) -> R<bool> {
        if let Some(o) = number_order(a, b) {
            return Ok(holds(op, o));
        }
        match (a, b) {
            (Value::Str(x), Value::Str(y)) => Ok(holds(op, Some(self.cmp_str(x, y)?))),
            (Value::Dict(x), Value::Dict(y))
                if matches!(x.borrow().kind, DictKind::Counter)
                    && matches!(y.borrow().kind, DictKind::Counter) =>
            {
                // Held while the counts compare: no comparison runs a
                // program's code, so neither can change under it. Counts
                // may be Counters in turn: each level checks the stack.
                crate::stack_guard::walk_over(a, || {
                    crate::stack_guard::guard_stack(&self.meter)?;
                    let (x, y) = (x.borrow(), y.borrow());
                    self.meter.fuel((x.map.len() + y.map.len()) as u64)?;
                    crate::types::dict::counter::counter_order(op, &x, &y, &mut |op, p, q| {
                        self.compare(op, p, q)
                    })
                })
            }
            (Value::List(_), Value::List(_)) | (Value::Tuple(_), Value::Tuple(_)) => {
                crate::stack_guard::walk_over(a, || self.order_depth(op, a, b, 0))
            }
            // A module's object that is a tuple (`sys.version_info`)
            // orders as one.
            (Value::Native(_), _) | (_, Value::Native(_)) => {
                let (x, y) = (Native::as_tuple(a), Native::as_tuple(b));
                if x.is_none() && y.is_none() {
                    return self.order_flat(op, a, b);
                }
                let (a, b) = (x.unwrap_or(a), y.unwrap_or(b));
                if let (Value::Tuple(_), Value::Tuple(_)) = (a, b) {
                    return crate::stack_guard::walk_over(a, || self.order_depth(op, a, b, 0));
                }
                self.order_flat(op, a, b)
            }
            _ => self.order_flat(op, a, b),
        }
    }

    /// [`Vm::order`] one level into nested sequences.
    fn order_depth(&mut self, op: CmpOp, a: &Value, b: &Value, depth: usize) -> R<bool> {
        if depth > self.meter.limits.max_nesting {
            return Err(self.meter.nesting_err());
        }
        crate::stack_guard::guard_stack(&self.meter)?;
        let (a, b) = (Native::as_tuple(a).unwrap_or(a), Native::as_tuple(b).unwrap_or(b));
        let (x, y) = match (a, b) {
            (Value::List(x), Value::List(y)) => {
                // The copies guard against the lists changing under a
                // comparison; they cost work and memory like any copy.
                let n = x.borrow().len().min(y.borrow().len());
                self.meter.fuel(n as u64)?;
                (x.borrow().clone(), y.borrow().clone())
            }
            (Value::Tuple(x), Value::Tuple(y)) => (x.to_vec(), y.to_vec()),
            _ => {
                if let Some(o) = number_order(a, b) {
                    return Ok(holds(op, o));
                }
                return self.order_flat(op, a, b);
            }
        };
        for (p, q) in x.iter().zip(y.iter()) {
            if !crate::types::equality::eq(&mut self.meter, p, q)? {
                return self.order_depth(op, p, q, depth + 1);
            }
        }
        Ok(holds(op, Some(x.len().cmp(&y.len()))))
    }

    /// The order of two values that are not both sequences: sets as
    /// subsets, the rest by [`Vm::cmp`].
    fn order_flat(&mut self, op: CmpOp, a: &Value, b: &Value) -> R<bool> {
        // Sets: subset relations (copying the items is only worth it for
        // two set-likes).
        if !(is_set_like(a) && is_set_like(b)) {
            return self.order_by_cmp(op, a, b);
        }
        if let (Some(x), Some(y)) = (set_items(a), set_items(b)) {
            self.meter.fuel((x.len() + y.len()) as u64)?;
            let sub = x.iter().all(|k| y.contains(k));
            let sup = y.iter().all(|k| x.contains(k));
            return Ok(match op {
                CmpOp::Lt => sub && x.len() < y.len(),
                CmpOp::LtE => sub,
                CmpOp::Gt => sup && x.len() > y.len(),
                _ => sup,
            });
        }
        self.order_by_cmp(op, a, b)
    }

    /// Dates, time deltas and the type errors: their order by
    /// [`Vm::cmp_flat`] (`a` and `b` are no module tuples by now).
    fn order_by_cmp(&mut self, op: CmpOp, a: &Value, b: &Value) -> R<bool> {
        let o = self.cmp_flat(a, b, op)?;
        Ok(holds(op, Some(o)))
    }

    pub(crate) fn compare(&mut self, op: CmpOp, a: &Value, b: &Value) -> R<bool> {
        match op {
            CmpOp::Eq => crate::types::equality::eq(&mut self.meter, a, b),
            CmpOp::NotEq => Ok(!crate::types::equality::eq(&mut self.meter, a, b)?),
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
            if crate::types::equality::eq(&mut self.meter, &x, item)? {
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
