//! The elements of a set-like value (a set, a frozenset, a dict's keys or
//! items view), their order as subsets (`<` on sets), and the order CPython
//! iterates a set in.

use rlm_syntax::ast::CmpOp;

use crate::args::as_int;
use crate::fault::R;
use crate::meter::Meter;
use crate::value::*;

/// `a op b` for two set-likes (sets, frozensets, a dict's keys or items
/// views) as subset relations, charged a unit an element; `None` when
/// either is no set-like whose elements are all hashable (the machine's
/// `TypeError`).
pub(crate) fn subset_order(meter: &mut Meter, op: CmpOp, a: &Value, b: &Value) -> Option<R<bool>> {
    // Copying the elements is only worth it for two set-likes.
    if !(crate::types::equality::is_set_like(a) && crate::types::equality::is_set_like(b)) {
        return None;
    }
    let (Some(x), Some(y)) = (set_items(a), set_items(b)) else { return None };
    if let Err(e) = meter.fuel((x.len() + y.len()) as u64) {
        return Some(Err(e));
    }
    let sub = x.iter().all(|k| y.contains(k));
    let sup = y.iter().all(|k| x.contains(k));
    Some(Ok(match op {
        CmpOp::Lt => sub && x.len() < y.len(),
        CmpOp::LtE => sub,
        CmpOp::Gt => sup && x.len() > y.len(),
        _ => sup,
    }))
}

pub fn set_items(v: &Value) -> Option<KeySet> {
    match v {
        Value::Set(s) => Some(s.borrow().clone()),
        Value::FrozenSet(s) => Some((**s).clone()),
        Value::Native(n) => match &**n {
            Native::DictView(0, d) => Some(d.borrow().map.keys().cloned().collect()),
            Native::DictView(2, d) => {
                let items = d.borrow().view_items(2);
                // Items are (key, value) tuples: hashable only when the values are.
                if items.iter().all(|t| match t {
                    Value::Tuple(p) => {
                        !matches!(p[1], Value::List(_) | Value::Dict(_) | Value::Set(_))
                    }
                    _ => false,
                }) {
                    Some(items.into_iter().map(Key).collect())
                } else {
                    None
                }
            }
            _ => None,
        },
        _ => None,
    }
}

/// Iteration order of a set. For sets of ints CPython's order follows the
/// hash table (hash(i) == i), which programs print; we simulate CPython's
/// table (growth policy and probing) to reproduce it. Other sets keep
/// insertion order (CPython's string order is randomised per process).
pub fn set_order(s: &KeySet) -> Vec<Value> {
    let items: Vec<Value> = s.iter().map(|k| k.0.clone()).collect();
    let hashes: Option<Vec<u64>> = items
        .iter()
        .map(|v| as_int(v).map(|i| if i == -1 { -2i64 as u64 } else { i as u64 }))
        .collect();
    let Some(hashes) = hashes else { return items };
    if items.len() > 100_000 {
        return items;
    }
    fn insert(table: &mut [Option<usize>], hashes: &[u64], idx: usize) {
        let mask = table.len() - 1;
        let hash = hashes[idx];
        let mut perturb = hash;
        let mut i = (hash as usize) & mask;
        loop {
            let probes = if i + 9 <= mask { 9 } else { 0 };
            for j in 0..=probes {
                if table[i + j].is_none() {
                    table[i + j] = Some(idx);
                    return;
                }
            }
            perturb >>= 5;
            i = (i.wrapping_mul(5).wrapping_add(1).wrapping_add(perturb as usize)) & mask;
        }
    }
    let mut table: Vec<Option<usize>> = vec![None; 8];
    let mut used = 0usize;
    for idx in 0..items.len() {
        insert(&mut table, &hashes, idx);
        used += 1;
        let mask = table.len() - 1;
        if used * 5 >= mask * 3 {
            let minused = if used > 50_000 { used * 2 } else { used * 4 };
            let mut newsize = 8;
            while newsize <= minused {
                newsize <<= 1;
            }
            let old = std::mem::replace(&mut table, vec![None; newsize]);
            for e in old.into_iter().flatten() {
                insert(&mut table, &hashes, e);
            }
        }
    }
    table.into_iter().flatten().map(|i| items[i].clone()).collect()
}
