//! The value types, one file or folder each: its storage, methods,
//! operators, indexing, `repr` and constructor, and its implementation of
//! the value protocol (`protocol.rs`), which `dispatch.rs` calls from a
//! value, in one place. The walks over values that reach a type's own
//! answer are `eq_walk.rs`, `hash_walk.rs` and the ordering in
//! `vm/compare.rs`; what the protocol does not yet carry (attributes, the
//! operator dispatch, the memory a value holds) is in `vm/` and the value
//! layer.
//!
//! This file answers what the machine asks of a method call on any value:
//! its names, cost, argument-count and keyword errors (`method_arity.rs`,
//! generated off CPython) and whether it changes the receiver, through the
//! protocol for the built-in types. Adding a method to a type touches its
//! file: the name in its `*_METHODS` table (which `dir()`, `hasattr` and the
//! generator read) and an arm in its dispatcher.

pub(crate) mod attr_error;
pub(crate) mod deque;
pub(crate) mod dict;
pub(crate) mod dispatch;
pub(crate) mod eq_walk;
pub(crate) mod equality;
pub(crate) mod exception;
pub(crate) mod exception_group;
pub(crate) mod float;
pub(crate) mod hash_walk;
pub(crate) mod host_object;
pub(crate) mod int;
pub(crate) mod iter;
pub(crate) mod list;
pub(crate) mod method_arity;
pub(crate) mod native;
pub(crate) mod protocol;
pub(crate) mod range;
pub(crate) mod release;
pub(crate) mod set;
pub(crate) mod slice;
pub(crate) mod str;
pub(crate) mod stringio;
pub(crate) mod tuple;
pub(crate) mod type_obj;

use crate::args::Kwargs;
use crate::cost::{Cost, CostTable, FREE, lookup};
use crate::fault::R;
use crate::types::attr_error::no_attr_among;
use crate::types::native::{native_method_costs, native_method_names};
use crate::value::*;

pub fn method_names(v: &Value) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = match dispatch::method_names(v) {
        Some(names) => names.into_owned(),
        None => match v {
            Value::Native(n) => native_method_names(n).to_vec(),
            Value::Exc(e) if exception_group::is_group(e) => {
                exception_group::GROUP_METHODS.to_vec()
            }
            Value::Type(Ty::Dict) => vec!["fromkeys"],
            Value::Type(Ty::Float) => vec!["fromhex"],
            Value::Type(Ty::Counter) => vec!["update", "subtract"],
            Value::Type(Ty::Str) => vec!["maketrans", "join", "lower", "upper", "strip", "split"],
            _ => Vec::new(),
        },
    };
    out.sort_unstable();
    out
}

/// CPython's TypeError for calling a built-in method with `n` positional
/// arguments (and no keywords), when that count is wrong; from the table
/// generated off CPython (`tools/gen_method_arity.py`).
pub(crate) fn arity_error(recv: &Value, name: &str, n: usize) -> Option<String> {
    use crate::types::method_arity::{MAX_LISTED, METHOD_ARITY};
    let ty = arity_type_key(recv)?;
    let i = crate::types::method_arity::arity_row(ty, name)?;
    let template = METHOD_ARITY[i].2[n.min(MAX_LISTED)];
    if template.is_empty() {
        return None;
    }
    let msg = template.replace("{n1}", &(n + 1).to_string()).replace("{n}", &n.to_string());
    Some(if n == 0 { msg.replace("but 1 were given", "but 1 was given") } else { msg })
}

/// CPython's TypeError for a keyword argument a built-in method does not
/// take (or for any keyword, when it takes none).
pub(crate) fn keyword_error(
    recv: &Value,
    name: &str,
    nargs: usize,
    kwargs: &Kwargs,
) -> Option<String> {
    use crate::types::method_arity::METHOD_KEYWORDS;
    let ty = arity_type_key(recv)?;
    let i = crate::types::method_arity::keyword_row(ty, name)?;
    let (_, _, accepted, template) = METHOD_KEYWORDS[i];
    // Argument Clinic methods check the total, then names given twice,
    // then unknown names (`_PyArg_UnpackKeywords`).
    if let Some(f) = template.strip_prefix("'{k}' is an invalid keyword argument for ") {
        let f = f.trim_end_matches("()");
        let total = nargs + kwargs.len();
        let max = accepted.len();
        if total > max {
            let s = if max == 1 { "" } else { "s" };
            let what = if nargs == 0 { "keyword argument" } else { "argument" };
            return Some(format!("{f}() takes at most {max} {what}{s} ({total} given)"));
        }
        for (pos, p) in accepted.iter().enumerate().take(nargs) {
            if kwargs.iter().any(|(k, _)| k == p) {
                return Some(format!(
                    "argument for {f}() given by name ('{p}') and position ({})",
                    pos + 1
                ));
            }
        }
    }
    let (bad, _) = kwargs.iter().find(|(k, _)| !accepted.contains(&k.as_str()))?;
    Some(template.replace("{k}", bad))
}

/// The receiver's type as the generated tables code it.
fn arity_type_key(recv: &Value) -> Option<u8> {
    dispatch::arity_key(recv)
}

/// Whether method `name` may change `recv` in place other than by
/// appending to a list: the running cell's first such change to a container
/// an earlier cell made saves a copy of it first (`undo`), which
/// [`journal_before_change`] charges.
pub(crate) fn changes_receiver(recv: &Value, name: &str) -> bool {
    dispatch::changes_receiver(recv, name)
}

/// Before the running cell's first change to `recv`, a container an earlier
/// cell made: the journal's copy of it (`undo`: a refcount per key and value,
/// and its buffers) charged, fuel per value and table slot and memory at its size, then
/// made at once, so the change that follows finds it made. Uncharged, a
/// `set.pop()` on 372,084 strings took 12 ms for a few units and a
/// `dict.clear()` held 68 MiB that the budget never saw (issue #77).
///
/// Inline up to the check: a change with nothing to journal (every change
/// after a container's first in a cell: `d[w] = ...` in a loop) costs the
/// stamp's compare, not a call.
#[inline]
pub(crate) fn journal_before_change(meter: &mut crate::meter::Meter, recv: &Value) -> R<()> {
    let pending = match recv {
        Value::List(l) => l.journal_pending(),
        Value::Dict(d) => d.journal_pending(),
        Value::Set(s) => s.journal_pending(),
        Value::Deque(d) => d.journal_pending(),
        _ => false,
    };
    if pending { journal_first_change(meter, recv) } else { Ok(()) }
}

/// [`journal_before_change`] when the container has not been journaled in
/// this cell: its copy charged, then made.
#[cold]
#[inline(never)]
fn journal_first_change(meter: &mut crate::meter::Meter, recv: &Value) -> R<()> {
    use crate::mem::{table_block, vec_block};
    let (values, bytes) = match recv {
        Value::List(l) if l.journal_pending() => {
            let n = l.borrow().len();
            (n, vec_block::<Value>(n))
        }
        Value::Dict(d) if d.journal_pending() => {
            let d = d.borrow();
            let entry = std::mem::size_of::<DictEntry>();
            (d.map.len() * 3, table_block(d.map.capacity(), entry))
        }
        Value::Set(s) if s.journal_pending() => {
            let s = s.borrow();
            (s.len() * 2, table_block(s.capacity(), std::mem::size_of::<SetEntry>()))
        }
        Value::Deque(d) if d.journal_pending() => {
            let n = d.borrow().len();
            (n, vec_block::<Value>(d.borrow().capacity()))
        }
        _ => return Ok(()),
    };
    meter.fuel((values as u64).saturating_mul(crate::cost::FUEL_PER_VALUE_JOURNALED))?;
    meter.alloc(bytes)?;
    match recv {
        Value::List(l) => l.journal_now(),
        Value::Dict(d) => d.journal_now(),
        Value::Set(s) => s.journal_now(),
        Value::Deque(d) => d.journal_now(),
        _ => {}
    }
    Ok(())
}

/// What calling method `name` of `recv` costs (`builtins/cost.rs`): from the
/// `*_COSTS` table beside the receiver type's `*_METHODS`.
pub(crate) fn method_cost(recv: &Value, name: &str) -> Cost {
    if let Some(cost) = dispatch::method_cost(recv, name) {
        return cost;
    }
    let table: CostTable = match recv {
        Value::Native(n) => native_method_costs(n),
        Value::Type(Ty::Str) if name != "maketrans" => {
            // `str.lower(s)`: the receiver is the first argument.
            use crate::cost::Over;
            let c = lookup(str::methods::STR_COSTS, name);
            let over = match c.over {
                Over::Recv => Over::Arg(0),
                Over::Arg(i) => Over::Arg(i.saturating_add(1)),
                Over::All => Over::Args,
                o => o,
            };
            return Cost { over, ..c };
        }
        // `Counter.update(c, ...)`: the counter's own call is charged.
        Value::Type(Ty::Counter) => return FREE,
        Value::Type(_) => native::TYPE_METHOD_COSTS,
        // Host objects' methods are metered.
        _ => return FREE,
    };
    lookup(table, name)
}

pub fn has_method(v: &Value, name: &str) -> bool {
    method_names(v).contains(&name)
}

/// The `AttributeError` for a name `recv` has no attribute or method by,
/// with a hint naming the closest method it has.
pub(crate) fn no_attr<T>(recv: &Value, name: &str) -> R<T> {
    no_attr_among(recv, name, method_names(recv))
}

#[cfg(test)]
mod arity_tests {
    use std::rc::Rc;

    use super::*;

    /// Every generated arity row names a method the DSL really has on that
    /// receiver (else a wrong count would hide an AttributeError).
    #[test]
    fn arity_table_names_existing_methods() {
        let sample = |ty: &str| -> Value {
            let dict = |kind| Value::dict(Dict::with_kind(Map::default(), kind));
            match ty {
                "str" => Value::str("a"),
                "list" => Value::list(vec![]),
                "dict" => dict(DictKind::Plain),
                "Counter" => dict(DictKind::Counter),
                "OrderedDict" => dict(DictKind::Ordered),
                "defaultdict" => dict(DictKind::Default(Value::None)),
                "tuple" => Value::tuple(vec![]),
                "int" => Value::Int(1),
                "float" => Value::Float(1.0),
                "range" => Value::Range(Rc::new((0, 1, 1))),
                _ => Value::None,
            }
        };
        let keyword_rows =
            crate::types::method_arity::METHOD_KEYWORDS.iter().map(|(t, m, ..)| (t, m));
        let arity_rows = crate::types::method_arity::METHOD_ARITY.iter().map(|(t, m, _)| (t, m));
        for (ty, m) in arity_rows.chain(keyword_rows) {
            let v = sample(ty);
            if matches!(v, Value::None) {
                continue;
            }
            assert!(has_method(&v, m), "{ty}.{m} is in the arity table but not a DSL method");
        }
        let sorted = crate::types::method_arity::METHOD_ARITY
            .windows(2)
            .all(|w| (w[0].0, w[0].1) < (w[1].0, w[1].1));
        assert!(sorted, "the arity table must be sorted for binary search");
        let sorted = crate::types::method_arity::METHOD_KEYWORDS
            .windows(2)
            .all(|w| (w[0].0, w[0].1) < (w[1].0, w[1].1));
        assert!(sorted, "the keyword table must be sorted for binary search");
    }
}
