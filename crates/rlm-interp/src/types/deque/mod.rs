//! `collections.deque`: methods, indexing, item assignment, `repr` and the
//! constructor. Its storage and `maxlen` (`DequeObj`) are the value layer's
//! (`value/containers.rs`).

use std::collections::VecDeque;
use std::rc::Rc;

use crate::args::{Kwargs, kw};
use crate::callbacks::Callbacks;
use crate::cost::Over::{Arg, Recv, WorkDone};
use crate::cost::{COPY, CostTable, FREE, SCAN, cost};
use crate::fault::{R, exc, value_err};
use crate::types::attr_error::no_attr_among;
use crate::types::slice::norm_index;
use crate::value::*;

pub(crate) const DEQUE_METHODS: &[&str] = &[
    "append",
    "appendleft",
    "pop",
    "popleft",
    "extend",
    "extendleft",
    "clear",
    "rotate",
    "count",
    "copy",
    "index",
    "remove",
    "reverse",
];

/// The methods that change a deque in place (`types::changes_receiver`):
/// a deque has no append-only journal, so appends count.
pub(crate) const DEQUE_CHANGES: &[&str] = &[
    "append",
    "appendleft",
    "pop",
    "popleft",
    "extend",
    "extendleft",
    "clear",
    "rotate",
    "remove",
    "reverse",
];

/// What each `deque` method costs (`builtins/cost.rs`), sorted.
pub(crate) const DEQUE_COSTS: CostTable = &[
    ("append", FREE),
    ("appendleft", FREE),
    ("clear", cost(Recv, SCAN)),
    ("copy", cost(Recv, COPY)),
    ("count", cost(Recv, SCAN)),
    ("extend", cost(Arg(0), COPY)),
    ("extendleft", cost(Arg(0), COPY)),
    ("index", cost(WorkDone, SCAN)),
    ("pop", FREE),
    ("popleft", FREE),
    ("remove", cost(Recv, SCAN)),
    ("reverse", cost(Recv, SCAN)),
    ("rotate", cost(Recv, COPY)),
];

/// Append to a deque, dropping from the other end when it is at `maxlen`.
fn push_bounded(d: &DequeObj, x: Value, back: bool) {
    d.mutated();
    let mut q = d.borrow_mut();
    if d.maxlen == Some(0) {
        return;
    }
    if let Some(m) = d.maxlen {
        if q.len() >= m {
            if back {
                q.pop_front();
            } else {
                q.pop_back();
            }
        }
    }
    if back {
        q.push_back(x);
    } else {
        q.push_front(x);
    }
}

pub(crate) fn deque_method<C: Callbacks + ?Sized>(
    cx: &mut C,
    recv: &Value,
    d: &Rc<DequeObj>,
    name: &str,
    args: Vec<Value>,
) -> R<Value> {
    let arg0 = args.first().cloned();
    match name {
        "append" | "appendleft" => {
            let x = arg0.unwrap_or(Value::None);
            let (n, cap) = (d.borrow().len(), d.borrow().capacity());
            cx.meter().check_growth(n + 1, 1, cap)?;
            push_bounded(d, x, name == "append");
            Ok(Value::None)
        }
        "pop" | "popleft" => {
            d.mutated();
            let r =
                if name == "pop" { d.borrow_mut().pop_back() } else { d.borrow_mut().pop_front() };
            match r {
                Some(v) => Ok(v),
                None => exc(ExcKind::IndexError, "pop from an empty deque"),
            }
        }
        "extend" | "extendleft" => {
            let items = cx.iterate(&arg0.unwrap_or(Value::None))?;
            let n = d.borrow().len() + items.len();
            let cap = d.borrow().capacity();
            cx.meter().check_growth(n, items.len(), cap)?;
            if d.maxlen.is_none() && name == "extend" {
                // Unbounded: one move of them all (a mutation counted
                // per item, as pushing them one by one would).
                d.mutated_by(items.len() as u64);
                d.borrow_mut().extend(items);
            } else {
                for x in items {
                    push_bounded(d, x, name == "extend");
                }
            }
            Ok(Value::None)
        }
        "clear" => {
            crate::types::release::charge_release(cx.meter(), d.addr(), d.borrow().iter())?;
            d.mutated();
            d.borrow_mut().clear();
            Ok(Value::None)
        }
        "rotate" => {
            let n = arg0.as_ref().map_or(Ok(1), crate::args::index_int)?;
            d.mutated();
            let mut dm = d.borrow_mut();
            let len = dm.len() as i64;
            if len > 0 {
                let k = n.rem_euclid(len) as usize;
                dm.rotate_right(k);
            }
            Ok(Value::None)
        }
        "reverse" => {
            // In place: a reversed copy held the deque twice, uncharged.
            d.borrow_mut().make_contiguous().reverse();
            Ok(Value::None)
        }
        "copy" => {
            let d = Rc::new(DequeObj::new(d.borrow().clone(), d.maxlen));
            crate::gc::Track::track(&d);
            Ok(Value::Deque(d))
        }
        "index" => {
            let x = arg0.unwrap_or(Value::None);
            let len = d.borrow().len();
            let bound = crate::types::slice::index_bound;
            let (start, end) = (bound(args.get(1), len, 0)?, bound(args.get(2), len, len)?);
            // Charged as it compares, up to the item found.
            let found =
                crate::types::equality::position_in_blocks(cx, &x, start..end.max(start), |r| {
                    d.borrow().range(r).cloned().collect()
                })?;
            if let Some(i) = found {
                return Ok(Value::Int(i as i64));
            }
            let r = cx.repr(&x)?;
            value_err(format!("{r} is not in deque"))
        }
        "count" | "remove" => {
            let x = arg0.unwrap_or(Value::None);
            // Compared where they lie, as a list's `count` compares them:
            // equality runs no program code, so the deque cannot change
            // under the walk (the copy they were compared from cost a
            // refcount and a drop an item: `X.count(-1)` over nested lists
            // ran 10.5x the loop's time a unit, issue #77's fuzzer).
            let mut n = 0;
            let mut found = None;
            {
                let items = d.borrow();
                // Each comparison is work even when it is one step.
                cx.meter().fuel(items.len() as u64 / 4)?;
                for (i, it) in items.iter().enumerate() {
                    if cx.compare(rlm_syntax::ast::CmpOp::Eq, it, &x)? {
                        if name == "remove" {
                            found = Some(i);
                            break;
                        }
                        n += 1;
                    }
                }
            }
            if let Some(i) = found {
                d.mutated();
                d.borrow_mut().remove(i);
                return Ok(Value::None);
            }
            match name {
                "count" => Ok(Value::Int(n)),
                "index" => {
                    let r = cx.repr(&x)?;
                    value_err(format!("{r} is not in deque"))
                }
                _ => value_err("deque.remove(x): x not in deque"),
            }
        }
        _ => no_attr_among(recv, name, DEQUE_METHODS.iter().copied()),
    }
}

/// `d[i]`.
pub(crate) fn deque_getitem(d: &Rc<DequeObj>, idx: &Value) -> R<Value> {
    let i = crate::args::index_of(idx, "deque")?;
    let d = d.borrow();
    match norm_index(i, d.len()) {
        Some(i) => Ok(d[i].clone()),
        None => exc(ExcKind::IndexError, "deque index out of range"),
    }
}

/// `d[i] = v`.
pub(crate) fn deque_setitem(d: &Rc<DequeObj>, idx: Value, v: Value) -> R<()> {
    let i = crate::args::index_of(&idx, "deque")?;
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

/// `deque(iterable, maxlen)`.
pub(crate) fn deque_new<C: Callbacks + ?Sized>(
    cx: &mut C,
    args: &[Value],
    kwargs: &Kwargs,
) -> R<Value> {
    let items = match args.first() {
        Some(v) => cx.iterate(v)?,
        None => Vec::new(),
    };
    let maxlen = match args.get(1).or_else(|| kw(kwargs, "maxlen")) {
        None | Some(Value::None) => None,
        Some(v) => match crate::args::index_int(v)? {
            m if m < 0 => return value_err("maxlen must be non-negative"),
            m => Some(m),
        },
    };
    let mut d: VecDeque<Value> = items.into();
    if let Some(m) = maxlen {
        while d.len() > m.max(0) as usize {
            d.pop_front();
        }
    }
    let d = Rc::new(DequeObj::new(d, maxlen.map(|m| m.max(0) as usize)));
    crate::gc::Track::track(&d);
    Ok(Value::Deque(d))
}

/// `collections.deque` in the value protocol.
pub(crate) struct DequeType;

impl crate::types::protocol::PyType for DequeType {
    type Data = Rc<DequeObj>;

    fn truth(data: &Rc<DequeObj>) -> bool {
        !data.borrow().is_empty()
    }

    fn len(data: &Rc<DequeObj>) -> Option<R<usize>> {
        Some(Ok(data.borrow().len()))
    }

    fn method_names(data: &Rc<DequeObj>) -> std::borrow::Cow<'static, [&'static str]> {
        let _ = data;
        DEQUE_METHODS.into()
    }

    fn method_cost(data: &Rc<DequeObj>, name: &str) -> crate::cost::Cost {
        let _ = data;
        crate::cost::lookup(DEQUE_COSTS, name)
    }

    fn arity_key(data: &Rc<DequeObj>) -> Option<u8> {
        let _ = data;
        Some(crate::types::method_arity::TY_DEQUE)
    }

    fn changes_receiver(name: &str) -> bool {
        DEQUE_CHANGES.contains(&name)
    }

    fn getitem<C: crate::callbacks::Callbacks + ?Sized>(
        cx: &mut C,
        data: &Rc<DequeObj>,
        idx: &Value,
    ) -> Option<R<Value>> {
        let _ = cx;
        Some(deque_getitem(data, idx))
    }

    #[inline]
    fn setitem<C: crate::callbacks::Callbacks + ?Sized>(
        cx: &mut C,
        obj: &Value,
        data: &Rc<DequeObj>,
        idx: Value,
        v: Value,
    ) -> R<()> {
        let _ = (cx, obj);
        deque_setitem(data, idx, v)
    }

    fn iter<C: crate::callbacks::Callbacks + ?Sized>(
        cx: &mut C,
        recv: &Value,
        data: &Rc<DequeObj>,
    ) -> Option<R<IterState>> {
        // Copied whole at the start, charged before.
        let fuel = crate::types::iter::snapshot_fuel(data.borrow().len());
        Some(
            cx.meter().fuel(fuel).map(|()| {
                IterState::watched(data.borrow().iter().cloned().collect(), recv.clone())
            }),
        )
    }

    fn repr<W: crate::types::protocol::ReprWalk>(data: &Rc<DequeObj>, walk: &mut W) -> R<()> {
        let items: Vec<Value> = data.borrow().iter().cloned().collect();
        walk.out().push_str("deque([");
        walk.items(&items)?;
        match data.maxlen {
            Some(m) => walk.out().push_str(&format!("], maxlen={m})")),
            None => walk.out().push_str("])"),
        }
        Ok(())
    }

    fn data_attr(data: &Rc<DequeObj>, name: &str) -> Option<Value> {
        (name == "maxlen").then(|| data.maxlen.map_or(Value::None, |m| Value::Int(m as i64)))
    }

    #[inline]
    fn size(data: &Rc<DequeObj>) -> (u64, u64) {
        (data.borrow().len() as u64, 0)
    }

    fn eq<E: crate::types::protocol::EqWalk>(
        data: &Rc<DequeObj>,
        other: &Value,
        walk: &mut E,
    ) -> Option<bool> {
        let Value::Deque(y) = other else { return Some(false) };
        let (x, y) = (data.borrow(), y.borrow());
        walk.items(x.iter(), y.iter())
    }

    fn contains<C: crate::callbacks::Callbacks + ?Sized>(
        cx: &mut C,
        data: &Rc<DequeObj>,
        item: &Value,
    ) -> Option<R<bool>> {
        let len = data.borrow().len();
        let found = crate::types::equality::position_in_blocks(cx, item, 0..len, |r| {
            data.borrow().range(r).cloned().collect()
        });
        Some(found.map(|at| at.is_some()))
    }

    fn call_method<C: crate::callbacks::Callbacks + ?Sized>(
        cx: &mut C,
        recv: &Value,
        data: &Rc<DequeObj>,
        name: &str,
        args: Vec<Value>,
        kwargs: crate::args::Kwargs,
    ) -> R<Value> {
        let _ = kwargs;
        deque_method(cx, recv, data, name, args)
    }
}
