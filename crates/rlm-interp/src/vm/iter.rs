//! Iteration: `iter(x)` (a built-in type's iterator from the value
//! protocol, `types/dispatch.rs`; the others' here), materialising any
//! iterable (fuel per element; infinite iterators refused), and unpacking
//! (`a, b = x`) with CPython's errors. Each iterator's step is in
//! `types/iter.rs`.

use crate::fault::{Fault, R, type_err, value_err};
use crate::types::iter::FUEL_PER_ADAPTER_TUPLE;
use crate::types::str::ascii_char;
use crate::value::*;
use crate::vm::Vm;

impl Vm {
    pub(crate) fn get_iter(&mut self, v: Value) -> R<Value> {
        if let Some(state) = crate::types::dispatch::iter(self, &v) {
            return Ok(Value::iter(state?));
        }
        let st = match v {
            Value::Iter(_) => return Ok(v),
            Value::Native(ref n) => match &**n {
                Native::DictView(kind, d) => IterState::dict_entries(d.clone(), *kind),
                Native::Module(m) => {
                    if let Some(rows) = m.iterator() {
                        return Ok(rows.clone());
                    }
                    if let Some(f) = n.module::<crate::types::stringio::StringIo>() {
                        return Ok(Value::iter(IterState::Items(
                            f.remaining_lines(&mut self.meter)?.into(),
                        )));
                    }
                    match m.as_tuple() {
                        Some(t) => IterState::Seq(t.clone(), 0),
                        None => {
                            return type_err(format!("'{}' object is not iterable", v.type_name()));
                        }
                    }
                }
            },
            other => return type_err(format!("'{}' object is not iterable", other.type_name())),
        };
        Ok(Value::iter(st))
    }

    /// Materialise any iterable (fuel charged per element).
    pub(crate) fn iterate(&mut self, v: &Value) -> R<Vec<Value>> {
        match v {
            Value::List(l) => {
                charge_copy(&mut self.meter, &l.borrow())?;
                Ok(l.borrow().clone())
            }
            Value::Tuple(t) => {
                charge_copy(&mut self.meter, t)?;
                Ok(t.to_vec())
            }
            Value::Deque(d) => {
                // Copied whole, like a list (through its iterator, a step
                // and a charged push each, `d.extend(list(d))` spent 40% of
                // its time there); the copy charged before it is made.
                let n = d.borrow().len();
                self.meter.fuel(n as u64 / 8)?;
                self.meter.alloc(n.saturating_mul(std::mem::size_of::<Value>()))?;
                Ok(d.borrow().iter().cloned().collect())
            }
            Value::Dict(d) => self.dict_entries_vec(d, 0),
            Value::Native(n) if matches!(**n, Native::DictView(..)) => match &**n {
                Native::DictView(kind, d) => self.dict_entries_vec(d, *kind),
                _ => Ok(Vec::new()),
            },
            Value::Range(r) => {
                let n = range_len(r.0, r.1, r.2);
                self.meter.check_len(n as usize)?;
                Ok((0..n).map(|i| Value::Int(r.0 + i * r.2)).collect())
            }
            Value::Str(s) => {
                self.meter.check_len(s.char_len())?;
                if !s.is_ascii() {
                    // Each non-ASCII character is a string of its own.
                    let each = crate::mem::rc_block::<crate::types::str::storage::StrInner>();
                    self.meter.alloc(s.char_len().saturating_mul(each))?;
                }
                Ok(s.as_str()
                    .char_indices()
                    .map(|(b, c)| {
                        if c.is_ascii() {
                            Value::Str(ascii_char(c as u8))
                        } else {
                            Value::Str(s.byte_substr(b, b + c.len_utf8(), Some(1)))
                        }
                    })
                    .collect())
            }
            Value::Iter(it) => {
                if let IterState::Count(..)
                | IterState::CountFloat(..)
                | IterState::Cycle(..)
                | IterState::Repeat(_, None) = &*it.borrow()
                {
                    return Err(Fault::Limit(crate::limits::LimitError::new(
                        crate::limits::LimitKind::CollectionLen,
                        "cannot materialise an infinite iterator (itertools.count/cycle/repeat); use islice",
                    )));
                }
                // A buffer of items already made (`Counter.elements()`):
                // handed over whole, charged as the steps it saves were, a
                // unit an item and the list's slots before it takes them
                // (stepped one at a time, 1 M of them took 40 ns an item
                // for 1.2 units: `list(X.elements())` ran 11x the loop's
                // time a unit, issue #77's fuzzer).
                if let Ok(mut st) = it.try_borrow_mut()
                    && let IterState::Items(q) = &mut *st
                {
                    let n = q.len();
                    self.meter.fuel(n as u64)?;
                    self.meter.check_len(n)?;
                    return Ok(Vec::from(std::mem::take(q)));
                }
                // Charged as it grows: the items (a zip's tuples, a
                // generator's strings) charge themselves as they are made;
                // a finditer's match objects do not, and are charged a slot.
                let slot_extra = match &*it.borrow() {
                    IterState::Matches(p, ..) => crate::modules::re::finditer_match_bytes(p),
                    _ => 0,
                };
                let mut out = crate::charged::ChargedVec::with_slot_extra(slot_extra);
                while let Some(x) = self.iter_next(it)? {
                    out.push(&mut self.meter, x)?;
                    self.meter.fuel(1)?;
                }
                Ok(out.into_vec())
            }
            _ => {
                let it = self.get_iter(v.clone())?;
                self.iterate(&it)
            }
        }
    }

    /// A dict's keys, values or items (`kind` 0, 1, 2) copied out in one
    /// pass over its table (`list(d)`, `sorted(d.items())`,
    /// `sum(d.values())`), no iterator stepped: charged before the copy as
    /// a list's copy is, a quarter unit an entry (its table's entries are
    /// 2.5 times a list's slots), each item's tuple as `enumerate`'s; the
    /// buffer before it is made, the tuples checked against the budget as
    /// `list()` checks what it collects.
    fn dict_entries_vec(&mut self, d: &std::rc::Rc<StoreCell<Dict>>, kind: u8) -> R<Vec<Value>> {
        let n = d.borrow().map.len();
        let tuples = if kind == 2 { n as u64 * FUEL_PER_ADAPTER_TUPLE } else { 0 };
        self.meter.fuel((n as u64 / 4).saturating_add(tuples))?;
        self.meter.check_len(n)?;
        self.meter.alloc(crate::mem::vec_block::<Value>(n))?;
        let dm = d.borrow();
        Ok(match kind {
            0 => dm.map.keys().map(|k| k.0.clone()).collect(),
            1 => dm.map.values().cloned().collect(),
            _ => {
                let mut out = Vec::with_capacity(n);
                for (i, (k, v)) in dm.map.iter().enumerate() {
                    if i % 1024 == 1023 {
                        self.meter.check_memory()?;
                    }
                    out.push(Value::tuple(vec![k.0.clone(), v.clone()]));
                }
                out
            }
        })
    }

    pub(crate) fn unpack(&mut self, v: &Value, n: usize) -> R<Vec<Value>> {
        let items = match v {
            Value::Tuple(t) if t.len() == n => return Ok(t.to_vec()),
            Value::Iter(_)
            | Value::List(_)
            | Value::Tuple(_)
            | Value::Str(_)
            | Value::Dict(_)
            | Value::Set(_) => self.iterate(v)?,
            Value::Range(_) | Value::FrozenSet(_) | Value::Deque(_) => self.iterate(v)?,
            Value::Native(_) if Native::as_tuple(v).is_some() => self.iterate(v)?,
            Value::Native(n) if matches!(**n, Native::DictView(..)) => self.iterate(v)?,
            other => {
                return type_err(format!(
                    "cannot unpack non-iterable {} object",
                    other.type_name()
                ));
            }
        };
        if items.len() > n {
            return value_err(format!("too many values to unpack (expected {n})"));
        }
        if items.len() < n {
            return value_err(format!(
                "not enough values to unpack (expected {n}, got {})",
                items.len()
            ));
        }
        Ok(items)
    }
}

/// Before `items` are copied into a new buffer (`list(x)`, `tuple(x)`,
/// `itertools.chain(x, y)`): the buffer's memory, and fuel for the copy, a
/// unit per 8 items and [`FUEL_PER_SHARED_VALUE_COPIED`] for each item held
/// by reference (its count is written, in its own allocation: `list(X)` over
/// 486,388 one-item lists took 98 ms for 577,589 units, 83x the dispatch
/// loop's time a unit, issue #77). Counting them reads the buffer once, paid
/// by the unit per 8.
fn charge_copy(meter: &mut crate::meter::Meter, items: &[Value]) -> R<()> {
    meter.fuel(items.len() as u64 / 8)?;
    crate::meter::charge_shared_copies(meter, items)?;
    meter.alloc(crate::mem::vec_block::<Value>(items.len()))
}
