//! What a call costs: the sizes of its values as the cost model counts
//! them, the fuel its declared `Cost` (`crate::cost`) takes for them, and the
//! charge on the meter before the call dispatches (builtins, methods, module
//! functions, operators, slices, host calls). The tables that declare each
//! call's cost are the callers' own (`builtins/cost.rs`, each type's
//! `*_COSTS`, `modules/mod.rs`).

use crate::cost::{
    Cost, CostTable, FUEL_PER_SEQUENCE_REPEAT, HOST_CALL_FUEL, HOST_TEXT, OPERATOR_COSTS, Over,
    fuel_for, lookup,
};
use crate::fault::R;
use crate::meter::Meter;
use crate::value::*;

/// The items and bytes of one value, as costs count them (0 for unsized
/// values): its type's (`PyType::size`), a dict view's as its dict's. A
/// range is as long as it says, though nothing holds its items: one past
/// the collection cap is refused by whatever would materialise it, and
/// counted 0 here (`charged_size`).
#[inline]
pub fn size_of(v: &Value) -> (u64, u64) {
    if let Some(size) = crate::types::dispatch::size(v) {
        return size;
    }
    match v {
        Value::Native(n) => match &**n {
            Native::DictView(_, d) => (d.borrow().map.len() as u64, 0),
            _ => (0, 0),
        },
        _ => (0, 0),
    }
}

/// Values below this many items and bytes cost less than a few
/// instructions under any rate: their calls skip the table. A string,
/// the operand of most sized operators (`s + t`), is read without
/// [`size_of`]'s call.
#[inline(always)]
fn small(v: &Value) -> bool {
    if let Value::Str(s) = v {
        return s.byte_len() < 256;
    }
    let (items, bytes) = size_of(v);
    items < 8 && bytes < 256
}

/// The size of `v` a charge counts: a range past `max_items` (the
/// collection cap) counts nothing, since materialising it is refused at the
/// cap before any work, and walking it lazily is paid per item.
#[inline]
fn charged_size(v: &Value, max_items: u64) -> (u64, u64) {
    match size_of(v) {
        (items, _) if items > max_items && matches!(v, Value::Range(_)) => (0, 0),
        size => size,
    }
}

/// The fuel `cost` charges for a call on `recv` with `args` (ranges longer
/// than `max_items` counted 0).
pub fn call_fuel(cost: Cost, recv: Option<&Value>, args: &[Value], max_items: u64) -> u64 {
    let (mut items, mut bytes) = (0u64, 0u64);
    let mut add = |v: &Value| {
        let (i, b) = charged_size(v, max_items);
        items = items.saturating_add(i);
        bytes = bytes.saturating_add(b);
    };
    match cost.over {
        // Charged inside the implementation as it proceeds.
        Over::Nothing | Over::WorkDone => return 0,
        Over::Recv => recv.into_iter().for_each(&mut add),
        Over::Arg(i) => args.get(i as usize).into_iter().for_each(&mut add),
        Over::Args => args.iter().for_each(&mut add),
        Over::All => recv.into_iter().chain(args).for_each(&mut add),
    }
    fuel_for(cost.rate, items, bytes)
}

/// The fuel of handing one call with `args` and `kwargs` to the host:
/// [`HOST_CALL_FUEL`] and [`HOST_TEXT`] over every item and string the
/// arguments hold, at any depth (a list of chunks, `llm_batch`'s prompts, a
/// subcall's `schema` dict): the host copies, converts or sends all of it.
/// The walk stops as soon as the fuel passes `remaining` (what the program
/// has left), so a value that shares one child many times over (a DAG of
/// dicts, linear to build and exponential to walk) costs the walk no more
/// than the program could pay.
pub fn host_call_fuel(
    args: &[Value],
    kwargs: &[(smol_str::SmolStr, Value)],
    remaining: u64,
) -> u64 {
    let (mut items, mut bytes) = (0u64, 0u64);
    let mut pending: Vec<Value> =
        args.iter().chain(kwargs.iter().map(|(_, v)| v)).cloned().collect();
    let due =
        |items: u64, bytes: u64| HOST_CALL_FUEL.saturating_add(fuel_for(HOST_TEXT, items, bytes));
    while let Some(v) = pending.pop() {
        match &v {
            Value::Str(s) => bytes = bytes.saturating_add(s.byte_len() as u64),
            Value::List(l) => {
                let l = l.borrow();
                items = items.saturating_add(l.len() as u64);
                pending.extend(l.iter().filter(|x| !is_scalar(x)).cloned());
            }
            Value::Tuple(t) => {
                items = items.saturating_add(t.len() as u64);
                pending.extend(t.iter().filter(|x| !is_scalar(x)).cloned());
            }
            Value::Dict(d) => {
                let d = d.borrow();
                items = items.saturating_add(d.map.len() as u64);
                for (k, x) in d.map.iter() {
                    pending.extend([&k.0, x].into_iter().filter(|x| !is_scalar(x)).cloned());
                }
            }
            other => items = items.saturating_add(size_of(other).0),
        }
        let fuel = due(items, bytes);
        if fuel > remaining {
            return fuel;
        }
    }
    due(items, bytes)
}

/// A value with nothing inside to walk.
#[inline]
fn is_scalar(v: &Value) -> bool {
    matches!(v, Value::None | Value::Bool(AlignedBool(_)) | Value::Int(_) | Value::Float(_))
}

/// Charges a call of `name` (from `table`) on `recv` with `args` before
/// it runs. Calls on small values skip the table (one size test per value).
#[inline]
pub(crate) fn charge_call(
    meter: &mut Meter,
    table: CostTable,
    name: &str,
    recv: Option<&Value>,
    args: &[Value],
) -> R<()> {
    charge_with(meter, recv, args, || lookup(table, name))
}

/// The same, with the cost found by `cost` (asked only for a call on a
/// value that is not small). Always inline: two checks on the hot path.
#[inline(always)]
pub(crate) fn charge_with(
    meter: &mut Meter,
    recv: Option<&Value>,
    args: &[Value],
    cost: impl FnOnce() -> Cost,
) -> R<()> {
    if recv.is_none_or(small) && args.iter().all(small) {
        return Ok(());
    }
    let n = call_fuel(cost(), recv, args, meter.limits.max_collection_len as u64);
    meter.fuel(n)
}

/// Charges a binary operator on sized values: `a op b`. A sequence
/// repeated (`s * n`) is charged on the result's length.
/// Inline up to the check of small operands, which charge nothing (`w +
/// "-"`: the call and the two sizes' calls were ~100 instructions).
#[inline]
pub(crate) fn charge_operator(meter: &mut Meter, sym: &str, a: &Value, b: &Value) -> R<()> {
    if sym != "*" && small(a) && small(b) {
        return Ok(());
    }
    charge_sized_operator(meter, sym, a, b)
}

/// [`charge_operator`] past its check of small operands.
fn charge_sized_operator(meter: &mut Meter, sym: &str, a: &Value, b: &Value) -> R<()> {
    let c = lookup(OPERATOR_COSTS, sym);
    let n = if sym == "*" {
        let (seq, times) = match (a, b) {
            (Value::Int(n), s) | (s, Value::Int(n)) => (s, (*n).max(0) as u64),
            (Value::Bool(AlignedBool(n)), s) | (s, Value::Bool(AlignedBool(n))) => (s, *n as u64),
            _ => return Ok(()),
        };
        let (items, bytes) = size_of(seq);
        let (items, bytes) = (items.saturating_mul(times), bytes.saturating_mul(times));
        // A result past its cap is refused by the type, unmade: that
        // error, not the fuel, is the one to report.
        if items > meter.limits.max_collection_len as u64 || bytes > meter.limits.max_str_len as u64
        {
            return Ok(());
        }
        fuel_for(c.rate, items, bytes).saturating_add(FUEL_PER_SEQUENCE_REPEAT)
    } else {
        call_fuel(c, Some(a), std::slice::from_ref(b), meter.limits.max_collection_len as u64)
    };
    meter.fuel(n)
}

/// Charges a slice of `len` items (or characters, of a string) before
/// it is copied.
#[inline]
pub(crate) fn charge_slice(meter: &mut Meter, of_str: bool, len: usize) -> R<()> {
    if len < 8 || (of_str && len < 256) {
        return Ok(());
    }
    let rate = crate::cost::SLICE_COST.rate;
    let n = if of_str { fuel_for(rate, 0, len as u64) } else { fuel_for(rate, len as u64, 0) };
    meter.fuel(n)
}

#[cfg(test)]
mod tests {
    use super::size_of;
    use crate::value::Value;

    /// Each type's size as costs count it (`PyType::size`, a dict view's
    /// here): items for containers and ranges, bytes for strings, nothing
    /// for numbers.
    #[test]
    fn each_type_states_its_size() {
        let mut s = crate::Interpreter::default();
        let _ = s.run_cell(
            "import collections\n\
             s = 'héllo'\nl = [1, 2, 3]\nt = (1, 2)\nd = {1: 2, 3: 4}\nst = {1}\n\
             fs = frozenset([1, 2, 3, 4])\ndq = collections.deque([1] * 5)\n\
             r = range(0, 10, 3)\nk = d.keys()\ni = 7\nf = 1.5",
        );
        let size = |name: &str| size_of(&s.get_global(name).unwrap_or(Value::None));
        assert_eq!(size("s"), (0, 6));
        assert_eq!(size("l"), (3, 0));
        assert_eq!(size("t"), (2, 0));
        assert_eq!(size("d"), (2, 0));
        assert_eq!(size("st"), (1, 0));
        assert_eq!(size("fs"), (4, 0));
        assert_eq!(size("dq"), (5, 0));
        assert_eq!(size("r"), (4, 0));
        assert_eq!(size("k"), (2, 0));
        assert_eq!(size("i"), (0, 0));
        assert_eq!(size("f"), (0, 0));
    }
}
