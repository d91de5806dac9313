//! The value types, one file (or folder) each: its storage, methods,
//! operators, indexing, `repr` and constructor. Generic walks over all values
//! (comparison, iteration, attributes, the operator dispatch) are in `vm/`
//! and call into these files; `repr` is walked by `format/repr.rs`.
//!
//! This file dispatches a method call on a built-in value to its type, after
//! checking the argument count and keywords against CPython's own errors
//! (`method_arity.rs`, generated). Adding a method to a type touches its
//! file: the name in its `*_METHODS` table (which `dir()`, `hasattr` and the
//! generator read) and an arm in its dispatcher.

pub(crate) mod deque;
pub(crate) mod dict;
pub(crate) mod equality;
pub(crate) mod exception;
pub(crate) mod exception_group;
pub(crate) mod float;
pub(crate) mod host_object;
pub(crate) mod int;
pub(crate) mod iter;
pub(crate) mod list;
pub(crate) mod method_arity;
pub(crate) mod native;
pub(crate) mod range;
pub(crate) mod set;
pub(crate) mod slice;
pub(crate) mod str;
pub(crate) mod stringio;
pub(crate) mod tuple;
pub(crate) mod type_obj;

use crate::args::Kwargs;
use crate::cost::{Cost, CostTable, FREE, find, lookup};
use crate::fault::{Fault, R};
use crate::types::exception::suggest;
use crate::types::native::{native_method_costs, native_method_names};
use crate::value::*;

pub fn method_names(v: &Value) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = match v {
        Value::Str(_) => str::methods::STR_METHODS.to_vec(),
        Value::List(_) => list::LIST_METHODS.to_vec(),
        Value::Dict(d) => {
            let mut m = dict::DICT_METHODS.to_vec();
            match d.borrow().kind {
                DictKind::Counter => m.extend(dict::counter::COUNTER_METHODS),
                DictKind::Ordered => m.extend(dict::ordered::ORDERED_METHODS),
                _ => {}
            }
            m
        }
        Value::Set(_) => set::SET_METHODS.to_vec(),
        Value::FrozenSet(_) => {
            set::SET_METHODS.iter().copied().filter(|m| !set::SET_MUTATORS.contains(m)).collect()
        }
        Value::Tuple(_) => tuple::TUPLE_METHODS.to_vec(),
        Value::Deque(_) => deque::DEQUE_METHODS.to_vec(),
        Value::Int(_) | Value::Bool(_) => int::INT_METHODS.to_vec(),
        Value::Range(_) => vec!["count", "index"],
        Value::Float(_) => float::FLOAT_METHODS.to_vec(),
        Value::Native(n) => native_method_names(n).to_vec(),
        Value::Exc(e) if exception_group::is_group(e) => exception_group::GROUP_METHODS.to_vec(),
        Value::Type(Ty::Dict) => vec!["fromkeys"],
        Value::Type(Ty::Float) => vec!["fromhex"],
        Value::Type(Ty::Counter) => vec!["update", "subtract"],
        Value::Type(Ty::Str) => vec!["maketrans", "join", "lower", "upper", "strip", "split"],
        _ => Vec::new(),
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
    use crate::types::method_arity::*;
    Some(match recv {
        Value::Str(_) => TY_STR,
        Value::List(_) => TY_LIST,
        Value::Dict(d) => match d.borrow().kind {
            DictKind::Plain => TY_DICT,
            DictKind::Counter => TY_COUNTER,
            DictKind::Ordered => TY_ORDERED_DICT,
            DictKind::Default(_) => TY_DEFAULTDICT,
        },
        Value::Set(_) => TY_SET,
        Value::FrozenSet(_) => TY_FROZENSET,
        Value::Tuple(_) => TY_TUPLE,
        Value::Deque(_) => TY_DEQUE,
        Value::Int(_) | Value::Bool(_) => TY_INT,
        Value::Float(_) => TY_FLOAT,
        Value::Range(_) => TY_RANGE,
        _ => return None,
    })
}

/// Whether method `name` may change `recv` in place other than by
/// appending to a list: the running cell's first such change to a container
/// an earlier cell made saves a copy of it first (`undo`), which
/// [`journal_before_change`] charges.
pub(crate) fn changes_receiver(recv: &Value, name: &str) -> bool {
    match recv {
        Value::List(_) => list::LIST_CHANGES.contains(&name),
        Value::Dict(_) => dict::DICT_CHANGES.contains(&name),
        Value::Set(_) => set::SET_MUTATORS.contains(&name),
        Value::Deque(_) => deque::DEQUE_CHANGES.contains(&name),
        _ => false,
    }
}

/// Before a `clear()` of the container at `addr`: [`crate::cost::FUEL_PER_VALUE_RELEASED`]
/// for each of `values` held by reference, the ones whose release takes
/// time, and for what releasing them frees with them ([`ReleaseWalk`]): a
/// value held only there is freed, and so is each value held only inside
/// it. A container the running cell journaled (`undo`) is held by its
/// saved copy too, which is dropped at the cell's end: a value held by
/// the two is freed then, and charged now.
pub(crate) fn charge_release<'a>(
    meter: &mut crate::meter::Meter,
    addr: usize,
    values: impl Iterator<Item = &'a Value>,
) -> R<()> {
    let copied = meter.session.journal.try_borrow().is_ok_and(|j| {
        j.saved.get(&addr).is_some_and(|s| !matches!(s, crate::undo::Saved::ListLen(_)))
    });
    let owners = 1 + copied as usize;
    let mut walk = ReleaseWalk::default();
    for v in values {
        if matches!(v, Value::None | Value::Bool(_) | Value::Int(_) | Value::Float(_)) {
            continue;
        }
        walk.top += 1;
        if is_container(v) && box_owners(v) <= owners {
            walk.stack.push((v.clone(), 0));
            walk.run(meter)?;
        }
        if walk.top >= RELEASE_BLOCK {
            walk.charge(meter)?;
        }
    }
    walk.charge(meter)
}

/// Values a [`ReleaseWalk`] counts between two charges.
const RELEASE_BLOCK: u64 = 1024;

/// What dropping some values frees, counted before they are dropped and
/// charged a block at a time as it is counted (so that a walk over more
/// than the fuel left stops early): the values held by reference
/// (`top`), the values freed inside them (`nested`: a box no other value
/// holds, a container's, a string's), and the items those freed
/// containers let go of (`items`: a count lowered, or nothing). Without
/// recursion: a stack of the containers being read, each with where it
/// is at (one per level of nesting still to be read; a container's last
/// item replaces it, so a chain `x = [x]` takes one).
#[derive(Default)]
struct ReleaseWalk {
    stack: Vec<(Value, usize)>,
    top: u64,
    nested: u64,
    items: u64,
}

impl ReleaseWalk {
    /// Charges what was counted since the last charge.
    fn charge(&mut self, meter: &mut crate::meter::Meter) -> R<()> {
        use crate::cost::{FUEL_PER_ITEM_RELEASED, FUEL_PER_VALUE_RELEASED};
        let fuel = (self.top.saturating_add(self.nested))
            .saturating_mul(FUEL_PER_VALUE_RELEASED)
            .saturating_add(self.items.saturating_mul(FUEL_PER_ITEM_RELEASED));
        self.top = 0;
        self.nested = 0;
        self.items = 0;
        meter.fuel(fuel)
    }

    /// Reads the containers on the stack (and those freed inside them)
    /// to the end, charging each block counted.
    fn run(&mut self, meter: &mut crate::meter::Meter) -> R<()> {
        while let Some((v, at)) = self.stack.pop() {
            // A dict's entry is two positions, its key's and its value's.
            let (child, resume) = match &v {
                Value::List(l) => self.scan(l.borrow()[at..].iter(), at),
                Value::Tuple(t) => self.scan(t[at..].iter(), at),
                Value::Deque(d) => self.scan(d.borrow().range(at..), at),
                Value::Set(s) => {
                    self.scan(s.borrow().get_range(at..).into_iter().flatten().map(|k| &k.0), at)
                }
                Value::FrozenSet(s) => {
                    self.scan(s.get_range(at..).into_iter().flatten().map(|k| &k.0), at)
                }
                Value::Dict(d) => self.scan(
                    d.borrow()
                        .map
                        .get_range(at / 2..)
                        .into_iter()
                        .flatten()
                        .flat_map(|(k, v)| [&k.0, v])
                        .skip(at % 2),
                    at,
                ),
                _ => (None, None),
            };
            if let Some(resume) = resume {
                self.stack.push((v, resume));
            }
            if let Some(child) = child {
                self.stack.push((child, 0));
            }
            if self.nested + self.items >= RELEASE_BLOCK {
                self.charge(meter)?;
            }
        }
        Ok(())
    }

    /// Counts the values of a container being freed from position `at`
    /// until one is a container freed with it: returns that one, to read
    /// next, and where to resume this one after it (`None` when nothing
    /// is left). At most a block at a time: it also stops to resume after
    /// [`RELEASE_BLOCK`] values.
    fn scan<'a>(
        &mut self,
        values: impl Iterator<Item = &'a Value>,
        at: usize,
    ) -> (Option<Value>, Option<usize>) {
        let mut values = values.peekable();
        let mut i = at;
        while let Some(x) = values.next() {
            i += 1;
            self.items += 1;
            let more = values.peek().is_some();
            if sole_owner(x) {
                self.nested += 1;
                if is_container(x) {
                    return (Some(x.clone()), more.then_some(i));
                }
            }
            if i - at >= RELEASE_BLOCK as usize && more {
                return (None, Some(i));
            }
        }
        (None, None)
    }
}

/// Whether `v` holds other values in a box of its own (so that freeing it
/// releases them).
fn is_container(v: &Value) -> bool {
    matches!(
        v,
        Value::List(_)
            | Value::Tuple(_)
            | Value::Dict(_)
            | Value::Set(_)
            | Value::FrozenSet(_)
            | Value::Deque(_)
    )
}

/// How many handles hold `v`'s box (a string's or a container's; the
/// most for any other value).
fn box_owners(v: &Value) -> usize {
    use std::rc::Rc;
    match v {
        Value::Str(s) => s.owners(),
        Value::List(r) => Rc::strong_count(r),
        Value::Tuple(r) => Rc::strong_count(r),
        Value::Dict(r) => Rc::strong_count(r),
        Value::Set(r) => Rc::strong_count(r),
        Value::FrozenSet(r) => Rc::strong_count(r),
        Value::Deque(r) => Rc::strong_count(r),
        _ => usize::MAX,
    }
}

/// Whether releasing this handle of `v` frees its box (no other value
/// holds it): a string's or a container's.
fn sole_owner(v: &Value) -> bool {
    box_owners(v) == 1
}

/// Before the running cell's first change to `recv`, a container an earlier
/// cell made: the journal's copy of it (`undo`: a refcount per key and value,
/// and its buffers) charged, fuel per value and table slot and memory at its size, then
/// made at once, so the change that follows finds it made. Uncharged, a
/// `set.pop()` on 372,084 strings took 12 ms for a few units and a
/// `dict.clear()` held 68 MiB that the budget never saw (issue #77).
pub(crate) fn journal_before_change(meter: &mut crate::meter::Meter, recv: &Value) -> R<()> {
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
    let table: CostTable = match recv {
        Value::Str(_) => str::methods::STR_COSTS,
        Value::List(_) => list::LIST_COSTS,
        Value::Dict(d) => {
            let extra = match d.borrow().kind {
                DictKind::Counter => dict::counter::COUNTER_COSTS,
                DictKind::Ordered => dict::ordered::ORDERED_COSTS,
                _ => &[],
            };
            if let Some(c) = find(extra, name) {
                return c;
            }
            dict::DICT_COSTS
        }
        Value::Set(_) | Value::FrozenSet(_) => set::SET_COSTS,
        Value::Tuple(_) => tuple::TUPLE_COSTS,
        Value::Deque(_) => deque::DEQUE_COSTS,
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
        // Numbers' methods are bounded; host objects' are metered.
        _ => return FREE,
    };
    lookup(table, name)
}

pub fn has_method(v: &Value, name: &str) -> bool {
    method_names(v).contains(&name)
}

/// A type name as CPython's argument errors spell it (`datetime.time`).
pub(crate) fn qualified_type_name(v: &Value) -> String {
    match v {
        Value::Native(n) => match &**n {
            Native::Module(m) => match m.qualified_module() {
                Some(module) => format!("{module}.{}", v.type_name()),
                None => v.type_name().to_string(),
            },
            _ => v.type_name().to_string(),
        },
        _ => v.type_name().to_string(),
    }
}

/// The `AttributeError` for a name `recv` has no attribute or method by,
/// with a hint naming the closest method it has.
pub(crate) fn no_attr<T>(recv: &Value, name: &str) -> R<T> {
    let e = Exception::new(
        ExcKind::AttributeError,
        format!("'{}' object has no attribute '{name}'", qualified_type_name(recv)),
    );
    Err(Fault::Exc(e.with_hint(suggest(name, method_names(recv)))))
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
