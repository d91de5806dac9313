//! From a value to its type's implementation of the value protocol
//! (`protocol.rs`): the one place that names every built-in type. A value
//! of no protocol type (a function, a module's object, a type) answers
//! what the caller says.

use std::borrow::Cow;

use crate::args::Kwargs;
use crate::callbacks::Callbacks;
use crate::cost::Cost;
use crate::fault::R;
use crate::types::protocol::{EqWalk, HashWalk, OrderWalk, PyType, ReprWalk};
use crate::value::*;

/// `$body` with `$ty` the protocol type of `$v` and `$data` its payload,
/// or `$other` for a value of no protocol type.
macro_rules! with_type {
    ($v:expr, |$ty:ident, $data:ident| $body:expr, _ => $other:expr) => {
        match $v {
            Value::Str($data) => {
                type $ty = crate::types::str::methods::StrType;
                $body
            }
            Value::List($data) => {
                type $ty = crate::types::list::ListType;
                $body
            }
            Value::Tuple($data) => {
                type $ty = crate::types::tuple::TupleType;
                $body
            }
            Value::Dict($data) => {
                type $ty = crate::types::dict::DictType;
                $body
            }
            Value::Set($data) => {
                type $ty = crate::types::set::SetType;
                $body
            }
            Value::FrozenSet($data) => {
                type $ty = crate::types::set::FrozenSetType;
                $body
            }
            Value::Deque($data) => {
                type $ty = crate::types::deque::DequeType;
                $body
            }
            Value::Range($data) => {
                type $ty = crate::types::range::RangeType;
                $body
            }
            Value::Int($data) => {
                type $ty = crate::types::int::IntType;
                $body
            }
            Value::Bool(AlignedBool($data)) => {
                type $ty = crate::types::int::BoolType;
                $body
            }
            Value::Float($data) => {
                type $ty = crate::types::float::FloatType;
                $body
            }
            _ => $other,
        }
    };
}

impl Value {
    /// `bool(x)`: its type's truth (defined here, beside the dispatch to
    /// the types, not in the value layer, which names no type's behaviour).
    #[inline]
    pub fn truthy(&self) -> bool {
        truth(self)
    }
}

/// `bool(x)`.
#[inline]
pub(crate) fn truth(v: &Value) -> bool {
    with_type!(v, |T, data| T::truth(data), _ => match v {
        Value::None => false,
        Value::Native(n) => match &**n {
            Native::DictView(_, d) => !d.borrow().map.is_empty(),
            Native::Module(m) => m.truthy(),
        },
        Value::Host(h) => h.truthy(),
        _ => true,
    })
}

/// `len(x)` for a value of a protocol type; `None` for any other value or
/// a type without a length.
#[inline]
pub(crate) fn len(v: &Value) -> Option<R<usize>> {
    with_type!(v, |T, data| T::len(data), _ => None)
}

/// The items and bytes of a value of a protocol type as costs count them;
/// `None` for any other value.
#[inline]
pub(crate) fn size(v: &Value) -> Option<(u64, u64)> {
    with_type!(v, |T, data| Some(T::size(data)), _ => None)
}

/// The methods of a value of a protocol type; `None` for any other value.
pub(crate) fn method_names(v: &Value) -> Option<Cow<'static, [&'static str]>> {
    with_type!(v, |T, data| Some(T::method_names(data)), _ => None)
}

/// What calling `name` on a value of a protocol type costs; `None` for any
/// other value.
pub(crate) fn method_cost(v: &Value, name: &str) -> Option<Cost> {
    with_type!(v, |T, data| Some(T::method_cost(data, name)), _ => None)
}

/// The arity tables' key of a value's type, if they have one for it.
pub(crate) fn arity_key(v: &Value) -> Option<u8> {
    with_type!(v, |T, data| T::arity_key(data), _ => None)
}

/// Whether method `name` may change `v` in place (see
/// [`PyType::changes_receiver`]).
pub(crate) fn changes_receiver(v: &Value, name: &str) -> bool {
    with_type!(v, |T, _data| T::changes_receiver(name), _ => false)
}

/// `recv.name(*args, **kwargs)` for a receiver of a protocol type; the
/// arguments back (`Err`) for any other receiver, which the machine's
/// dispatch answers.
pub(crate) fn call_method<C: Callbacks + ?Sized>(
    cx: &mut C,
    recv: &Value,
    name: &str,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> Result<R<Value>, (Vec<Value>, Kwargs)> {
    with_type!(recv, |T, data| Ok(T::call_method(cx, recv, data, name, args, kwargs)), _ => Err((args, kwargs)))
}

/// `x[idx]` for a value of a protocol type; `None` for any other value or
/// a type that is not subscriptable.
#[inline]
pub(crate) fn getitem<C: Callbacks + ?Sized>(
    cx: &mut C,
    obj: &Value,
    idx: &Value,
) -> Option<R<Value>> {
    with_type!(obj, |T, data| T::getitem(cx, data, idx), _ => None)
}

/// `x[idx] = v`: its type's, or the `TypeError` of a value without item
/// assignment.
#[inline]
pub(crate) fn setitem<C: Callbacks + ?Sized>(
    cx: &mut C,
    obj: &Value,
    idx: Value,
    v: Value,
) -> R<()> {
    with_type!(obj, |T, data| T::setitem(cx, obj, data, idx, v), _ => {
        crate::types::protocol::no_item_assignment(obj)
    })
}

/// `del x[idx]` for a value of a protocol type; `None` for any other value
/// or a type without item deletion.
pub(crate) fn delitem<C: Callbacks + ?Sized>(
    cx: &mut C,
    obj: &Value,
    idx: &Value,
) -> Option<R<()>> {
    with_type!(obj, |T, data| T::delitem(cx, data, idx), _ => None)
}

/// `iter(x)` for a value of a protocol type; `None` for any other value or
/// a type that is not iterable.
pub(crate) fn iter<C: Callbacks + ?Sized>(cx: &mut C, v: &Value) -> Option<R<IterState>> {
    with_type!(v, |T, data| T::iter(cx, v, data), _ => None)
}

/// `repr(x)` of a value of a protocol type into `walk`; `false` (nothing
/// written) for any other value.
#[inline]
pub(crate) fn repr<W: ReprWalk>(v: &Value, walk: &mut W) -> R<bool> {
    with_type!(v, |T, data| T::repr(data, walk).map(|()| true), _ => Ok(false))
}

/// A data attribute of a value of a protocol type (`x.real`); `None` for
/// any other value or name.
pub(crate) fn data_attr(v: &Value, name: &str) -> Option<Value> {
    with_type!(v, |T, data| T::data_attr(data, name), _ => None)
}

/// `a == b` when `a` is of a protocol type (its type decides, whatever
/// `b` is); `None` for any other `a`.
#[inline]
pub(crate) fn eq<E: EqWalk>(a: &Value, b: &Value, walk: &mut E) -> Option<Option<bool>> {
    with_type!(a, |T, data| Some(T::eq(data, b, walk)), _ => None)
}

/// A key's hash when it is of a protocol type (`None` for an unhashable
/// one); `Err(())` for any other value.
#[inline]
pub(crate) fn hash<W: HashWalk>(v: &Value, walk: &mut W) -> Result<Option<()>, ()> {
    with_type!(v, |T, data| Ok(T::hash(data, walk)), _ => Err(()))
}

/// `a op b` for an ordering `op` when `a` is of a protocol type with an
/// order with `b`'s; `None` for any other `a` or `b`.
#[inline]
pub(crate) fn order<W: OrderWalk>(
    walk: &mut W,
    op: rlm_syntax::ast::CmpOp,
    a: &Value,
    b: &Value,
) -> Option<R<bool>> {
    with_type!(a, |T, data| T::order(walk, op, a, data, b), _ => None)
}

/// `item in x` for a value of a protocol type; `None` for any other value
/// or a type that holds no items.
pub(crate) fn contains<C: Callbacks + ?Sized>(
    cx: &mut C,
    container: &Value,
    item: &Value,
) -> Option<R<bool>> {
    with_type!(container, |T, data| T::contains(cx, data, item), _ => None)
}

/// `op x` (`-`, `+`, `~`) for a value of a protocol type; `None` for any
/// other value or a type without the operator.
pub(crate) fn unary<C: Callbacks + ?Sized>(
    cx: &mut C,
    op: rlm_syntax::ast::UnaryOp,
    v: &Value,
) -> Option<R<Value>> {
    with_type!(v, |T, data| T::unary(cx, op, data), _ => None)
}

/// `lhs op rhs` by `lhs`'s type, then by `rhs`'s reflected (see
/// [`PyType::binary`]); `None` when neither answers.
#[inline]
pub(crate) fn binary<C: Callbacks + ?Sized>(
    cx: &mut C,
    op: rlm_syntax::ast::BinOp,
    lhs: &Value,
    rhs: &Value,
) -> Option<R<Value>> {
    let by_lhs = with_type!(lhs, |T, data| T::binary(cx, op, data, lhs, rhs, false), _ => None);
    if by_lhs.is_some() {
        return by_lhs;
    }
    with_type!(rhs, |T, data| T::binary(cx, op, data, lhs, rhs, true), _ => None)
}
