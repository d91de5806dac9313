//! The journal of one cell's changes to what existed before it, so that a
//! limit error can roll the session back to the state before the program
//! (issue #53: a model that spent five steps building up its findings must
//! not lose them because its sixth program looped too long).
//!
//! Copy-on-first-write: each cell runs in an *epoch* (a number fresh on
//! the thread), and every mutable container carries a `JournalStamp`, the epoch
//! it was made or last journaled in (both in `epoch.rs`, which names no
//! value: a container's cell carries its stamp without naming the journal). The first change a cell makes to a
//! container of an earlier epoch first saves its contents (a shallow copy:
//! the items are shared, so a value nested in it keeps its identity) in its
//! session's journal, keyed by the container's address; a container made in
//! the cell is never journaled. A list only appended to is journaled by its
//! length alone (`results.append(x)` on a long list copies nothing); its
//! first other change in the cell saves the items before that length.
//! The cell's global bindings are saved at its start.
//!
//! While a journal holds a container's saved contents it holds its old
//! items, so everything reachable at the cell's start stays alive until the
//! cell ends, and the journal's own buffers are charged to the session.
//! A rollback (`Vm::roll_back`) puts the globals back and each journaled
//! container's contents back into the same object, found among its account's
//! registered containers (`gc::restore_journaled`); a cell that ends any
//! other way drops its journal: its changes stand.
//!
//! Not journaled, and so left as the failed cell left them: iterators and
//! generators kept in variables (their position), `io.StringIO` buffers, and
//! containers another session made (docs/divergences.md).

use std::collections::{HashMap, VecDeque};

use crate::epoch::JournalStamp;
use crate::gc::store_cell::{Journaled, JournaledList};
use crate::value::{Dict, HashState, KeySet, Value};

/// What a container held before the running cell first changed it.
pub enum Saved {
    List(Vec<Value>),
    /// A list only appended to so far: its length then.
    ListLen(usize),
    Dict(Dict),
    Set(KeySet),
    Deque(VecDeque<Value>),
    Cell(Option<Value>),
}

impl Saved {
    /// The bytes its copy holds (charged to the session while journaled):
    /// its buffers, and the values in it that no one else charges.
    fn mem_cost(&self) -> usize {
        use crate::mem::{table_block, vec_block};
        let unowned = |vs: &mut dyn Iterator<Item = &Value>| -> usize {
            vs.map(Value::unowned_cost).sum::<usize>()
        };
        match self {
            Saved::List(v) => vec_block::<Value>(v.capacity()) + unowned(&mut v.iter()),
            Saved::ListLen(_) | Saved::Cell(None) => 0,
            Saved::Cell(Some(v)) => v.unowned_cost(),
            Saved::Dict(d) => {
                table_block(d.map.capacity(), std::mem::size_of::<(u64, Value, Value)>())
                    + unowned(&mut d.map.values())
            }
            Saved::Set(s) => table_block(s.capacity(), std::mem::size_of::<(u64, Value)>()),
            Saved::Deque(d) => vec_block::<Value>(d.capacity()) + unowned(&mut d.iter()),
        }
    }
}

// The contents of a `StoreCell` as the journal saves them, before the
// running cell first changes them (the cell checks its stamp, then asks).

impl Journaled for Dict {
    fn journal(&self, addr: usize) {
        record(addr, Saved::Dict(self.saved_copy()));
    }
}

impl Journaled for KeySet {
    fn journal(&self, addr: usize) {
        record(addr, Saved::Set(self.clone()));
    }
}

impl Journaled for VecDeque<Value> {
    fn journal(&self, addr: usize) {
        record(addr, Saved::Deque(self.clone()));
    }
}

impl Journaled for Option<Value> {
    fn journal(&self, addr: usize) {
        record(addr, Saved::Cell(self.clone()));
    }
}

/// One session's journal of the running cell (see the module docs).
#[derive(Default)]
pub(crate) struct Journal {
    /// The epoch of the cell it journals (0: no cell).
    pub(crate) epoch: u32,
    /// The global bindings at the cell's start.
    pub(crate) globals: Option<Vec<Option<Value>>>,
    /// Saved contents by the address of the container's cell.
    pub(crate) saved: HashMap<usize, Saved, HashState>,
    /// What the saved contents cost, charged to the session.
    pub(crate) bytes: usize,
}

impl Journal {
    /// Empties it (a value's drop never recurses: containers defer their
    /// items), returning the bytes its copies were charged.
    pub(crate) fn clear(&mut self) -> usize {
        self.globals = None;
        self.saved.clear();
        self.epoch = 0;
        std::mem::take(&mut self.bytes)
    }
}

impl Saved {
    /// Its values, moved into `out` (to drop without recursion).
    pub(crate) fn into_values(self, out: &mut Vec<Value>) {
        match self {
            Saved::List(v) => out.extend(v),
            // A dict's own drop lets its entries go without recursion.
            Saved::Dict(d) => drop(d),
            Saved::Set(s) => out.extend(s.into_iter().map(|k| k.0)),
            Saved::Deque(d) => out.extend(d),
            Saved::Cell(v) => out.extend(v),
            Saved::ListLen(_) => {}
        }
    }
}

/// Saves `saved` for the container whose cell is at `addr` in the current
/// session's journal, charging its copy to the session.
#[cold]
#[inline(never)]
fn record(addr: usize, saved: Saved) {
    let cost = saved.mem_cost();
    crate::gc::with_session(|session| {
        if let Ok(mut j) = session.journal.try_borrow_mut() {
            j.bytes = j.bytes.saturating_add(cost);
            j.saved.insert(addr, saved);
            session.account.charge(cost);
        }
    });
}

impl JournaledList for [Value] {
    #[inline]
    fn journal_change(&self, stamp: &JournalStamp, addr: usize) {
        if stamp.upgrade_from_length() {
            upgrade_list(addr, self);
        } else if stamp.first_change().is_some() {
            record(addr, Saved::List(self.to_vec()));
        }
    }

    #[inline]
    fn journal_append(&self, stamp: &JournalStamp, addr: usize) {
        if stamp.first_append().is_some() {
            record(addr, Saved::ListLen(self.len()));
        }
    }
}

/// A list journaled by its length is about to change otherwise: save the
/// items before that length (appends left them as they were).
#[cold]
#[inline(never)]
fn upgrade_list(addr: usize, items: &[Value]) {
    let len = crate::gc::current_session().and_then(|a| {
        a.journal.try_borrow().ok().and_then(|j| match j.saved.get(&addr) {
            Some(Saved::ListLen(n)) => Some(*n),
            _ => None,
        })
    });
    if let Some(n) = len {
        record(addr, Saved::List(items[..n.min(items.len())].to_vec()));
    }
}
