//! Calling a native object, or a method of one: a dict view's
//! (`types/dict/view.rs`) or a module's object's, each found here by its
//! type. Adding a module's type touches its folder, this file (its methods
//! or its call) and the module's line in `modules/mod.rs`. The value layer's
//! `NativeObject` cannot carry the methods: they take the program
//! (`Callbacks`) and return a fault, whose types name the values, and the
//! value layer would name them back (issue #59). So the machine finds the
//! object's type by a downcast (a type check each, in the order below), as
//! it does where an operator or a call needs a module object's data, and
//! calls the module's method function for that type, compiled for the
//! program as the module functions are (no `dyn` call per charge or
//! callback inside).

use std::any::Any;
use std::rc::Rc;

use rlm_syntax::ast::{BinOp, UnaryOp};

use crate::args::Kwargs;
use crate::callbacks::Callbacks;
use crate::fault::{R, exc};
use crate::modules::csv::Writer;
use crate::modules::datetime::date_time::DateTime;
use crate::modules::datetime::timedelta::TimeDelta;
use crate::modules::re::engine::CompiledRegex;
use crate::modules::re::match_obj::MatchObj;
use crate::modules::re::scanner::Scanner;
use crate::modules::sys::SysStream;
use crate::types::stringio::StringIo;
use crate::value::*;

/// `x.name(*args, **kwargs)` on a native object `n`, `recv` being `x` as a
/// value. The types most called first: a match's groups (every match a
/// loop finds, `re.finditer`'s or `re.search`'s, is asked for them), a
/// compiled pattern's search, a `StringIO`'s reads and writes.
pub(crate) fn native_method<C: Callbacks + ?Sized>(
    cx: &mut C,
    recv: &Value,
    n: &Rc<Native>,
    name: &str,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    let m = match &**n {
        Native::DictView(kind, d) => {
            return crate::types::dict::view::dict_view_method(cx, recv, *kind, d, name, args);
        }
        Native::Module(m) => &**m as &dyn Any,
    };
    if let Some(found) = m.downcast_ref::<MatchObj>() {
        crate::modules::re::match_obj::match_method(found, name, args, kwargs)
    } else if let Some(p) = m.downcast_ref::<Rc<CompiledRegex>>() {
        crate::modules::re::re_call(cx, name, Some(p.clone()), args, kwargs)
    } else if let Some(s) = m.downcast_ref::<Scanner>() {
        crate::modules::re::scanner_call(cx, s, name)
    } else if let Some(f) = m.downcast_ref::<StringIo>() {
        crate::types::stringio::method(cx, f, name, args)
    } else if let Some(w) = m.downcast_ref::<Writer>() {
        crate::modules::csv::writer_method(cx, w, name, args)
    } else if let Some(d) = m.downcast_ref::<DateTime>() {
        if crate::modules::datetime::CLASS_METHODS.contains(&name) {
            // `d.fromordinal(n)`: the class's method, called on an instance.
            let Ty::Other(t) = d.ty() else { return exc(ExcKind::TypeError, "not a date") };
            return crate::modules::datetime::type_method(cx, t, name, args, kwargs);
        }
        crate::modules::datetime::date_time::method(cx.meter(), recv, d, name, args, kwargs)
    } else if let Some(t) = m.downcast_ref::<TimeDelta>() {
        crate::modules::datetime::timedelta::method(t.0, t.1, t.2, name)
    } else if m.downcast_ref::<SysStream>().is_some() {
        crate::modules::sys::stream_method(cx, name, args)
    } else if m.is::<crate::modules::asyncio::future::Future>()
        || m.is::<crate::modules::asyncio::sync::SyncObj>()
        || m.is::<crate::modules::asyncio::taskgroup::TaskGroup>()
        || m.is::<crate::modules::asyncio::timeout::Timeout>()
    {
        cx.event_loop(Some(recv), name, args, kwargs)
    } else if let Some(g) = m.downcast_ref::<crate::modules::random::Generator>() {
        crate::modules::random::method(cx, g, name, args, kwargs)
    } else if let Some(t) = Native::as_tuple(recv) {
        // `sys.version_info`, `date.isocalendar()`: it calls as the tuple it
        // stands for.
        cx.call_method(&t.clone(), name, args, kwargs)
    } else {
        exc(
            ExcKind::AttributeError,
            format!("'{}' object has no attribute '{name}'", n.ty().name()),
        )
    }
}

/// `x(*args, **kwargs)` on a module's object `n` that is callable
/// (`NativeObject::callable`), other than a `functools.partial`, whose
/// function's frame the machine runs in place (`vm/call.rs`). The call's
/// charge was made by the caller, as a builtin's is.
pub(crate) fn native_call<C: Callbacks + ?Sized>(
    cx: &mut C,
    n: &Rc<Native>,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    if let Native::Module(m) = &**n {
        let m = &**m as &dyn Any;
        if let Some(done) = crate::modules::operator::getters::call(cx, m, args, kwargs) {
            return done;
        }
    }
    exc(ExcKind::TypeError, format!("'{}' object is not callable", n.ty().name()))
}

/// `op x` (`-`, `+`, `~`) on a module's object: a flag's complement, a
/// duration's sign, an int-like object as its int; `None` when it has no
/// such operator.
pub(crate) fn native_unary<C: Callbacks + ?Sized>(
    cx: &mut C,
    op: UnaryOp,
    x: &Value,
    n: &Rc<Native>,
) -> Option<R<Value>> {
    if let Some(v) = crate::modules::re::flag_invert(op, x) {
        return Some(v);
    }
    if n.module::<TimeDelta>().is_some() {
        return match op {
            UnaryOp::Pos => Some(Ok(x.clone())),
            UnaryOp::Neg => Some(crate::modules::datetime::arith::datetime_arith(
                cx,
                BinOp::Mult,
                x,
                &Value::Int(-1),
            )),
            _ => None,
        };
    }
    n.as_int().map(|i| crate::types::int::int_unary(op, i))
}
