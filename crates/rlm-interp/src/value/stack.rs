//! A frame's operand stack. Pushes and pops write and read a slot in place:
//! `Vec::push` is not inlined into the dispatch loop, and its out-of-line
//! call takes the `Value` through memory, stored by parts (tag, payload) and
//! reloaded whole, a stalled store-to-load forwarding on every push.

use crate::value::AlignedBool;
use std::ops::{Deref, DerefMut};
use std::rc::Rc;

use crate::value::Value;

/// Slots `..len` hold the stack, bottom first; the slots above it hold
/// values that own nothing (`Value::None`, or an int `pop_int` left), kept
/// so that a push reuses a slot instead of growing the vector.
#[derive(Default)]
pub(crate) struct OperandStack {
    slots: Vec<Value>,
    len: usize,
}

impl OperandStack {
    pub(crate) fn from_values(values: Vec<Value>) -> OperandStack {
        OperandStack { len: values.len(), slots: values }
    }

    #[inline(always)]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    #[inline(always)]
    pub(crate) fn push(&mut self, v: Value) {
        match self.slots.get_mut(self.len) {
            // A freed slot holds `None` or an int `pop_int` left: overwritten
            // unread (reading it whole would stall on its last stores).
            Some(slot) if owns_nothing(slot) => std::mem::forget(std::mem::replace(slot, v)),
            Some(slot) => drop(std::mem::replace(slot, v)),
            None => self.grow_push(v),
        }
        self.len += 1;
    }

    /// Pops the top value when it is an int, leaving its bits in the freed
    /// slot (it owns nothing): read by parts, where a whole `Value` read
    /// soon after its parts were written stalls.
    #[inline(always)]
    pub(crate) fn pop_int(&mut self) -> Option<i64> {
        let top = self.len.checked_sub(1)?;
        match self.slots.get(top) {
            Some(Value::Int(n)) => {
                self.len = top;
                Some(*n)
            }
            _ => None,
        }
    }

    /// Pushes a copy of `v`, the values programs load most made in their
    /// slot: a copy returned (through an `Option` or `R`) is stored by parts
    /// and read back whole to be pushed, a stalled store-to-load forwarding.
    #[inline(always)]
    pub(crate) fn push_clone(&mut self, v: &Value) {
        match v {
            Value::Int(i) => self.push(Value::Int(*i)),
            Value::Str(s) => self.push(Value::Str(s.clone())),
            Value::None => self.push(Value::None),
            Value::Bool(AlignedBool(b)) => self.push(Value::Bool(AlignedBool(*b))),
            Value::Float(f) => self.push(Value::Float(*f)),
            Value::List(l) => self.push(Value::List(Rc::clone(l))),
            Value::Dict(d) => self.push(Value::Dict(Rc::clone(d))),
            Value::Func(f) => self.push(Value::Func(Rc::clone(f))),
            Value::Builtin(f) => self.push(Value::Builtin(Rc::clone(f))),
            other => self.push(other.clone()),
        }
    }

    #[cold]
    #[inline(never)]
    fn grow_push(&mut self, v: Value) {
        self.slots.push(v);
    }

    #[inline(always)]
    pub(crate) fn pop(&mut self) -> Option<Value> {
        let top = self.len.checked_sub(1)?;
        let v = std::mem::replace(self.slots.get_mut(top)?, Value::None);
        self.len = top;
        Some(v)
    }

    /// Drops the values above the first `n` (those that own nothing stay
    /// in their freed slots, as `pop_int` leaves them).
    pub(crate) fn truncate(&mut self, n: usize) {
        let end = self.len;
        let Some(gone) = self.slots.get_mut(n..end) else { return };
        self.len = n;
        for slot in gone {
            if !owns_nothing(slot) {
                drop(std::mem::replace(slot, Value::None));
            }
        }
    }

    /// Replaces the top `n` values (`1 <= n <= len`) by `v`: a call's
    /// callee and arguments by its result, inline (no call to
    /// [`OperandStack::truncate`] and no separate push).
    #[inline(always)]
    pub(crate) fn replace_top(&mut self, n: usize, v: Value) {
        let Some(at) = self.len.checked_sub(n).filter(|_| n > 0) else {
            return self.push(v);
        };
        if let Some(gone) = self.slots.get_mut(at + 1..self.len) {
            for slot in gone {
                if !owns_nothing(slot) {
                    drop(std::mem::replace(slot, Value::None));
                }
            }
        }
        self.len = at + 1;
        if let Some(slot) = self.slots.get_mut(at) {
            drop(std::mem::replace(slot, v));
        }
    }

    /// Drops the top `n` values (all of them if fewer), inline; those that
    /// own nothing stay in their freed slots, as [`OperandStack::truncate`]
    /// leaves them.
    #[inline(always)]
    pub(crate) fn drop_top(&mut self, n: usize) {
        let at = self.len.saturating_sub(n);
        if let Some(gone) = self.slots.get_mut(at..self.len) {
            for slot in gone {
                if !owns_nothing(slot) {
                    drop(std::mem::replace(slot, Value::None));
                }
            }
        }
        self.len = at;
    }

    /// The top value.
    #[inline(always)]
    pub(crate) fn last(&self) -> Option<&Value> {
        self.slots.get(self.len.checked_sub(1)?)
    }

    pub(crate) fn clear(&mut self) {
        self.truncate(0);
    }

    /// Takes the values from `at` up, bottom first.
    pub(crate) fn split_off(&mut self, at: usize) -> Vec<Value> {
        let Some(taken) = self.slots.get_mut(at..self.len) else { return Vec::new() };
        let out = taken.iter_mut().map(|slot| std::mem::replace(slot, Value::None)).collect();
        self.len = at;
        out
    }

    pub(crate) fn extend(&mut self, values: impl IntoIterator<Item = Value>) {
        for v in values {
            self.push(v);
        }
    }

    /// Puts `v` at `at`, moving the values above it up one.
    pub(crate) fn insert(&mut self, at: usize, v: Value) {
        self.push(v);
        if let Some(moved) = self.slots.get_mut(at..self.len) {
            moved.rotate_right(1);
        }
    }

    /// The slots' room (held or not), for deciding whether to keep it.
    pub(crate) fn capacity(&self) -> usize {
        self.slots.capacity()
    }

    /// The values held, bottom first.
    pub(crate) fn into_values(self) -> impl Iterator<Item = Value> {
        let mut slots = self.slots;
        slots.truncate(self.len);
        slots.into_iter()
    }
}

/// Values that hold no allocation: dropping one does nothing.
#[inline(always)]
fn owns_nothing(v: &Value) -> bool {
    matches!(v, Value::None | Value::Int(_) | Value::Bool(AlignedBool(_)) | Value::Float(_))
}

impl Deref for OperandStack {
    type Target = [Value];

    #[inline(always)]
    fn deref(&self) -> &[Value] {
        self.slots.get(..self.len).unwrap_or_default()
    }
}

impl DerefMut for OperandStack {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut [Value] {
        self.slots.get_mut(..self.len).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ints(s: &OperandStack) -> Vec<i64> {
        s.iter().map(|v| if let Value::Int(i) = v { *i } else { -1 }).collect()
    }

    #[test]
    fn pushes_and_pops_reuse_the_freed_slots() {
        let mut s = OperandStack::default();
        s.extend((0..4).map(Value::Int));
        assert_eq!(s.pop_int(), Some(3));
        assert_eq!(s.len(), 3);
        s.push(Value::Int(9));
        assert_eq!(ints(&s), [0, 1, 2, 9]);
        assert_eq!(s.slots.len(), 4, "the freed slot was reused");
        assert!(matches!(s.pop(), Some(Value::Int(9))));
        assert!(matches!(s.slots[3], Value::None), "pop leaves None behind");
        s.truncate(1);
        assert_eq!(ints(&s), [0]);
        assert!(s.slots[1..].iter().all(owns_nothing));
        s.clear();
        assert!(s.pop().is_none());
        assert!(s.pop_int().is_none());
        assert!(s.is_empty());
    }

    #[test]
    fn values_that_own_something_are_dropped_when_they_leave() {
        let list = Rc::new(crate::value::ListObj::new(Vec::new()));
        let mut s = OperandStack::default();
        s.push(Value::List(Rc::clone(&list)));
        s.push(Value::Str(crate::value::Str::new("x")));
        assert_eq!(s.pop_int(), None, "a str is not popped as an int");
        s.truncate(0);
        assert_eq!(Rc::strong_count(&list), 1, "truncate dropped the stack's reference");
        assert!(s.slots.iter().all(owns_nothing));
        s.push(Value::List(Rc::clone(&list)));
        let taken = s.split_off(0);
        assert_eq!(Rc::strong_count(&list), 2, "split_off moves the value out");
        drop(taken);
        assert_eq!(Rc::strong_count(&list), 1);
    }

    #[test]
    fn replace_top_puts_a_result_in_place_of_a_call() {
        let list = Rc::new(crate::value::ListObj::new(Vec::new()));
        let mut s = OperandStack::default();
        s.push(Value::Int(1));
        s.push(Value::List(Rc::clone(&list)));
        s.push(Value::Str(crate::value::Str::new("x")));
        s.push(Value::Int(0));
        s.replace_top(3, Value::Int(7));
        assert_eq!(ints(&s), [1, 7]);
        assert_eq!(Rc::strong_count(&list), 1, "the callee's slot was released");
        assert!(s.slots[2..].iter().all(owns_nothing), "the arguments' slots own nothing");
        s.replace_top(1, Value::Int(8));
        assert_eq!(ints(&s), [1, 8]);
        s.drop_top(5);
        assert!(s.is_empty(), "more than held: all of them");
    }

    #[test]
    fn split_off_insert_and_into_values_see_only_the_held_values() {
        let mut s = OperandStack::from_values((0..5).map(Value::Int).collect());
        let top: Vec<Value> = s.split_off(3);
        assert_eq!(top.len(), 2);
        assert_eq!(ints(&s), [0, 1, 2]);
        assert!(s.split_off(7).is_empty(), "past the top: nothing, no panic");
        s.insert(1, Value::Int(7));
        assert_eq!(ints(&s), [0, 7, 1, 2]);
        s.swap(0, 3);
        assert_eq!(ints(&s), [2, 7, 1, 0]);
        assert_eq!(s.last().map(|v| matches!(v, Value::Int(0))), Some(true));
        assert_eq!(s.into_values().count(), 4);
    }
}
