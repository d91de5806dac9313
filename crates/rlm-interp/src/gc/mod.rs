//! Cycle collection. Values are reference counted, so a program that builds
//! a cycle (`x.append(x)`, a recursive closure) would leak it. We run
//! CPython's algorithm over the containers: a container whose reference
//! count exceeds the references from other containers is held from outside
//! (a frame, a global, the embedder) and stays intact, with everything it
//! reaches; the rest is garbage, and clearing its contents breaks the
//! cycles.
//!
//! A cycle that became unreachable during the run (`x = []; x.append(x);
//! x = 1`) is not reachable from the session, so every mutable container
//! (list, dict, set, deque, closure cell) is registered at creation, weakly,
//! in the registry of the session it is charged to (`registry.rs`, held by
//! [`Session`] beside the session's account, see `mem`; one made outside any
//! session is registered when a session adopts it, see `adopt`), and the collector starts from the live
//! ones (found by fuzzing: a 240-byte `ListObj` cycle leaked). Objects of
//! other sessions reached from them are held from outside and stay intact.
//! A collection runs during the run when due ([`collect_due`]) or over the
//! budget, and when the session ends; none runs while no cycle can exist
//! ([`cycles_possible`]).
//!
//! The registry also keeps the containers' memory charges: each entry holds
//! what its container was last charged; `sync` re-charges the live ones at
//! their current capacity and credits the dead ones.

mod registry;
// What the value layer names of the collector: value-free, so that the
// collector and the journal, which hold values, stay out of its circle.
pub(crate) mod store_cell;
pub(crate) mod track;

use registry::Tracked;
pub(crate) use registry::{Registry, note_adopted, restore_journaled, sync, track_new_list};
pub use store_cell::{Journaled, StoreCell};
pub(crate) use track::Track;

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use crate::mem::AccountRef;
use crate::value::*;

/// A session's state for its values: its memory count (`mem`: the account
/// its strings and tuples hold), the registry of its mutable containers and
/// the running cell's journal (`undo`: what a limit error rolls back). The
/// count is apart, in an `Rc` of its own, so that what holds an account names
/// neither the registry nor the journal, which hold values.
pub(crate) struct Session {
    /// What this session's values are charged to.
    pub(crate) account: AccountRef,
    pub(crate) registry: RefCell<Registry>,
    /// The running cell's journal (`undo`): what a limit error rolls back.
    pub(crate) journal: RefCell<crate::undo::Journal>,
}

/// A shared handle on a session (its meter's, and the current one's).
pub(crate) type SessionRef = Rc<Session>;

impl Session {
    pub(crate) fn new() -> SessionRef {
        Session::of(crate::mem::Account::new())
    }
}

thread_local! {
    /// The session whose code runs now (`None` outside any session).
    static CURRENT: RefCell<Option<SessionRef>> = const { RefCell::new(None) };
    /// What a meter of its own charges outside any session: the thread's
    /// detached account; nothing is registered or journaled there.
    static DETACHED: SessionRef = Session::of(crate::mem::detached());
}

impl Session {
    fn of(account: AccountRef) -> SessionRef {
        Rc::new(Session {
            account,
            registry: RefCell::new(Registry::new()),
            journal: RefCell::new(crate::undo::Journal::default()),
        })
    }
}

/// The session a meter of its own charges (a value's `Debug`, an error's
/// message): the current one, or outside any the thread's detached one, so
/// it charges the account new values are charged to (`mem::current`).
pub(crate) fn current_or_detached() -> SessionRef {
    current_session()
        .or_else(|| DETACHED.try_with(Rc::clone).ok())
        // Only while the thread is being torn down: nothing is checked then.
        .unwrap_or_else(|| Session::of(crate::mem::current()))
}

/// The current session (`None` outside any session: new values are then
/// detached, counted against no budget, and their containers are not
/// registered, so nothing is held for them between sessions; see
/// `mem::Owner::adopt`). One look-up, for registering a new container.
#[inline]
pub(crate) fn current_session() -> Option<SessionRef> {
    CURRENT.try_with(|c| c.borrow().clone()).ok().flatten()
}

/// Runs `f` with the current session, if any (see [`current_session`]),
/// without taking a reference to it: for registering each new list, the
/// most frequent registration.
#[inline]
pub(crate) fn with_session(f: impl FnOnce(&Session)) {
    let _ = CURRENT.try_with(|c| {
        // Only `enter` and its guard change it, never while `f` runs.
        if let Ok(c) = c.try_borrow() {
            if let Some(session) = &*c {
                f(session);
            }
        }
    });
}

/// Makes a session current until dropped (then the previous one again, so a
/// session run from inside another's host function nests).
pub(crate) struct Entered {
    prev: Option<SessionRef>,
    prev_epoch: u32,
    /// Its account, made current with it (`mem::enter`).
    _account: crate::mem::Entered,
}

/// Make `session` current: values made until the guard drops are charged to
/// its account, its new containers are registered with it, and changes to
/// its containers are journaled in its running cell's epoch (`undo`), if a
/// cell is running.
pub(crate) fn enter(session: &SessionRef) -> Entered {
    let epoch = session.journal.try_borrow().map_or(0, |j| j.epoch);
    let prev_epoch = crate::epoch::swap_epoch(epoch);
    let account = crate::mem::enter(&session.account);
    let prev = CURRENT.try_with(|c| c.replace(Some(session.clone()))).ok().flatten();
    Entered { prev, prev_epoch, _account: account }
}

impl Drop for Entered {
    fn drop(&mut self) {
        let prev = self.prev.take();
        let _ = CURRENT.try_with(|c| *c.borrow_mut() = prev);
        crate::epoch::swap_epoch(self.prev_epoch);
    }
}

/// Bytes a collection would need for its own bookkeeping at the least:
/// [`NODE_BYTES`] per registered container.
pub(crate) fn collect_workspace(session: &Session) -> usize {
    session.registry.try_borrow().map_or(0, |r| r.len()).saturating_mul(NODE_BYTES)
}

/// Whether `account`'s containers can hold a cycle at all
/// (`Registry::cycles_possible`: no reference was stored into an existing
/// object since the session began). If not, a collection would free nothing.
pub(crate) fn cycles_possible(session: &Session) -> bool {
    session.registry.try_borrow().map_or(true, |r| r.cycles_possible())
}

/// Whether a collection during the run is worth its cost: enough containers
/// were registered since the last one (fourfold, and at least 256 Ki, so
/// collecting stays linear overall), and what the session holds matters to
/// its budget (an eighth of it: below that, unreachable cycles cannot bring
/// the program near its limit, and they are collected when the session
/// ends). A program that only builds (`x = [x]` 10^7 times under 512 MiB)
/// collected at 345 K and 1.59 M containers for nothing, a third of its time.
///
/// The 256 Ki floor shrinks with a small budget, to the number of containers
/// whose bookkeeping ([`NODE_BYTES`] each) is an eighth of it: with a fixed
/// floor, a 16 MiB session making small cycles in a loop went over its budget
/// before a collection was due, and by then the collection's own bookkeeping
/// no longer fitted in the room left, so the program ended with the memory
/// error while its live data was a few names.
///
/// Or when the session's live bytes grew fourfold since the last collection
/// and past a thirty-second of the budget: a few large containers left in
/// cycles (`a = ["y"] * 1000; a.append(a)` in a loop) never reach the count
/// above, and collecting them only at the budget made the program fill the
/// whole budget with garbage between two collections, touching fresh pages
/// each time (issue #33: 5x CPython's time). Collections stay amortised
/// linear: each is paid by the fourfold growth before it.
pub(crate) fn collect_due(session: &Session, budget: usize) -> bool {
    let floor = (256 * 1024).min(budget / (8 * NODE_BYTES)).max(1024);
    let live = session.account.live();
    session.registry.try_borrow().is_ok_and(|r| {
        let by_count = live >= budget / 8 && r.len() >= (4 * r.after_collect).max(floor);
        let by_bytes = live >= r.live_after_collect.saturating_mul(4).max(budget / 32);
        by_count || by_bytes
    })
}

/// After a collection: forget what it freed (a sync, only if it freed
/// anything) and note the registry's size for [`collect_due`].
fn note_collected(session: &Session, freed: bool) {
    if let Ok(mut r) = session.registry.try_borrow_mut() {
        if freed {
            r.sync(&session.account);
        }
        r.after_collect = r.len();
        r.live_after_collect = session.account.live();
    }
}

enum Node {
    List(Rc<ListObj>),
    Tuple(Rc<TupleObj>),
    Dict(Rc<StoreCell<Dict>>),
    Set(Rc<StoreCell<KeySet>>),
    Deque(Rc<DequeObj>),
    Func(Rc<Function>),
    Cell(Rc<StoreCell<Option<Value>>>),
    Coroutine(Rc<RefCell<Coroutine>>),
    /// A module's object that holds values (`Native::held`): a dict view,
    /// a `functools.partial`, a csv reader or writer.
    Native(Rc<Native>),
}

enum Edge {
    Val(Value),
    Cell(Rc<StoreCell<Option<Value>>>),
}

/// Whether the collector follows this value (see `Node::from_value`).
fn is_node(v: &Value) -> bool {
    if let Value::Tuple(t) = v {
        return !atoms_only(t);
    }
    matches!(
        v,
        Value::List(_)
            | Value::Dict(_)
            | Value::Set(_)
            | Value::Deque(_)
            | Value::Func(_)
            | Value::Coroutine(_)
    ) || matches!(v, Value::Native(n) if n.holds_values())
}

/// Whether a tuple holds nothing the collector follows (ints, strings...),
/// looked at only for a short one, so that a look stays cheap: it can be in
/// no cycle and hold nothing alive, so it is no node (as CPython untracks
/// one). A deque of 524,288 `(i, i)` pairs was half a million nodes, ~30-60
/// MiB of bookkeeping when the rollback after a memory stop collected
/// (issue #77's `deque.remove`); a nested tuple counts as a node.
fn atoms_only(t: &TupleObj) -> bool {
    const SHORT: usize = 8;
    t.len() <= SHORT
        && t.iter().all(|x| {
            !matches!(
                x,
                Value::List(_)
                    | Value::Tuple(_)
                    | Value::Dict(_)
                    | Value::Set(_)
                    | Value::Deque(_)
                    | Value::Func(_)
                    | Value::Coroutine(_)
                    | Value::Native(_)
            )
        })
}

impl Node {
    /// The node `e` leads to (a clone of it), if the collector follows it
    /// (see [`is_node`]).
    fn from_edge(e: &Edge) -> Option<Node> {
        Some(match e {
            Edge::Cell(c) => Node::Cell(c.clone()),
            Edge::Val(v) => match v {
                Value::List(l) => Node::List(l.clone()),
                Value::Tuple(t) if !atoms_only(t) => Node::Tuple(t.clone()),
                Value::Dict(d) => Node::Dict(d.clone()),
                Value::Set(s) => Node::Set(s.clone()),
                Value::Deque(d) => Node::Deque(d.clone()),
                Value::Func(f) => Node::Func(f.clone()),
                Value::Coroutine(c) => Node::Coroutine(c.clone()),
                Value::Native(n) if n.holds_values() => Node::Native(n.clone()),
                _ => return None,
            },
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

/// Collect the unreachable cycles among the registered containers (when
/// the session ends, after its roots were released), unless no cycle can
/// exist. Every reference from outside the containers counts as a root by
/// the reference counts alone. Returns the number of objects visited.
pub(crate) fn collect_garbage(session: &Session) -> Collected {
    collect_garbage_bounded(session, usize::MAX)
}

/// [`collect_garbage`] within `workspace` bytes of bookkeeping (see
/// [`collect_garbage_within`]), syncing the registry first.
pub(crate) fn collect_garbage_bounded(session: &Session, workspace: usize) -> Collected {
    if let Ok(mut r) = session.registry.try_borrow_mut() {
        r.sync(&session.account);
    }
    if !cycles_possible(session) {
        return Collected::default();
    }
    collect(Vec::new(), Vec::new(), Some(session), workspace / NODE_BYTES)
}

/// [`collect_garbage`] within `workspace` bytes of bookkeeping, right after a
/// sync of the registry (the caller's): a collection that would need more (it follows every function, tuple and container its
/// roots reach, not only the registered ones: a list of 300 k lambdas is one
/// registered container and 300 k nodes) gives up and frees nothing.
pub(crate) fn collect_garbage_within(session: &Session, workspace: usize) -> Collected {
    collect(Vec::new(), Vec::new(), Some(session), workspace / NODE_BYTES)
}

/// Bytes of bookkeeping per object a collection visits, bounded from above:
/// the root's clone (16), its node (16), its index entry (16 and a control
/// byte, in a table at most 7/8 full), its edge range (8), its edges (4
/// each, 16 or 24 in the node's temporary list), the work stack and the
/// counts (4 + 4 + 1 + 4), and the doubling of the vectors that grow past
/// what was reserved. Measured at the end of a collection of 0.8-1.6 M
/// nested lists: 52-55 bytes per node.
pub(crate) const NODE_BYTES: usize = 200;

/// What one collection did, for its fuel (`Vm::sync_memory`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Collected {
    /// Objects visited (nodes of the walk).
    pub(crate) visited: usize,
    /// Items taken out of the garbage and released (a list of 1,000
    /// strings left in a cycle is one object visited and 1,000 released).
    pub(crate) items: usize,
    /// References followed from one node to another (a list of 1,000
    /// references to the same list is two objects visited and 1,000 edges).
    pub(crate) edges: usize,
}

/// With `tracked`, that session's registered containers are candidates too.
pub(crate) fn collect(
    roots: Vec<Value>,
    cells: Vec<Rc<StoreCell<Option<Value>>>>,
    tracked: Option<&Session>,
    max_nodes: usize,
) -> Collected {
    // (The registry is borrowed only while a sync runs, which never collects.)
    let registry = tracked.and_then(|a| a.registry.try_borrow().ok());
    let mut walk = Walk::new(max_nodes, registry.as_deref(), roots.len() + cells.len());
    for r in roots.iter() {
        walk.add(&Edge::Val(r.clone()));
    }
    for c in cells.iter() {
        walk.add(&Edge::Cell(c.clone()));
    }
    // The roots belong to the dying session: release them before counting.
    drop(roots);
    drop(cells);
    let complete = walk.drain() && registry.as_deref().is_none_or(|r| walk.visit_registered(r));
    drop(registry);
    let edges = walk.targets.len();
    if !complete {
        // Not again before the next fourfold growth: a walk that gave up
        // would give up again, at the same cost, at every sync.
        let visited = walk.give_up();
        if let Some(account) = tracked {
            note_collected(account, false);
        }
        return Collected { visited, items: 0, edges };
    }
    let (visited, freed, items) = walk.finish();
    if let Some(account) = tracked {
        note_collected(account, freed);
    }
    Collected { visited, items, edges }
}

/// Where each registered container is among a collection's nodes (its
/// position in the registry), found by its address without hashing: the
/// addresses sorted, and a table of where each range of addresses starts.
/// Containers made one after the other sit close together in memory, and a
/// container mostly holds ones made near it, so the lookups of one walk
/// touch the same few cache lines (a hash index cost two cache misses per
/// container: half of a collection of 0.8 M nested lists).
struct RegIndex {
    /// (address, position in the registry), by address.
    sorted: Vec<(usize, u32)>,
    /// `sorted[starts[b]..starts[b + 1]]` are the addresses `a` with
    /// `(a - low) >> shift == b`.
    starts: Vec<u32>,
    low: usize,
    shift: u32,
    /// Later entries of containers registered twice, to skip.
    twice: Vec<u32>,
    /// Entries in the registry.
    entries: usize,
}

impl RegIndex {
    fn new(r: &Registry) -> RegIndex {
        let mut sorted: Vec<(usize, u32)> =
            r.entries().enumerate().map(|(i, e)| (e.obj.addr(), i as u32)).collect();
        sorted.sort_unstable();
        // A container registered twice is one node (at its first entry).
        let mut twice = Vec::new();
        sorted.dedup_by(|later, first| {
            let same = later.0 == first.0;
            if same {
                twice.push(later.1);
            }
            same
        });
        twice.sort_unstable();
        let (low, high) = match (sorted.first(), sorted.last()) {
            (Some(a), Some(b)) => (a.0, b.0),
            _ => (0, 0),
        };
        // About one address per range.
        let span = high - low;
        let mut shift = 0u32;
        while (span >> shift) >= sorted.len().max(1) {
            shift += 1;
        }
        let ranges = if sorted.is_empty() { 0 } else { (span >> shift) + 1 };
        let mut starts = Vec::with_capacity(ranges + 1);
        let mut at = 0usize;
        for b in 0..ranges {
            while at < sorted.len() && (sorted[at].0 - low) >> shift < b {
                at += 1;
            }
            starts.push(at as u32);
        }
        starts.push(sorted.len() as u32);
        RegIndex { sorted, starts, low, shift, twice, entries: r.len() }
    }

    fn find(&self, addr: usize) -> Option<u32> {
        let b = addr.checked_sub(self.low)? >> self.shift;
        let (&from, &to) = (self.starts.get(b)?, self.starts.get(b + 1)?);
        let range = &self.sorted[from as usize..to as usize];
        range.iter().find(|x| x.0 == addr).map(|x| x.1)
    }
}

/// One collection's bookkeeping: the objects found so far, their edges and
/// reference counts. The registered containers are nodes `0..n` (their
/// positions in the registry; `None` until found), the others follow.
struct Walk {
    max_nodes: usize,
    registered: Option<RegIndex>,
    /// The nodes that are not registered containers, by address.
    others: HashMap<usize, u32, HashState>,
    nodes: Vec<Option<Node>>,
    /// Node `i`'s edges are `targets[ranges[i].0..ranges[i].1]` (one buffer,
    /// not a vector per node).
    ranges: Vec<(u32, u32)>,
    targets: Vec<u32>,
    /// Each node's reference count, read while it is in the cache for its
    /// edges. Nothing runs during a collection, so it cannot change; no
    /// edge clone is alive when it is read, only the node's own.
    strong: Vec<usize>,
    /// Nodes found and not yet visited.
    todo: Vec<u32>,
    /// The edges of the node being visited (one buffer for all).
    es: Vec<Edge>,
}

impl Walk {
    fn new(max_nodes: usize, registry: Option<&Registry>, first: usize) -> Walk {
        // Indices are `u32` (a node costs at least 32 bytes of heap, so a
        // budget under 128 GiB cannot hold 2^32 of them; a collection that
        // would pass that gives up below).
        let max_nodes = max_nodes.min(u32::MAX as usize);
        let registered = registry.filter(|r| r.len() <= max_nodes).map(RegIndex::new);
        let n = registered.as_ref().map_or(0, |r| r.entries);
        let mut nodes = Vec::with_capacity(n + first);
        nodes.resize_with(n, || None);
        Walk {
            max_nodes,
            registered,
            others: HashMap::with_capacity_and_hasher(first, HashState::default()),
            nodes,
            ranges: vec![(0, 0); n],
            targets: Vec::with_capacity(n + first),
            strong: vec![0; n],
            todo: Vec::new(),
            es: Vec::new(),
        }
    }

    /// Visit every registered container not found yet, each as soon as it is
    /// found, while its `Rc` box is in the cache (a list of them first, then
    /// a walk over that list, cost three cache misses more per container).
    /// False if the collection is over its bookkeeping budget.
    fn visit_registered(&mut self, r: &Registry) -> bool {
        if self.registered.is_none() {
            // More registered containers than the bookkeeping allows.
            return false;
        }
        for (at, e) in r.entries().enumerate() {
            if self.registered_twice(at) || self.nodes[at].is_some() {
                continue;
            }
            let node = match &e.obj {
                Tracked::List(w) => w.upgrade().map(Node::List),
                Tracked::Dict(w) => w.upgrade().map(Node::Dict),
                Tracked::Set(w) => w.upgrade().map(Node::Set),
                Tracked::Deque(w) => w.upgrade().map(Node::Deque),
                Tracked::Cell(w) => w.upgrade().map(Node::Cell),
                // Registered for their memory only: the collector reaches
                // them (if at all) from what holds them.
                Tracked::FrozenSet(_) | Tracked::Iter(_) => None,
            };
            if let Some(node) = node {
                self.nodes[at] = Some(node);
                self.todo.push(at as u32);
                if !self.drain() {
                    return false;
                }
            }
        }
        true
    }

    /// Whether registry entry `at` is a later entry of a container
    /// registered twice (or past what the index covers).
    fn registered_twice(&self, at: usize) -> bool {
        match &self.registered {
            Some(r) => !r.twice.is_empty() && r.twice.binary_search(&(at as u32)).is_ok(),
            None => true,
        }
    }

    /// The index of the node `e` leads to, found now if new (`None`: not a node).
    fn add(&mut self, e: &Edge) -> Option<u32> {
        let (ptr, registrable) = match e {
            Edge::Val(v) => node_ptr(v)?,
            Edge::Cell(c) => (Rc::as_ptr(c) as *const u8 as usize, true),
        };
        if registrable {
            if let Some(i) = self.registered.as_ref().and_then(|r| r.find(ptr)) {
                if self.nodes[i as usize].is_none() {
                    self.nodes[i as usize] = Some(Node::from_edge(e)?);
                    self.todo.push(i);
                }
                return Some(i);
            }
        }
        match self.others.entry(ptr) {
            std::collections::hash_map::Entry::Occupied(o) => Some(*o.get()),
            std::collections::hash_map::Entry::Vacant(v) => {
                let i = self.nodes.len() as u32;
                self.nodes.push(Some(Node::from_edge(e)?));
                self.strong.push(0);
                self.ranges.push((0, 0));
                v.insert(i);
                self.todo.push(i);
                Some(i)
            }
        }
    }

    /// Visit every node found and not yet visited; false if the collection
    /// is over its bookkeeping budget.
    fn drain(&mut self) -> bool {
        while let Some(i) = self.todo.pop() {
            let i = i as usize;
            let Some(node) = &self.nodes[i] else { continue };
            self.strong[i] = node.strong();
            let limit = self.max_nodes.saturating_sub(self.nodes.len());
            let mut es = std::mem::take(&mut self.es);
            if !node.edges(limit, &mut es) {
                self.es = es;
                return false;
            }
            let start = self.targets.len() as u32;
            for e in &es {
                if let Some(j) = self.add(e) {
                    self.targets.push(j);
                }
            }
            es.clear();
            self.es = es;
            self.ranges[i] = (start, self.targets.len() as u32);
        }
        true
    }

    /// Over its bookkeeping budget: free nothing (the clones it holds are
    /// released without recursion). Returns the number of objects visited.
    fn give_up(self) -> usize {
        let visited = self.nodes.iter().flatten().count();
        // (The edges are clones of what the nodes hold: not the last references.)
        drop(self.es);
        defer_drop(self.nodes.into_iter().flatten().filter_map(Node::into_value).collect());
        visited
    }

    /// Trial deletion over what was found: returns the number of objects
    /// visited, whether any was garbage (its contents are then released)
    /// and how many values were taken out of the garbage.
    fn finish(self) -> (usize, bool, usize) {
        let Walk { nodes, ranges, targets, strong, others, registered, .. } = self;
        drop(others);
        drop(registered);
        let mut internal = vec![0u32; nodes.len()];
        for &j in &targets {
            internal[j as usize] += 1;
        }
        // Held from outside: more references than our own clone plus
        // internal edges (a registered container never found is no node).
        let mut alive: Vec<bool> = (0..nodes.len())
            .map(|i| nodes[i].is_none() || strong[i] > 1 + internal[i] as usize)
            .collect();
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
            if let (false, Some(n)) = (alive[i], n) {
                n.clear(&mut garbage);
            }
        }
        let visited = nodes.iter().flatten().count();
        let freed = alive.iter().any(|a| !a);
        let items = garbage.len();
        drop(nodes);
        defer_drop(garbage);
        (visited, freed, items)
    }
}

/// The address that identifies `v` as a node of the collection, if it is one
/// (the same test as [`Node::from_value`], without the clone), and whether it
/// is of a kind that is registered (a list, dict, set or deque).
fn node_ptr(v: &Value) -> Option<(usize, bool)> {
    Some(match v {
        Value::List(l) => (Rc::as_ptr(l) as *const u8 as usize, true),
        Value::Tuple(t) if !atoms_only(t) => (Rc::as_ptr(t) as *const u8 as usize, false),
        Value::Dict(d) => (Rc::as_ptr(d) as *const u8 as usize, true),
        Value::Set(s) => (Rc::as_ptr(s) as *const u8 as usize, true),
        Value::Deque(d) => (Rc::as_ptr(d) as *const u8 as usize, true),
        Value::Func(f) => (Rc::as_ptr(f) as *const u8 as usize, false),
        Value::Coroutine(c) => (Rc::as_ptr(c) as *const u8 as usize, false),
        Value::Native(n) if n.holds_values() => (Rc::as_ptr(n) as *const u8 as usize, false),
        _ => return None,
    })
}
