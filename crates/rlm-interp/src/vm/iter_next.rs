//! The step that yields an iterator's next item (`next()`, `for`, every
//! consumer of an iterator): a generator's frame resumed, a lazy adapter's
//! sources pulled one nested level deeper (`map`'s function called), a
//! `re.finditer`'s next search, or a cursor moved. The machine's, since it
//! runs the program (moved from `types/iter.rs`, issue #59); the states are
//! `types/iter.rs`'s.

use std::cell::RefCell;
use std::rc::Rc;

use crate::fault::{Fault, R, exc};
use crate::types::iter::{
    FUEL_PER_ADAPTER_STEP, FUEL_PER_ADAPTER_TUPLE, FUEL_PER_DICT_STEP, FUEL_PER_WIDE_ROW_ITEM,
    Pull, WIDE_ROW, changed_error, range_step, row_bytes, watched_stamp,
};
use crate::types::str::ascii_char;
use crate::value::*;
use crate::vm::Vm;

/// Fuel for each item an endless iterator (`itertools.count`, `cycle`,
/// `repeat` without a count) yields, besides what its consumer pays: a
/// `for` loop over `count()` ran its fuel in 2.1 s, `all(repeat(True))`
/// in 3.3 s (docs/benchmarks/2026-11-24-issue-33-fuel-cost-table.md, "Fuel cost table and
/// calibration", 2026-11-24); at 2 units, measure.sh's quiet-machine run of 2026-11-24 17:53 UTC
/// (release `rlm exec`, everything else paused) still took 1.06 s and 1.12 s (the reference loop:
/// 0.6 s); at 3, `"a" in repeat("b")` and `for i in count()` ran ~2x the loop's time a unit
/// (issue #53, the default fuel of 200 M).
const FUEL_PER_ENDLESS_STEP: u64 = 6;

impl Vm {
    pub(crate) fn iter_next(&mut self, it: &Rc<RefCell<IterState>>) -> R<Option<Value>> {
        let mut st = it.borrow_mut();
        if let IterState::Gen(_) = &*st {
            drop(st);
            return self.resume_generator(it);
        }
        if let IterState::Tool(_) | IterState::Busy(_) = &*st {
            drop(st);
            return self.tool_step(it);
        }
        if let Some(pull) = st.pull() {
            drop(st);
            return self.adapter_step(it, pull);
        }
        if let IterState::DictEntries { kind, .. } = &*st {
            let kind = *kind;
            return self.dict_step(&mut st, kind);
        }
        Ok(match &mut *st {
            IterState::Seq(v, i) => {
                let r = match v {
                    Value::List(l) => l.borrow().get(*i).cloned(),
                    Value::Tuple(t) => t.get(*i).cloned(),
                    _ => None,
                };
                *i += 1;
                r
            }
            IterState::Str(s, b) => {
                let text = s.as_str();
                match text[*b..].chars().next() {
                    Some(c) => {
                        let start = *b;
                        *b += c.len_utf8();
                        Some(Value::Str(if c.is_ascii() {
                            ascii_char(c as u8)
                        } else {
                            s.byte_substr(start, *b, Some(1))
                        }))
                    }
                    None => None,
                }
            }
            IterState::Range(cur, stop, step) => range_step(cur, *stop, *step).map(Value::Int),
            IterState::Items(q) => q.pop_front(),
            IterState::Matches(p, hay, pos, after_empty, searched) => {
                let searched = std::mem::replace(searched, true);
                let at = crate::modules::re::Cursor { pos: *pos, after_empty: *after_empty };
                match crate::modules::re::finditer_step(&mut self.meter, p, hay, at, searched)? {
                    Some((m, next)) => {
                        (*pos, *after_empty) = (next.pos, next.after_empty);
                        Some(m)
                    }
                    None => {
                        *pos = usize::MAX;
                        None
                    }
                }
            }
            IterState::Watched(q, watch) => {
                if let Some((c, stamp)) = watch {
                    if watched_stamp(c) != *stamp {
                        // CPython's iterator keeps raising after this.
                        let msg = changed_error(c);
                        *stamp = (usize::MAX, u64::MAX);
                        return exc(ExcKind::RuntimeError, msg);
                    }
                }
                let next = q.pop_front();
                if next.is_none() {
                    *watch = None;
                }
                next
            }
            IterState::Count(cur, step) => {
                self.meter.fuel(FUEL_PER_ENDLESS_STEP)?;
                let v = *cur;
                *cur = cur.saturating_add(*step);
                Some(Value::Int(v))
            }
            IterState::CountFloat(cur, step) => {
                let next = match cur {
                    Value::Int(i) => *i as f64 + *step,
                    Value::Float(f) => *f + *step,
                    _ => f64::NAN,
                };
                Some(std::mem::replace(cur, Value::Float(next)))
            }
            IterState::Cycle(items, i) => {
                self.meter.fuel(FUEL_PER_ENDLESS_STEP)?;
                if items.is_empty() {
                    None
                } else {
                    let v = items[*i % items.len()].clone();
                    *i += 1;
                    Some(v)
                }
            }
            IterState::Repeat(v, n) => match n {
                None => {
                    self.meter.fuel(FUEL_PER_ENDLESS_STEP)?;
                    Some(v.clone())
                }
                Some(0) => None,
                Some(k) => {
                    *k -= 1;
                    Some(v.clone())
                }
            },
            IterState::Gen(_)
            | IterState::Tool(_)
            | IterState::Busy(_)
            | IterState::DictEntries { .. }
            | IterState::Map(..)
            | IterState::Filter(..)
            | IterState::Enumerate(..)
            | IterState::Zip(..) => None,
        })
    }

    /// One step of an `itertools` iterator: its state is taken out while
    /// it runs (its sources and callbacks may ask it again: that raises)
    /// and put back after, whatever the step ended with.
    fn tool_step(&mut self, it: &Rc<RefCell<IterState>>) -> R<Option<Value>> {
        use crate::modules::itertools::tool::Tool;
        let copy = match &mut *it.borrow_mut() {
            IterState::Tool(b) => Tool::of(&mut **b).and_then(|t| t.stateless_copy()),
            _ => None,
        };
        if let Some(mut tool) = copy {
            return self.nested_step(|vm| tool.next(vm));
        }
        let mut boxed = {
            let mut st = it.borrow_mut();
            match &mut *st {
                IterState::Tool(b) => {
                    std::mem::replace(b, Box::new(crate::modules::itertools::tool::Spent))
                }
                _ => return exc(ExcKind::ValueError, "generator already executing"),
            }
        };
        *it.borrow_mut() = IterState::Busy(boxed.mem_cost());
        let r = if let Some(tool) = Tool::of(&mut *boxed) {
            self.nested_step(|vm| tool.next(vm))
        } else if let Some(reader) = crate::modules::csv::ReaderSteps::of(&mut *boxed) {
            // A csv reader's next record (`modules/csv/reader.rs`).
            self.nested_step(|vm| reader.next(vm))
        } else {
            Err(crate::vm::internal("an itertools state that is not one"))
        };
        *it.borrow_mut() = IterState::Tool(boxed);
        r
    }

    /// A step that may call back into the program, one level deeper.
    fn nested_step(&mut self, step: impl FnOnce(&mut Vm) -> R<Option<Value>>) -> R<Option<Value>> {
        self.check_call_depth()?;
        self.frames.callback_depth += 1;
        let r = stacker::maybe_grow(256 * 1024, 4 * 1024 * 1024, || step(self));
        self.frames.callback_depth -= 1;
        r
    }

    /// One step of a dict's iterator (`kind` 0, 1, 2: keys, values,
    /// items), charged before it reads the table; an item's tuple charged
    /// as `enumerate`'s is.
    fn dict_step(&mut self, st: &mut IterState, kind: u8) -> R<Option<Value>> {
        Ok(match kind {
            0 => {
                self.meter.fuel(FUEL_PER_DICT_STEP)?;
                st.dict_next(|k, _| k.0.clone())?
            }
            1 => {
                self.meter.fuel(FUEL_PER_DICT_STEP)?;
                st.dict_next(|_, v| v.clone())?
            }
            _ => {
                self.meter.fuel(FUEL_PER_DICT_STEP + FUEL_PER_ADAPTER_TUPLE)?;
                st.dict_next(|k, v| (k.0.clone(), v.clone()))?
                    .map(|(k, v)| Value::tuple(vec![k, v]))
            }
        })
    }

    /// One step of a lazy adapter: its fuel, and a nested level that counts
    /// as a callback does, so that a chain of adapters over adapters meets
    /// the call-depth limit instead of the native stack's end.
    fn adapter_step(&mut self, it: &Rc<RefCell<IterState>>, pull: Pull) -> R<Option<Value>> {
        let fuel = match &pull {
            Pull::Map(_, srcs) => FUEL_PER_ADAPTER_STEP * (1 + srcs.len() as u64),
            // Each item pulled pays a step (`adapter_pull`).
            Pull::Filter(..) => FUEL_PER_ADAPTER_STEP,
            Pull::Enumerate(..) => 2 * FUEL_PER_ADAPTER_STEP + FUEL_PER_ADAPTER_TUPLE,
            Pull::Zip(srcs, _) => {
                FUEL_PER_ADAPTER_STEP * (1 + srcs.len() as u64) + FUEL_PER_ADAPTER_TUPLE
            }
        };
        self.meter.fuel(fuel)?;
        self.nested_level(|vm| vm.adapter_pull(it, pull))
    }

    fn adapter_pull(&mut self, it: &Rc<RefCell<IterState>>, pull: Pull) -> R<Option<Value>> {
        match pull {
            Pull::Map(f, srcs) => {
                if srcs.len() >= WIDE_ROW {
                    self.meter.alloc(crate::mem::vec_block::<Value>(srcs.len()))?;
                }
                let mut args = Vec::with_capacity(srcs.len());
                for src in &srcs {
                    match self.iter_next(src)? {
                        Some(v) => args.push(v),
                        None => return Ok(None),
                    }
                }
                self.call_value(&f, args, Vec::new()).map(Some)
            }
            Pull::Filter(f, src) => loop {
                let Some(v) = self.iter_next(&src)? else { return Ok(None) };
                let keep = match f {
                    Value::None => v.truthy(),
                    _ => self.call_value(&f, vec![v.clone()], Vec::new())?.truthy(),
                };
                if keep {
                    return Ok(Some(v));
                }
                // Each item dropped is a step of its own.
                self.meter.fuel(FUEL_PER_ADAPTER_STEP)?;
            },
            Pull::Enumerate(i, src) => {
                let Some(v) = self.iter_next(&src)? else { return Ok(None) };
                if let IterState::Enumerate(n, _) = &mut *it.borrow_mut() {
                    *n = i.saturating_add(1);
                }
                Ok(Some(Value::tuple(vec![Value::Int(i), v])))
            }
            Pull::Zip(srcs, strict) => {
                if srcs.is_empty() {
                    return Ok(None);
                }
                if srcs.len() >= WIDE_ROW {
                    self.meter.fuel(srcs.len() as u64 * FUEL_PER_WIDE_ROW_ITEM)?;
                    self.meter.alloc(row_bytes(srcs.len()))?;
                }
                let mut row = Vec::with_capacity(srcs.len());
                for (i, src) in srcs.iter().enumerate() {
                    if let Some(v) = self.iter_next(src)? {
                        row.push(v);
                        continue;
                    }
                    if strict {
                        zip_strict_check(self, &srcs, i)?;
                    }
                    return Ok(None);
                }
                Ok(Some(Value::tuple(row)))
            }
        }
    }
}

/// `zip(..., strict=True)`: source `i` ended; CPython's error when the
/// others did not end with it.
fn zip_strict_check(vm: &mut Vm, srcs: &[Rc<RefCell<IterState>>], i: usize) -> R<()> {
    let plural = |n: usize| if n > 1 { "s" } else { "" };
    let upto = |n: usize| if n > 1 { format!("-{n}") } else { String::new() };
    if i > 0 {
        return crate::fault::value_err(format!(
            "zip() argument {} is shorter than argument{} 1{}",
            i + 1,
            plural(i),
            upto(i)
        ));
    }
    for (j, other) in srcs.iter().enumerate().skip(1) {
        if vm.iter_next(other)?.is_some() {
            return crate::fault::value_err(format!(
                "zip() argument {} is longer than argument{} 1{}",
                j + 1,
                plural(j),
                upto(j)
            ));
        }
    }
    Ok(())
}

/// A dict changed under its iterator: CPython's `RuntimeError` (here, not in
/// `fault.rs`, which sits below the iterators' states).
impl From<crate::types::iter::DictChanged> for Fault {
    fn from(changed: crate::types::iter::DictChanged) -> Fault {
        Fault::Exc(Exception::new(ExcKind::RuntimeError, changed.message()))
    }
}
