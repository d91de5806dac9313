//! Comparison: ordering (`<` on numbers, strings, sequences, sets as
//! subsets, dates), membership (`in`), and the comparison operators, which
//! reach equality, identity and the key check in `types/equality.rs`.

use std::cmp::Ordering;

use rlm_syntax::ast::CmpOp;

use crate::args::{as_float, as_int};
use crate::fault::{R, type_err};
use crate::types::equality::{is_same, is_set_like};
use crate::types::range::range_contains;
use crate::types::set::set_items;
use crate::value::*;
use crate::vm::Vm;

/// Fuel for each item `x in iterator` draws and compares: the draw, the
/// item's clone and drop and a generic `==` ran ~2x the dispatch loop's time
/// a unit at 1 (`"a" in itertools.repeat("b")`,
/// docs/benchmarks/2026-11-25-issue-53-default-fuel-200m.md, "The default fuel of 200 M",
/// issue #53).
const FUEL_PER_ITEM_DRAWN: u64 = 2;

impl Vm {
    pub(crate) fn cmp(&mut self, a: &Value, b: &Value, op: CmpOp) -> R<Ordering> {
        // Two ints or two strings (most comparisons, every sort of words):
        // no walk over nested values to guard, as `cmp_depth` orders them.
        match (a, b) {
            (Value::Int(x), Value::Int(y)) => return Ok(x.cmp(y)),
            (Value::Str(x), Value::Str(y)) => return self.cmp_str(x, y),
            _ => {}
        }
        let (a, b) = (Native::as_tuple(a).unwrap_or(a), Native::as_tuple(b).unwrap_or(b));
        crate::stack_guard::walk_over(a, || self.cmp_depth(a, b, op, 0))
    }

    /// Strings in code-point order (UTF-8's byte order), charged for the
    /// bytes the comparison may read.
    #[inline]
    fn cmp_str(&mut self, x: &Str, y: &Str) -> R<Ordering> {
        self.meter.fuel((x.byte_len().min(y.byte_len()) / 64) as u64)?;
        Ok(x.as_str().cmp(y.as_str()))
    }

    fn cmp_depth(&mut self, a: &Value, b: &Value, op: CmpOp, depth: usize) -> R<Ordering> {
        if depth > self.meter.limits.max_nesting {
            return Err(self.meter.nesting_err());
        }
        crate::stack_guard::guard_stack(&self.meter)?;
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
                    a.type_name(),
                    b.type_name()
                ))
            }
            (Value::List(x), Value::List(y)) => {
                // The copies guard against the lists changing under a
                // comparison; they cost work and memory like any copy.
                let n = x.borrow().len().min(y.borrow().len());
                self.meter.fuel(n as u64)?;
                let (x, y) = (x.borrow().clone(), y.borrow().clone());
                self.cmp_seq(&x, &y, op, depth)
            }
            (Value::Tuple(x), Value::Tuple(y)) => {
                let (x, y) = (x.clone(), y.clone());
                self.cmp_seq(&x, &y, op, depth)
            }
            _ => {
                if let (Some(x), Some(y)) = (as_float(a), as_float(b)) {
                    if let (Some(i), Some(j)) = (as_int(a), as_int(b)) {
                        return Ok(i.cmp(&j));
                    }
                    return Ok(x.partial_cmp(&y).unwrap_or(Ordering::Equal));
                }
                type_err(format!(
                    "'{}' not supported between instances of '{}' and '{}'",
                    op.as_str(),
                    a.type_name(),
                    b.type_name()
                ))
            }
        }
    }

    fn cmp_seq(&mut self, x: &[Value], y: &[Value], op: CmpOp, depth: usize) -> R<Ordering> {
        for (p, q) in x.iter().zip(y.iter()) {
            if !crate::types::equality::eq(&mut self.meter, p, q)? {
                return self.cmp_depth(p, q, op, depth + 1);
            }
        }
        Ok(x.len().cmp(&y.len()))
    }

    /// `a < b` etc. with NaN semantics.
    fn order(&mut self, op: CmpOp, a: &Value, b: &Value) -> R<bool> {
        if let (Value::Float(_), _) | (_, Value::Float(_)) = (a, b) {
            if let (Some(x), Some(y)) = (as_float(a), as_float(b)) {
                return Ok(match op {
                    CmpOp::Lt => x < y,
                    CmpOp::LtE => x <= y,
                    CmpOp::Gt => x > y,
                    _ => x >= y,
                });
            }
        }
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

    fn order_by_cmp(&mut self, op: CmpOp, a: &Value, b: &Value) -> R<bool> {
        let o = self.cmp(a, b, op)?;
        Ok(match op {
            CmpOp::Lt => o == Ordering::Less,
            CmpOp::LtE => o != Ordering::Greater,
            CmpOp::Gt => o == Ordering::Greater,
            _ => o != Ordering::Less,
        })
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
        match container {
            Value::Str(s) => crate::types::str::str_contains(&mut self.meter, s, item),
            // Charged as they are compared, up to the first equal item.
            Value::List(l) => {
                let len = l.borrow().len();
                let found = crate::types::equality::position_in_blocks(
                    &mut self.meter,
                    item,
                    0..len,
                    |r| l.borrow().get(r).map_or_else(Vec::new, <[Value]>::to_vec),
                )?;
                Ok(found.is_some())
            }
            Value::Tuple(t) => {
                let found = crate::types::equality::position_in_blocks(
                    &mut self.meter,
                    item,
                    0..t.len(),
                    |r| t.get(r).map_or_else(Vec::new, <[Value]>::to_vec),
                )?;
                Ok(found.is_some())
            }
            Value::Deque(d) => {
                let len = d.borrow().len();
                let found = crate::types::equality::position_in_blocks(
                    &mut self.meter,
                    item,
                    0..len,
                    |r| d.borrow().range(r).cloned().collect(),
                )?;
                Ok(found.is_some())
            }
            Value::Dict(d) => {
                let k = crate::types::equality::key(&mut self.meter, item.clone())?;
                Ok(d.borrow().map.contains_key(&k))
            }
            Value::Set(s) => {
                let k = crate::types::equality::key(&mut self.meter, item.clone())?;
                Ok(s.borrow().contains(&k))
            }
            Value::FrozenSet(s) => {
                let k = crate::types::equality::key(&mut self.meter, item.clone())?;
                Ok(s.contains(&k))
            }
            Value::Range(r) => Ok(range_contains(r, item)),
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
