//! `Counter.most_common(n)` as CPython's `collections` writes it:
//! `sorted(self.items(), key=itemgetter(1), reverse=True)` without `n`,
//! else `heapq.nlargest(n, self.items(), key=itemgetter(1))`: `max` for
//! one, the sort when `n` covers every item, and otherwise the heap of
//! `(count, order, item)` tuples (`_heapq.c`'s `heapify`, with its
//! cache-friendly order past 2,500 items, and `heapreplace`), sorted at the
//! end. The same comparisons as CPython's, so counts that do not order
//! (`nan`) or are not numbers give CPython's result or error.

use rlm_syntax::ast::CmpOp;

use crate::callbacks::Callbacks;
use crate::fault::{R, type_err};
use crate::value::*;

/// The items, `(key, count)` pairs, in dict order.
pub(crate) fn most_common<C: Callbacks + ?Sized>(
    cx: &mut C,
    items: Vec<(Value, Value)>,
    n: Option<&Value>,
) -> R<Value> {
    let size = items.len();
    let n = match n {
        None | Some(Value::None) => {
            if let Some(all) = int_counts_largest(cx, &items, size)? {
                return Ok(all);
            }
            return sorted_desc(cx, items, size);
        }
        Some(Value::Int(n)) => *n,
        Some(Value::Bool(AlignedBool(b))) => i64::from(*b),
        Some(Value::Float(f)) if *f == 1.0 => 1,
        Some(Value::Float(f)) if *f >= size as f64 => {
            return type_err("slice indices must be integers or None or have an __index__ method");
        }
        Some(Value::Float(_)) => {
            return type_err("'float' object cannot be interpreted as an integer");
        }
        Some(other) => {
            return type_err(format!(
                "'>=' not supported between instances of '{}' and 'int'",
                other.type_name()
            ));
        }
    };
    if let Some(top) = int_counts_largest(cx, &items, n.max(0) as usize)? {
        return Ok(top);
    }
    if n == 1 {
        return largest(cx, items);
    }
    if n >= size as i64 {
        return sorted_desc(cx, items, n as usize);
    }
    if n <= 0 {
        return Ok(Value::list(Vec::new()));
    }
    heap_largest(cx, items, n as usize)
}

/// The `n` largest when every count is an int (the common case): a total
/// order whose comparisons call nothing, so the heap, the `max` and the sort
/// all give the stable order by count, larger first, which a selection and
/// a sort of `(count, index)` give without a call a comparison. `None` when
/// a count is not an int.
fn int_counts_largest<C: Callbacks + ?Sized>(
    cx: &mut C,
    items: &[(Value, Value)],
    n: usize,
) -> R<Option<Value>> {
    let mut ranked: Vec<(i64, usize)> = Vec::with_capacity(items.len());
    for (i, (_, c)) in items.iter().enumerate() {
        match c {
            Value::Int(v) => ranked.push((*v, i)),
            Value::Bool(AlignedBool(b)) => ranked.push((i64::from(*b), i)),
            _ => return Ok(None),
        }
    }
    let len = ranked.len();
    let n = n.min(len);
    let rounds = u64::from(usize::BITS - n.leading_zeros());
    cx.meter().fuel((len as u64).saturating_add((n as u64).saturating_mul(rounds)))?;
    let _scratch =
        crate::charged::charge_scratch(cx.meter(), crate::mem::vec_block::<(i64, usize)>(len))?;
    let order = |a: &(i64, usize), b: &(i64, usize)| b.0.cmp(&a.0).then(a.1.cmp(&b.1));
    if n == 0 {
        ranked.clear();
    } else if n < len {
        ranked.select_nth_unstable_by(n - 1, order);
        ranked.truncate(n);
    }
    ranked.sort_unstable_by(order);
    let out = ranked.iter().map(|&(_, i)| pair(items[i].clone())).collect();
    Ok(Some(Value::list(out)))
}

fn pair(item: (Value, Value)) -> Value {
    Value::tuple(vec![item.0, item.1])
}

/// `sorted(items, key=count, reverse=True)[:n]`.
fn sorted_desc<C: Callbacks + ?Sized>(
    cx: &mut C,
    items: Vec<(Value, Value)>,
    n: usize,
) -> R<Value> {
    let counts: Vec<Value> = items.iter().map(|(_, c)| c.clone()).collect();
    let order = cx.sort_order(&counts, true)?;
    let mut slots: Vec<Option<(Value, Value)>> = items.into_iter().map(Some).collect();
    let out = order
        .iter()
        .take(n)
        .filter_map(|&i| slots.get_mut(i).and_then(Option::take))
        .map(pair)
        .collect();
    Ok(Value::list(out))
}

/// `max(items, key=count)`, as a list of it (empty without items).
fn largest<C: Callbacks + ?Sized>(cx: &mut C, items: Vec<(Value, Value)>) -> R<Value> {
    let mut it = items.into_iter();
    let Some(mut best) = it.next() else { return Ok(Value::list(Vec::new())) };
    for item in it {
        cx.meter().fuel(1)?;
        if cx.compare(CmpOp::Gt, &item.1, &best.1)? {
            best = item;
        }
    }
    Ok(Value::list(vec![pair(best)]))
}

/// `heapq.nlargest`'s general case: a min-heap of the `n` largest
/// `(count, order, item)` so far.
fn heap_largest<C: Callbacks + ?Sized>(
    cx: &mut C,
    items: Vec<(Value, Value)>,
    n: usize,
) -> R<Value> {
    let mut it = items.into_iter();
    let mut heap: Vec<Value> = Vec::with_capacity(n);
    for (i, item) in it.by_ref().take(n).enumerate() {
        heap.push(Value::tuple(vec![item.1.clone(), Value::Int(-(i as i64)), pair(item)]));
    }
    heapify(cx, &mut heap)?;
    let mut top = first_of(&heap[0]);
    let mut order = -(n as i64);
    for item in it {
        cx.meter().fuel(1)?;
        if cx.compare(CmpOp::Lt, &top, &item.1)? {
            heap[0] = Value::tuple(vec![item.1.clone(), Value::Int(order), pair(item)]);
            siftup(cx, &mut heap, 0)?;
            top = first_of(&heap[0]);
            order -= 1;
        }
    }
    let list = Value::list(heap);
    let Value::List(l) = &list else { return Ok(Value::list(Vec::new())) };
    cx.sort_list(l, None, true)?;
    let out = l.borrow().iter().map(|t| field(t, 2)).collect();
    Ok(Value::list(out))
}

/// Field `i` of a heap entry.
fn field(v: &Value, i: usize) -> Value {
    match v {
        Value::Tuple(t) => t.get(i).cloned().unwrap_or(Value::None),
        _ => Value::None,
    }
}

/// A heap entry's count.
fn first_of(v: &Value) -> Value {
    field(v, 0)
}

/// `heapify`: a heap of `heap`, the simple order up to 2,500 entries and
/// the cache-friendly one past it (`_heapq.c`'s `heapify_internal`).
fn heapify<C: Callbacks + ?Sized>(cx: &mut C, heap: &mut [Value]) -> R<()> {
    let n = heap.len();
    if n <= 2500 {
        for i in (0..n / 2).rev() {
            siftup(cx, heap, i)?;
        }
        return Ok(());
    }
    let m = n >> 1;
    let leftmost = keep_top_bit(m + 1) - 1;
    let mhalf = m >> 1;
    for range in [mhalf..leftmost, leftmost..m] {
        for i in range.rev() {
            let mut j = i;
            loop {
                siftup(cx, heap, j)?;
                if j & 1 == 0 {
                    break;
                }
                j >>= 1;
            }
        }
    }
    Ok(())
}

/// The highest set bit of `n` alone.
fn keep_top_bit(n: usize) -> usize {
    if n == 0 { 0 } else { 1 << (usize::BITS - 1 - n.leading_zeros()) }
}

/// `siftup`: the entry at `pos` moved down to a leaf along its smaller
/// children, then up to its place.
fn siftup<C: Callbacks + ?Sized>(cx: &mut C, heap: &mut [Value], mut pos: usize) -> R<()> {
    let end = heap.len();
    let start = pos;
    let limit = end >> 1;
    while pos < limit {
        let mut child = 2 * pos + 1;
        if child + 1 < end && !cx.compare(CmpOp::Lt, &heap[child], &heap[child + 1])? {
            child += 1;
        }
        heap.swap(child, pos);
        pos = child;
    }
    siftdown(cx, heap, start, pos)
}

/// `siftdown`: the entry at `pos` moved up while it is less than its
/// parent, no higher than `start`.
fn siftdown<C: Callbacks + ?Sized>(
    cx: &mut C,
    heap: &mut [Value],
    start: usize,
    mut pos: usize,
) -> R<()> {
    while pos > start {
        let parent = (pos - 1) >> 1;
        if !cx.compare(CmpOp::Lt, &heap[pos], &heap[parent])? {
            break;
        }
        heap.swap(pos, parent);
        pos = parent;
    }
    Ok(())
}
