//! The containers' storage: a list's, a tuple's, a deque's and a dict's
//! data, each dropped without recursion, with what the memory count and the
//! undo journal need of it (its cost now, its marks and stamps). Only data:
//! each type's behaviour (methods, operators, indexing, `repr`) is in its
//! file under `types/`, which names this one, not the other way round
//! (issue #59: the value layer's data names no behaviour).

use std::cell::{BorrowError, BorrowMutError, Cell, Ref, RefCell, RefMut};
use std::collections::VecDeque;

use super::*;
use crate::gc::store_cell::JournaledList;
use crate::mem::{AccountRef, Owner};

/// A list's storage (drops its items without recursion) and whether the
/// registry must measure it again at its next sync (`gc`): the items are
/// reachable only through the methods below, and every mutable access sets
/// the mark, so no change to its buffer escapes the memory count, while a
/// sync skips the lists nothing changed (nested lists built once: most of a
/// sync's visits).
#[derive(Default)]
pub struct ListObj {
    items: RefCell<Vec<Value>>,
    remeasure: Cell<bool>,
    /// The cell it was made or last journaled in (`undo`).
    stamp: crate::epoch::JournalStamp,
}

impl ListObj {
    pub(crate) fn new(items: Vec<Value>) -> ListObj {
        ListObj {
            items: RefCell::new(items),
            remeasure: Cell::new(false),
            stamp: crate::epoch::JournalStamp::new(),
        }
    }

    /// A list of `items` just made, and what it costs now (as
    /// [`ListObj::mem_cost`] would measure it), for its registration by
    /// the one who made it: the items are read once, the list is not
    /// borrowed, and it is marked only if some of its items are charged
    /// through it.
    #[inline]
    pub(crate) fn new_measured(items: Vec<Value>) -> (ListObj, usize) {
        let unowned = items.iter().map(Value::unowned_cost).sum::<usize>();
        let cost = crate::mem::rc_block::<ListObj>()
            + crate::mem::vec_block::<Value>(items.capacity())
            + unowned;
        let l = ListObj::new(items);
        if unowned > 0 {
            l.mark();
        }
        (l, cost)
    }

    #[inline]
    pub fn borrow(&self) -> Ref<'_, Vec<Value>> {
        self.items.borrow()
    }

    #[inline]
    pub fn try_borrow(&self) -> Result<Ref<'_, Vec<Value>>, BorrowError> {
        self.items.try_borrow()
    }

    /// The items, to change: marks the list for measuring at the next sync,
    /// counts as a store (a cycle may form: `gc::cycles_possible`), and
    /// journals them if this is the running cell's first change (`undo`).
    #[inline]
    pub fn borrow_mut(&self) -> RefMut<'_, Vec<Value>> {
        self.mark();
        crate::gc::store_cell::note_store();
        self.before_change();
        self.items.borrow_mut()
    }

    /// See [`ListObj::borrow_mut`].
    #[inline]
    pub fn try_borrow_mut(&self) -> Result<RefMut<'_, Vec<Value>>, BorrowMutError> {
        self.mark();
        crate::gc::store_cell::note_store();
        self.before_change();
        self.items.try_borrow_mut()
    }

    /// The items, to append to (and nothing else): as [`ListObj::borrow_mut`],
    /// but the journal keeps only the length of a list the cell did not
    /// change before (a rollback truncates it), not a copy of its items.
    #[inline]
    pub fn borrow_mut_to_append(&self) -> RefMut<'_, Vec<Value>> {
        self.mark();
        crate::gc::store_cell::note_store();
        if self.stamp.append_pending() {
            self.journal_length();
        }
        self.items.borrow_mut()
    }

    #[inline]
    fn before_change(&self) {
        if self.stamp.change_pending() {
            self.journal_items();
        }
    }

    /// Whether a change now would first save its items in the running
    /// cell's journal (`undo`), for the charge of that copy before it.
    #[inline]
    pub(crate) fn journal_pending(&self) -> bool {
        self.stamp.change_pending()
    }

    /// Saves its items in the running cell's journal now if a change would
    /// (the copy was charged: `types::journal_before_change`).
    pub(crate) fn journal_now(&self) {
        self.before_change();
    }

    #[cold]
    #[inline(never)]
    fn journal_items(&self) {
        if let Ok(items) = self.items.try_borrow() {
            items.journal_change(&self.stamp, self.addr());
        }
    }

    #[cold]
    #[inline(never)]
    fn journal_length(&self) {
        if let Ok(items) = self.items.try_borrow() {
            items.journal_append(&self.stamp, self.addr());
        }
    }

    /// The address the journal knows this list by.
    pub(crate) fn addr(&self) -> usize {
        self as *const ListObj as *const u8 as usize
    }

    /// Puts back items the journal saved (`None`: keep the first `len`),
    /// returning the ones taken out: no store counted, nothing journaled.
    pub(crate) fn restore(&self, items: Option<Vec<Value>>, len: usize) -> Vec<Value> {
        let Ok(mut now) = self.items.try_borrow_mut() else { return Vec::new() };
        self.mark();
        match items {
            Some(items) => std::mem::replace(&mut *now, items),
            None => {
                let keep = len.min(now.len());
                now.split_off(keep)
            }
        }
    }

    #[inline]
    fn mark(&self) {
        if !self.remeasure.get() {
            self.remeasure.set(true);
            crate::gc::track::note_list_change();
        }
    }

    /// Its allocations now: the `Rc` box, the reserved buffer, and the items
    /// no one else charges (`Value::unowned_cost`). `None` while it is being
    /// changed (its previous charge then stands). For its registration,
    /// which charges it at this cost: the mark is cleared, unless some of its
    /// items are charged through it or it is being changed (then it is set
    /// anew, so that the next sync of its registry visits it).
    pub(crate) fn mem_cost(&self) -> Option<usize> {
        self.remeasure.set(false);
        match self.measure() {
            Some((cost, holds_unowned)) => {
                if holds_unowned {
                    self.mark();
                }
                Some(cost)
            }
            None => {
                self.mark();
                None
            }
        }
    }

    /// For a sync: its cost now, if it is marked (else `None`), and whether
    /// it stays marked: the mark is cleared unless the list holds values
    /// charged through it (functions, exceptions, awaitables...), whose own
    /// size may change without the list changing. A list being changed right
    /// now keeps its mark (and its previous charge).
    pub(crate) fn mem_cost_if_marked(&self) -> (Option<usize>, bool) {
        if !self.remeasure.get() {
            return (None, false);
        }
        match self.measure() {
            Some((cost, holds_unowned)) => {
                self.remeasure.set(holds_unowned);
                (Some(cost), holds_unowned)
            }
            None => (None, true),
        }
    }

    /// Its items, as many as a measure of it reads (0 while it is borrowed).
    pub(crate) fn measured_len(&self) -> usize {
        self.items.try_borrow().map_or(0, |items| items.len())
    }

    /// Its cost and whether part of it is its items' (`unowned_cost`).
    fn measure(&self) -> Option<(usize, bool)> {
        let items = self.items.try_borrow().ok()?;
        let unowned = items.iter().map(Value::unowned_cost).sum::<usize>();
        Some((
            crate::mem::rc_block::<ListObj>()
                + crate::mem::vec_block::<Value>(items.capacity())
                + unowned,
            unowned > 0,
        ))
    }
}

impl Drop for ListObj {
    fn drop(&mut self) {
        // Its registry entry is dead now: the next sync must visit the lists.
        crate::gc::track::note_list_change();
        defer_drop(std::mem::take(self.items.get_mut()));
    }
}

/// A tuple's storage (drops its items without recursion). Immutable, so it
/// is charged to the current account once, when made (`Value::tuple`), and
/// credits that account the same amount when dropped.
pub struct TupleObj(pub Vec<Value>, Owner);

impl TupleObj {
    /// A tuple of `items`, charged to the current account.
    pub(crate) fn new(items: Vec<Value>) -> TupleObj {
        let t = TupleObj(items, Owner::current());
        t.1.charge(t.mem_cost());
        t
    }

    /// Charge it to `to` if it was made outside any session (see
    /// `mem::Owner::adopt`); returns whether it was (its items are then the
    /// caller's to adopt).
    pub(crate) fn adopt(&self, to: &AccountRef) -> bool {
        self.1.adopt(to, self.mem_cost())
    }

    /// Its items, moved out of a tuple nothing else holds (an unpack): what
    /// they and their buffer were charged is credited now, the rest when
    /// the emptied tuple drops.
    pub(crate) fn take_items(&mut self) -> Vec<Value> {
        let before = self.mem_cost();
        let items = std::mem::take(&mut self.0);
        self.1.credit(before.saturating_sub(self.mem_cost()));
        items
    }

    /// Its allocations: the `Rc` box, the items' buffer, and the items that
    /// no one else charges (`Value::unowned_cost`).
    pub(crate) fn mem_cost(&self) -> usize {
        crate::mem::rc_block::<TupleObj>()
            + crate::mem::vec_block::<Value>(self.0.capacity())
            + self.0.iter().map(Value::unowned_cost).sum::<usize>()
    }
}

impl std::ops::Deref for TupleObj {
    type Target = Vec<Value>;
    fn deref(&self) -> &Vec<Value> {
        &self.0
    }
}

impl Drop for TupleObj {
    fn drop(&mut self) {
        self.1.credit(self.mem_cost());
        defer_drop(std::mem::take(&mut self.0));
    }
}

/// A deque's storage, its optional `maxlen`, and how many times it was
/// mutated: its iterators compare that count, as CPython's do, so that a
/// mutation which keeps the length (`append` then `popleft`, `rotate`)
/// still raises "deque mutated during iteration".
pub struct DequeObj {
    pub items: StoreCell<VecDeque<Value>>,
    pub maxlen: Option<usize>,
    mutations: std::cell::Cell<u64>,
}

impl std::ops::Deref for DequeObj {
    type Target = StoreCell<VecDeque<Value>>;
    fn deref(&self) -> &StoreCell<VecDeque<Value>> {
        &self.items
    }
}

impl DequeObj {
    /// A deque of `items`, at most `maxlen` long.
    pub fn new(items: VecDeque<Value>, maxlen: Option<usize>) -> DequeObj {
        DequeObj { items: StoreCell::new(items), maxlen, mutations: std::cell::Cell::new(0) }
    }

    /// How many times it was mutated (its iterators' stamp).
    pub(crate) fn mutations(&self) -> u64 {
        self.mutations.get()
    }

    /// Records a mutation that CPython's deque counts (every one that adds,
    /// removes or moves items; not item assignment).
    pub(crate) fn mutated(&self) {
        self.mutated_by(1);
    }

    /// Records `n` mutations at once (an unbounded `extend` of `n` items).
    pub(crate) fn mutated_by(&self, n: u64) {
        self.mutations.set(self.mutations.get().wrapping_add(n));
    }

    /// Its allocations now (see `ListObj::mem_cost`).
    pub(crate) fn mem_cost(&self) -> Option<usize> {
        let items = self.items.try_borrow().ok()?;
        Some(
            crate::mem::rc_block::<DequeObj>()
                + crate::mem::vec_block::<Value>(items.capacity())
                + items.iter().map(Value::unowned_cost).sum::<usize>(),
        )
    }
}

impl Drop for DequeObj {
    fn drop(&mut self) {
        defer_drop(std::mem::take(self.items.get_mut()).into());
    }
}

/// Which flavour of dict (the `collections` subclasses share the storage).
#[derive(Clone)]
pub enum DictKind {
    Plain,
    Counter,
    Ordered,
    Default(Value),
}

pub struct Dict {
    pub map: Map,
    pub kind: DictKind,
    /// How many keys left the table from within it (and twice per change
    /// of order), and where the last one was: an iterator reading the table
    /// in place (`IterState::DictEntries`) moves its position back when
    /// the one removal since its last step was before it, as CPython's
    /// iterator, whose table keeps a hole there, reads on from the same
    /// entry. Inserts append (the length tells), values change in place.
    /// 32 bits each (every dict carries them): the count wraps only after
    /// 2^32 removals, which between two steps of one loop would also take
    /// as many inserts, far past any fuel limit.
    removals: u32,
    removed_at: u32,
}

impl Dict {
    /// The contents of a view of this dict: its keys (`kind` 0), its values
    /// (1) or its items as pairs (2).
    pub(crate) fn view_items(&self, kind: u8) -> Vec<Value> {
        match kind {
            0 => self.map.keys().map(|k| k.0.clone()).collect(),
            1 => self.map.values().cloned().collect(),
            _ => self.map.iter().map(|(k, v)| Value::tuple(vec![k.0.clone(), v.clone()])).collect(),
        }
    }

    pub fn new() -> Dict {
        Dict::with_kind(Map::default(), DictKind::Plain)
    }

    pub fn with_kind(map: Map, kind: DictKind) -> Dict {
        Dict { map, kind, removals: 0, removed_at: 0 }
    }

    /// Removes `k` in order, noting where it was (see `removals`).
    pub(crate) fn remove(&mut self, k: &Key) -> Option<Value> {
        let (i, _, v) = self.map.shift_remove_full(k)?;
        self.removed_at(i);
        Some(v)
    }

    /// The entry at `i` is about to be removed in order.
    #[inline]
    pub(crate) fn removed_at(&mut self, i: usize) {
        self.removals = self.removals.wrapping_add(1);
        self.removed_at = u32::try_from(i).unwrap_or(u32::MAX);
    }

    /// The order changed: an iterator cannot tell where it is (two
    /// removals' worth, so that it reports the keys changed).
    pub(crate) fn reordered(&mut self) {
        self.removals = self.removals.wrapping_add(2);
    }

    /// Removals so far and where the last one was (see `removals`).
    #[inline]
    pub(crate) fn removals(&self) -> (u32, usize) {
        (self.removals, self.removed_at as usize)
    }

    /// A copy with the same removals' record (a journal's save).
    pub(crate) fn saved_copy(&self) -> Dict {
        Dict {
            map: self.map.clone(),
            kind: self.kind.clone(),
            removals: self.removals,
            removed_at: self.removed_at,
        }
    }
}

/// One entry of a dict's table: its hash, key and value.
pub(crate) type DictEntry = (u64, Key, Value);

impl Dict {
    /// Its allocations now: the `Rc<RefCell<_>>` box, the table at its
    /// reserved capacity, and the keys and values no one else charges
    /// (`Value::unowned_cost`). `None` while it is being changed.
    pub(crate) fn mem_cost(d: &StoreCell<Dict>) -> Option<usize> {
        let d = d.try_borrow().ok()?;
        let mut items: usize =
            d.map.iter().map(|(k, v)| k.0.unowned_cost() + v.unowned_cost()).sum();
        if let DictKind::Default(f) = &d.kind {
            items += f.unowned_cost();
        }
        Some(
            crate::mem::rc_block::<StoreCell<Dict>>()
                + crate::mem::table_block(d.map.capacity(), std::mem::size_of::<DictEntry>())
                + items,
        )
    }
}

impl Default for Dict {
    fn default() -> Self {
        Dict::new()
    }
}

impl Drop for Dict {
    fn drop(&mut self) {
        let map = std::mem::take(&mut self.map);
        let mut items = Vec::with_capacity(map.len() * 2);
        for (k, v) in map {
            items.push(k.0);
            items.push(v);
        }
        if let DictKind::Default(f) = std::mem::replace(&mut self.kind, DictKind::Plain) {
            items.push(f);
        }
        defer_drop(items);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    /// The cost a list literal is registered at is what a sync would
    /// measure of it, and it stays marked only if some item is charged
    /// through it.
    #[test]
    fn a_new_list_costs_what_a_sync_measures() {
        let with_unowned = vec![
            Value::Int(1),
            Value::str("abc"),
            Value::Range(Rc::new((0, 10, 1))),
            Value::list(Vec::new()),
        ];
        let plain = vec![Value::Int(1), Value::list(Vec::new())];
        for (items, stays_marked) in [(with_unowned, true), (plain, false)] {
            let (l, cost) = ListObj::new_measured(items);
            assert_eq!(l.remeasure.get(), stays_marked);
            assert_eq!(Some(cost), l.mem_cost());
            assert_eq!(l.remeasure.get(), stays_marked);
        }
    }
}
