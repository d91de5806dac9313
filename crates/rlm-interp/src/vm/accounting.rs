//! Resource accounting: fuel charged before work, memory charged before
//! allocation (measuring what is live, after collecting unreachable cycles,
//! when the budget looks exceeded), the string/collection/nesting caps, and
//! the output cap.

use std::collections::HashSet;
use std::rc::Rc;

use crate::fault::{Fault, R};
use crate::value::*;
use crate::vm::Vm;
use crate::{LimitError, LimitKind};

impl Vm {
    #[inline]
    pub(crate) fn fuel(&mut self, n: u64) -> R<()> {
        self.fuel_used = self.fuel_used.saturating_add(n);
        if self.fuel_used > self.limits.fuel {
            return Err(Fault::Limit(LimitError::new(
                LimitKind::Fuel,
                format!("the program ran out of fuel ({} steps)", self.limits.fuel),
            )));
        }
        Ok(())
    }

    /// Runs host code (an `InlineMetered` function, a host object's method)
    /// with a meter that charges this VM's fuel before the work it measures;
    /// once the fuel is spent, the meter refuses and the call's result gives
    /// way to the limit error.
    pub(crate) fn metered_call<T>(
        &mut self,
        host: impl FnOnce(crate::host::FuelMeter<'_>) -> T,
    ) -> R<T> {
        let mut fuel_err = None;
        let r = {
            let fuel_used = &mut self.fuel_used;
            let limit = self.limits.fuel;
            let mut charge = |n: u64| -> Result<(), LimitError> {
                *fuel_used = fuel_used.saturating_add(n);
                if *fuel_used > limit {
                    let e = LimitError::new(
                        LimitKind::Fuel,
                        format!("the program ran out of fuel ({limit} steps)"),
                    );
                    fuel_err = Some(e.clone());
                    return Err(e);
                }
                Ok(())
            };
            host(&mut charge)
        };
        match fuel_err {
            Some(e) => Err(Fault::Limit(e)),
            None => Ok(r),
        }
    }

    /// Charge `bytes` of new memory before allocating them.
    pub(crate) fn alloc(&mut self, bytes: usize) -> R<()> {
        self.mem_since = self.mem_since.saturating_add(bytes);
        if self.mem_measured.saturating_add(self.mem_since) > self.limits.memory_bytes {
            // Unreachable cycles are not live, but they hold memory until
            // collected: collect them first (charged like the measure).
            let visited = crate::gc::collect_garbage();
            self.fuel((visited / 8) as u64)?;
            let live = self.measure_live()?;
            self.mem_measured = live;
            self.mem_since = bytes;
            if live.saturating_add(bytes) > self.limits.memory_bytes {
                return Err(Fault::Limit(LimitError::new(
                    LimitKind::Memory,
                    format!(
                        "memory limit exceeded: {} bytes live, {} more requested, limit {}",
                        live, bytes, self.limits.memory_bytes
                    ),
                )));
            }
        }
        Ok(())
    }

    /// Every builtin and method result passes here. Builtins that build
    /// strings (`json.dumps`, `re.sub`, `join`, `%`-formatting, ...) are thus
    /// held to the string cap, so no chain of them can grow a string past the
    /// cap by more than one call's output (found by fuzzing: nested
    /// `json.dumps` in a loop grew a string 4x per step unchecked). Only the
    /// cap is checked here: charging fuel and memory again on every result
    /// made string-heavy code 1.5x slower. Views of external buffers (the
    /// context) allocate nothing and are exempt.
    pub(crate) fn guard_result(&mut self, v: &Value) -> R<()> {
        match v {
            Value::Str(s) if !s.is_shared() && s.char_len() > self.limits.max_str_len => {
                self.check_str_len(s.char_len())
            }
            // Likewise lists to the collection cap (`textwrap.wrap(s, 1)`
            // returned one line per word, past the cap, unchecked).
            Value::List(l) if l.borrow().len() > self.limits.max_collection_len => {
                let n = l.borrow().len();
                self.check_len(n)
            }
            _ => Ok(()),
        }
    }

    pub(crate) fn check_str_len(&mut self, chars: usize) -> R<()> {
        if chars > self.limits.max_str_len {
            return Err(Fault::Limit(LimitError::new(
                LimitKind::StrLen,
                format!("string too long: {chars} characters (limit {})", self.limits.max_str_len),
            )));
        }
        self.fuel((chars / 64) as u64)?;
        self.alloc(chars)
    }

    pub(crate) fn check_len(&mut self, n: usize) -> R<()> {
        if n > self.limits.max_collection_len {
            return Err(Fault::Limit(LimitError::new(
                LimitKind::CollectionLen,
                format!(
                    "collection too large: {n} items (limit {})",
                    self.limits.max_collection_len
                ),
            )));
        }
        self.fuel((n / 16) as u64)?;
        self.alloc(n.saturating_mul(16))
    }

    pub(crate) fn nesting_err(&self) -> Fault {
        Fault::Limit(LimitError::new(
            LimitKind::Nesting,
            format!("value nested too deeply (limit {} levels)", self.limits.max_nesting),
        ))
    }

    /// Bytes held by everything reachable from globals and frames, with the
    /// walk charged as fuel.
    fn measure_live(&mut self) -> R<usize> {
        let (total, visited) = self.live_bytes();
        self.fuel(visited / 8)?;
        Ok(total)
    }

    /// Bytes held by everything reachable from globals and frames, and the
    /// number of values walked to count them (nothing charged).
    pub(crate) fn live_bytes(&self) -> (usize, u64) {
        // Addresses only: foldhash, not SipHash (no key here is chosen by a program).
        // Sized once: allocations were most of a small walk's cost (one per program).
        let mut seen: HashSet<usize, HashState> =
            HashSet::with_capacity_and_hasher(32, HashState::default());
        let mut todo: Vec<Value> = Vec::with_capacity(self.globals.len() + 32);
        todo.extend(self.globals.iter().flatten().cloned());
        let frame_sets = std::iter::once(&self.frames).chain(self.tasks.iter().map(|t| &t.frames));
        for frames in frame_sets {
            for f in frames {
                todo.extend(f.stack.iter().cloned());
                todo.extend(f.locals.iter().flatten().cloned());
                for c in &f.cells {
                    if let Some(v) = &*c.borrow() {
                        todo.push(v.clone());
                    }
                }
            }
        }
        let mut total = 0usize;
        let mut visited = 0u64;
        while let Some(v) = todo.pop() {
            visited += 1;
            let ptr = match &v {
                Value::Str(s) => {
                    total += 40 + if s.is_shared() { 0 } else { s.byte_len() };
                    continue;
                }
                Value::List(l) => Rc::as_ptr(l) as *const u8 as usize,
                Value::Tuple(t) => Rc::as_ptr(t) as *const u8 as usize,
                Value::Dict(d) => Rc::as_ptr(d) as *const u8 as usize,
                Value::Set(s) => Rc::as_ptr(s) as *const u8 as usize,
                Value::Deque(d) => Rc::as_ptr(d) as *const u8 as usize,
                Value::Func(f) => Rc::as_ptr(f) as *const u8 as usize,
                // Iterators can hold materialised results (itertools, zip,
                // generators): those count like a list.
                Value::Iter(i) => Rc::as_ptr(i) as *const u8 as usize,
                // A kept exception keeps its arguments (`keep.append(e)`).
                Value::Exc(e) => Rc::as_ptr(e) as *const u8 as usize,
                _ => {
                    total += 16;
                    continue;
                }
            };
            if !seen.insert(ptr) {
                continue;
            }
            match &v {
                Value::List(l) => {
                    let l = l.borrow();
                    total += 40 + 16 * l.capacity();
                    todo.extend(l.iter().cloned());
                }
                Value::Tuple(t) => {
                    total += 40 + 16 * t.len();
                    todo.extend(t.iter().cloned());
                }
                Value::Dict(d) => {
                    let d = d.borrow();
                    total += 64 + 48 * d.map.capacity();
                    for (k, v) in &d.map {
                        todo.push(k.0.clone());
                        todo.push(v.clone());
                    }
                }
                Value::Set(s) => {
                    let s = s.borrow();
                    total += 64 + 32 * s.capacity();
                    todo.extend(s.iter().map(|k| k.0.clone()));
                }
                Value::Deque(d) => {
                    let d = d.borrow();
                    total += 40 + 16 * d.len();
                    todo.extend(d.iter().cloned());
                }
                Value::Exc(e) => {
                    total += 64 + 16 * e.args.len();
                    todo.extend(e.args.iter().cloned());
                }
                Value::Iter(i) => {
                    total += 40;
                    // Skipped if the iterator is being advanced right now.
                    let Ok(state) = i.try_borrow() else { continue };
                    match &*state {
                        IterState::Items(items) => {
                            total += 16 * items.len();
                            todo.extend(items.iter().cloned());
                        }
                        IterState::Cycle(items, _) => {
                            total += 16 * items.len();
                            todo.extend(items.iter().cloned());
                        }
                        IterState::Seq(v, _) | IterState::Repeat(v, _) => todo.push(v.clone()),
                        IterState::Str(s, _) => todo.push(Value::Str(s.clone())),
                        IterState::CountFloat(v, _) => todo.push(v.clone()),
                        IterState::Range(..) | IterState::Count(..) => {}
                    }
                }
                Value::Func(f) => {
                    total += 64;
                    todo.extend(f.defaults.iter().cloned());
                    for c in &f.closure {
                        if let Some(v) = &*c.borrow() {
                            todo.push(v.clone());
                        }
                    }
                }
                _ => {}
            }
        }
        (total, visited)
    }

    pub(crate) fn write_output(&mut self, s: &str) -> R<()> {
        self.output_total += s.len();
        if self.output_total > self.limits.max_output_bytes {
            return Err(Fault::Limit(LimitError::new(
                LimitKind::Output,
                format!("output limit exceeded ({} bytes per run)", self.limits.max_output_bytes),
            )));
        }
        self.fuel((s.len() / 64) as u64)?;
        self.output.push_str(s);
        Ok(())
    }
}
