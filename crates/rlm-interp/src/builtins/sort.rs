//! The one sort behind `sorted`, `list.sort`, `json.dumps(sort_keys=True)`
//! and `dir()`: stable, in CPython's comparison order (always `later <
//! earlier`, so that errors on mixed types name the operands as CPython
//! does), with `key`, `reverse` and `functools.cmp_to_key`.
//!
//! Keys that are all ints, or all strings, cannot fail to compare nor call
//! back into the program, so any stable sort gives CPython's order: those
//! take the standard library's sort over the keys themselves. Everything
//! else takes CPython's own algorithm (`timsort.rs`), comparison for
//! comparison, whose comparisons may fail, be inconsistent (`nan`) or run
//! program code (a `cmp_to_key` function).

use rlm_syntax::ast::CmpOp;

use crate::builtins::timsort::timsort;
use crate::callbacks::Callbacks;
use crate::charged::charge_scratch;
use crate::fault::R;
use crate::value::*;

/// `list.sort()`, as CPython does it: the list is empty while it is
/// sorted (a key function sees it empty), gets its sorted items back
/// (its items unchanged if the sort failed), and a change made meanwhile
/// is discarded with `ValueError: list modified during sort`.
pub(crate) fn sort_list<C: Callbacks + ?Sized>(
    cx: &mut C,
    l: &std::rc::Rc<ListObj>,
    key: Option<&Value>,
    reverse: bool,
) -> R<()> {
    let mut items = std::mem::take(&mut *l.borrow_mut());
    let sorted = sort_values(cx, &mut items, key, reverse);
    let meanwhile = std::mem::replace(&mut *l.borrow_mut(), items);
    let modified = !meanwhile.is_empty();
    drop(meanwhile);
    sorted?;
    if modified {
        return crate::fault::value_err("list modified during sort");
    }
    Ok(())
}

pub(crate) fn sort_values<C: Callbacks + ?Sized>(
    cx: &mut C,
    items: &mut [Value],
    key: Option<&Value>,
    reverse: bool,
) -> R<()> {
    // functools.cmp_to_key(f): compare with f(a, b) < 0.
    let cmp_fn = match key {
        Some(Value::Native(n)) => match n.module::<crate::modules::functools::Partial>() {
            Some(p) if matches!(&p.func, Value::Builtin(b) if b.name == "_cmp_key") => {
                p.args.first().cloned()
            }
            _ => None,
        },
        _ => None,
    };
    let key = if cmp_fn.is_some() { None } else { key };
    let computed: Vec<Value>;
    let scratch;
    let keys: &[Value] = match key {
        Some(k) if !matches!(k, Value::None) => {
            scratch = charge_sort(cx, items.len(), true)?;
            let mut ks = Vec::with_capacity(items.len());
            // `key=len` (common: longest first) reads each length where
            // `len` would, without an argument vector and a call per item.
            let by_len = crate::builtins::iteration::is_builtin_len(k);
            for it in items.iter() {
                let fast = if by_len { crate::builtins::iteration::len_fast(it) } else { None };
                ks.push(match fast {
                    Some(n) => Value::Int(n),
                    None => cx.call_value(k, vec![it.clone()], Vec::new())?,
                });
            }
            computed = ks;
            &computed
        }
        _ => {
            scratch = charge_sort(cx, items.len(), false)?;
            items
        }
    };
    let (idx, sorted) = order_of(cx, keys, cmp_fn.as_ref(), reverse)?;
    drop(scratch);
    // A failed comparison leaves the items as far as the sort got, every
    // one of them there (CPython's `list.sort` leaves its list so).
    let mut old: Vec<Option<Value>> =
        items.iter_mut().map(|v| Some(std::mem::replace(v, Value::None))).collect();
    for (slot, &i) in items.iter_mut().zip(&idx) {
        *slot = old.get_mut(i).and_then(Option::take).unwrap_or(Value::None);
    }
    sorted
}

/// The fuel and scratch memory of a sort of `n` items, charged first:
/// about n log2 n comparisons whichever sort runs (a native sort of ints
/// or strings costs a few nanoseconds each); the general sort's
/// comparisons, which dispatch on the values' types, pay again as they run
/// (`MERGE_COMPARE_FUEL`).
pub(crate) fn charge_sort<C: Callbacks + ?Sized>(
    cx: &mut C,
    n: usize,
    keyed: bool,
) -> R<crate::charged::ScratchCharge> {
    let rounds = u64::from(u64::BITS - (n as u64).leading_zeros());
    cx.meter().fuel((n as u64).saturating_mul(2 + rounds))?;
    // The index, the merge's buffer, the native sort's records and the
    // standard sort's buffer of them, the reordering vector, and the
    // computed keys if any.
    let per_item = 2 * size_of::<usize>()
        + 2 * size_of::<StrSortKey>().max(size_of::<(i64, u32)>())
        + size_of::<Option<Value>>()
        + if keyed { size_of::<Value>() } else { 0 };
    charge_scratch(cx.meter(), crate::mem::block(n.saturating_mul(per_item)))
}

/// The order `sorted(keys, reverse=reverse)` puts the keys in (through the
/// `cmp_to_key` function `cmp` if given), as indices into `keys`, and
/// whether the sort ended without an error: after an error the order is
/// as far as the sort got, a permutation still.
pub(crate) fn order_of<C: Callbacks + ?Sized>(
    cx: &mut C,
    keys: &[Value],
    cmp: Option<&Value>,
    reverse: bool,
) -> R<(Vec<usize>, R<()>)> {
    // A reverse sort reverses before and after, as CPython does, so that
    // equal keys keep their order.
    let mut idx: Vec<usize> = (0..keys.len()).collect();
    if reverse {
        idx.reverse();
    }
    let sorted = if cmp.is_none() && sort_native(cx, &mut idx, keys)? {
        Ok(())
    } else {
        // Held where the collector sees it while program code runs.
        cx.hold_sort_cmp(cmp.cloned());
        let r = timsort(&mut idx, |x, y| sort_lt(cx, &keys[x], &keys[y], cmp));
        cx.hold_sort_cmp(None);
        r
    };
    if reverse {
        idx.reverse();
    }
    Ok((idx, sorted))
}

/// Sorts `idx` by `keys` when every key is an int or every key is a
/// string (then no comparison can fail); false when they are not.
///
/// The standard library's stable sort runs over small records, one per
/// key in `idx`'s order, each holding the key's item index and the key
/// itself (an int), or a string's first 8 bytes as a big-endian number:
/// most comparisons then read no string and follow no index.
fn sort_native<C: Callbacks + ?Sized>(cx: &mut C, idx: &mut [usize], keys: &[Value]) -> R<bool> {
    if u32::try_from(idx.len()).is_err() {
        return Ok(false);
    }
    if keys.iter().all(|k| matches!(k, Value::Int(_))) {
        let int = |i: usize| if let Some(Value::Int(x)) = keys.get(i) { *x } else { 0 };
        let mut recs: Vec<(i64, u32)> = idx.iter().map(|&i| (int(i), i as u32)).collect();
        recs.sort_by_key(|r| r.0);
        for (slot, r) in idx.iter_mut().zip(&recs) {
            *slot = r.1 as usize;
        }
        return Ok(true);
    }
    if keys.iter().all(|k| matches!(k, Value::Str(_))) {
        let text = |i: u32| keys.get(i as usize).and_then(Value::as_str).map_or("", Str::as_str);
        // What the comparisons walk, charged first: each key takes part
        // in about log2(n) comparisons, one fuel unit per 64 bytes (as a
        // single comparison charges).
        let bytes: usize = keys.iter().map(|k| k.as_str().map_or(0, Str::byte_len)).sum();
        let rounds = u64::from(usize::BITS - idx.len().leading_zeros());
        cx.meter().fuel((bytes / 64) as u64 * rounds)?;
        let mut recs: Vec<StrSortKey> =
            idx.iter().map(|&i| StrSortKey::new(text(i as u32), i as u32)).collect();
        // Byte order of UTF-8 is code-point order, Python's string order.
        recs.sort_by(|a, b| {
            a.prefix.cmp(&b.prefix).then_with(|| {
                if a.len <= 8 && b.len <= 8 {
                    // Equal padded prefixes of two strings of at most 8
                    // bytes: the shorter is a prefix of the other.
                    a.len.cmp(&b.len)
                } else {
                    let (x, y) = (text(a.item).as_bytes(), text(b.item).as_bytes());
                    x[8.min(x.len())..].cmp(&y[8.min(y.len())..])
                }
            })
        });
        for (slot, r) in idx.iter_mut().zip(&recs) {
            *slot = r.item as usize;
        }
        return Ok(true);
    }
    Ok(false)
}

/// `a < b` for the sort: through the `cmp_to_key` function if there is one.
fn sort_lt<C: Callbacks + ?Sized>(
    cx: &mut C,
    a: &Value,
    b: &Value,
    cmp: Option<&Value>,
) -> R<bool> {
    cx.meter().fuel(MERGE_COMPARE_FUEL)?;
    match cmp {
        Some(f) => {
            let r = cx.call_value(f, vec![a.clone(), b.clone()], Vec::new())?;
            cx.compare(CmpOp::Lt, &r, &Value::Int(0))
        }
        None => cx.compare(CmpOp::Lt, a, b),
    }
}

/// Fuel for each comparison of the general sort (besides what `compare`
/// charges for the values it walks): a comparison there dispatches on both
/// values' types, tens of nanoseconds (docs/benchmarks/2026-11-24-issue-33-fuel-cost-table.md,
/// "Fuel cost table and calibration", 2026-11-24); at 4, a `sorted(d.items())` loop still took
/// 1.09 s on a quiet machine.
const MERGE_COMPARE_FUEL: u64 = 6;

/// A string key as the native sort compares it: its first 8 bytes (zero
/// padded) as a big-endian number, its byte length (saturated), and the
/// index of its item: 16 bytes.
struct StrSortKey {
    prefix: u64,
    len: u32,
    item: u32,
}

impl StrSortKey {
    fn new(text: &str, item: u32) -> StrSortKey {
        let bytes = text.as_bytes();
        let mut head = [0u8; 8];
        let n = bytes.len().min(8);
        head[..n].copy_from_slice(&bytes[..n]);
        StrSortKey {
            prefix: u64::from_be_bytes(head),
            len: u32::try_from(bytes.len()).unwrap_or(u32::MAX),
            item,
        }
    }
}
