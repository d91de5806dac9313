//! Cycle collection when a session ends. Values are reference counted, so a
//! program that builds a cycle (`x.append(x)`, a recursive closure) would
//! leak it. When the VM is dropped we run CPython's algorithm over the
//! containers reachable from the session: a container whose reference count
//! exceeds the references from other containers is held from outside (the
//! embedder kept a value) and stays intact, with everything it reaches; the
//! rest is garbage, and clearing its contents breaks the cycles.
//!
//! A cycle that became unreachable during the run (`x = []; x.append(x);
//! x = 1`) is not reachable from the session at its end, so every mutable
//! container (list, dict, set, deque, closure cell) is also registered at
//! creation, weakly, in the registry of the account it is charged to (its
//! session's, see `mem`; one made outside any session is registered when a
//! session adopts it, see `adopt`), and the collector starts from the live
//! ones as well
//! (found by fuzzing: a 240-byte `ListObj` cycle leaked). Objects of other
//! sessions reached from them are held from outside and stay intact. Dead
//! entries are pruned whenever the registry doubles.
//!
//! The registry also keeps the containers' memory charges: each entry holds
//! what its container was last charged; `sync` re-charges the live ones at
//! their current capacity and credits the dead ones.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::{Rc, Weak};

use crate::mem::Account;
use crate::value::*;

/// A closure cell.
type CellRef = Rc<RefCell<Option<Value>>>;

/// A weakly registered mutable container (see the module docs).
enum Tracked {
    List(Weak<ListObj>),
    Dict(Weak<RefCell<Dict>>),
    Set(Weak<RefCell<KeySet>>),
    FrozenSet(Weak<KeySet>),
    Deque(Weak<DequeObj>),
    Cell(Weak<RefCell<Option<Value>>>),
    Iter(Weak<RefCell<IterState>>),
}

impl Tracked {
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

    /// What the container holds in memory now (each type states its cost),
    /// or `None` if it is dead or being changed right now.
    fn mem_cost(&self) -> Option<usize> {
        match self {
            Tracked::List(w) => w.upgrade()?.mem_cost(),
            Tracked::Dict(w) => Dict::mem_cost(&*w.upgrade()?),
            Tracked::Set(w) => {
                let s = w.upgrade()?;
                let s = s.try_borrow().ok()?;
                Some(
                    crate::mem::rc_block::<RefCell<KeySet>>()
                        + crate::types::set::table_mem_cost(&s),
                )
            }
            Tracked::FrozenSet(w) => {
                let s = w.upgrade()?;
                Some(crate::mem::rc_block::<KeySet>() + crate::types::set::table_mem_cost(&s))
            }
            Tracked::Deque(w) => w.upgrade()?.mem_cost(),
            Tracked::Cell(w) => {
                let c = w.upgrade()?;
                let c = c.try_borrow().ok()?;
                Some(
                    crate::mem::rc_block::<RefCell<Option<Value>>>()
                        + c.as_ref().map_or(0, Value::unowned_cost),
                )
            }
            Tracked::Iter(w) => IterState::mem_cost(&*w.upgrade()?),
        }
    }
}

/// A registered container and the bytes charged for it so far. A dead
/// entry's charge includes the `Rc` box, which its weak reference keeps
/// allocated until the entry is pruned.
struct Entry {
    obj: Tracked,
    charged: usize,
}

/// Entries per chunk of the registry: the registry grows by one chunk at a
/// time (charged before it is allocated), never by doubling one buffer, so
/// its growth costs no copy and stays inside the budget's slack.
const CHUNK: usize = 1024;

/// One account's registered containers (see the module docs).
pub(crate) struct Registry {
    chunks: Vec<Vec<Entry>>,
    len: usize,
    prune_at: usize,
    /// Bytes charged for the chunks and the list of them.
    buffer_charged: usize,
    /// Registered containers after the last collection: the next one is due
    /// when their number has grown fourfold (so collecting stays linear
    /// overall, at a third of a visit per registration).
    after_collect: usize,
}

impl Registry {
    pub(crate) const fn new() -> Registry {
        Registry { chunks: Vec::new(), len: 0, prune_at: 1024, buffer_charged: 0, after_collect: 0 }
    }

    fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.chunks.iter().flatten()
    }

    /// Re-charge every live container at its current cost and drop the dead
    /// ones, crediting what they were charged. Compacted in place: the live
    /// entries move down into the slots of the dead ones and emptied chunks
    /// are freed, so a sync allocates nothing (building fresh chunks left the
    /// old ones as holes in the heap: 108 MB over the budget for 4.5 M
    /// nested lists).
    fn sync(&mut self, account: &Account) {
        let mut credit = 0usize;
        let mut charge = 0usize;
        let mut kept = 0usize;
        for read in 0..self.len {
            let e = &mut self.chunks[read / CHUNK][read % CHUNK];
            if !e.obj.alive() {
                credit += e.charged;
                continue;
            }
            if let Some(now) = e.obj.mem_cost() {
                charge += now;
                credit += e.charged;
                e.charged = now;
            }
            if kept != read {
                swap_entries(&mut self.chunks, kept, read);
            }
            kept += 1;
        }
        // The dead entries are now past `kept`: drop them (releasing the
        // `Rc` boxes their weak references held) and the emptied chunks.
        self.chunks.truncate(kept.div_ceil(CHUNK));
        if let Some(last) = self.chunks.last_mut() {
            last.truncate(kept - (kept - 1) / CHUNK * CHUNK);
        }
        self.len = kept;
        account.credit(credit);
        account.charge(charge);
        self.prune_at = (self.len * 2).max(1024);
        self.charge_buffer(account);
    }

    fn charge_buffer(&mut self, account: &Account) {
        let now = crate::mem::vec_block::<Vec<Entry>>(self.chunks.capacity())
            + self.chunks.len() * crate::mem::vec_block::<Entry>(CHUNK);
        account.credit(self.buffer_charged);
        account.charge(now);
        self.buffer_charged = now;
    }

    fn push(&mut self, e: Entry, account: &Account) {
        if self.len >= self.prune_at {
            self.sync(account);
        }
        match self.chunks.last_mut() {
            Some(c) if c.len() < CHUNK => c.push(e),
            _ => {
                // Charged before it is allocated.
                account.charge(crate::mem::vec_block::<Entry>(CHUNK));
                self.buffer_charged += crate::mem::vec_block::<Entry>(CHUNK);
                let mut c = Vec::with_capacity(CHUNK);
                c.push(e);
                self.chunks.push(c);
                self.charge_buffer(account);
            }
        }
        self.len += 1;
    }
}

/// Swap entries `a` < `b` of the registry (by position across its chunks).
fn swap_entries(chunks: &mut [Vec<Entry>], a: usize, b: usize) {
    let (ca, oa, cb, ob) = (a / CHUNK, a % CHUNK, b / CHUNK, b % CHUNK);
    if ca == cb {
        chunks[ca].swap(oa, ob);
    } else {
        let (low, high) = chunks.split_at_mut(cb);
        std::mem::swap(&mut low[ca][oa], &mut high[0][ob]);
    }
}

fn register(t: Tracked) {
    // Outside any session nothing is registered (nor held for it between
    // sessions): such a value is registered when a session adopts it.
    if !crate::mem::in_session() {
        return;
    }
    let account = crate::mem::current();
    let charged = t.mem_cost().unwrap_or(0);
    account.charge(charged);
    // A container is registered while its account's registry is being
    // synced only if a `mem_cost` made one, which none does; skip it then.
    if let Ok(mut r) = account.registry.try_borrow_mut() {
        r.push(Entry { obj: t, charged }, &account);
    }
}

/// Bring `account`'s memory count up to date for its registered containers
/// (their buffers grow and shrink in place) and forget the dead ones.
/// Returns the number of containers visited, for the caller to charge as work.
pub(crate) fn sync(account: &Account) -> usize {
    let Ok(mut r) = account.registry.try_borrow_mut() else { return 0 };
    let n = r.len;
    r.sync(account);
    n
}

/// Bytes a collection would need for its own bookkeeping at the least:
/// [`NODE_BYTES`] per registered container.
pub(crate) fn collect_workspace(account: &Account) -> usize {
    account.registry.try_borrow().map_or(0, |r| r.len).saturating_mul(NODE_BYTES)
}

/// Whether a collection during the run is worth its cost: enough containers
/// were registered since the last one (fourfold, and at least 256 Ki, so
/// collecting stays linear overall), and what the session holds matters to
/// its budget (an eighth of it: below that, unreachable cycles cannot bring
/// the program near its limit, and they are collected when the session
/// ends). A program that only builds (`x = [x]` 10^7 times under 512 MiB)
/// collected at 345 K and 1.59 M containers for nothing, a third of its time.
pub(crate) fn collect_due(account: &Account, budget: usize) -> bool {
    account.live() >= budget / 8
        && account
            .registry
            .try_borrow()
            .is_ok_and(|r| r.len >= (4 * r.after_collect).max(256 * 1024))
}

pub(crate) fn track_list(l: &Rc<ListObj>) {
    register(Tracked::List(Rc::downgrade(l)));
}

pub(crate) fn track_dict(d: &Rc<RefCell<Dict>>) {
    register(Tracked::Dict(Rc::downgrade(d)));
}

pub(crate) fn track_set(s: &Rc<RefCell<KeySet>>) {
    register(Tracked::Set(Rc::downgrade(s)));
}

pub(crate) fn track_frozenset(s: &Rc<KeySet>) {
    register(Tracked::FrozenSet(Rc::downgrade(s)));
}

pub(crate) fn track_deque(d: &Rc<DequeObj>) {
    register(Tracked::Deque(Rc::downgrade(d)));
}

pub(crate) fn track_cell(c: &Rc<RefCell<Option<Value>>>) {
    register(Tracked::Cell(Rc::downgrade(c)));
}

pub(crate) fn track_iter(i: &Rc<RefCell<IterState>>) {
    register(Tracked::Iter(Rc::downgrade(i)));
}

/// `account`'s registered containers still alive, as roots and cells for
/// [`collect`] (the caller has just synced the registry: dead entries are
/// few, and skipped).
fn tracked_roots(account: &Account) -> (Vec<Value>, Vec<CellRef>) {
    let mut roots = Vec::new();
    let mut cells = Vec::new();
    let Ok(r) = account.registry.try_borrow() else { return (roots, cells) };
    roots.reserve_exact(r.len);
    for e in r.entries() {
        match &e.obj {
            Tracked::List(w) => roots.extend(w.upgrade().map(Value::List)),
            Tracked::Dict(w) => roots.extend(w.upgrade().map(Value::Dict)),
            Tracked::Set(w) => roots.extend(w.upgrade().map(Value::Set)),
            Tracked::Deque(w) => roots.extend(w.upgrade().map(Value::Deque)),
            Tracked::Cell(w) => cells.extend(w.upgrade()),
            // Registered for their memory only: the collector reaches
            // them (if at all) from what holds them.
            Tracked::FrozenSet(_) | Tracked::Iter(_) => {}
        }
    }
    (roots, cells)
}

/// After a collection: forget what it freed (a sync, only if it freed
/// anything) and note the registry's size for [`collect_due`].
fn note_collected(account: &Account, freed: bool) {
    if let Ok(mut r) = account.registry.try_borrow_mut() {
        if freed {
            r.sync(account);
        }
        r.after_collect = r.len;
    }
}

enum Node {
    List(Rc<ListObj>),
    Tuple(Rc<TupleObj>),
    Dict(Rc<RefCell<Dict>>),
    Set(Rc<RefCell<KeySet>>),
    Deque(Rc<DequeObj>),
    Func(Rc<Function>),
    Cell(Rc<RefCell<Option<Value>>>),
    Coroutine(Rc<RefCell<Coroutine>>),
    /// A module's object that holds values (`Native::held`): a dict view,
    /// a `functools.partial`, a csv reader or writer.
    Native(Rc<Native>),
}

enum Edge {
    Val(Value),
    Cell(Rc<RefCell<Option<Value>>>),
}

/// Whether the collector follows this value (see `Node::from_value`).
fn is_node(v: &Value) -> bool {
    matches!(
        v,
        Value::List(_)
            | Value::Tuple(_)
            | Value::Dict(_)
            | Value::Set(_)
            | Value::Deque(_)
            | Value::Func(_)
            | Value::Coroutine(_)
    ) || matches!(v, Value::Native(n) if n.holds_values())
}

impl Node {
    fn from_value(v: &Value) -> Option<(usize, Node)> {
        Some(match v {
            Value::List(l) => (Rc::as_ptr(l) as *const u8 as usize, Node::List(l.clone())),
            Value::Tuple(t) => (Rc::as_ptr(t) as *const u8 as usize, Node::Tuple(t.clone())),
            Value::Dict(d) => (Rc::as_ptr(d) as *const u8 as usize, Node::Dict(d.clone())),
            Value::Set(s) => (Rc::as_ptr(s) as *const u8 as usize, Node::Set(s.clone())),
            Value::Deque(d) => (Rc::as_ptr(d) as *const u8 as usize, Node::Deque(d.clone())),
            Value::Func(f) => (Rc::as_ptr(f) as *const u8 as usize, Node::Func(f.clone())),
            Value::Coroutine(c) => {
                (Rc::as_ptr(c) as *const u8 as usize, Node::Coroutine(c.clone()))
            }
            Value::Native(n) if n.holds_values() => {
                (Rc::as_ptr(n) as *const u8 as usize, Node::Native(n.clone()))
            }
            _ => return None,
        })
    }

    /// The value this node holds, to release (cells hold none of their own).
    fn into_value(self) -> Option<Value> {
        Some(match self {
            Node::List(x) => Value::List(x),
            Node::Tuple(x) => Value::Tuple(x),
            Node::Dict(x) => Value::Dict(x),
            Node::Set(x) => Value::Set(x),
            Node::Deque(x) => Value::Deque(x),
            Node::Func(x) => Value::Func(x),
            Node::Coroutine(x) => Value::Coroutine(x),
            Node::Native(x) => Value::Native(x),
            Node::Cell(_) => return None,
        })
    }

    fn strong(&self) -> usize {
        match self {
            Node::List(x) => Rc::strong_count(x),
            Node::Tuple(x) => Rc::strong_count(x),
            Node::Dict(x) => Rc::strong_count(x),
            Node::Set(x) => Rc::strong_count(x),
            Node::Deque(x) => Rc::strong_count(x),
            Node::Func(x) => Rc::strong_count(x),
            Node::Cell(x) => Rc::strong_count(x),
            Node::Coroutine(x) => Rc::strong_count(x),
            Node::Native(x) => Rc::strong_count(x),
        }
    }

    /// The references this node holds, into `v` (emptied first: one buffer
    /// serves every node, not an allocation each), or false if there are
    /// more than `limit` (the collection is then over its bookkeeping
    /// budget). One that is mutably borrowed right now (a collection during
    /// the run, inside a builtin) reports none: its children then look held
    /// from outside and are kept, the safe side.
    fn edges(&self, limit: usize, v: &mut Vec<Edge>) -> bool {
        v.clear();
        let at_most = limit.saturating_add(1);
        match self {
            // Only values that can be nodes are edges: a list of 16 M ints
            // would otherwise cost the collector 512 MB of edges.
            Node::List(l) => {
                if let Ok(l) = l.try_borrow() {
                    v.extend(l.iter().filter(|x| is_node(x)).take(at_most).cloned().map(Edge::Val))
                }
            }
            Node::Tuple(t) => {
                v.extend(t.iter().filter(|x| is_node(x)).take(at_most).cloned().map(Edge::Val))
            }
            Node::Dict(d) => {
                let Ok(d) = d.try_borrow() else { return true };
                for (k, x) in d.map.iter() {
                    if v.len() > limit {
                        return false;
                    }
                    if is_node(&k.0) {
                        v.push(Edge::Val(k.0.clone()));
                    }
                    if is_node(x) {
                        v.push(Edge::Val(x.clone()));
                    }
                }
                if let DictKind::Default(f) = &d.kind {
                    v.push(Edge::Val(f.clone()));
                }
            }
            Node::Set(s) => {
                if let Ok(s) = s.try_borrow() {
                    v.extend(
                        s.iter()
                            .filter(|k| is_node(&k.0))
                            .take(at_most)
                            .map(|k| Edge::Val(k.0.clone())),
                    )
                }
            }
            Node::Deque(d) => {
                if let Ok(d) = d.try_borrow() {
                    v.extend(d.iter().filter(|x| is_node(x)).take(at_most).cloned().map(Edge::Val))
                }
            }
            Node::Func(f) => {
                v.extend(f.defaults.iter().cloned().map(Edge::Val));
                v.extend(f.kwdefaults.iter().flatten().cloned().map(Edge::Val));
                v.extend(f.closure.iter().cloned().map(Edge::Cell));
            }
            Node::Cell(c) => {
                if let Ok(c) = c.try_borrow() {
                    v.extend(c.iter().cloned().map(Edge::Val))
                }
            }
            Node::Coroutine(c) => {
                let Ok(c) = c.try_borrow() else { return true };
                v.push(Edge::Val(Value::Func(c.func.clone())));
                v.extend(c.args.iter().cloned().map(Edge::Val));
                v.extend(c.kwargs.iter().map(|(_, x)| Edge::Val(x.clone())));
            }
            Node::Native(n) => n.held(|x| v.push(Edge::Val(x.clone()))),
        }
        v.len() <= limit
    }

    /// Take the contents out (breaking cycles); immutable nodes have none to
    /// take. Garbage is reachable only from garbage, so nothing can hold a
    /// borrow of it; a failed borrow is skipped all the same.
    fn clear(&self, out: &mut Vec<Value>) {
        match self {
            Node::List(l) => {
                if let Ok(mut l) = l.try_borrow_mut() {
                    out.extend(std::mem::take(&mut *l));
                }
            }
            Node::Dict(d) => {
                if let Ok(mut d) = d.try_borrow_mut() {
                    for (k, v) in std::mem::take(&mut d.map) {
                        out.push(k.0);
                        out.push(v);
                    }
                    if let DictKind::Default(f) = std::mem::replace(&mut d.kind, DictKind::Plain) {
                        out.push(f);
                    }
                }
            }
            Node::Set(s) => {
                if let Ok(mut s) = s.try_borrow_mut() {
                    out.extend(std::mem::take(&mut *s).into_iter().map(|k| k.0));
                }
            }
            Node::Deque(d) => {
                if let Ok(mut d) = d.try_borrow_mut() {
                    out.extend(std::mem::take(&mut *d));
                }
            }
            Node::Cell(c) => {
                if let Ok(mut c) = c.try_borrow_mut() {
                    out.extend(c.take());
                }
            }
            Node::Coroutine(c) => {
                if let Ok(mut c) = c.try_borrow_mut() {
                    out.extend(std::mem::take(&mut c.args));
                    out.extend(std::mem::take(&mut c.kwargs).into_iter().map(|(_, v)| v));
                }
            }
            // Immutable: a cycle through one also runs through a mutable
            // container, whose clearing breaks it.
            Node::Tuple(_) | Node::Func(_) | Node::Native(_) => {}
        }
    }
}

/// Collect the cycles among everything reachable from `roots` and `cells`
/// (which are consumed: the session is going away).
/// Collect unreachable cycles among the registered containers while the
/// program runs (called when the memory budget is about to be exceeded, so
/// cyclic garbage is freed rather than held until the session ends). Every
/// reference from outside the containers (frames, globals, a builtin's
/// locals) counts as a root by the reference counts alone. Returns the number
/// of objects visited, for the caller to charge as work.
pub(crate) fn collect_garbage(account: &Account) -> usize {
    if let Ok(mut r) = account.registry.try_borrow_mut() {
        r.sync(account);
    }
    collect(Vec::new(), Vec::new(), Some(account), usize::MAX)
}

/// [`collect_garbage`] within `workspace` bytes of bookkeeping, right after a
/// sync of the registry (the caller's): a collection that would need more (it follows every function, tuple and container its
/// roots reach, not only the registered ones: a list of 300 k lambdas is one
/// registered container and 300 k nodes) gives up and frees nothing.
pub(crate) fn collect_garbage_within(account: &Account, workspace: usize) -> usize {
    collect(Vec::new(), Vec::new(), Some(account), workspace / NODE_BYTES)
}

/// Bytes of bookkeeping per object a collection visits, bounded from above:
/// the root's clone (16), its node (16), its index entry (16 and a control
/// byte, in a table at most 7/8 full), its edge range (8), its edges (4
/// each, 16 or 24 in the node's temporary list), the work stack and the
/// counts (4 + 4 + 1 + 4), and the doubling of the vectors that grow past
/// what was reserved. Measured at the end of a collection of 0.8-1.6 M
/// nested lists: 52-55 bytes per node.
pub(crate) const NODE_BYTES: usize = 200;

/// With `tracked`, that account's registered containers are candidates too.
/// Returns the number of objects visited.
pub(crate) fn collect(
    mut roots: Vec<Value>,
    mut cells: Vec<Rc<RefCell<Option<Value>>>>,
    tracked: Option<&Account>,
    max_nodes: usize,
) -> usize {
    if let Some(account) = tracked {
        let (more_roots, more_cells) = tracked_roots(account);
        roots.extend(more_roots);
        cells.extend(more_cells);
    }
    // Indices are `u32` (a node costs at least 32 bytes of heap, so a
    // budget under 128 GiB cannot hold 2^32 of them; a collection that
    // would pass that gives up below).
    let max_nodes = max_nodes.min(u32::MAX as usize);
    let first = roots.len() + cells.len();
    let mut index: HashMap<usize, u32, HashState> =
        HashMap::with_capacity_and_hasher(first, HashState::default());
    let mut nodes: Vec<Node> = Vec::with_capacity(first);
    // Node `i`'s edges are `targets[ranges[i].0..ranges[i].1]` (one buffer,
    // not a vector per node: the collector is most of the cost of building
    // deep structures).
    let mut ranges: Vec<(u32, u32)> = Vec::with_capacity(first);
    let mut targets: Vec<u32> = Vec::with_capacity(first);
    let mut todo: Vec<u32> = Vec::with_capacity(first);
    let add = |e: &Edge,
               nodes: &mut Vec<Node>,
               index: &mut HashMap<usize, u32, HashState>,
               todo: &mut Vec<u32>|
     -> Option<u32> {
        let (ptr, node) = match e {
            Edge::Val(v) => Node::from_value(v)?,
            Edge::Cell(c) => (Rc::as_ptr(c) as *const u8 as usize, Node::Cell(c.clone())),
        };
        if let Some(&i) = index.get(&ptr) {
            return Some(i);
        }
        let i = nodes.len() as u32;
        nodes.push(node);
        index.insert(ptr, i);
        todo.push(i);
        Some(i)
    };
    for r in roots.iter() {
        add(&Edge::Val(r.clone()), &mut nodes, &mut index, &mut todo);
    }
    for c in cells.iter() {
        add(&Edge::Cell(c.clone()), &mut nodes, &mut index, &mut todo);
    }
    // The roots belong to the dying session: release them before counting.
    drop(roots);
    drop(cells);
    let mut es: Vec<Edge> = Vec::new();
    // Each node's reference count, read while it is in the cache for its
    // edges (a second pass over millions of nodes is a cache miss each).
    // Nothing runs during a collection, so it cannot change; no edge clone
    // is alive when it is read.
    let mut strong: Vec<usize> = Vec::with_capacity(first);
    while let Some(i) = todo.pop() {
        let i = i as usize;
        if strong.len() <= i {
            strong.resize(nodes.len(), 0);
        }
        strong[i] = nodes[i].strong();
        if !nodes[i].edges(max_nodes.saturating_sub(nodes.len()), &mut es) {
            // Over its bookkeeping budget: give up, freeing nothing (the
            // clones it holds are released without recursion).
            let visited = nodes.len();
            // (The edges are clones of what the nodes hold: not the last references.)
            drop(es);
            defer_drop(nodes.into_iter().filter_map(Node::into_value).collect());
            return visited;
        }
        let start = targets.len() as u32;
        for e in &es {
            if let Some(j) = add(e, &mut nodes, &mut index, &mut todo) {
                targets.push(j);
            }
        }
        es.clear();
        if ranges.len() <= i {
            ranges.resize(nodes.len(), (0, 0));
        }
        ranges[i] = (start, targets.len() as u32);
    }
    ranges.resize(nodes.len(), (0, 0));
    let mut internal = vec![0u32; nodes.len()];
    for &j in &targets {
        internal[j as usize] += 1;
    }
    // Held from outside: more references than our own clone plus internal edges.
    strong.resize(nodes.len(), 0);
    let mut alive: Vec<bool> =
        (0..nodes.len()).map(|i| strong[i] > 1 + internal[i] as usize).collect();
    drop(strong);
    drop(internal);
    let mut stack: Vec<u32> = (0..nodes.len() as u32).filter(|&i| alive[i as usize]).collect();
    while let Some(i) = stack.pop() {
        let (a, b) = ranges[i as usize];
        for &j in &targets[a as usize..b as usize] {
            if !alive[j as usize] {
                alive[j as usize] = true;
                stack.push(j);
            }
        }
    }
    let mut garbage = Vec::new();
    for (i, n) in nodes.iter().enumerate() {
        if !alive[i] {
            n.clear(&mut garbage);
        }
    }
    let visited = nodes.len();
    let freed = alive.iter().any(|a| !a);
    drop(nodes);
    defer_drop(garbage);
    if let Some(account) = tracked {
        note_collected(account, freed);
    }
    visited
}
