//! Subscripts: `obj[idx]`, `obj[idx] = v`, `del obj[idx]`: a slice's copy
//! and the journal's first copy charged, then the value protocol
//! (`types/dispatch.rs`) for the built-in types, a match's groups and a
//! tuple-like module object here.

use crate::fault::{R, type_err};
use crate::modules::re::match_obj::{MatchObj, match_group};
use crate::value::*;
use crate::vm::Vm;

impl Vm {
    pub(crate) fn getitem(&mut self, obj: &Value, idx: &Value) -> R<Value> {
        if let Value::Slice(sl) = idx {
            self.charge_slice_of(obj, sl)?;
        }
        if let Some(item) = crate::types::dispatch::getitem(self, obj, idx) {
            return item;
        }
        match obj {
            Value::Native(n) => {
                if let Some(m) = n.module::<MatchObj>() {
                    return match_group(m, idx);
                }
                match Native::as_tuple(obj) {
                    Some(t) => self.getitem(&t.clone(), idx),
                    None => type_err(format!("'{}' object is not subscriptable", obj.type_name())),
                }
            }
            Value::Type(t) => Ok(Value::Type(*t)),
            _ => type_err(format!("'{}' object is not subscriptable", obj.type_name())),
        }
    }

    /// A slice copies its items (a string's characters): charged on the
    /// result's length before it is made (`[:]` in `OPERATOR_COSTS`). A bad
    /// slice is left to the type to report.
    fn charge_slice_of(&mut self, obj: &Value, sl: &(Value, Value, Value)) -> R<()> {
        let (of_str, len) = match obj {
            Value::Str(s) => (true, s.char_len()),
            Value::List(l) => (false, l.borrow().len()),
            Value::Tuple(t) => (false, t.len()),
            _ => return Ok(()),
        };
        let Ok((start, _, step, n)) = crate::types::slice::slice_indices(len, sl) else {
            return Ok(());
        };
        crate::call_cost::charge_slice(&mut self.meter, of_str, n)?;
        // The items held by reference among those copied, each its count
        // written (`X[::2]` over 637,805 strings took 26 ns an item).
        match obj {
            Value::List(l) => {
                let items = l.borrow();
                let at = |k: usize| items.get((start + k as i64 * step) as usize);
                crate::meter::charge_shared_copies(&mut self.meter, (0..n).filter_map(at))
            }
            Value::Tuple(t) => {
                let at = |k: usize| t.get((start + k as i64 * step) as usize);
                crate::meter::charge_shared_copies(&mut self.meter, (0..n).filter_map(at))
            }
            _ => Ok(()),
        }
    }

    pub(crate) fn setitem(&mut self, obj: &Value, idx: Value, v: Value) -> R<()> {
        // A cell's first change to a container an earlier cell made: the
        // journal's copy of it, charged (as a changing method's).
        crate::types::journal_before_change(&mut self.meter, obj)?;
        if let (Value::List(l), Value::Slice(_)) = (obj, &idx) {
            // The list's tail moves and the new items are copied in.
            let n = l.borrow().len().saturating_add(crate::call_cost::size_of(&v).0 as usize);
            crate::call_cost::charge_slice(&mut self.meter, false, n)?;
        }
        crate::types::dispatch::setitem(self, obj, idx, v)
    }

    pub(crate) fn delitem(&mut self, obj: &Value, idx: &Value) -> R<()> {
        crate::types::journal_before_change(&mut self.meter, obj)?;
        if let (Value::List(l), Value::Slice(_)) = (obj, idx) {
            let n = l.borrow().len();
            crate::call_cost::charge_slice(&mut self.meter, false, n)?;
        }
        crate::types::dispatch::delitem(self, obj, idx).unwrap_or_else(|| {
            type_err(format!("'{}' object doesn't support item deletion", obj.type_name()))
        })
    }
}
