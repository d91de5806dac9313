//! The registry of one session's mutable containers: each container is
//! registered (weakly) when made, charged then, re-charged at its current
//! size when the registry is synced, and credited when a sync finds it dead.
//! The cycle collector (`gc`) starts from the registered containers.
//!
//! Lists are kept apart from the other kinds: a sync skips them all, without
//! visiting one, when no list of the thread was changed or dropped since the
//! last sync (nested lists built once: most of a sync's visits), and the
//! registry notes whether a reference can have been stored into an existing
//! object since it was made (`cycles_possible`): if not, no cycle exists and
//! a collection would free nothing.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use super::store_cell::stores;
use super::track::{Track, list_changes};
use crate::cost::{
    BIG_REGISTRY_FROM, FUEL_PER_ENTRY_SYNCED, FUEL_PER_ENTRY_SYNCED_BIG, ITEMS_MEASURED_PER_UNIT,
};
use crate::mem::Account;
use crate::value::*;

/// A weakly registered mutable container (see the module docs).
pub(super) enum Tracked {
    List(Weak<ListObj>),
    Dict(Weak<StoreCell<Dict>>),
    Set(Weak<StoreCell<KeySet>>),
    FrozenSet(Weak<FrozenSetObj>),
    Deque(Weak<DequeObj>),
    Cell(Weak<StoreCell<Option<Value>>>),
    Iter(Weak<RefCell<IterState>>),
}

impl Tracked {
    /// The container's address (it stays allocated, if dead, while its
    /// entry holds the weak reference: no other object has it).
    pub(super) fn addr(&self) -> usize {
        match self {
            Tracked::List(w) => w.as_ptr() as *const u8 as usize,
            Tracked::Dict(w) => w.as_ptr() as *const u8 as usize,
            Tracked::Set(w) => w.as_ptr() as *const u8 as usize,
            Tracked::FrozenSet(w) => w.as_ptr() as *const u8 as usize,
            Tracked::Deque(w) => w.as_ptr() as *const u8 as usize,
            Tracked::Cell(w) => w.as_ptr() as *const u8 as usize,
            Tracked::Iter(w) => w.as_ptr() as *const u8 as usize,
        }
    }

    fn alive(&self) -> bool {
        match self {
            Tracked::List(w) => w.strong_count() > 0,
            Tracked::Dict(w) => w.strong_count() > 0,
            Tracked::Set(w) => w.strong_count() > 0,
            Tracked::FrozenSet(w) => w.strong_count() > 0,
            Tracked::Deque(w) => w.strong_count() > 0,
            Tracked::Cell(w) => w.strong_count() > 0,
            Tracked::Iter(w) => w.strong_count() > 0,
        }
    }

    /// How many items measuring it reads (a dict's entries, a set's or a
    /// deque's items; 0 where its cost is a constant or a field).
    fn measured_len(&self) -> usize {
        match self {
            Tracked::Dict(w) => w.upgrade().and_then(|d| d.try_borrow().ok().map(|d| d.map.len())),
            Tracked::Set(w) => w.upgrade().and_then(|s| s.try_borrow().ok().map(|s| s.len())),
            Tracked::Deque(w) => w.upgrade().and_then(|d| d.try_borrow().ok().map(|d| d.len())),
            _ => None,
        }
        .unwrap_or(0)
    }

    /// What the container holds in memory now (each type states its cost),
    /// or `None` if it is dead or being changed right now.
    fn mem_cost(&self) -> Option<usize> {
        match self {
            Tracked::List(w) => w.upgrade()?.mem_cost(),
            Tracked::Dict(w) => Dict::mem_cost(&*w.upgrade()?),
            Tracked::Set(w) => set_cost(&*w.upgrade()?),
            // Immutable: what registering it charged stays its cost (a
            // sync re-measured every frozenset of `f = frozenset([f])`'s
            // chain, a quarter of that program's time).
            Tracked::FrozenSet(_) => None,
            Tracked::Deque(w) => w.upgrade()?.mem_cost(),
            Tracked::Cell(w) => cell_cost(&*w.upgrade()?),
            Tracked::Iter(w) => IterState::mem_cost(&*w.upgrade()?),
        }
    }
}

fn set_cost(s: &StoreCell<KeySet>) -> Option<usize> {
    let s = s.try_borrow().ok()?;
    Some(crate::mem::rc_block::<StoreCell<KeySet>>() + crate::value::set_table_mem_cost(&s))
}

fn frozenset_cost(s: &KeySet) -> usize {
    crate::mem::rc_block::<KeySet>() + crate::value::set_table_mem_cost(s)
}

fn cell_cost(c: &StoreCell<Option<Value>>) -> Option<usize> {
    let c = c.try_borrow().ok()?;
    Some(
        crate::mem::rc_block::<StoreCell<Option<Value>>>()
            + c.as_ref().map_or(0, Value::unowned_cost),
    )
}

/// A registered container and the bytes charged for it so far. A dead
/// entry's charge includes the `Rc` box, which its weak reference keeps
/// allocated until the entry is pruned.
pub(super) struct Entry {
    pub(super) obj: Tracked,
    charged: usize,
}

/// Entries per chunk of the registry: the registry grows by one chunk at a
/// time (charged before it is allocated), never by doubling one buffer, so
/// its growth costs no copy and stays inside the budget's slack. Each part
/// (lists, others) has its last chunk partly empty: 256 entries (6 KiB) keep
/// a small session's two below the one chunk of 1,024 a single part had.
const CHUNK: usize = 256;

/// What a sync found of one entry.
enum Measured {
    Dead,
    /// Alive, and its charge stands (not marked, or being changed now).
    Unchanged,
    Now(usize),
}

/// Entries in fixed chunks of [`CHUNK`] (one part of a registry).
struct Chunks {
    chunks: Vec<Vec<Entry>>,
    len: usize,
}

impl Chunks {
    const fn new() -> Chunks {
        Chunks { chunks: Vec::new(), len: 0 }
    }

    fn iter(&self) -> impl Iterator<Item = &Entry> {
        self.chunks.iter().flatten()
    }

    /// Whether the next push allocates a chunk.
    fn full(&self) -> bool {
        self.chunks.last().is_none_or(|c| c.len() == CHUNK)
    }

    fn push(&mut self, e: Entry) {
        match self.chunks.last_mut() {
            Some(c) if c.len() < CHUNK => c.push(e),
            _ => {
                let mut c = Vec::with_capacity(CHUNK);
                c.push(e);
                self.chunks.push(c);
            }
        }
        self.len += 1;
    }

    /// Measure every entry, re-charge the live ones and drop the dead ones;
    /// returns the bytes to credit and to charge. Compacted in place: the
    /// live entries move down into the slots of the dead ones and emptied
    /// chunks are freed, so a sync allocates nothing (building fresh chunks
    /// left the old ones as holes in the heap: 108 MB over the budget for
    /// 4.5 M nested lists).
    fn sync(&mut self, mut measure: impl FnMut(&Tracked) -> Measured) -> (usize, usize) {
        let (mut credit, mut charge, mut kept) = (0usize, 0usize, 0usize);
        for read in 0..self.len {
            let e = &mut self.chunks[read / CHUNK][read % CHUNK];
            match measure(&e.obj) {
                Measured::Dead => {
                    credit += e.charged;
                    continue;
                }
                Measured::Unchanged => {}
                Measured::Now(now) => {
                    charge += now;
                    credit += e.charged;
                    e.charged = now;
                }
            }
            if kept != read {
                swap_entries(&mut self.chunks, kept, read);
            }
            kept += 1;
        }
        // The dead entries are now past `kept`: drop them (releasing the
        // `Rc` boxes their weak references held) and the emptied chunks
        // (none, mostly: then no call to drop an empty tail).
        let chunks_kept = kept.div_ceil(CHUNK);
        if self.chunks.len() > chunks_kept {
            self.chunks.truncate(chunks_kept);
        }
        if let Some(last) = self.chunks.last_mut() {
            last.truncate(kept - (kept - 1) / CHUNK * CHUNK);
        }
        self.len = kept;
        (credit, charge)
    }
}

/// One session's registered containers (see the module docs).
pub(crate) struct Registry {
    lists: Chunks,
    /// Every other kind.
    others: Chunks,
    prune_at: usize,
    /// Bytes charged for the chunks and the lists of them.
    buffer_charged: usize,
    /// Registered containers after the last collection: the next one is due
    /// when their number has grown fourfold (so collecting stays linear
    /// overall, at a third of a visit per registration).
    pub(super) after_collect: usize,
    /// The session's live bytes after the last collection (see
    /// `gc::collect_due`).
    pub(super) live_after_collect: usize,
    /// `list_changes()` at the last sync (`None` before the first).
    list_changes_seen: Option<u64>,
    /// Lists the last visit of the lists left marked (see [`Registry::sync`]).
    lists_left_marked: usize,
    /// `stores()` when the registry was made (see [`Registry::cycles_possible`]).
    stores_at_start: u64,
    /// Set when a container made outside the session was adopted after a
    /// store on this thread: it may hold a cycle made before it came.
    adopted_after_stores: bool,
    /// Fuel the syncs did work for, not yet charged ([`Registry::take_owed_fuel`]).
    owed_fuel: u64,
}

impl Registry {
    pub(crate) fn new() -> Registry {
        Registry {
            lists: Chunks::new(),
            others: Chunks::new(),
            prune_at: 1024,
            buffer_charged: 0,
            after_collect: 0,
            live_after_collect: 0,
            list_changes_seen: None,
            lists_left_marked: 0,
            stores_at_start: stores(),
            adopted_after_stores: false,
            owed_fuel: 0,
        }
    }

    /// The fuel the syncs since the last call did work for (every sync
    /// adds to it, whoever asked for it; the memory check charges it).
    pub(crate) fn take_owed_fuel(&mut self) -> u64 {
        std::mem::take(&mut self.owed_fuel)
    }

    /// Registered containers (dead ones included until a sync prunes them).
    pub(super) fn len(&self) -> usize {
        self.lists.len + self.others.len
    }

    /// Every entry: the lists, then the others (a collection's node `i` is
    /// the `i`-th).
    pub(super) fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.lists.iter().chain(self.others.iter())
    }

    /// Whether this session's containers can hold a cycle. A cycle needs a
    /// reference stored into an object that existed before the object it
    /// refers to (its youngest member is referred to by an older one), and
    /// the only objects the collector follows that take references after
    /// they are made are lists, dicts, sets, deques and closure cells, each
    /// changed only through a `StoreCell` (or a list's own `borrow_mut`),
    /// which counts the store (`stores`); tuples, functions, coroutines and
    /// module objects get theirs when made. So while no store happened on
    /// this thread since the registry was made, and nothing that may hold
    /// an older cycle was adopted, no cycle exists: a collection would free
    /// nothing.
    pub(super) fn cycles_possible(&self) -> bool {
        self.adopted_after_stores || stores() != self.stores_at_start
    }

    /// Re-charge every live container at its current cost and drop the dead
    /// ones, crediting what they were charged (see [`Chunks::sync`]).
    ///
    /// A list is measured only if marked (changed since it was last
    /// measured, or holding values charged through it: `ListObj`), and the
    /// lists are not visited at all when no list of this thread was marked or
    /// dropped since the last sync and none was left marked: each is then
    /// alive (a dead one was dropped) and charged at its current size.
    pub(super) fn sync(&mut self, account: &Account) {
        let changes = list_changes();
        let skip_lists = self.lists_left_marked == 0 && self.list_changes_seen == Some(changes);
        let (mut credit, mut charge) = (0usize, 0usize);
        // The work of this sync, owed as fuel (`take_owed_fuel`).
        let mut items = 0usize;
        let visited = if skip_lists { self.others.len } else { self.len() };
        if !skip_lists {
            let mut left_marked = 0usize;
            (credit, charge) = self.lists.sync(|obj| {
                let Tracked::List(w) = obj else { return Measured::Unchanged };
                let Some(l) = w.upgrade() else { return Measured::Dead };
                let (now, marked) = l.mem_cost_if_marked();
                left_marked += usize::from(marked);
                if now.is_some() {
                    items += l.measured_len();
                }
                now.map_or(Measured::Unchanged, Measured::Now)
            });
            self.lists_left_marked = left_marked;
        }
        // A dict, set or deque is measured whole at every sync too, its
        // items each read: owed as a list's are (a loop making an iterator
        // a round beside a dict of 10^6 keys walked it every 1,024 rounds
        // unpaid, ~25,000 instructions a round).
        let (c, d) = self.others.sync(|obj| {
            if !obj.alive() {
                return Measured::Dead;
            }
            let now = obj.mem_cost();
            if now.is_some() {
                items += obj.measured_len();
            }
            now.map_or(Measured::Unchanged, Measured::Now)
        });
        // A visit misses the cache once the containers outgrow it.
        let rate = if visited >= BIG_REGISTRY_FROM {
            FUEL_PER_ENTRY_SYNCED_BIG
        } else {
            FUEL_PER_ENTRY_SYNCED
        };
        self.owed_fuel = self.owed_fuel.saturating_add(
            (visited as u64)
                .saturating_mul(rate)
                .saturating_add(items as u64 / ITEMS_MEASURED_PER_UNIT),
        );
        // As read before the visit: a list marked during it (none is)
        // makes the next sync visit them all again.
        self.list_changes_seen = Some(changes);
        account.credit(credit + c);
        account.charge(charge + d);
        self.prune_at = (self.len() * 2).max(1024);
        self.charge_buffer(account);
    }

    fn charge_buffer(&mut self, account: &Account) {
        let now = crate::mem::vec_block::<Vec<Entry>>(self.lists.chunks.capacity())
            + crate::mem::vec_block::<Vec<Entry>>(self.others.chunks.capacity())
            + (self.lists.chunks.len() + self.others.chunks.len())
                * crate::mem::vec_block::<Entry>(CHUNK);
        account.credit(self.buffer_charged);
        account.charge(now);
        self.buffer_charged = now;
    }

    /// Adds `e`: into the last chunk of its part when it has room and no
    /// sync is due (inline: a registration per container made), else
    /// through [`Registry::push_slow`].
    #[inline]
    fn push(&mut self, e: Entry, account: &Account) {
        if self.len() < self.prune_at {
            let part =
                if matches!(e.obj, Tracked::List(_)) { &mut self.lists } else { &mut self.others };
            if let Some(c) = part.chunks.last_mut() {
                if c.len() < CHUNK {
                    c.push(e);
                    part.len += 1;
                    return;
                }
            }
        }
        self.push_slow(e, account);
    }

    /// [`Registry::push`] when a sync is due or a chunk must be added.
    #[cold]
    fn push_slow(&mut self, e: Entry, account: &Account) {
        if self.len() >= self.prune_at {
            self.sync(account);
        }
        let part =
            if matches!(e.obj, Tracked::List(_)) { &mut self.lists } else { &mut self.others };
        if part.full() {
            // Charged before it is allocated.
            account.charge(crate::mem::vec_block::<Entry>(CHUNK));
            self.buffer_charged += crate::mem::vec_block::<Entry>(CHUNK);
            part.push(e);
            self.charge_buffer(account);
        } else {
            part.push(e);
        }
    }
}

/// Swap entries `a` < `b` of one part (by position across its chunks).
fn swap_entries(chunks: &mut [Vec<Entry>], a: usize, b: usize) {
    let (ca, oa, cb, ob) = (a / CHUNK, a % CHUNK, b / CHUNK, b % CHUNK);
    if ca == cb {
        chunks[ca].swap(oa, ob);
    } else {
        let (low, high) = chunks.split_at_mut(cb);
        std::mem::swap(&mut low[ca][oa], &mut high[0][ob]);
    }
}

/// Register `t`, whose cost now is `cost()`, with the current session's
/// account. Outside any session nothing is registered (nor held for it
/// between sessions): such a value is registered when a session adopts it.
#[inline]
fn register(t: Tracked, cost: impl FnOnce() -> Option<usize>) {
    if let Some(session) = super::current_session() {
        let session = &*session;
        let charged = cost().unwrap_or(0);
        session.account.charge(charged);
        // A container is registered while its session's registry is being
        // synced only if a `mem_cost` made one, which none does; skip it then.
        if let Ok(mut r) = session.registry.try_borrow_mut() {
            r.push(Entry { obj: t, charged }, &session.account);
        }
    }
}

/// Bring `account`'s memory count up to date for its registered containers
/// (their buffers grow and shrink in place) and forget the dead ones.
/// Returns the fuel owed for the work of the syncs since the last call, for
/// the caller to charge.
pub(crate) fn sync(session: &super::Session) -> u64 {
    let Ok(mut r) = session.registry.try_borrow_mut() else { return 0 };
    r.sync(&session.account);
    r.take_owed_fuel()
}

impl Track for ListObj {
    fn track(l: &Rc<ListObj>) {
        register(Tracked::List(Rc::downgrade(l)), || l.mem_cost());
    }
}

/// A list just made, whose cost its maker measured (`ListObj::new_measured`):
/// a list literal, the most frequent registration, without looking the list
/// up again.
#[inline]
pub(crate) fn track_new_list(l: &Rc<ListObj>, cost: usize) {
    super::with_session(|session| {
        session.account.charge(cost);
        // As in `register`: skipped while the registry is being synced.
        if let Ok(mut r) = session.registry.try_borrow_mut() {
            r.push(Entry { obj: Tracked::List(Rc::downgrade(l)), charged: cost }, &session.account);
        }
    });
}

impl Track for StoreCell<Dict> {
    fn track(d: &Rc<StoreCell<Dict>>) {
        register(Tracked::Dict(Rc::downgrade(d)), || Dict::mem_cost(d));
    }
}

impl Track for StoreCell<KeySet> {
    fn track(s: &Rc<StoreCell<KeySet>>) {
        register(Tracked::Set(Rc::downgrade(s)), || set_cost(s));
    }
}

impl Track for FrozenSetObj {
    fn track(s: &Rc<FrozenSetObj>) {
        register(Tracked::FrozenSet(Rc::downgrade(s)), || Some(frozenset_cost(s)));
    }
}

impl Track for DequeObj {
    fn track(d: &Rc<DequeObj>) {
        register(Tracked::Deque(Rc::downgrade(d)), || d.mem_cost());
    }
}

impl Track for StoreCell<Option<Value>> {
    fn track(c: &Rc<StoreCell<Option<Value>>>) {
        register(Tracked::Cell(Rc::downgrade(c)), || cell_cost(c));
    }
}

impl Track for RefCell<IterState> {
    fn track(i: &Rc<RefCell<IterState>>) {
        register(Tracked::Iter(Rc::downgrade(i)), || IterState::mem_cost(i));
    }
}

/// A container made outside any session is being adopted by the current
/// one (`adopt`): if anything was stored into an object on this thread
/// before, it may hold a cycle that no store after the registry's start
/// made, so the registry stops ruling cycles out.
pub(crate) fn note_adopted() {
    if let Some(session) = super::current_session() {
        if stores() != 0 {
            if let Ok(mut r) = session.registry.try_borrow_mut() {
                r.adopted_after_stores = true;
            }
        }
    }
}

/// A live container a rollback puts contents back into.
enum Restored {
    List(Rc<ListObj>),
    Dict(Rc<StoreCell<Dict>>),
    Set(Rc<StoreCell<KeySet>>),
    Deque(Rc<DequeObj>),
    Cell(Rc<StoreCell<Option<Value>>>),
}

/// Puts back, into each of `account`'s live containers the journal names
/// (by the address of its cell), the contents it saved (`undo`); returns the
/// values taken out, to drop without recursion. Containers the registry
/// does not hold (another session's) are left as they are.
pub(crate) fn restore_journaled(
    session: &super::Session,
    saved: &mut std::collections::HashMap<usize, crate::undo::Saved, HashState>,
) -> Vec<Value> {
    use crate::undo::Saved;
    let mut found = Vec::new();
    if let Ok(registry) = session.registry.try_borrow() {
        for e in registry.entries() {
            if saved.is_empty() {
                break;
            }
            let (addr, live) = match &e.obj {
                Tracked::List(w) => match w.upgrade() {
                    Some(l) => (l.addr(), Restored::List(l)),
                    None => continue,
                },
                Tracked::Dict(w) => match w.upgrade() {
                    Some(d) => (d.addr(), Restored::Dict(d)),
                    None => continue,
                },
                Tracked::Set(w) => match w.upgrade() {
                    Some(s) => (s.addr(), Restored::Set(s)),
                    None => continue,
                },
                Tracked::Deque(w) => match w.upgrade() {
                    Some(d) => (d.items.addr(), Restored::Deque(d)),
                    None => continue,
                },
                Tracked::Cell(w) => match w.upgrade() {
                    Some(c) => (c.addr(), Restored::Cell(c)),
                    None => continue,
                },
                Tracked::FrozenSet(_) | Tracked::Iter(_) => continue,
            };
            if let Some(s) = saved.remove(&addr) {
                found.push((live, s));
            }
        }
    }
    let mut out = Vec::new();
    for (live, s) in found {
        let old = match (live, s) {
            (Restored::List(l), Saved::List(items)) => Saved::List(l.restore(Some(items), 0)),
            (Restored::List(l), Saved::ListLen(n)) => Saved::List(l.restore(None, n)),
            (Restored::Dict(d), Saved::Dict(x)) => match d.restore(x) {
                Some(old) => Saved::Dict(old),
                None => continue,
            },
            (Restored::Set(c), Saved::Set(x)) => match c.restore(x) {
                Some(old) => Saved::Set(old),
                None => continue,
            },
            (Restored::Deque(d), Saved::Deque(x)) => match d.items.restore(x) {
                Some(old) => Saved::Deque(old),
                None => continue,
            },
            (Restored::Cell(c), Saved::Cell(x)) => match c.restore(x) {
                Some(old) => Saved::Cell(old),
                None => continue,
            },
            // A journal entry of another kind than its container: never made.
            (_, other) => other,
        };
        old.into_values(&mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether the session's registry still rules cycles out.
    fn possible(session: &crate::gc::SessionRef) -> bool {
        session.registry.borrow().cycles_possible()
    }

    type Cell = Rc<StoreCell<Option<Value>>>;

    #[test]
    fn building_values_rules_cycles_out_and_any_store_rules_them_in() {
        // One fresh session per kind of store.
        let stores: [fn(&[Value], &Cell); 5] = [
            |v, _| {
                let Value::List(l) = &v[0] else { unreachable!() };
                l.borrow_mut().push(Value::Int(1));
            },
            |v, _| {
                let Value::Dict(d) = &v[1] else { unreachable!() };
                d.borrow_mut().map.insert(Key(Value::Int(1)), Value::None);
            },
            |v, _| {
                let Value::Set(s) = &v[2] else { unreachable!() };
                s.borrow_mut().insert(Key(Value::Int(1)));
            },
            |v, _| {
                let Value::Deque(d) = &v[3] else { unreachable!() };
                d.borrow_mut().push_back(Value::None);
            },
            |_, c| *c.borrow_mut() = Some(Value::None),
        ];
        for store in stores {
            let session = crate::gc::Session::new();
            let _in = crate::gc::enter(&session);
            let cell: Cell = Rc::new(StoreCell::new(None));
            Track::track(&cell);
            let values = [
                Value::list(vec![Value::list(vec![Value::list(Vec::new())])]),
                Value::dict(Dict::new()),
                Value::new_set(KeySet::default()),
                Value::Deque(Rc::new(DequeObj::new(std::collections::VecDeque::new(), None))),
                Value::tuple(vec![Value::list(Vec::new())]),
            ];
            assert!(!possible(&session), "made, not stored into");
            store(&values, &cell);
            assert!(possible(&session), "stored into");
        }
    }

    #[test]
    fn adopting_a_container_after_a_store_rules_cycles_in() {
        // Made outside any session, after a store on this thread: it may
        // hold a cycle that no store after the session's start made.
        let detached = Value::list(Vec::new());
        if let Value::List(l) = &detached {
            l.borrow_mut().push(Value::Int(1));
        }
        let session = crate::gc::Session::new();
        let _in = crate::gc::enter(&session);
        assert!(!possible(&session));
        crate::adopt::adopt(&detached, &session.account);
        assert!(possible(&session));
    }
}
