//! Operators, comparisons, hashing, subscripts, slicing, iteration and
//! attribute lookup, with CPython's semantics and error messages.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::VecDeque;
use std::rc::Rc;

use rlm_syntax::ast::{BinOp, CmpOp, UnaryOp};
use smol_str::SmolStr;

use crate::value::*;
use crate::vm::{Fault, R, Vm, exc, type_err, value_err};

/// Equality without limits (used by hash keys, which are validated to be
/// shallow enough beforehand).
pub fn eq_shallow(a: &Value, b: &Value) -> bool {
    eq_depth(a, b, 0, 256, &mut Work::unbounded()).unwrap_or(false)
}

/// Work done by a comparison walk, in fuel units: one per element visited
/// below the top and one per 64 bytes of strings compared. The walk stops
/// (returns `None`) once `used` passes `max`, so neither long strings nor
/// shared sub-lists (`a = [a, a]` twenty times over) make one `==` unbounded.
pub(crate) struct Work {
    used: u64,
    max: u64,
}

impl Work {
    fn unbounded() -> Work {
        Work { used: 0, max: u64::MAX }
    }

    #[inline]
    fn spend(&mut self, n: u64) -> Option<()> {
        self.used = self.used.saturating_add(n);
        if self.used > self.max { None } else { Some(()) }
    }
}

fn eq_depth(a: &Value, b: &Value, depth: usize, limit: usize, work: &mut Work) -> Option<bool> {
    if depth > limit {
        return None;
    }
    Some(match (a, b) {
        (Value::None, Value::None) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Bool(x), Value::Int(y)) | (Value::Int(y), Value::Bool(x)) => (*x as i64) == *y,
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::Int(x), Value::Float(y)) | (Value::Float(y), Value::Int(x)) => (*x as f64) == *y,
        (Value::Bool(x), Value::Float(y)) | (Value::Float(y), Value::Bool(x)) => {
            (*x as i64 as f64) == *y
        }
        (Value::Str(x), Value::Str(y)) => {
            if x.byte_len() == y.byte_len() {
                work.spend((x.byte_len() / 64) as u64)?;
            }
            x == y
        }
        (Value::List(x), Value::List(y)) => {
            if Rc::ptr_eq(x, y) {
                return Some(true);
            }
            let (x, y) = (x.borrow(), y.borrow());
            x.len() == y.len() && {
                work.spend(x.len() as u64)?;
                for (p, q) in x.iter().zip(y.iter()) {
                    if !eq_depth(p, q, depth + 1, limit, work)? {
                        return Some(false);
                    }
                }
                true
            }
        }
        (Value::Tuple(x), Value::Tuple(y)) => {
            if Rc::ptr_eq(x, y) {
                return Some(true);
            }
            x.len() == y.len() && {
                work.spend(x.len() as u64)?;
                for (p, q) in x.iter().zip(y.iter()) {
                    if !eq_depth(p, q, depth + 1, limit, work)? {
                        return Some(false);
                    }
                }
                true
            }
        }
        (Value::Dict(x), Value::Dict(y)) => {
            if Rc::ptr_eq(x, y) {
                return Some(true);
            }
            let (x, y) = (x.borrow(), y.borrow());
            if x.map.len() == y.map.len() {
                work.spend(x.map.len() as u64)?;
            }
            if matches!(x.kind, DictKind::Ordered) && matches!(y.kind, DictKind::Ordered) {
                if x.map.len() != y.map.len() {
                    return Some(false);
                }
                for ((k1, v1), (k2, v2)) in x.map.iter().zip(y.map.iter()) {
                    if !eq_depth(&k1.0, &k2.0, depth + 1, limit, work)?
                        || !eq_depth(v1, v2, depth + 1, limit, work)?
                    {
                        return Some(false);
                    }
                }
                return Some(true);
            }
            x.map.len() == y.map.len() && {
                for (k, v) in x.map.iter() {
                    match y.map.get(k) {
                        Some(w) => {
                            if !eq_depth(v, w, depth + 1, limit, work)? {
                                return Some(false);
                            }
                        }
                        None => return Some(false),
                    }
                }
                true
            }
        }
        (Value::Set(x), Value::Set(y)) => {
            let (x, y) = (x.borrow(), y.borrow());
            x.len() == y.len() && {
                work.spend(x.len() as u64)?;
                x.iter().all(|k| y.contains(k))
            }
        }
        (Value::FrozenSet(x), Value::FrozenSet(y)) => {
            x.len() == y.len() && {
                work.spend(x.len() as u64)?;
                x.iter().all(|k| y.contains(k))
            }
        }
        (Value::Set(x), Value::FrozenSet(y)) | (Value::FrozenSet(y), Value::Set(x)) => {
            let x = x.borrow();
            x.len() == y.len() && {
                work.spend(x.len() as u64)?;
                x.iter().all(|k| y.contains(k))
            }
        }
        (Value::Deque(x), Value::Deque(y)) => {
            let (x, y) = (x.borrow(), y.borrow());
            x.len() == y.len() && {
                work.spend(x.len() as u64)?;
                for (p, q) in x.iter().zip(y.iter()) {
                    if !eq_depth(p, q, depth + 1, limit, work)? {
                        return Some(false);
                    }
                }
                true
            }
        }
        (Value::Range(x), Value::Range(y)) => {
            let lx = crate::builtins::range_len(x.0, x.1, x.2);
            let ly = crate::builtins::range_len(y.0, y.1, y.2);
            lx == ly && (lx == 0 || (x.0 == y.0 && (lx == 1 || x.2 == y.2)))
        }
        (Value::Type(x), Value::Type(y)) => x == y,
        (Value::Exc(x), Value::Exc(y)) => Rc::ptr_eq(x, y),
        (Value::Func(x), Value::Func(y)) => Rc::ptr_eq(x, y),
        (Value::Builtin(x), Value::Builtin(y)) => x.name == y.name && x.module == y.module,
        (Value::Module(x), Value::Module(y)) => x.name == y.name,
        (Value::Native(x), Value::Native(y)) => match (&**x, &**y) {
            (Native::DateTime(a), Native::DateTime(b)) => a == b,
            (Native::TimeDelta(a, b, c), Native::TimeDelta(d, e, f)) => (a, b, c) == (d, e, f),
            _ => Rc::ptr_eq(x, y),
        },
        (Value::Ellipsis, Value::Ellipsis) => true,
        (Value::Native(n), other) | (other, Value::Native(n))
            if matches!(**n, Native::DictView(0 | 2, _)) =>
        {
            match (set_items(&Value::Native(n.clone())), set_items(other)) {
                (Some(x), Some(y)) => x.len() == y.len() && x.iter().all(|k| y.contains(k)),
                _ => false,
            }
        }
        _ => false,
    })
}

pub fn is_same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::None, Value::None) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y && (-5..=256).contains(x),
        (Value::Str(x), Value::Str(y)) => Str::ptr_eq(x, y) || (x.byte_len() <= 1 && x == y),
        (Value::List(x), Value::List(y)) => Rc::ptr_eq(x, y),
        (Value::Tuple(x), Value::Tuple(y)) => Rc::ptr_eq(x, y) || (x.is_empty() && y.is_empty()),
        (Value::Dict(x), Value::Dict(y)) => Rc::ptr_eq(x, y),
        (Value::Set(x), Value::Set(y)) => Rc::ptr_eq(x, y),
        (Value::Func(x), Value::Func(y)) => Rc::ptr_eq(x, y),
        (Value::Type(x), Value::Type(y)) => x == y,
        (Value::Exc(x), Value::Exc(y)) => Rc::ptr_eq(x, y),
        (Value::Ellipsis, Value::Ellipsis) => true,
        (Value::Builtin(x), Value::Builtin(y)) => {
            Rc::ptr_eq(x, y) || (x.name == y.name && x.module == y.module)
        }
        (Value::Module(x), Value::Module(y)) => Rc::ptr_eq(x, y),
        _ => false,
    }
}

pub fn as_int(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        Value::Bool(b) => Some(*b as i64),
        _ => None,
    }
}

pub fn as_float(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Bool(b) => Some(*b as i64 as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}

fn overflow<T>() -> R<T> {
    exc(
        ExcKind::OverflowError,
        "integer overflow: integers here are 64-bit (range -9223372036854775808..9223372036854775807)",
    )
}

pub fn floordiv_i(a: i64, b: i64) -> R<i64> {
    if b == 0 {
        return exc(ExcKind::ZeroDivisionError, "integer division or modulo by zero");
    }
    let Some(q) = a.checked_div(b) else { return overflow() };
    if (a % b != 0) && ((a < 0) != (b < 0)) { Ok(q - 1) } else { Ok(q) }
}

pub fn mod_i(a: i64, b: i64) -> R<i64> {
    if b == 0 {
        return exc(ExcKind::ZeroDivisionError, "integer modulo by zero");
    }
    let r = a.checked_rem(b).unwrap_or(0);
    if r != 0 && ((r < 0) != (b < 0)) { Ok(r + b) } else { Ok(r) }
}

pub fn mod_f(a: f64, b: f64) -> R<f64> {
    if b == 0.0 {
        return exc(ExcKind::ZeroDivisionError, "float modulo");
    }
    let mut m = a % b;
    if m != 0.0 {
        if (b < 0.0) != (m < 0.0) {
            m += b;
        }
    } else {
        m = 0.0f64.copysign(b);
    }
    Ok(m)
}

pub fn pow_i(a: i64, b: i64) -> R<Value> {
    if b < 0 {
        if a == 0 {
            return exc(ExcKind::ZeroDivisionError, "0.0 cannot be raised to a negative power");
        }
        return Ok(Value::Float((a as f64).powf(b as f64)));
    }
    let Ok(e) = u32::try_from(b) else {
        return match a {
            0 | 1 => Ok(Value::Int(a)),
            -1 => Ok(Value::Int(if b % 2 == 0 { 1 } else { -1 })),
            _ => overflow(),
        };
    };
    match a.checked_pow(e) {
        Some(v) => Ok(Value::Int(v)),
        None => overflow(),
    }
}

fn binop_err<T>(op: BinOp, a: &Value, b: &Value) -> R<T> {
    let sym = match op {
        BinOp::Pow => "** or pow()",
        o => o.as_str(),
    };
    type_err(format!(
        "unsupported operand type(s) for {sym}: '{}' and '{}'",
        a.type_name(),
        b.type_name()
    ))
}

impl Vm {
    /// Validate a value as hashable and wrap it as a key.
    pub(crate) fn key(&mut self, v: Value) -> R<Key> {
        self.check_hashable(&v, 0)?;
        Ok(Key(v))
    }

    fn check_hashable(&mut self, v: &Value, depth: usize) -> R<()> {
        if depth > self.limits.max_nesting {
            return Err(self.nesting_err());
        }
        match v {
            Value::List(_) | Value::Dict(_) | Value::Set(_) | Value::Deque(_) | Value::Slice(_) => {
                type_err(format!("unhashable type: '{}'", v.type_name()))
            }
            Value::Tuple(t) => {
                // One unit per tuple visited: a tuple whose levels share their
                // child (`t = (t, t)` sixty times) has 2**60 paths to hash.
                self.fuel(1)?;
                for x in t.iter() {
                    self.check_hashable(x, depth + 1)?;
                }
                Ok(())
            }
            // Hashing (and comparing on a hit) reads every byte of the key.
            Value::Str(s) if s.byte_len() >= 64 => self.fuel((s.byte_len() / 64) as u64),
            _ => Ok(()),
        }
    }

    pub(crate) fn eq(&mut self, a: &Value, b: &Value) -> R<bool> {
        let mut work = Work { used: 0, max: self.limits.fuel.saturating_sub(self.fuel_used) };
        let r = eq_depth(a, b, 0, self.limits.max_nesting, &mut work);
        if work.used > 0 {
            // Charges at least max + 1 when the walk stopped: a fuel error.
            self.fuel(work.used)?;
        }
        match r {
            Some(r) => Ok(r),
            None => Err(self.nesting_err()),
        }
    }

    pub(crate) fn cmp(&mut self, a: &Value, b: &Value, op: CmpOp) -> R<Ordering> {
        self.cmp_depth(a, b, op, 0)
    }

    fn cmp_depth(&mut self, a: &Value, b: &Value, op: CmpOp, depth: usize) -> R<Ordering> {
        if depth > self.limits.max_nesting {
            return Err(self.nesting_err());
        }
        match (a, b) {
            (Value::Int(x), Value::Int(y)) => Ok(x.cmp(y)),
            (Value::Str(x), Value::Str(y)) => {
                self.fuel((x.byte_len().min(y.byte_len()) / 64) as u64)?;
                Ok(x.as_str().cmp(y.as_str()))
            }
            (Value::Native(x), Value::Native(y)) => match (&**x, &**y) {
                (Native::DateTime(p), Native::DateTime(q)) => {
                    crate::modules::datetime_cmp(p, q, op.as_str())
                }
                (Native::TimeDelta(a, b, c), Native::TimeDelta(d, e, f)) => {
                    Ok((a, b, c).cmp(&(d, e, f)))
                }
                _ => type_err(format!(
                    "'{}' not supported between instances of '{}' and '{}'",
                    op.as_str(),
                    a.type_name(),
                    b.type_name()
                )),
            },
            (Value::List(x), Value::List(y)) => {
                // The copies guard against the lists changing under a
                // comparison; they cost work and memory like any copy.
                let n = x.borrow().len().min(y.borrow().len());
                self.fuel(n as u64)?;
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
            if !self.eq(p, q)? {
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
        // Sets: subset relations.
        let sets = (set_items(a), set_items(b));
        if let (Some(x), Some(y)) = sets {
            self.fuel((x.len() + y.len()) as u64)?;
            let sub = x.iter().all(|k| y.contains(k));
            let sup = y.iter().all(|k| x.contains(k));
            return Ok(match op {
                CmpOp::Lt => sub && x.len() < y.len(),
                CmpOp::LtE => sub,
                CmpOp::Gt => sup && x.len() > y.len(),
                _ => sup,
            });
        }
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
            CmpOp::Eq => self.eq(a, b),
            CmpOp::NotEq => Ok(!self.eq(a, b)?),
            CmpOp::Is => Ok(is_same(a, b)),
            CmpOp::IsNot => Ok(!is_same(a, b)),
            CmpOp::In => self.contains(b, a),
            CmpOp::NotIn => Ok(!self.contains(b, a)?),
            _ => self.order(op, a, b),
        }
    }

    pub(crate) fn contains(&mut self, container: &Value, item: &Value) -> R<bool> {
        match container {
            Value::Str(s) => match item {
                Value::Str(t) => {
                    self.fuel((s.byte_len() / 256) as u64)?;
                    Ok(crate::types::str_find(s.as_str(), t.as_str()).is_some())
                }
                _ => type_err(format!(
                    "'in <string>' requires string as left operand, not {}",
                    item.type_name()
                )),
            },
            Value::List(l) => {
                let items = l.borrow().clone();
                self.fuel(items.len() as u64 / 4)?;
                for x in items.iter() {
                    if self.eq(x, item)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Value::Tuple(t) => {
                self.fuel(t.len() as u64 / 4)?;
                for x in t.iter() {
                    if self.eq(x, item)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Value::Deque(d) => {
                let items: Vec<Value> = d.borrow().iter().cloned().collect();
                self.fuel(items.len() as u64 / 4)?;
                for x in items.iter() {
                    if self.eq(x, item)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Value::Dict(d) => {
                let k = self.key(item.clone())?;
                Ok(d.borrow().map.contains_key(&k))
            }
            Value::Set(s) => {
                let k = self.key(item.clone())?;
                Ok(s.borrow().contains(&k))
            }
            Value::FrozenSet(s) => {
                let k = self.key(item.clone())?;
                Ok(s.contains(&k))
            }
            Value::Range(r) => match as_int(item).or_else(|| match item {
                Value::Float(f) if f.fract() == 0.0 && f.abs() < 9e18 => Some(*f as i64),
                _ => None,
            }) {
                Some(i) => {
                    let (start, stop, step) = **r;
                    Ok(if step > 0 {
                        i >= start && i < stop && (i - start) % step == 0
                    } else {
                        i <= start && i > stop && (start - i) % (-step) == 0
                    })
                }
                None => Ok(false),
            },
            Value::Native(n) if matches!(**n, Native::DictView(..)) => {
                if let Native::DictView(0, d) = &**n {
                    let k = self.key(item.clone())?;
                    return Ok(d.borrow().map.contains_key(&k));
                }
                let items = self.iterate(container)?;
                for x in items.iter() {
                    if self.eq(x, item)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Value::Iter(_) => {
                let items = self.iterate(container)?;
                for x in items.iter() {
                    if self.eq(x, item)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            _ => type_err(format!("argument of type '{}' is not iterable", container.type_name())),
        }
    }

    pub(crate) fn binary(&mut self, op: BinOp, a: &Value, b: &Value) -> R<Value> {
        use Value::*;
        // Integers (bools act as ints).
        if let (Some(x), Some(y)) = (as_int(a), as_int(b)) {
            if !matches!((a, b), (Bool(_), Bool(_)))
                || !matches!(op, BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor)
            {
                return Ok(match op {
                    BinOp::Add => Int(x.checked_add(y).map_or_else(overflow, Ok)?),
                    BinOp::Sub => Int(x.checked_sub(y).map_or_else(overflow, Ok)?),
                    BinOp::Mult => Int(x.checked_mul(y).map_or_else(overflow, Ok)?),
                    BinOp::Div => {
                        if y == 0 {
                            return exc(ExcKind::ZeroDivisionError, "division by zero");
                        }
                        Float(x as f64 / y as f64)
                    }
                    BinOp::FloorDiv => Int(floordiv_i(x, y)?),
                    BinOp::Mod => Int(mod_i(x, y)?),
                    BinOp::Pow => pow_i(x, y)?,
                    BinOp::LShift => {
                        if y < 0 {
                            return value_err("negative shift count");
                        }
                        if x == 0 {
                            Int(0)
                        } else if y >= 63 || (x.unsigned_abs().leading_zeros() as i64) <= y {
                            return overflow();
                        } else {
                            Int(x << y)
                        }
                    }
                    BinOp::RShift => {
                        if y < 0 {
                            return value_err("negative shift count");
                        }
                        Int(if y >= 64 { if x < 0 { -1 } else { 0 } } else { x >> y })
                    }
                    BinOp::BitAnd => Int(x & y),
                    BinOp::BitOr => Int(x | y),
                    BinOp::BitXor => Int(x ^ y),
                    BinOp::MatMult => return binop_err(op, a, b),
                });
            }
            // bool & bool etc. stay bool.
            let (x, y) = (x != 0, y != 0);
            return Ok(Bool(match op {
                BinOp::BitAnd => x & y,
                BinOp::BitOr => x | y,
                _ => x ^ y,
            }));
        }
        if let (Some(x), Some(y)) = (as_float(a), as_float(b)) {
            return Ok(Float(match op {
                BinOp::Add => x + y,
                BinOp::Sub => x - y,
                BinOp::Mult => x * y,
                BinOp::Div => {
                    if y == 0.0 {
                        return exc(ExcKind::ZeroDivisionError, "float division by zero");
                    }
                    x / y
                }
                BinOp::FloorDiv => {
                    if y == 0.0 {
                        return exc(ExcKind::ZeroDivisionError, "float floor division by zero");
                    }
                    (x / y).floor()
                }
                BinOp::Mod => mod_f(x, y)?,
                BinOp::Pow => {
                    if x == 0.0 && y < 0.0 {
                        return exc(
                            ExcKind::ZeroDivisionError,
                            "0.0 cannot be raised to a negative power",
                        );
                    }
                    if x < 0.0 && y.fract() != 0.0 {
                        return value_err("complex numbers are not supported");
                    }
                    let r = x.powf(y);
                    if r.is_infinite() && x.is_finite() && y.is_finite() {
                        return exc(
                            ExcKind::OverflowError,
                            "(34, 'Numerical result out of range')",
                        );
                    }
                    r
                }
                _ => return binop_err(op, a, b),
            }));
        }
        match (op, a, b) {
            (BinOp::Add, Str(x), Str(y)) => {
                if x.byte_len() == 0 {
                    return Ok(b.clone());
                }
                if y.byte_len() == 0 {
                    return Ok(a.clone());
                }
                let n = x.byte_len() + y.byte_len();
                self.check_str_len(n)?;
                let mut s = String::with_capacity(n);
                s.push_str(x.as_str());
                s.push_str(y.as_str());
                Ok(Value::str(s))
            }
            (BinOp::Add, Str(_), _) => {
                type_err(format!("can only concatenate str (not \"{}\") to str", b.type_name()))
            }
            (BinOp::Add, List(x), List(y)) => {
                let mut v = x.borrow().clone();
                self.check_len(v.len() + y.borrow().len())?;
                v.extend(y.borrow().iter().cloned());
                Ok(Value::list(v))
            }
            (BinOp::Add, List(_), _) => {
                type_err(format!("can only concatenate list (not \"{}\") to list", b.type_name()))
            }
            (BinOp::Add, Tuple(x), Tuple(y)) => {
                self.check_len(x.len() + y.len())?;
                let mut v = x.to_vec();
                v.extend(y.iter().cloned());
                Ok(Value::tuple(v))
            }
            (BinOp::Add, Tuple(_), _) => {
                type_err(format!("can only concatenate tuple (not \"{}\") to tuple", b.type_name()))
            }
            (BinOp::Mult, Str(s), n) | (BinOp::Mult, n, Str(s)) if as_int(n).is_some() => {
                let n = as_int(n).unwrap_or(0).max(0) as usize;
                let total = s.byte_len().saturating_mul(n);
                self.check_str_len(total)?;
                Ok(Value::str(s.as_str().repeat(n)))
            }
            (BinOp::Mult, List(l), n) | (BinOp::Mult, n, List(l)) if as_int(n).is_some() => {
                let n = as_int(n).unwrap_or(0).max(0) as usize;
                let items = l.borrow().clone();
                self.check_len(items.len().saturating_mul(n))?;
                let mut v = Vec::with_capacity(items.len() * n);
                for _ in 0..n {
                    v.extend(items.iter().cloned());
                }
                Ok(Value::list(v))
            }
            (BinOp::Mult, Tuple(t), n) | (BinOp::Mult, n, Tuple(t)) if as_int(n).is_some() => {
                let n = as_int(n).unwrap_or(0).max(0) as usize;
                self.check_len(t.len().saturating_mul(n))?;
                let mut v = Vec::with_capacity(t.len() * n);
                for _ in 0..n {
                    v.extend(t.iter().cloned());
                }
                Ok(Value::tuple(v))
            }
            (BinOp::Mod, Str(s), args) => {
                let v = Value::str(self.percent_format(s.as_str(), args)?);
                self.guard_result(&v)?;
                Ok(v)
            }
            (BinOp::BitOr | BinOp::BitAnd | BinOp::BitXor | BinOp::Sub, _, _)
                if set_items(a).is_some() && set_items(b).is_some() =>
            {
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
                if let FrozenSet(_) = a {
                    Ok(Value::FrozenSet(Rc::new(r)))
                } else {
                    Ok(Value::new_set(r))
                }
            }
            (BinOp::BitOr, Dict(x), Dict(y)) if !matches!(x.borrow().kind, DictKind::Counter) => {
                let mut d = crate::value::Dict {
                    map: x.borrow().map.clone(),
                    kind: x.borrow().kind.clone(),
                };
                for (k, v) in y.borrow().map.iter() {
                    d.map.insert(k.clone(), v.clone());
                }
                self.check_len(d.map.len())?;
                Ok(Value::dict(d))
            }
            (BinOp::Add | BinOp::Sub | BinOp::BitAnd | BinOp::BitOr, Dict(x), Dict(y))
                if matches!(x.borrow().kind, DictKind::Counter)
                    && matches!(y.borrow().kind, DictKind::Counter) =>
            {
                crate::modules::counter_arith(self, op, x, y)
            }
            (
                BinOp::Add | BinOp::Sub | BinOp::Mult | BinOp::Div | BinOp::FloorDiv,
                Native(_),
                _,
            )
            | (BinOp::Mult, _, Native(_)) => crate::modules::datetime_arith(self, op, a, b),
            (BinOp::Mult, Str(_) | List(_) | Tuple(_), o)
            | (BinOp::Mult, o, Str(_) | List(_) | Tuple(_)) => {
                type_err(format!("can't multiply sequence by non-int of type '{}'", o.type_name()))
            }
            _ => binop_err(op, a, b),
        }
    }

    pub(crate) fn inplace(&mut self, op: BinOp, a: Value, b: &Value) -> R<Value> {
        match (&op, &a) {
            (BinOp::Add, Value::List(l)) => {
                let items = self.iterate(b)?;
                let n = l.borrow().len() + items.len();
                self.check_len(n)?;
                l.borrow_mut().extend(items);
                Ok(a)
            }
            (BinOp::BitOr | BinOp::BitAnd | BinOp::Sub | BinOp::BitXor, Value::Set(s))
                if set_items(b).is_some() =>
            {
                let r = self.binary(op, &a, b)?;
                if let Value::Set(r) = r {
                    let new = r.borrow().clone();
                    *s.borrow_mut() = new;
                }
                Ok(a)
            }
            (BinOp::BitOr, Value::Dict(d)) => {
                if let Value::Dict(o) = b {
                    let items: Vec<(Key, Value)> =
                        o.borrow().map.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
                    d.borrow_mut().map.extend(items);
                    return Ok(a);
                }
                self.binary(op, &a, b)
            }
            (BinOp::Add, Value::Str(x)) => {
                // `s += t` in a loop: amortised by building a new string (Python does the same).
                if let Value::Str(y) = b {
                    let n = x.byte_len() + y.byte_len();
                    self.check_str_len(n)?;
                    let mut s = String::with_capacity(n);
                    s.push_str(x.as_str());
                    s.push_str(y.as_str());
                    return Ok(Value::str(s));
                }
                self.binary(op, &a, b)
            }
            _ => self.binary(op, &a, b),
        }
    }

    pub(crate) fn unary(&mut self, op: UnaryOp, a: &Value) -> R<Value> {
        match (op, a) {
            (UnaryOp::Not, v) => Ok(Value::Bool(!v.truthy())),
            (UnaryOp::Neg | UnaryOp::Pos, Value::Dict(d))
                if matches!(d.borrow().kind, DictKind::Counter) =>
            {
                let mut out = crate::value::Dict {
                    map: crate::value::Map::default(),
                    kind: DictKind::Counter,
                };
                for (k, v) in d.borrow().map.iter() {
                    let n = as_float(v).unwrap_or(0.0);
                    if op == UnaryOp::Pos && n > 0.0 {
                        out.map.insert(k.clone(), v.clone());
                    } else if op == UnaryOp::Neg && n < 0.0 {
                        out.map.insert(k.clone(), self.unary(UnaryOp::Neg, v)?);
                    }
                }
                Ok(Value::dict(out))
            }
            (UnaryOp::Neg | UnaryOp::Pos, Value::Native(n))
                if matches!(**n, Native::TimeDelta(..)) =>
            {
                if op == UnaryOp::Pos {
                    return Ok(a.clone());
                }
                crate::modules::datetime_arith(self, BinOp::Mult, a, &Value::Int(-1))
            }
            (UnaryOp::Neg, Value::Float(f)) => Ok(Value::Float(-f)),
            (UnaryOp::Pos, Value::Float(f)) => Ok(Value::Float(*f)),
            (UnaryOp::Neg, v) if as_int(v).is_some() => {
                match as_int(v).unwrap_or(0).checked_neg() {
                    Some(x) => Ok(Value::Int(x)),
                    None => overflow(),
                }
            }
            (UnaryOp::Pos, v) if as_int(v).is_some() => Ok(Value::Int(as_int(v).unwrap_or(0))),
            (UnaryOp::Invert, v) if as_int(v).is_some() => Ok(Value::Int(!as_int(v).unwrap_or(0))),
            (op, v) => {
                let sym = match op {
                    UnaryOp::Neg => "unary -",
                    UnaryOp::Pos => "unary +",
                    _ => "unary ~",
                };
                type_err(format!("bad operand type for {sym}: '{}'", v.type_name()))
            }
        }
    }

    // -------------------------------------------------------- subscripts

    pub(crate) fn getitem(&mut self, obj: &Value, idx: &Value) -> R<Value> {
        match obj {
            Value::List(l) => {
                if let Value::Slice(s) = idx {
                    let items = l.borrow();
                    let (start, _stop, step, n) = slice_indices(items.len(), s)?;
                    let v = slice_collect(&items, start, step, n);
                    drop(items);
                    self.check_len(v.len())?;
                    return Ok(Value::list(v));
                }
                let i = self.index_of(idx, "list")?;
                let items = l.borrow();
                match norm_index(i, items.len()) {
                    Some(i) => Ok(items[i].clone()),
                    None => exc(ExcKind::IndexError, "list index out of range"),
                }
            }
            Value::Tuple(t) => {
                if let Value::Slice(s) = idx {
                    let (start, _stop, step, n) = slice_indices(t.len(), s)?;
                    let v = slice_collect(t, start, step, n);
                    self.check_len(v.len())?;
                    return Ok(Value::tuple(v));
                }
                let i = self.index_of(idx, "tuple")?;
                match norm_index(i, t.len()) {
                    Some(i) => Ok(t[i].clone()),
                    None => exc(ExcKind::IndexError, "tuple index out of range"),
                }
            }
            Value::Str(s) => {
                if let Value::Slice(sl) = idx {
                    let (start, _stop, step, n) = slice_indices(s.char_len(), sl)?;
                    if step == 1 {
                        let a = start as usize;
                        return Ok(Value::Str(s.substr(a, a + n)));
                    }
                    self.check_str_len(n)?;
                    let mut out = String::with_capacity(n);
                    let mut i = start;
                    if s.is_ascii() {
                        let b = s.as_str().as_bytes();
                        for _ in 0..n {
                            out.push(b[i as usize] as char);
                            i += step;
                        }
                    } else {
                        let chars: Vec<char> = s.as_str().chars().collect();
                        for _ in 0..n {
                            out.push(chars[i as usize]);
                            i += step;
                        }
                    }
                    return Ok(Value::str(out));
                }
                let Some(i) = as_int(idx) else {
                    return type_err(format!(
                        "string indices must be integers, not '{}'",
                        idx.type_name()
                    ));
                };
                match norm_index(i, s.char_len()) {
                    Some(i) => Ok(Value::Str(s.substr(i, i + 1))),
                    None => exc(ExcKind::IndexError, "string index out of range"),
                }
            }
            Value::Range(r) => {
                let (start, _, step) = **r;
                let len = crate::builtins::range_len(r.0, r.1, r.2);
                if let Value::Slice(sl) = idx {
                    let (a, b, st, n) = slice_indices(len as usize, sl)?;
                    let _ = b;
                    let new_start = start + a * step;
                    let new_step = step * st;
                    let new_stop = new_start + n as i64 * new_step;
                    return Ok(Value::Range(Rc::new((new_start, new_stop, new_step))));
                }
                let i = self.index_of(idx, "range")?;
                match norm_index(i, len as usize) {
                    Some(i) => Ok(Value::Int(start + i as i64 * step)),
                    None => exc(ExcKind::IndexError, "range object index out of range"),
                }
            }
            Value::Dict(d) => {
                let k = self.key(idx.clone())?;
                if let Some(v) = d.borrow().map.get(&k) {
                    return Ok(v.clone());
                }
                let kind = d.borrow().kind.clone();
                match kind {
                    DictKind::Counter => Ok(Value::Int(0)),
                    DictKind::Default(factory) => {
                        if matches!(factory, Value::None) {
                            return Err(Fault::Exc(Exception::with_args(
                                ExcKind::KeyError,
                                vec![idx.clone()],
                            )));
                        }
                        let v = self.call_value(&factory, Vec::new(), Vec::new())?;
                        // A missing key inserts: the same cap as `d[k] = v`.
                        let n = d.borrow().map.len();
                        if n >= self.limits.max_collection_len {
                            self.check_len(n + 1)?;
                        }
                        self.alloc(48)?;
                        d.borrow_mut().map.insert(k, v.clone());
                        Ok(v)
                    }
                    _ => {
                        Err(Fault::Exc(Exception::with_args(ExcKind::KeyError, vec![idx.clone()])))
                    }
                }
            }
            Value::Deque(d) => {
                let i = self.index_of(idx, "deque")?;
                let d = d.borrow();
                match norm_index(i, d.len()) {
                    Some(i) => Ok(d[i].clone()),
                    None => exc(ExcKind::IndexError, "deque index out of range"),
                }
            }
            Value::Native(n) => match &**n {
                Native::Match(m) => crate::modules::re::match_group(self, m, idx),
                _ => type_err(format!("'{}' object is not subscriptable", obj.type_name())),
            },
            Value::Type(t) => Ok(Value::Type(*t)),
            _ => type_err(format!("'{}' object is not subscriptable", obj.type_name())),
        }
    }

    fn index_of(&mut self, idx: &Value, what: &str) -> R<i64> {
        match as_int(idx) {
            Some(i) => Ok(i),
            None => type_err(format!(
                "{what} indices must be integers or slices, not {}",
                idx.type_name()
            )),
        }
    }

    pub(crate) fn setitem(&mut self, obj: &Value, idx: Value, v: Value) -> R<()> {
        match obj {
            Value::List(l) => {
                if let Value::Slice(s) = &idx {
                    let items = self.iterate(&v)?;
                    let len = l.borrow().len();
                    let (start, stop, step, n) = slice_indices(len, s)?;
                    if step == 1 {
                        let a = start as usize;
                        let b = (stop.max(start)) as usize;
                        self.check_len(len - (b - a) + items.len())?;
                        l.borrow_mut().splice(a..b, items);
                        return Ok(());
                    }
                    if items.len() != n {
                        return value_err(format!(
                            "attempt to assign sequence of size {} to extended slice of size {}",
                            items.len(),
                            n
                        ));
                    }
                    let mut lm = l.borrow_mut();
                    let mut i = start;
                    for it in items {
                        lm[i as usize] = it;
                        i += step;
                    }
                    return Ok(());
                }
                let i = self.index_of(&idx, "list")?;
                let mut lm = l.borrow_mut();
                let len = lm.len();
                match norm_index(i, len) {
                    Some(i) => {
                        lm[i] = v;
                        Ok(())
                    }
                    None => exc(ExcKind::IndexError, "list assignment index out of range"),
                }
            }
            Value::Dict(d) => {
                let k = self.key(idx)?;
                // One hash lookup: overwrite in place when the key exists.
                let hash_index = d.borrow().map.get_index_of(&k);
                match hash_index {
                    Some(i) => {
                        if let Some((_, slot)) = d.borrow_mut().map.get_index_mut(i) {
                            *slot = v;
                        }
                    }
                    None => {
                        let n = d.borrow().map.len();
                        if n >= self.limits.max_collection_len {
                            self.check_len(n + 1)?;
                        }
                        self.alloc(48)?;
                        d.borrow_mut().map.insert(k, v);
                    }
                }
                Ok(())
            }
            Value::Deque(d) => {
                let i = self.index_of(&idx, "deque")?;
                let mut dm = d.borrow_mut();
                let len = dm.len();
                match norm_index(i, len) {
                    Some(i) => {
                        dm[i] = v;
                        Ok(())
                    }
                    None => exc(ExcKind::IndexError, "deque index out of range"),
                }
            }
            _ => type_err(format!("'{}' object does not support item assignment", obj.type_name())),
        }
    }

    pub(crate) fn delitem(&mut self, obj: &Value, idx: &Value) -> R<()> {
        match obj {
            Value::List(l) => {
                if let Value::Slice(s) = idx {
                    let len = l.borrow().len();
                    let (start, _stop, step, n) = slice_indices(len, s)?;
                    let mut drop_idx: Vec<usize> =
                        (0..n).map(|k| (start + k as i64 * step) as usize).collect();
                    drop_idx.sort_unstable();
                    let mut lm = l.borrow_mut();
                    let mut keep = Vec::with_capacity(len - n);
                    let mut di = 0;
                    for (i, x) in lm.drain(..).enumerate() {
                        if di < drop_idx.len() && drop_idx[di] == i {
                            di += 1;
                        } else {
                            keep.push(x);
                        }
                    }
                    *lm = keep;
                    return Ok(());
                }
                let i = self.index_of(idx, "list")?;
                let mut lm = l.borrow_mut();
                let len = lm.len();
                match norm_index(i, len) {
                    Some(i) => {
                        lm.remove(i);
                        Ok(())
                    }
                    None => exc(ExcKind::IndexError, "list assignment index out of range"),
                }
            }
            Value::Dict(d) => {
                let k = self.key(idx.clone())?;
                match d.borrow_mut().map.shift_remove(&k) {
                    Some(_) => Ok(()),
                    None => {
                        Err(Fault::Exc(Exception::with_args(ExcKind::KeyError, vec![idx.clone()])))
                    }
                }
            }
            _ => type_err(format!("'{}' object doesn't support item deletion", obj.type_name())),
        }
    }

    // -------------------------------------------------------- iteration

    pub(crate) fn get_iter(&mut self, v: Value) -> R<Value> {
        let st = match v {
            Value::Iter(_) => return Ok(v),
            Value::List(_) | Value::Tuple(_) => IterState::Seq(v, 0),
            Value::Str(s) => IterState::Str(s, 0),
            Value::Range(r) => IterState::Range(r.0, r.1, r.2),
            Value::Dict(d) => {
                let keys: VecDeque<Value> = d.borrow().map.keys().map(|k| k.0.clone()).collect();
                self.fuel(keys.len() as u64 / 8)?;
                IterState::Items(keys)
            }
            Value::Set(s) => IterState::Items(set_order(&s.borrow()).into()),
            Value::FrozenSet(s) => IterState::Items(set_order(&s).into()),
            Value::Deque(d) => IterState::Items(d.borrow().iter().cloned().collect()),
            Value::Native(ref n) if matches!(**n, Native::DictView(..)) => {
                let Native::DictView(kind, d) = &**n else { return type_err("not iterable") };
                IterState::Items(crate::modules::view_items(*kind, d).into())
            }
            other => return type_err(format!("'{}' object is not iterable", other.type_name())),
        };
        Ok(Value::Iter(Rc::new(RefCell::new(st))))
    }

    pub(crate) fn iter_next(&mut self, it: &Rc<RefCell<IterState>>) -> R<Option<Value>> {
        let mut st = it.borrow_mut();
        Ok(match &mut *st {
            IterState::Seq(v, i) => {
                let r = match v {
                    Value::List(l) => l.borrow().get(*i).cloned(),
                    Value::Tuple(t) => t.get(*i).cloned(),
                    _ => None,
                };
                *i += 1;
                r
            }
            IterState::Str(s, b) => {
                let text = s.as_str();
                match text[*b..].chars().next() {
                    Some(c) => {
                        let start = *b;
                        *b += c.len_utf8();
                        Some(Value::Str(if c.is_ascii() {
                            ascii_char(c as u8)
                        } else {
                            s.byte_substr(start, *b, Some(1))
                        }))
                    }
                    None => None,
                }
            }
            IterState::Range(cur, stop, step) => {
                if (*step > 0 && *cur < *stop) || (*step < 0 && *cur > *stop) {
                    let v = *cur;
                    *cur = cur.saturating_add(*step);
                    Some(Value::Int(v))
                } else {
                    None
                }
            }
            IterState::Items(q) => q.pop_front(),
            IterState::Count(cur, step) => {
                let v = *cur;
                *cur = cur.saturating_add(*step);
                Some(Value::Int(v))
            }
            IterState::CountFloat(cur, step) => {
                let next = match cur {
                    Value::Int(i) => *i as f64 + *step,
                    Value::Float(f) => *f + *step,
                    _ => f64::NAN,
                };
                Some(std::mem::replace(cur, Value::Float(next)))
            }
            IterState::Cycle(items, i) => {
                if items.is_empty() {
                    None
                } else {
                    let v = items[*i % items.len()].clone();
                    *i += 1;
                    Some(v)
                }
            }
            IterState::Repeat(v, n) => match n {
                None => Some(v.clone()),
                Some(0) => None,
                Some(k) => {
                    *k -= 1;
                    Some(v.clone())
                }
            },
        })
    }

    /// Materialise any iterable (fuel charged per element).
    pub(crate) fn iterate(&mut self, v: &Value) -> R<Vec<Value>> {
        match v {
            Value::List(l) => {
                let items = l.borrow().clone();
                self.fuel(items.len() as u64 / 8)?;
                Ok(items)
            }
            Value::Tuple(t) => {
                self.fuel(t.len() as u64 / 8)?;
                Ok(t.to_vec())
            }
            Value::Range(r) => {
                let n = crate::builtins::range_len(r.0, r.1, r.2);
                self.check_len(n as usize)?;
                Ok((0..n).map(|i| Value::Int(r.0 + i * r.2)).collect())
            }
            Value::Str(s) => {
                self.check_len(s.char_len())?;
                Ok(s.as_str()
                    .char_indices()
                    .map(|(b, c)| {
                        if c.is_ascii() {
                            Value::Str(ascii_char(c as u8))
                        } else {
                            Value::Str(s.byte_substr(b, b + c.len_utf8(), Some(1)))
                        }
                    })
                    .collect())
            }
            Value::Iter(it) => {
                if let IterState::Count(..)
                | IterState::CountFloat(..)
                | IterState::Cycle(..)
                | IterState::Repeat(_, None) = &*it.borrow()
                {
                    return Err(Fault::Limit(crate::LimitError::new(
                        crate::LimitKind::CollectionLen,
                        "cannot materialise an infinite iterator (itertools.count/cycle/repeat); use islice",
                    )));
                }
                let mut out = Vec::new();
                while let Some(x) = self.iter_next(it)? {
                    if out.len() >= self.limits.max_collection_len {
                        self.check_len(out.len() + 1)?;
                    }
                    out.push(x);
                    self.fuel(1)?;
                }
                Ok(out)
            }
            _ => {
                let it = self.get_iter(v.clone())?;
                self.iterate(&it)
            }
        }
    }

    pub(crate) fn unpack(&mut self, v: &Value, n: usize) -> R<Vec<Value>> {
        let items = match v {
            Value::Tuple(t) if t.len() == n => return Ok(t.to_vec()),
            Value::Iter(_)
            | Value::List(_)
            | Value::Tuple(_)
            | Value::Str(_)
            | Value::Dict(_)
            | Value::Set(_) => self.iterate(v)?,
            Value::Range(_) | Value::FrozenSet(_) | Value::Deque(_) => self.iterate(v)?,
            other => {
                return type_err(format!(
                    "cannot unpack non-iterable {} object",
                    other.type_name()
                ));
            }
        };
        if items.len() > n {
            return value_err(format!("too many values to unpack (expected {n})"));
        }
        if items.len() < n {
            return value_err(format!(
                "not enough values to unpack (expected {n}, got {})",
                items.len()
            ));
        }
        Ok(items)
    }

    // -------------------------------------------------------- attributes

    pub(crate) fn get_attr(&mut self, obj: &Value, name: &str) -> R<Value> {
        if name == "__name__" {
            // The one dunder models rely on: `type(x).__name__`, `f.__name__`.
            match obj {
                Value::Type(t) => return Ok(Value::str(t.name())),
                Value::Func(f) => return Ok(Value::str(f.code.name.as_str())),
                Value::Builtin(b) => return Ok(Value::str(b.name.as_str())),
                Value::Module(m) => return Ok(Value::str(m.name)),
                _ => {}
            }
        }
        if name.starts_with("__") && name.ends_with("__") && name.len() > 4 {
            return exc(
                ExcKind::AttributeError,
                format!(
                    "'{name}': dunder attributes are not available in this sandbox (no introspection); \
                     use type(x), isinstance(x, T), len(x) and the documented functions instead"
                ),
            );
        }
        match obj {
            Value::Module(m) => match m.attrs.get(name) {
                Some(v) => Ok(v.clone()),
                None => exc(
                    ExcKind::AttributeError,
                    format!("module '{}' has no attribute '{name}'", m.name),
                ),
            },
            Value::Host(h) => {
                if let Some(v) = h.get_attr(name) {
                    return Ok(v);
                }
                if h.method_names().iter().any(|m| m == name) {
                    return Ok(Value::Method(Rc::new((obj.clone(), SmolStr::new(name)))));
                }
                exc(
                    ExcKind::AttributeError,
                    format!("'{}' object has no attribute '{name}'", h.type_name()),
                )
            }
            Value::Exc(e) if name == "args" => Ok(Value::tuple(e.args.clone())),
            Value::Int(i) if name == "real" || name == "numerator" => Ok(Value::Int(*i)),
            Value::Int(_) if name == "imag" => Ok(Value::Int(0)),
            Value::Int(_) if name == "denominator" => Ok(Value::Int(1)),
            Value::Float(f) if name == "real" => Ok(Value::Float(*f)),
            Value::Float(_) if name == "imag" => Ok(Value::Float(0.0)),
            Value::Deque(d) if name == "maxlen" => {
                Ok(d.maxlen.map_or(Value::None, |m| Value::Int(m as i64)))
            }
            Value::Range(r) if name == "start" => Ok(Value::Int(r.0)),
            Value::Range(r) if name == "stop" => Ok(Value::Int(r.1)),
            Value::Range(r) if name == "step" => Ok(Value::Int(r.2)),
            Value::Dict(d) if name == "default_factory" => match &d.borrow().kind {
                DictKind::Default(f) => Ok(f.clone()),
                _ => exc(
                    ExcKind::AttributeError,
                    format!(
                        "'{}' object has no attribute '{name}'",
                        crate::modules::qualified_type_name(obj)
                    ),
                ),
            },
            Value::Native(n) => {
                if let Some(v) = crate::modules::native_attr(self, n, name)? {
                    return Ok(v);
                }
                if crate::types::has_method(obj, name) {
                    return Ok(Value::Method(Rc::new((obj.clone(), SmolStr::new(name)))));
                }
                exc(
                    ExcKind::AttributeError,
                    format!(
                        "'{}' object has no attribute '{name}'",
                        crate::modules::qualified_type_name(obj)
                    ),
                )
            }
            Value::Builtin(b)
                if b.module == "itertools" && b.name == "chain" && name == "from_iterable" =>
            {
                Ok(Value::Builtin(Rc::new(BuiltinFn {
                    module: "itertools",
                    name: SmolStr::new_static("from_iterable"),
                })))
            }
            _ => {
                if crate::types::has_method(obj, name) {
                    return Ok(Value::Method(Rc::new((obj.clone(), SmolStr::new(name)))));
                }
                if let Value::Type(Ty::Other(t)) = obj {
                    if let Some(v) = crate::modules::type_attr(t, name) {
                        return Ok(v);
                    }
                }
                if let Value::Type(Ty::Dict) = obj {
                    if name == "fromkeys" {
                        return Ok(Value::Method(Rc::new((obj.clone(), SmolStr::new(name)))));
                    }
                }
                let tn = match obj {
                    Value::Type(t) => {
                        return exc(
                            ExcKind::AttributeError,
                            format!("type object '{}' has no attribute '{name}'", t.name()),
                        );
                    }
                    _ => obj.type_name(),
                };
                let e = Exception::new(
                    ExcKind::AttributeError,
                    format!("'{tn}' object has no attribute '{name}'"),
                );
                let hint = crate::value::suggest(name, crate::types::method_names(obj));
                Err(Fault::Exc(e.with_hint(hint)))
            }
        }
    }
}

pub fn set_items(v: &Value) -> Option<KeySet> {
    match v {
        Value::Set(s) => Some(s.borrow().clone()),
        Value::FrozenSet(s) => Some((**s).clone()),
        Value::Native(n) => match &**n {
            Native::DictView(0, d) => Some(d.borrow().map.keys().cloned().collect()),
            Native::DictView(2, d) => {
                let items = crate::modules::view_items(2, d);
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

pub fn norm_index(i: i64, len: usize) -> Option<usize> {
    let len = len as i64;
    let j = if i < 0 { i + len } else { i };
    if j < 0 || j >= len { None } else { Some(j as usize) }
}

fn slice_part(v: &Value) -> R<Option<i64>> {
    match v {
        Value::None => Ok(None),
        v => match as_int(v) {
            Some(i) => Ok(Some(i)),
            None => type_err("slice indices must be integers or None or have an __index__ method"),
        },
    }
}

/// CPython's `PySlice_AdjustIndices`: (start, stop, step, count).
pub fn slice_indices(len: usize, s: &(Value, Value, Value)) -> R<(i64, i64, i64, usize)> {
    let len = len as i64;
    let step = slice_part(&s.2)?.unwrap_or(1);
    if step == 0 {
        return value_err("slice step cannot be zero");
    }
    let (lo_default, hi_default) = if step > 0 { (0, len) } else { (len - 1, -1) };
    let adj = |x: Option<i64>, default: i64| -> i64 {
        match x {
            None => default,
            Some(mut i) => {
                if i < 0 {
                    i += len;
                    if i < 0 {
                        i = if step < 0 { -1 } else { 0 };
                    }
                } else if i >= len {
                    i = if step < 0 { len - 1 } else { len };
                }
                i
            }
        }
    };
    let start = adj(slice_part(&s.0)?, lo_default);
    let stop = adj(slice_part(&s.1)?, hi_default);
    let n = if step > 0 {
        if stop > start { ((stop - start - 1) / step + 1) as usize } else { 0 }
    } else if start > stop {
        ((start - stop - 1) / (-step) + 1) as usize
    } else {
        0
    };
    Ok((start, stop, step, n))
}

fn slice_collect(items: &[Value], start: i64, step: i64, n: usize) -> Vec<Value> {
    if step == 1 {
        let a = start as usize;
        return items[a..a + n].to_vec();
    }
    let mut out = Vec::with_capacity(n);
    let mut i = start;
    for _ in 0..n {
        out.push(items[i as usize].clone());
        i += step;
    }
    out
}

thread_local! {
    static ASCII: Vec<Str> = (0u8..128).map(|b| Str::new((b as char).to_string())).collect();
}

/// Shared one-character strings for ASCII (iteration over text allocates nothing).
pub fn ascii_char(b: u8) -> Str {
    ASCII.with(|a| a[(b & 127) as usize].clone())
}
