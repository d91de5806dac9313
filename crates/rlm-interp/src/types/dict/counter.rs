//! `collections.Counter`'s own behaviour: its methods (`most_common`,
//! `elements`, `subtract`, `total`), counting updates, and its operators
//! (`+`, `-`, `&`, `|`, unary `+`/`-`), which drop non-positive counts.

use std::cell::RefCell;
use std::rc::Rc;

use rlm_syntax::ast::{BinOp, UnaryOp};

use crate::args::{as_float, as_int};
use crate::fault::{R, type_err};
use crate::value::*;
use crate::vm::Vm;

pub(crate) const COUNTER_METHODS: &[&str] = &["most_common", "elements", "subtract", "total"];

impl Vm {
    /// Counter methods (a plain dict answers them too when called directly,
    /// as it always has).
    pub(crate) fn counter_method(
        &mut self,
        recv: &Value,
        d: &Rc<RefCell<Dict>>,
        name: &str,
        args: Vec<Value>,
    ) -> R<Value> {
        match name {
            "subtract" => {
                if let Some(src) = args.first() {
                    self.counter_update(recv, src, -1)?;
                }
                Ok(Value::None)
            }
            "most_common" => {
                let mut items: Vec<(Value, Value)> =
                    d.borrow().map.iter().map(|(k, v)| (k.0.clone(), v.clone())).collect();
                let mut err = None;
                // Stable sort by count, descending (ties keep insertion order, as CPython).
                items.sort_by(|a, b| match (as_float(&a.1), as_float(&b.1)) {
                    (Some(x), Some(y)) => y.partial_cmp(&x).unwrap_or(std::cmp::Ordering::Equal),
                    _ => {
                        err = Some(());
                        std::cmp::Ordering::Equal
                    }
                });
                if err.is_some() {
                    return type_err("'<' not supported between counts");
                }
                let n = match args.first() {
                    Some(Value::None) | None => items.len(),
                    Some(v) => as_int(v).unwrap_or(0).max(0) as usize,
                };
                Ok(Value::list(
                    items.into_iter().take(n).map(|(k, v)| Value::tuple(vec![k, v])).collect(),
                ))
            }
            "elements" => {
                // Sum the counts (checked) and charge the total before
                // expanding: Counter({'a': 10**12}) is tiny.
                let total = d.borrow().map.values().try_fold(0usize, |acc, v| {
                    acc.checked_add(as_int(v).unwrap_or(0).max(0) as usize)
                });
                self.check_len(total.unwrap_or(usize::MAX))?;
                let mut out = Vec::with_capacity(total.unwrap_or(0));
                for (k, v) in d.borrow().map.iter() {
                    let n = as_int(v).unwrap_or(0).max(0) as usize;
                    out.extend(std::iter::repeat_n(k.0.clone(), n));
                }
                Ok(Value::iter(IterState::Items(out.into())))
            }
            "total" => {
                let vals: Vec<Value> = d.borrow().map.values().cloned().collect();
                let mut acc = Value::Int(0);
                for v in vals {
                    acc = self.binary(rlm_syntax::ast::BinOp::Add, &acc, &v)?;
                }
                Ok(acc)
            }
            _ => self.no_attr(recv, name),
        }
    }

    pub(crate) fn counter_update(&mut self, d: &Value, src: &Value, sign: i64) -> R<()> {
        let Value::Dict(d) = d else { return Ok(()) };
        let pairs: Vec<(Value, Value)> = match src {
            Value::Dict(s) => {
                s.borrow().map.iter().map(|(k, v)| (k.0.clone(), v.clone())).collect()
            }
            other => self.iterate(other)?.into_iter().map(|x| (x, Value::Int(1))).collect(),
        };
        for (k, n) in pairs {
            self.fuel(1)?;
            let key = self.key(k)?;
            let cur = d.borrow().map.get(&key).cloned().unwrap_or(Value::Int(0));
            let delta = if sign < 0 { self.unary(rlm_syntax::ast::UnaryOp::Neg, &n)? } else { n };
            let new = self.binary(rlm_syntax::ast::BinOp::Add, &cur, &delta)?;
            d.borrow_mut().map.insert(key, new);
        }
        Ok(())
    }

    /// `+c`, `-c`: the positive (or negated negative) counts.
    pub(crate) fn counter_unary(&mut self, op: UnaryOp, d: &Rc<RefCell<Dict>>) -> R<Value> {
        let mut out =
            crate::value::Dict { map: crate::value::Map::default(), kind: DictKind::Counter };
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
}

pub(crate) fn counter_arith(
    vm: &mut Vm,
    op: BinOp,
    x: &Rc<RefCell<Dict>>,
    y: &Rc<RefCell<Dict>>,
) -> R<Value> {
    let mut out = Dict { map: Map::default(), kind: DictKind::Counter };
    let xs: Vec<(Key, Value)> =
        x.borrow().map.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let ys: Vec<(Key, Value)> =
        y.borrow().map.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    for (k, v) in &xs {
        let other =
            ys.iter().find(|(k2, _)| k2 == k).map(|(_, v)| v.clone()).unwrap_or(Value::Int(0));
        let r = match op {
            BinOp::BitAnd | BinOp::BitOr => {
                let lt = vm.compare(rlm_syntax::ast::CmpOp::Lt, v, &other)?;
                if (op == BinOp::BitAnd) == lt { v.clone() } else { other }
            }
            _ => vm.binary(op, v, &other)?,
        };
        out.map.insert(k.clone(), r);
    }
    if op == BinOp::Add || op == BinOp::BitOr {
        for (k, v) in &ys {
            if !out.map.contains_key(k) {
                out.map.insert(k.clone(), v.clone());
            }
        }
    }
    out.map.retain(|_, v| as_float(v).is_some_and(|f| f > 0.0));
    Ok(Value::dict(out))
}
