//! `repr()` and `str()` of any value: a walk with a depth cap, cycle
//! markers (`[...]`) and the string cap checked as it writes, and each
//! type's form, which continues the walk (issue #59: here, beside the walk
//! they call, not in each type's file, which the walk would name while that
//! file named the walk; the walk reads only a set's order and a dict view's
//! items from their files, which do not name it).

use std::rc::Rc;

use crate::fault::R;
use crate::meter::Meter;
use crate::types::protocol::ReprWalk;
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
        // ASCII digits: made without reading them again.
        Value::Int(n) => {
            let s = compact_str::ToCompactString::to_compact_string(&n);
            let len = s.len();
            Ok(Value::Str(Str::joined(s, len, true)))
        }
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
    let mut walk = Walk { meter, out, depth, seen };
    if crate::types::dispatch::repr(v, &mut walk)? {
        return Ok(());
    }
    let Walk { meter, out, seen, .. } = walk;
    match v {
        Value::None => out.push_str("None"),
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
        // A protocol type was written above (`dispatch::repr`): no other
        // value is left.
        other => out.push_str(&format!("<{} object>", other.type_name())),
    }
    Ok(())
}

/// The walk as a type's form sees it ([`ReprWalk`]): where it is, one
/// call of [`repr_into`] deep.
struct Walk<'a> {
    meter: &'a mut Meter,
    out: &'a mut String,
    depth: usize,
    seen: &'a mut Vec<usize>,
}

impl ReprWalk for Walk<'_> {
    fn out(&mut self) -> &mut String {
        self.out
    }

    fn meter_and_out(&mut self) -> (&mut Meter, &mut String) {
        (self.meter, self.out)
    }

    fn item(&mut self, v: &Value) -> R<()> {
        repr_into(self.meter, v, self.out, self.depth + 1, self.seen)
    }

    fn enter(&mut self, addr: usize) -> bool {
        if self.seen.contains(&addr) {
            return false;
        }
        self.seen.push(addr);
        true
    }

    fn leave(&mut self) {
        self.seen.pop();
    }
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
    let items = d.borrow().view_items(kind);
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
