//! `repr()` and `str()` of any value: a walk with a depth cap, cycle
//! markers (`[...]`) and the string cap checked as it writes, and each
//! type's form, which continues the walk (issue #59: here, beside the walk
//! they call, not in each type's file, which the walk would name while that
//! file named the walk; the walk reads only a set's order and a dict view's
//! items from their files, which do not name it).

use std::rc::Rc;

use crate::fault::R;
use crate::meter::Meter;
use crate::types::dict::view::view_items;
use crate::types::float::repr::float_repr;
use crate::types::set::set_order;
use crate::types::str::repr::{REPR_ESCAPE_MAX, repr_len};
use crate::value::*;

/// Used for `Debug` of values (no session at hand: a meter of the default
/// limits, charging the current account: `gc::current_or_detached`).
fn repr_simple(v: &Value) -> String {
    let mut meter = Meter::new(crate::limits::Limits::default(), crate::gc::current_or_detached());
    repr(&mut meter, v).unwrap_or_else(|_| "<value>".into())
}

/// A value's `Debug` is its repr. Here, beside the repr walk, not in
/// `value.rs`: the value layer then names no formatting (issue #59).
impl std::fmt::Debug for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&repr_simple(self))
    }
}

/// The least text `repr` or `json.dumps` writes for `v` when it is a list
/// or a tuple whose items are separated by `sep` characters: its brackets,
/// its separators and each item's least (a string's characters and its two
/// quotes; one character for anything else). `None` for other values. Reads
/// the top level only, without writing anything, each item paid for before
/// ([`FUEL_PER_ITEM_BOUNDED`]).
pub(crate) fn text_lower_bound(meter: &mut Meter, v: &Value, sep: usize) -> R<Option<usize>> {
    let mut least = |items: &[Value]| -> R<usize> {
        meter.fuel((items.len() as u64).saturating_mul(FUEL_PER_ITEM_BOUNDED))?;
        let seps = items.len().saturating_sub(1).saturating_mul(sep);
        Ok(items.iter().fold(seps.saturating_add(2), |acc, x| {
            let item = match x {
                Value::Str(s) => s.char_len().saturating_add(2),
                _ => 1,
            };
            acc.saturating_add(item)
        }))
    };
    Ok(match v {
        Value::List(l) => Some(least(&l.borrow())?),
        Value::Tuple(t) => Some(least(t)?),
        _ => None,
    })
}

/// Fuel per item [`text_lower_bound`] reads: a string's length is a load
/// from its box, a cache miss over a large list (`json.dumps` of 310 K
/// strings stopped for memory after 20 units, 45x the loop's time for them:
/// issue #77's fuzzer).
const FUEL_PER_ITEM_BOUNDED: u64 = 2;

/// `str(v)` as a value: a string is itself, an int is written straight
/// into the new string's own (inline) buffer, the rest go through
/// [`py_str`].
pub(crate) fn str_value(meter: &mut Meter, v: Value) -> R<Value> {
    match v {
        Value::Str(_) => Ok(v),
        Value::Int(n) => Ok(Value::str(compact_str::ToCompactString::to_compact_string(&n))),
        _ => Ok(Value::str(crate::format::repr::py_str(meter, &v)?)),
    }
}

#[inline]
pub(crate) fn py_str(meter: &mut Meter, v: &Value) -> R<String> {
    crate::stack_guard::walk_over(v, || crate::format::repr::py_str_walk(meter, v))
}

fn py_str_walk(meter: &mut Meter, v: &Value) -> R<String> {
    // `str(ValueError(ValueError(...)))` re-enters here once per level.
    crate::stack_guard::guard_stack(meter)?;
    match v {
        Value::Str(s) => Ok(s.as_str().to_string()),
        Value::Exc(e) => exc_str(meter, e),
        // A date's or a duration's `str` differs from its repr.
        Value::Native(n) => match &**n {
            Native::Module(m) => match m.str() {
                Some(s) => Ok(s),
                None => crate::format::repr::repr(meter, v),
            },
            Native::DictView(..) => crate::format::repr::repr(meter, v),
        },
        Value::Host(h) => match h.str() {
            Some(s) => {
                crate::format::repr::host_text_fits(meter, 0, &s)?;
                Ok(s)
            }
            None => crate::format::repr::repr(meter, v),
        },
        _ => crate::format::repr::repr(meter, v),
    }
}

pub(crate) fn repr(meter: &mut Meter, v: &Value) -> R<String> {
    let mut out = String::new();
    if let Some(bound) = text_lower_bound(meter, v, 2)? {
        meter.check_text_lower_bound(bound)?;
        out.reserve(bound);
    }
    let mut seen: Vec<usize> = Vec::new();
    crate::stack_guard::walk_over(v, || {
        crate::format::repr::repr_into(meter, v, &mut out, 0, &mut seen)
    })?;
    Ok(out)
}

pub(crate) fn repr_into(
    meter: &mut Meter,
    v: &Value,
    out: &mut String,
    depth: usize,
    seen: &mut Vec<usize>,
) -> R<()> {
    if depth > meter.limits.max_nesting {
        return Err(meter.nesting_err());
    }
    crate::stack_guard::guard_stack(meter)?;
    if out.len() > meter.limits.max_str_len {
        meter.check_str_len(out.len())?;
    }
    meter.check_text_growth(out.capacity())?;
    // Each item of a container is charged as it is written (a value
    // alone, `print(n)`, costs its instruction).
    if depth > 0 {
        meter.fuel(crate::cost::FUEL_PER_VALUE_WRITTEN)?;
    }
    match v {
        Value::None => out.push_str("None"),
        Value::Bool(b) => out.push_str(if *b { "True" } else { "False" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Float(f) => out.push_str(&float_repr(*f)),
        Value::Str(s) => {
            // The text is held to the cap and the budget before it grows
            // by the escaped form, at most `REPR_ESCAPE_MAX` bytes a byte
            // and the quotes: measured exactly only when that bound could
            // fail a check (else the measure is a second scan for nothing).
            let text = s.as_str();
            let bound = out
                .len()
                .saturating_add(text.len().saturating_mul(REPR_ESCAPE_MAX))
                .saturating_add(2);
            if !meter.text_within_unchecked(bound, out.capacity()) {
                let needed = out.len().saturating_add(repr_len(text));
                if needed > meter.limits.max_str_len {
                    meter.check_str_len(needed)?;
                }
                meter.check_text_growth(needed)?;
            }
            crate::types::str::repr::repr_str_charged(meter, text, out)?
        }
        Value::List(l) => list_repr(meter, l, out, depth, seen)?,
        Value::Tuple(t) => tuple_repr(meter, t, out, depth, seen)?,
        Value::Dict(d) => dict_repr(meter, d, out, depth, seen)?,
        Value::Set(s) => {
            let items: Vec<Value> = set_order(&s.borrow());
            set_repr(meter, items, false, out, depth, seen)?
        }
        Value::FrozenSet(s) => {
            let items: Vec<Value> = set_order(s);
            set_repr(meter, items, true, out, depth, seen)?
        }
        Value::Deque(d) => deque_repr(meter, d, out, depth, seen)?,
        Value::Range(r) => range_repr(r, out),
        Value::Slice(s) => slice_repr(meter, s, out, depth, seen)?,
        Value::Func(f) => {
            out.push_str(&format!("<function {} at 0x{:x}>", f.code.name, Rc::as_ptr(f) as usize))
        }
        Value::Builtin(b) => {
            if b.module == "host" {
                out.push_str(&format!("<host function {}>", b.name))
            } else {
                out.push_str(&format!("<built-in function {}>", b.name))
            }
        }
        Value::Method(m) => {
            out.push_str(&format!("<built-in method {} of {} object>", m.1, m.0.type_name()))
        }
        Value::Type(t) => out.push_str(&t.class_repr()),
        Value::Exc(e) => exc_repr(meter, e, out, depth, seen)?,
        Value::Module(m) => out.push_str(&format!("<module '{}' (built-in)>", m.name)),
        Value::Iter(it) => iter_repr(meter, it, out, depth, seen)?,
        Value::Coroutine(c) => {
            out.push_str(&format!("<coroutine object {}>", c.borrow().func.code.name))
        }
        Value::HostFuture(h) => out.push_str(&format!("<coroutine object {}>", h.name)),
        Value::Gather(_) => out.push_str("<_GatheringFuture pending>"),
        Value::Host(h) => match h.repr() {
            Some(text) => {
                crate::format::repr::host_text_fits(meter, out.len(), &text)?;
                out.push_str(&text)
            }
            None => out.push_str(&format!("<{} object>", h.type_name())),
        },
        // A module's object names its parts; the values it holds continue
        // this walk one level deeper.
        Value::Native(n) => match &**n {
            Native::Module(m) => {
                for part in m.repr() {
                    match part {
                        ReprPart::Text(text) => out.push_str(&text),
                        ReprPart::Value(v) => repr_into(meter, &v, out, depth + 1, seen)?,
                    }
                }
            }
            Native::DictView(kind, d) => dict_view_repr_into(meter, *kind, d, out, depth, seen)?,
        },
        Value::Ellipsis => out.push_str("Ellipsis"),
    }
    Ok(())
}

/// A host object's own text, appended to `len` bytes already written,
/// is held to the string cap and the memory budget, and pays its scan.
fn host_text_fits(meter: &mut Meter, len: usize, text: &str) -> R<()> {
    meter.fuel(text.len() as u64 / 64)?;
    let needed = len.saturating_add(text.len());
    if needed > meter.limits.max_str_len {
        meter.check_str_len(needed)?;
    }
    meter.check_text_growth(needed)
}

pub(crate) fn repr_seq(
    meter: &mut Meter,
    items: &[Value],
    out: &mut String,
    depth: usize,
    seen: &mut Vec<usize>,
) -> R<()> {
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        crate::format::repr::repr_into(meter, x, out, depth + 1, seen)?;
    }
    Ok(())
}

// Each type's form, continuing the walk: a container marks itself in
// `seen` (a cycle writes `[...]`) and writes its items one level deeper.

fn list_repr(
    meter: &mut Meter,
    l: &Rc<ListObj>,
    out: &mut String,
    depth: usize,
    seen: &mut Vec<usize>,
) -> R<()> {
    let p = Rc::as_ptr(l) as *const u8 as usize;
    if seen.contains(&p) {
        out.push_str("[...]");
        return Ok(());
    }
    seen.push(p);
    let items = l.borrow().clone();
    out.push('[');
    repr_seq(meter, &items, out, depth, seen)?;
    out.push(']');
    seen.pop();
    Ok(())
}

fn tuple_repr(
    meter: &mut Meter,
    t: &Rc<TupleObj>,
    out: &mut String,
    depth: usize,
    seen: &mut Vec<usize>,
) -> R<()> {
    let p = Rc::as_ptr(t) as *const u8 as usize;
    if seen.contains(&p) {
        out.push_str("(...)");
        return Ok(());
    }
    seen.push(p);
    out.push('(');
    repr_seq(meter, t, out, depth, seen)?;
    if t.len() == 1 {
        out.push(',');
    }
    out.push(')');
    seen.pop();
    Ok(())
}

/// `repeat('a', 2)` (the count left) and `count(5, 2)` as CPython writes
/// them; any other iterator is `<iterator object>` (docs/divergences.md,
/// `iterator-type-names`).
fn iter_repr(
    meter: &mut Meter,
    it: &Rc<std::cell::RefCell<IterState>>,
    out: &mut String,
    depth: usize,
    seen: &mut Vec<usize>,
) -> R<()> {
    let repeat = match it.try_borrow().as_deref() {
        Ok(IterState::Repeat(v, n)) => Some((v.clone(), *n)),
        Ok(IterState::Count(at, 1)) => {
            out.push_str(&format!("count({at})"));
            return Ok(());
        }
        Ok(IterState::Count(at, step)) => {
            out.push_str(&format!("count({at}, {step})"));
            return Ok(());
        }
        _ => None,
    };
    let Some((v, n)) = repeat else {
        out.push_str("<iterator object>");
        return Ok(());
    };
    out.push_str("repeat(");
    repr_into(meter, &v, out, depth + 1, seen)?;
    if let Some(n) = n {
        out.push_str(&format!(", {n}"));
    }
    out.push(')');
    Ok(())
}

fn deque_repr(
    meter: &mut Meter,
    d: &Rc<DequeObj>,
    out: &mut String,
    depth: usize,
    seen: &mut Vec<usize>,
) -> R<()> {
    let items: Vec<Value> = d.borrow().iter().cloned().collect();
    out.push_str("deque([");
    repr_seq(meter, &items, out, depth, seen)?;
    match d.maxlen {
        Some(m) => out.push_str(&format!("], maxlen={m})")),
        None => out.push_str("])"),
    }
    Ok(())
}

/// `{k: v}` and the flavours' forms (`Counter({...})`, `OrderedDict([...])`,
/// `defaultdict(list, {...})`).
fn dict_repr(
    meter: &mut Meter,
    d: &Rc<StoreCell<Dict>>,
    out: &mut String,
    depth: usize,
    seen: &mut Vec<usize>,
) -> R<()> {
    let p = Rc::as_ptr(d) as *const u8 as usize;
    if seen.contains(&p) {
        out.push_str("{...}");
        return Ok(());
    }
    seen.push(p);
    let (items, kind): (Vec<(Value, Value)>, DictKind) = {
        let d = d.borrow();
        (d.map.iter().map(|(k, v)| (k.0.clone(), v.clone())).collect(), d.kind.clone())
    };
    let close = match &kind {
        DictKind::Plain => "}",
        DictKind::Counter => {
            if items.is_empty() {
                out.push_str("Counter()");
                seen.pop();
                return Ok(());
            }
            out.push_str("Counter(");
            "})"
        }
        DictKind::Ordered => {
            if items.is_empty() {
                out.push_str("OrderedDict()");
                seen.pop();
                return Ok(());
            }
            out.push_str("OrderedDict([");
            for (i, (k, v)) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push('(');
                repr_into(meter, k, out, depth + 1, seen)?;
                out.push_str(", ");
                repr_into(meter, v, out, depth + 1, seen)?;
                out.push(')');
            }
            out.push_str("])");
            seen.pop();
            return Ok(());
        }
        DictKind::Default(f) => {
            out.push_str("defaultdict(");
            let f = f.clone();
            repr_into(meter, &f, out, depth + 1, seen)?;
            out.push_str(", ");
            "})"
        }
    };
    let items = if matches!(kind, DictKind::Counter) { counter_order(items) } else { items };
    out.push('{');
    for (i, (k, v)) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        repr_into(meter, k, out, depth + 1, seen)?;
        out.push_str(": ");
        repr_into(meter, v, out, depth + 1, seen)?;
    }
    out.push_str(close);
    seen.pop();
    Ok(())
}

/// The order a Counter prints its items in, as CPython's `most_common()`:
/// numbers or texts largest first (stable for ties); counts that do not
/// compare (`c['k'] = None`) make CPython's sort fail and its repr keep
/// insertion order.
fn counter_order(items: Vec<(Value, Value)>) -> Vec<(Value, Value)> {
    let numeric = items.iter().all(|(_, v)| crate::args::as_float(v).is_some());
    let texts = items.iter().all(|(_, v)| matches!(v, Value::Str(_)));
    let mut order: Vec<usize> = (0..items.len()).collect();
    if numeric {
        let count = |i: usize| crate::args::as_float(&items[i].1).unwrap_or(0.0);
        order.sort_by(|&a, &b| {
            count(b).partial_cmp(&count(a)).unwrap_or(std::cmp::Ordering::Equal).then(a.cmp(&b))
        });
    } else if texts {
        let text = |i: usize| match &items[i].1 {
            Value::Str(s) => s.as_str(),
            _ => "",
        };
        order.sort_by(|&a, &b| text(b).cmp(text(a)).then(a.cmp(&b)));
    }
    let mut slots: Vec<Option<(Value, Value)>> = items.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

fn set_repr(
    meter: &mut Meter,
    items: Vec<Value>,
    frozen: bool,
    out: &mut String,
    depth: usize,
    seen: &mut Vec<usize>,
) -> R<()> {
    if frozen {
        if items.is_empty() {
            out.push_str("frozenset()");
        } else {
            out.push_str("frozenset({");
            repr_seq(meter, &items, out, depth, seen)?;
            out.push_str("})");
        }
    } else if items.is_empty() {
        out.push_str("set()");
    } else {
        out.push('{');
        repr_seq(meter, &items, out, depth, seen)?;
        out.push('}');
    }
    Ok(())
}

fn slice_repr(
    meter: &mut Meter,
    s: &Rc<(Value, Value, Value)>,
    out: &mut String,
    depth: usize,
    seen: &mut Vec<usize>,
) -> R<()> {
    out.push_str("slice(");
    let s = s.clone();
    repr_into(meter, &s.0, out, depth + 1, seen)?;
    out.push_str(", ");
    repr_into(meter, &s.1, out, depth + 1, seen)?;
    out.push_str(", ");
    repr_into(meter, &s.2, out, depth + 1, seen)?;
    out.push(')');
    Ok(())
}

fn range_repr(r: &(i64, i64, i64), out: &mut String) {
    if r.2 == 1 {
        out.push_str(&format!("range({}, {})", r.0, r.1));
    } else {
        out.push_str(&format!("range({}, {}, {})", r.0, r.1, r.2));
    }
}

fn exc_repr(
    meter: &mut Meter,
    e: &Rc<Exception>,
    out: &mut String,
    depth: usize,
    seen: &mut Vec<usize>,
) -> R<()> {
    out.push_str(e.kind.name());
    let args = Value::tuple(e.args.clone());
    if e.args.len() == 1 {
        out.push('(');
        repr_into(meter, &e.args[0], out, depth + 1, seen)?;
        out.push(')');
    } else {
        repr_into(meter, &args, out, depth + 1, seen)?;
    }
    Ok(())
}

/// `str(e)` of an exception: its one argument's `str` (a `KeyError`'s
/// repr), or its arguments' tuple.
pub(crate) fn exc_str(meter: &mut Meter, e: &Exception) -> R<String> {
    if let Some(s) = crate::types::exception_group::group_str(e) {
        return Ok(s);
    }
    match e.args.len() {
        0 => Ok(String::new()),
        1 => {
            if e.kind == ExcKind::KeyError {
                repr(meter, &e.args[0])
            } else {
                py_str(meter, &e.args[0])
            }
        }
        _ => repr(meter, &Value::tuple(e.args.clone())),
    }
}

/// `dict_keys([...])` etc., its items one level deeper in the repr walk
/// that reached it (a view in a dict whose view is in a dict...).
fn dict_view_repr_into(
    meter: &mut Meter,
    kind: u8,
    d: &Rc<StoreCell<Dict>>,
    out: &mut String,
    depth: usize,
    seen: &mut Vec<usize>,
) -> R<()> {
    let items = view_items(kind, d);
    // An OrderedDict's views are `odict_keys(...)` and so on.
    if matches!(d.borrow().kind, DictKind::Ordered) {
        out.push('o');
    }
    out.push_str(match kind {
        0 => "dict_keys(",
        1 => "dict_values(",
        _ => "dict_items(",
    });
    repr_into(meter, &Value::list(items), out, depth, seen)?;
    out.push(')');
    Ok(())
}
