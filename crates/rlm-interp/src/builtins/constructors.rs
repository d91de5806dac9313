//! Calling a type object: `int("3")`, `list(x)`, `dict(a=1)`,
//! `ValueError("m")`... Each type's constructor is in its file under
//! `types/` (or its module's, for `datetime`); short ones are inline here.

use crate::args::{Kwargs, nargs};
use crate::callbacks::Callbacks;
use crate::cost::Over::{Arg, Args};
use crate::cost::{COPY, CostTable, FREE, HASH, HASH_BYTES, NUMERAL, cost};
use crate::fault::{R, type_err};
use crate::types::float::float_new;
use crate::types::int::int_new;
use crate::types::range::range_new;
use crate::types::slice::slice_new;
use crate::value::*;

/// What calling each type costs beyond its instruction (`cost.rs`), by the
/// type's name, sorted. Exception types are free (not listed); `bool(x)`
/// reads a length; `str(x)` of a container is charged per value written by
/// `repr`, of a string it is the string.
pub(crate) const CONSTRUCTORS: CostTable = &[
    ("Counter", cost(Arg(0), HASH)),
    ("OrderedDict", cost(Args, HASH_BYTES)),
    ("bool", FREE),
    ("date", FREE),
    ("datetime", FREE),
    ("defaultdict", cost(Args, HASH_BYTES)),
    ("deque", cost(Arg(0), COPY)),
    ("dict", cost(Args, HASH_BYTES)),
    ("float", cost(Arg(0), NUMERAL)),
    ("frozenset", cost(Arg(0), HASH_BYTES)),
    ("int", cost(Arg(0), NUMERAL)),
    ("list", cost(Arg(0), COPY)),
    ("range", FREE),
    ("set", cost(Arg(0), HASH_BYTES)),
    ("slice", FREE),
    ("str", FREE),
    ("time", FREE),
    ("timedelta", FREE),
    ("tuple", cost(Arg(0), COPY)),
    ("type", FREE),
];

/// Call a type object: `int("3")`, `list(x)`, `ValueError("m")`...
pub(crate) fn construct<C: Callbacks + ?Sized>(
    cx: &mut C,
    t: Ty,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    let tn = t.name();
    match t {
        Ty::Exc(k @ (ExcKind::BaseExceptionGroup | ExcKind::ExceptionGroup)) => {
            crate::types::exception_group::new(k, args).map(Value::Exc)
        }
        Ty::Exc(k) => Ok(Value::Exc(Exception::with_args(k, args))),
        Ty::Int => int_new(cx.meter(), &args, &kwargs),
        Ty::Float => float_new(cx.meter(), &args, &kwargs),
        Ty::Str => match args.into_iter().next() {
            None => Ok(Value::str("")),
            Some(v) => crate::format::repr::str_value(cx.meter(), v),
        },
        Ty::Bool => Ok(Value::Bool(AlignedBool(args.first().is_some_and(|v| v.truthy())))),
        Ty::List => match args.first() {
            None => Ok(Value::list(Vec::new())),
            Some(v) => {
                let items = cx.iterate(v)?;
                cx.meter().check_len(items.len())?;
                Ok(Value::list(items))
            }
        },
        Ty::Tuple => match args.first() {
            None => Ok(Value::tuple(Vec::new())),
            Some(v @ Value::Tuple(_)) => Ok(v.clone()),
            Some(v) => {
                let items = cx.iterate(v)?;
                Ok(Value::tuple(items))
            }
        },
        Ty::Set | Ty::FrozenSet => crate::types::set::set_new(cx, t, &args),
        Ty::Dict | Ty::OrderedDict | Ty::Counter | Ty::DefaultDict => {
            crate::types::dict::dict_new(cx, t, args, kwargs)
        }
        Ty::Deque => crate::types::deque::deque_new(cx, &args, &kwargs),
        Ty::Range => range_new(&args),
        Ty::Type => {
            nargs("type", &args, 1, 1)?;
            Ok(Value::Type(args[0].ty()))
        }
        Ty::Slice => slice_new(args),
        Ty::NoneType => Ok(Value::None),
        Ty::Other(n @ &("datetime" | "date" | "time" | "timedelta")) => {
            crate::modules::datetime::construct_other(n, args, kwargs)
        }
        _ => type_err(format!("cannot create '{tn}' instances")),
    }
}
