//! Arithmetic and the other binary and unary operators: numbers first
//! (ints, then floats), the sized operators' charge, then each built-in
//! type's own operators through the value protocol (`str + str`, `list *
//! n`, set algebra, a dict's `|`, Counter arithmetic), then `%`-formatting,
//! a dict view's set algebra and the dates here.

use rlm_syntax::ast::{BinOp, UnaryOp};

use crate::args::{as_float, as_int};
use crate::cost::OPERATOR_COSTS;
use crate::fault::{R, binop_err, type_err};
use crate::types::float::float_binary;
use crate::types::int::int_binary;
use crate::types::set::is_set_like;
use crate::value::*;
use crate::vm::Vm;

/// The operators whose work grows with their operands, by their symbol in
/// `OPERATOR_COSTS` (`builtins/cost.rs`).
fn sized_operator(op: BinOp) -> Option<&'static str> {
    Some(match op {
        BinOp::Add => "+",
        BinOp::Mult => "*",
        BinOp::Mod => "%",
        BinOp::BitOr => "|",
        BinOp::BitAnd => "&",
        BinOp::BitXor => "^",
        BinOp::Sub => "-",
        _ => return None,
    })
}

impl Vm {
    pub(crate) fn binary(&mut self, op: BinOp, a: &Value, b: &Value) -> R<Value> {
        use Value::*;
        // A string on the left (`s + t`, `s % args`) is no number: its
        // operators without the numbers' four conversions tried first.
        if !matches!(a, Str(_)) {
            // Integers (bools act as ints).
            if let (Some(x), Some(y)) = (as_int(a), as_int(b)) {
                if matches!((a, b), (Native(_), _) | (_, Native(_))) {
                    // `re.I | re.M` is a flag again.
                    if let Some(v) = crate::modules::re::flag_binary(op, a, b, x, y) {
                        return v;
                    }
                }
                return int_binary(op, a, b, x, y);
            }
            if let (Some(x), Some(y)) = (as_float(a), as_float(b)) {
                return float_binary(op, a, b, x, y);
            }
        }
        if let Some(sym) = sized_operator(op) {
            crate::call_cost::charge_operator(&mut self.meter, sym, a, b)?;
        }
        if let Some(v) = crate::types::dispatch::binary(self, op, a, b) {
            return v;
        }
        match (op, a, b) {
            (BinOp::Mod, Str(s), args) => crate::format::percent::str_percent(self, s, args),
            // A dict's keys view on the left (a set on the left is its type's).
            (BinOp::BitOr | BinOp::BitAnd | BinOp::BitXor | BinOp::Sub, _, _)
                if is_set_like(a) && is_set_like(b) =>
            {
                crate::types::set::set_binary(&mut self.meter, op, a, b)
            }
            (
                BinOp::Add | BinOp::Sub | BinOp::Mult | BinOp::Div | BinOp::FloorDiv | BinOp::Mod,
                Native(_),
                _,
            )
            | (BinOp::Mult, _, Native(_)) => {
                crate::modules::datetime::arith::datetime_arith(self, op, a, b)
            }
            // `1 + date`, `0 // timedelta`: CPython's error names the
            // module's type.
            (_, _, Native(n))
                if n.module::<crate::modules::datetime::timedelta::TimeDelta>().is_some()
                    || n.module::<crate::modules::datetime::date_time::DateTime>().is_some() =>
            {
                crate::modules::datetime::arith::datetime_arith(self, op, a, b)
            }
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
                // Extended in place: the items added are the work.
                crate::call_cost::charge_call(
                    &mut self.meter,
                    OPERATOR_COSTS,
                    "+=",
                    None,
                    std::slice::from_ref(b),
                )?;
                let l = l.clone();
                crate::types::list::list_iadd(self, &l, a, b)
            }
            (BinOp::BitOr | BinOp::BitAnd | BinOp::Sub | BinOp::BitXor, Value::Set(s))
                if is_set_like(b) =>
            {
                if op == BinOp::BitOr {
                    // Updated in place: the items added are the work.
                    crate::call_cost::charge_call(
                        &mut self.meter,
                        OPERATOR_COSTS,
                        "|=",
                        None,
                        std::slice::from_ref(b),
                    )?;
                }
                let s = s.clone();
                crate::types::set::set_inplace(self, op, &s, a, b)
            }
            (BinOp::BitOr, Value::Dict(d)) => {
                let d = d.clone();
                crate::types::dict::dict_ior(self, &d, a, b)
            }
            (BinOp::Add, Value::Str(x)) => match b {
                // `s += t` in a loop: amortised by building a new string (Python does the same).
                Value::Str(y) => crate::types::str::str_iadd(&mut self.meter, x, y),
                _ => self.binary(op, &a, b),
            },
            _ => self.binary(op, &a, b),
        }
    }

    /// `op a`: `not` by truth, the rest by `a`'s type (the value protocol's
    /// [`crate::types::protocol::PyType::unary`], or a module's object's,
    /// `modules/native.rs`), else CPython's `TypeError`.
    pub(crate) fn unary(&mut self, op: UnaryOp, a: &Value) -> R<Value> {
        if op == UnaryOp::Not {
            return Ok(Value::Bool(AlignedBool(!a.truthy())));
        }
        if let Some(v) = crate::types::dispatch::unary(self, op, a) {
            return v;
        }
        if let Value::Native(n) = a {
            let n = n.clone();
            if let Some(v) = crate::modules::native::native_unary(self, op, a, &n) {
                return v;
            }
        }
        let sym = match op {
            UnaryOp::Neg => "unary -",
            UnaryOp::Pos => "unary +",
            _ => "unary ~",
        };
        type_err(format!("bad operand type for {sym}: '{}'", a.type_name()))
    }
}
