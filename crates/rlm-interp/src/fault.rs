//! How evaluation stops early (`Fault`: an exception, a limit, `FINAL`, a
//! suspension) and the shorthands for raising Python exceptions.

use std::rc::Rc;

use smol_str::SmolStr;

use rlm_syntax::ast::BinOp;

use crate::limits::LimitError;
use crate::value::*;

/// Why evaluation stopped early: an exception (catchable), a limit
/// (uncatchable), `FINAL(...)`, or a request to suspend for host calls.
pub(crate) enum Fault {
    Exc(Rc<Exception>),
    Limit(LimitError),
    Final(Value),
    Suspend(Vec<PendingCall>, bool),
}

pub struct PendingCall {
    pub name: SmolStr,
    pub args: Vec<Value>,
    pub kwargs: Vec<(SmolStr, Value)>,
}

pub type R<T> = Result<T, Fault>;

pub fn exc<T>(kind: ExcKind, msg: impl Into<String>) -> R<T> {
    Err(Fault::Exc(Exception::new(kind, msg)))
}

pub fn type_err<T>(msg: impl Into<String>) -> R<T> {
    exc(ExcKind::TypeError, msg)
}

pub fn value_err<T>(msg: impl Into<String>) -> R<T> {
    exc(ExcKind::ValueError, msg)
}

/// The `TypeError` of a binary operator its operands do not support.
pub(crate) fn binop_err<T>(op: BinOp, a: &Value, b: &Value) -> R<T> {
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
