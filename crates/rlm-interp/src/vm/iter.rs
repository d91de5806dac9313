//! Iteration: `iter(x)` for every iterable type, materialising any
//! iterable (fuel per element; infinite iterators refused), and unpacking
//! (`a, b = x`) with CPython's errors. Each iterator's step is in
//! `types/iter.rs`.

use std::collections::VecDeque;

use crate::fault::{Fault, R, type_err, value_err};
use crate::types::dict::view::view_items;
use crate::types::iter::FUEL_PER_ADAPTER_TUPLE;
use crate::types::set::set_order;
use crate::types::str::ascii_char;
use crate::value::*;
use crate::vm::Vm;

/// Fuel for an iterator's copy of `n` items taken at its start (a dict's
/// keys, a set's or a deque's items): a unit and a quarter an item (a loop
/// that iterates a dict growing by two keys a round copied its keys at a
/// unit per 8 for 14 s; at a unit each it ran 1.44x the reference loop's time
/// for its fuel, at 1.5 0.65-0.73x).
fn snapshot_fuel(n: usize) -> u64 {
    let n = n as u64;
    n + n / 4
}

impl Vm {
    pub(crate) fn get_iter(&mut self, v: Value) -> R<Value> {
        let st = match v {
            Value::Iter(_) => return Ok(v),
            Value::List(_) | Value::Tuple(_) => IterState::Seq(v, 0),
            Value::Str(s) => IterState::Str(s, 0),
            Value::Range(r) => IterState::Range(r.0, r.1, r.2),
            // Watched: a change of size under the iterator raises.
            Value::Dict(ref d) => {
                self.meter.fuel(snapshot_fuel(d.borrow().map.len()))?;
                let keys: VecDeque<Value> = d.borrow().map.keys().map(|k| k.0.clone()).collect();
                IterState::watched(keys, v)
            }
            // Sets, deques and dict views are copied whole at the start, as
            // a dict's keys are, and charged the same before the copy (a
            // loop breaking out of `for kv in d.items()` over 10^5 keys
            // made 10^5 tuples a round, uncharged: 2.7 s for 8 M fuel).
            Value::Set(ref s) => {
                self.meter.fuel(snapshot_fuel(s.borrow().len()))?;
                let items = set_order(&s.borrow()).into();
                IterState::watched(items, v)
            }
            Value::FrozenSet(s) => {
                self.meter.fuel(snapshot_fuel(s.len()))?;
                IterState::Items(set_order(&s).into())
            }
            Value::Deque(ref d) => {
                self.meter.fuel(snapshot_fuel(d.borrow().len()))?;
                let items = d.borrow().iter().cloned().collect();
                IterState::watched(items, v)
            }
            Value::Native(ref n) => match &**n {
                Native::DictView(kind, d) => {
                    let len = d.borrow().map.len();
                    let tuples = if *kind == 2 { len as u64 * FUEL_PER_ADAPTER_TUPLE } else { 0 };
                    self.meter.fuel(snapshot_fuel(len).saturating_add(tuples))?;
                    IterState::watched(view_items(*kind, d).into(), Value::Dict(d.clone()))
                }
                Native::Module(m) => {
                    if let Some(r) = n.module::<crate::modules::csv::DictReader>() {
                        return Ok(r.rows.clone());
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
                let items = l.borrow().clone();
                self.meter.fuel(items.len() as u64 / 8)?;
                Ok(items)
            }
            Value::Tuple(t) => {
                self.meter.fuel(t.len() as u64 / 8)?;
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
