//! Exception groups (PEP 654) as CPython 3.11 has them:
//! `BaseExceptionGroup(message, exceptions)` checks its arguments as
//! CPython's `__new__` does and is an `ExceptionGroup` when every member is
//! an `Exception`; `str(eg)` counts the sub-exceptions; `.message` and
//! `.exceptions` (a tuple) are attributes, `.args` keeps the sequence as
//! given; `split`, `subgroup` and `derive` make groups of the same class
//! over a part of the members, the nesting kept.

use std::rc::Rc;

use crate::callbacks::Callbacks;
use crate::fault::{Fault, R, exc, type_err, value_err};
use crate::value::*;

/// Whether `e` is a group (made by [`new`] or [`group`]).
pub(crate) fn is_group(e: &Exception) -> bool {
    e.kind.is_subclass_of(ExcKind::BaseExceptionGroup)
}

/// Its members, if `e` is a group.
pub(crate) fn members(e: &Exception) -> Option<Vec<Rc<Exception>>> {
    if !is_group(e) {
        return None;
    }
    match e.attr("exceptions") {
        Some(Value::Tuple(t)) => Some(
            t.iter()
                .filter_map(|v| match v {
                    Value::Exc(x) => Some(x.clone()),
                    _ => None,
                })
                .collect(),
        ),
        _ => Some(Vec::new()),
    }
}

/// `cls(message, exceptions)` for `cls` one of the two group classes.
pub(crate) fn new(kind: ExcKind, args: Vec<Value>) -> R<Rc<Exception>> {
    let [message, seq] = <[Value; 2]>::try_from(args).map_err(|a| {
        Fault::Exc(Exception::new(
            ExcKind::TypeError,
            format!("BaseExceptionGroup.__new__() takes exactly 2 arguments ({} given)", a.len()),
        ))
    })?;
    if !matches!(message, Value::Str(_)) {
        return type_err(format!(
            "BaseExceptionGroup.__new__() argument 1 must be str, not {}",
            message.type_name()
        ));
    }
    let items: Vec<Value> = match &seq {
        Value::List(l) => l.borrow().iter().cloned().collect(),
        Value::Tuple(t) => t.iter().cloned().collect(),
        _ => return type_err("second argument (exceptions) must be a sequence"),
    };
    if items.is_empty() {
        return value_err("second argument (exceptions) must be a non-empty sequence");
    }
    let mut all_exceptions = true;
    for (i, v) in items.iter().enumerate() {
        match v {
            Value::Exc(x) => all_exceptions &= x.kind.is_subclass_of(ExcKind::Exception),
            _ => {
                return value_err(format!(
                    "Item {i} of second argument (exceptions) is not an exception"
                ));
            }
        }
    }
    let kind = match kind {
        ExcKind::ExceptionGroup if !all_exceptions => {
            return type_err("Cannot nest BaseExceptions in an ExceptionGroup");
        }
        ExcKind::BaseExceptionGroup if all_exceptions => ExcKind::ExceptionGroup,
        k => k,
    };
    Ok(with_members(kind, message, seq, items))
}

/// `BaseExceptionGroup(message, [members...])`, the members given as
/// exceptions (an `ExceptionGroup` when all are `Exception`s).
pub(crate) fn group(message: &str, members: Vec<Rc<Exception>>) -> Rc<Exception> {
    let kind = if members.iter().all(|m| m.kind.is_subclass_of(ExcKind::Exception)) {
        ExcKind::ExceptionGroup
    } else {
        ExcKind::BaseExceptionGroup
    };
    let items: Vec<Value> = members.into_iter().map(Value::Exc).collect();
    with_members(kind, Value::str(message), Value::list(items.clone()), items)
}

fn with_members(kind: ExcKind, message: Value, seq: Value, items: Vec<Value>) -> Rc<Exception> {
    let e = Exception::with_args(kind, vec![message.clone(), seq]);
    {
        let mut attrs = e.attrs.borrow_mut();
        attrs.push(("message", message));
        attrs.push(("exceptions", Value::tuple(items)));
    }
    e
}

/// `str(eg)`: `message (n sub-exceptions)`; `None` for other exceptions.
pub(crate) fn group_str(e: &Exception) -> Option<String> {
    if !is_group(e) {
        return None;
    }
    let n = members(e)?.len();
    let message = match e.attr("message") {
        Some(Value::Str(s)) => s.as_str().to_string(),
        _ => String::new(),
    };
    let plural = if n == 1 { "" } else { "s" };
    Some(format!("{message} ({n} sub-exception{plural})"))
}

/// `eg.derive(excs)`: a group of `eg`'s class and message over `excs`.
fn derive(e: &Exception, members: Vec<Rc<Exception>>) -> Rc<Exception> {
    let message = match e.attr("message") {
        Some(Value::Str(s)) => s.as_str().to_string(),
        _ => String::new(),
    };
    // `BaseExceptionGroup(...)` is an `ExceptionGroup` when every member is
    // an `Exception`, as an `ExceptionGroup`'s members are.
    let d = group(&message, members);
    *d.traceback.borrow_mut() = e.traceback.borrow().clone();
    d
}

/// A group split in two: the part that matches and the rest.
type Parts = (Option<Rc<Exception>>, Option<Rc<Exception>>);

/// `eg.split(cond)`: the part matching `cond` and the rest, each a group
/// of the same shape, or `None` when empty. `matches` tells whether one
/// exception (a group too) matches.
pub(crate) fn split(
    e: &Rc<Exception>,
    matches: &mut dyn FnMut(&Rc<Exception>) -> R<bool>,
    depth: usize,
) -> R<Parts> {
    if matches(e)? {
        return Ok((Some(e.clone()), None));
    }
    let Some(members) = members(e) else { return Ok((None, Some(e.clone()))) };
    if depth > 200 {
        return exc(ExcKind::RecursionError, "maximum recursion depth exceeded");
    }
    let (mut yes, mut no) = (Vec::new(), Vec::new());
    for m in &members {
        let (a, b) = split(m, matches, depth + 1)?;
        yes.extend(a);
        no.extend(b);
    }
    let part = |v: Vec<Rc<Exception>>| (!v.is_empty()).then(|| derive(e, v));
    Ok((part(yes), part(no)))
}

/// The methods of a group: `split(cond)`, `subgroup(cond)`, `derive(excs)`.
pub(crate) const GROUP_METHODS: &[&str] = &["derive", "split", "subgroup"];

/// `eg.split(cond)`, `eg.subgroup(cond)` or `eg.derive(excs)`; `cond` an
/// exception type, a tuple of them, or a callable given each exception.
pub(crate) fn method<C: Callbacks + ?Sized>(
    cx: &mut C,
    e: &Rc<Exception>,
    name: &str,
    args: Vec<Value>,
) -> R<Value> {
    let n = args.len();
    let Ok([arg]) = <[Value; 1]>::try_from(args) else {
        return type_err(format!(
            "BaseExceptionGroup.{name}() takes exactly one argument ({n} given)"
        ));
    };
    if name == "derive" {
        let message = e.attr("message").unwrap_or(Value::str(""));
        return new(ExcKind::BaseExceptionGroup, vec![message, arg]).map(Value::Exc);
    }
    let callable = matches!(arg, Value::Func(_) | Value::Builtin(_) | Value::Method(_));
    if !callable {
        type_condition(&arg)?;
    }
    let mut matches = |x: &Rc<Exception>| -> R<bool> {
        // Asked once per level of the walk, before it goes deeper: the
        // stack checked as every other walk over program-built values is.
        crate::stack_guard::guard_stack(cx.meter())?;
        cx.meter().fuel(1)?;
        let xv = Value::Exc(x.clone());
        if callable {
            let r = cx.call_value(&arg, vec![xv], Vec::new())?;
            Ok(r.truthy())
        } else {
            crate::types::exception::exc_matches(&xv, &arg)
        }
    };
    let (yes, no) = split(e, &mut matches, 0)?;
    let opt = |x: Option<Rc<Exception>>| x.map_or(Value::None, Value::Exc);
    Ok(match name {
        "subgroup" => opt(yes),
        _ => Value::tuple(vec![opt(yes), opt(no)]),
    })
}

/// What `split` and `subgroup` accept as a condition, as a matcher over a
/// type or a tuple of types (a callable is the caller's).
pub(crate) fn type_condition(cond: &Value) -> R<()> {
    let ok = match cond {
        Value::Type(Ty::Exc(_)) => true,
        Value::Tuple(t) => t.iter().all(|v| matches!(v, Value::Type(Ty::Exc(_)))),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        type_err("expected a function, exception type or tuple of exception types")
    }
}
