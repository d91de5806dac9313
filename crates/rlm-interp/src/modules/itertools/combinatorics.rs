//! `combinations`, `combinations_with_replacement`, `permutations` and
//! `product`: the result is sized (checked arithmetic) and charged before
//! any tuple is built.

use crate::args::{Kwargs, as_int, kw};
use crate::callbacks::Callbacks;
use crate::fault::{R, exc, type_err};
use crate::modules::itertools::items_iter;
use crate::value::*;

/// C(n, r), `None` when it does not fit in a u128.
fn binomial(n: usize, r: usize) -> Option<u128> {
    if r > n {
        return Some(0);
    }
    let r = r.min(n - r) as u128;
    let n = n as u128;
    let mut acc: u128 = 1;
    for i in 0..r {
        // acc * (n - i) is divisible by (i + 1) after the multiplication.
        acc = acc.checked_mul(n - i)? / (i + 1);
    }
    Some(acc)
}

/// n * (n-1) * ... * (n-r+1), `None` when it does not fit in a u128.
fn falling_factorial(n: usize, r: usize) -> Option<u128> {
    if r > n {
        return Some(0);
    }
    (0..r as u128).try_fold(1u128, |acc, i| acc.checked_mul(n as u128 - i))
}

/// Charge the collection cap, fuel and memory for `count` tuples of `width`
/// items before building them (`None`: too many to count).
fn charge_tuples<C: Callbacks + ?Sized>(cx: &mut C, count: Option<u128>, width: usize) -> R<()> {
    let n = count.and_then(|c| usize::try_from(c).ok()).unwrap_or(usize::MAX);
    cx.meter().check_len(n)?;
    let items = n.saturating_mul(width.max(1));
    cx.meter().fuel(items as u64)?;
    // A tuple: its header plus 16 bytes per item (as `measure_live` counts).
    cx.meter().alloc(n.saturating_mul(40).saturating_add(items.saturating_mul(16)))
}

pub(super) fn call<C: Callbacks + ?Sized>(
    cx: &mut C,
    name: &str,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    let cap = cx.meter().limits.max_collection_len;
    match name {
        "combinations" | "combinations_with_replacement" | "permutations" => {
            let pool = cx.iterate(args.first().unwrap_or(&Value::None))?;
            let n = pool.len();
            let r = match args.get(1).or_else(|| kw(&kwargs, "r")) {
                Some(v) => as_int(v).unwrap_or(0).max(0) as usize,
                None if name == "permutations" => n,
                None => return type_err(format!("{name}() missing required argument 'r' (pos 2)")),
            };
            // Size the result first (checked arithmetic: 20! or C(10**5, 50)
            // overflows) and charge it before generating anything.
            let count = match name {
                "combinations" => binomial(n, r),
                "combinations_with_replacement" if n == 0 => Some(u128::from(r == 0)),
                "combinations_with_replacement" => binomial(n + r - 1, r),
                _ => falling_factorial(n, r),
            };
            charge_tuples(cx, count, r)?;
            if count == Some(0) {
                return Ok(items_iter(Vec::new()));
            }
            let mut out = Vec::new();
            let mut idx: Vec<usize> = Vec::new();
            // Iterative generation in lexicographic index order (as CPython).
            fn push(out: &mut Vec<Value>, pool: &[Value], idx: &[usize]) {
                out.push(Value::tuple(idx.iter().map(|&i| pool[i].clone()).collect()));
            }
            let mut stack: Vec<usize> = vec![0];
            while let Some(top) = stack.last_mut() {
                if idx.len() == r {
                    push(&mut out, &pool, &idx);
                    cx.meter().fuel(1)?;
                    if out.len() > cap {
                        cx.meter().check_len(out.len())?;
                    }
                    stack.pop();
                    idx.pop();
                    continue;
                }
                let cand = *top;
                if cand >= n {
                    stack.pop();
                    idx.pop();
                    continue;
                }
                *top += 1;
                let ok = match name {
                    "permutations" => !idx.contains(&cand),
                    _ => true,
                };
                if !ok {
                    continue;
                }
                idx.push(cand);
                let next_start = match name {
                    "combinations" => cand + 1,
                    "combinations_with_replacement" => cand,
                    _ => 0,
                };
                stack.push(next_start);
            }
            Ok(items_iter(out))
        }
        "product" => {
            let repeat = kw(&kwargs, "repeat").and_then(as_int).unwrap_or(1).max(0) as usize;
            let mut pools = Vec::new();
            for a in &args {
                pools.push(cx.iterate(a)?);
            }
            // Size the result before repeating the pools or building tuples.
            let width = pools.len().checked_mul(repeat);
            let mut count: Option<u128> = Some(1);
            for p in &pools {
                let len = p.len() as u128;
                if len == 0 && repeat > 0 {
                    count = Some(0);
                    break;
                }
                if len == 1 {
                    continue;
                }
                count = count.and_then(|c| {
                    (0..repeat).try_fold(c, |acc, _| acc.checked_mul(len).filter(|&x| x <= 1 << 64))
                });
            }
            match width {
                Some(w) if count == Some(0) => charge_tuples(cx, Some(0), w)?,
                Some(w) => charge_tuples(cx, count, w)?,
                None => charge_tuples(cx, None, usize::MAX)?,
            }
            if count == Some(0) {
                return Ok(items_iter(Vec::new()));
            }
            let pools: Vec<Vec<Value>> = (0..repeat).flat_map(|_| pools.iter().cloned()).collect();
            let mut result: Vec<Vec<Value>> = vec![Vec::new()];
            for p in &pools {
                let mut next = Vec::new();
                for r in &result {
                    for x in p {
                        let mut t = r.clone();
                        t.push(x.clone());
                        next.push(t);
                    }
                }
                cx.meter().check_len(next.len())?;
                result = next;
            }
            Ok(items_iter(result.into_iter().map(Value::tuple).collect()))
        }
        _ => exc(ExcKind::AttributeError, format!("module 'itertools' has no attribute '{name}'")),
    }
}
