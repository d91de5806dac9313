//! A session's global variables as data (a durable execution's checkpoint,
//! rlm-core) and back. Values become a table of nodes addressed by index, so
//! shared references and cycles round-trip as they were (one node per
//! list, dict, set, deque, tuple or frozenset object). The walk is an
//! explicit stack, never recursion over program data, and is bounded by
//! [`SnapshotLimits`] (nodes, string bytes, depth) with a typed error.
//! Imported modules are saved by name and imported again; an int-like module
//! object (`re.IGNORECASE`) is saved as its int. Functions,
//! iterators, exceptions, host objects and the like have
//! no data form: a global holding one (anywhere inside) is left out and
//! named with the reason ([`LostGlobal`]). Reading a snapshot checks every
//! index, kind and key: corrupt data is a [`SnapshotError`], never a panic.

use crate::value::AlignedBool;
use std::collections::HashMap;
use std::collections::VecDeque;
use std::rc::Rc;

use serde::{Deserialize, Serialize};

use crate::value::{DequeObj, Dict, DictKind, Key, KeySet, Ty, Value};

/// The snapshot format's version (refused when newer).
pub const SNAPSHOT_VERSION: u32 = 1;

/// How much one snapshot may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnapshotLimits {
    /// Nodes (values) in the whole snapshot.
    pub max_nodes: usize,
    /// Bytes of string text in the whole snapshot.
    pub max_bytes: usize,
    /// Nesting of containers below a global.
    pub max_depth: usize,
}

impl Default for SnapshotLimits {
    fn default() -> Self {
        SnapshotLimits { max_nodes: 1_000_000, max_bytes: 64 << 20, max_depth: 10_000 }
    }
}

/// Why a value has no snapshot, or why a snapshot cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    #[error("a value of type '{0}' cannot be saved")]
    Unserialisable(String),
    #[error("the value is nested deeper than {0} levels")]
    TooDeep(usize),
    #[error("the snapshot would hold more than {limit} {what}")]
    TooLarge { what: &'static str, limit: usize },
    #[error("snapshot version {found} is newer than this runtime's ({SNAPSHOT_VERSION})")]
    Version { found: u32 },
    #[error("corrupt snapshot: {0}")]
    Corrupt(String),
}

/// One value of the table. Children are indices into [`GlobalsSnapshot::nodes`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Node {
    None,
    Bool(bool),
    Int(i64),
    /// The float's bits (NaN and infinities included, exactly).
    Float(u64),
    Str(String),
    Ellipsis,
    Range(i64, i64, i64),
    /// A built-in type as a value (`defaultdict(list)`'s factory): its name.
    Type(String),
    /// An imported module (`import re`): its name, imported again on restore.
    Module(String),
    List(Vec<u32>),
    Tuple(Vec<u32>),
    Dict {
        kind: NodeDictKind,
        entries: Vec<(u32, u32)>,
    },
    Set(Vec<u32>),
    FrozenSet(Vec<u32>),
    Deque {
        items: Vec<u32>,
        maxlen: Option<u64>,
    },
}

/// A dict's flavour; a `defaultdict`'s factory is a node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum NodeDictKind {
    Plain,
    Counter,
    Ordered,
    Default(u32),
}

/// A global left out of a snapshot, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LostGlobal {
    pub name: String,
    pub reason: String,
}

/// A session's global variables as data.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct GlobalsSnapshot {
    pub version: u32,
    pub nodes: Vec<Node>,
    /// Each saved global and its node, in the session's order.
    pub globals: Vec<(String, u32)>,
    /// The globals that could not be saved.
    pub lost: Vec<LostGlobal>,
}

/// The types a value of `Node::Type` may name (those a program passes as a
/// factory or compares with).
const TYPES: &[Ty] = &[
    Ty::NoneType,
    Ty::Bool,
    Ty::Int,
    Ty::Float,
    Ty::Str,
    Ty::List,
    Ty::Tuple,
    Ty::Dict,
    Ty::Set,
    Ty::FrozenSet,
    Ty::Range,
    Ty::Counter,
    Ty::DefaultDict,
    Ty::OrderedDict,
    Ty::Deque,
];

/// Writes values into one node table (shared objects once).
struct Encoder<'a> {
    limits: &'a SnapshotLimits,
    nodes: Vec<Option<Node>>,
    seen: HashMap<usize, u32>,
    bytes: usize,
    /// Containers whose node is still to be written, with their depth.
    todo: Vec<(u32, Value, usize)>,
}

impl Encoder<'_> {
    fn push(&mut self, node: Option<Node>) -> Result<u32, SnapshotError> {
        if self.nodes.len() >= self.limits.max_nodes {
            return Err(SnapshotError::TooLarge { what: "values", limit: self.limits.max_nodes });
        }
        self.nodes.push(node);
        Ok((self.nodes.len() - 1) as u32)
    }

    /// The node of `v` (a container is queued, written by [`Encoder::drain`]).
    fn id_of(&mut self, v: &Value, depth: usize) -> Result<u32, SnapshotError> {
        let scalar = match v {
            Value::None => Some(Node::None),
            Value::Bool(AlignedBool(b)) => Some(Node::Bool(*b)),
            Value::Int(i) => Some(Node::Int(*i)),
            Value::Float(f) => Some(Node::Float(f.to_bits())),
            Value::Ellipsis => Some(Node::Ellipsis),
            Value::Range(r) => Some(Node::Range(r.0, r.1, r.2)),
            Value::Str(s) => {
                let n = s.byte_len();
                if self.bytes.saturating_add(n) > self.limits.max_bytes {
                    return Err(SnapshotError::TooLarge {
                        what: "bytes of text",
                        limit: self.limits.max_bytes,
                    });
                }
                self.bytes += n;
                Some(Node::Str(s.as_str().to_string()))
            }
            Value::Type(t) if TYPES.contains(t) => Some(Node::Type(t.name().to_string())),
            Value::Module(m) => Some(Node::Module(m.name.to_string())),
            // An int-like module object (`re.IGNORECASE`): its int, which
            // it is everywhere but its repr.
            Value::Native(n) if n.as_int().is_some() => n.as_int().map(Node::Int),
            _ => None,
        };
        if let Some(node) = scalar {
            return self.push(Some(node));
        }
        let ptr = match v {
            Value::List(l) => Rc::as_ptr(l) as *const u8 as usize,
            Value::Tuple(t) => Rc::as_ptr(t) as *const u8 as usize,
            Value::Dict(d) => Rc::as_ptr(d) as *const u8 as usize,
            Value::Set(s) => Rc::as_ptr(s) as *const u8 as usize,
            Value::FrozenSet(s) => Rc::as_ptr(s) as *const u8 as usize,
            Value::Deque(d) => Rc::as_ptr(d) as *const u8 as usize,
            other => return Err(SnapshotError::Unserialisable(other.type_name().to_string())),
        };
        if let Some(&id) = self.seen.get(&ptr) {
            return Ok(id);
        }
        if depth > self.limits.max_depth {
            return Err(SnapshotError::TooDeep(self.limits.max_depth));
        }
        let id = self.push(None)?;
        self.seen.insert(ptr, id);
        self.todo.push((id, v.clone(), depth));
        Ok(id)
    }

    fn ids(&mut self, items: &[Value], depth: usize) -> Result<Vec<u32>, SnapshotError> {
        let mut out = Vec::with_capacity(items.len());
        for x in items {
            out.push(self.id_of(x, depth)?);
        }
        Ok(out)
    }

    fn keys<'k>(
        &mut self,
        keys: impl Iterator<Item = &'k Key>,
        depth: usize,
    ) -> Result<Vec<u32>, SnapshotError> {
        let mut out = Vec::new();
        for k in keys {
            out.push(self.id_of(&k.0, depth)?);
        }
        Ok(out)
    }

    /// Writes every queued container (an explicit stack: no recursion).
    fn drain(&mut self) -> Result<(), SnapshotError> {
        while let Some((id, v, depth)) = self.todo.pop() {
            let d = depth + 1;
            let node = match &v {
                Value::List(l) => {
                    let items = l.borrow().clone();
                    Node::List(self.ids(&items, d)?)
                }
                Value::Tuple(t) => Node::Tuple(self.ids(&t.0, d)?),
                Value::Set(s) => {
                    let keys: Vec<Key> = s.borrow().iter().cloned().collect();
                    Node::Set(self.keys(keys.iter(), d)?)
                }
                Value::FrozenSet(s) => Node::FrozenSet(self.keys(s.0.iter(), d)?),
                Value::Deque(q) => {
                    let items: Vec<Value> = q.items.borrow().iter().cloned().collect();
                    Node::Deque { items: self.ids(&items, d)?, maxlen: q.maxlen.map(|m| m as u64) }
                }
                Value::Dict(dict) => {
                    let (pairs, kind): (Vec<(Value, Value)>, DictKind) = {
                        let b = dict.borrow();
                        (
                            b.map.iter().map(|(k, v)| (k.0.clone(), v.clone())).collect(),
                            b.kind.clone(),
                        )
                    };
                    let kind = match kind {
                        DictKind::Plain => NodeDictKind::Plain,
                        DictKind::Counter => NodeDictKind::Counter,
                        DictKind::Ordered => NodeDictKind::Ordered,
                        DictKind::Default(f) => NodeDictKind::Default(self.id_of(&f, d)?),
                    };
                    let mut entries = Vec::with_capacity(pairs.len());
                    for (k, x) in &pairs {
                        entries.push((self.id_of(k, d)?, self.id_of(x, d)?));
                    }
                    Node::Dict { kind, entries }
                }
                other => return Err(SnapshotError::Unserialisable(other.type_name().to_string())),
            };
            self.nodes[id as usize] = Some(node);
        }
        Ok(())
    }

    /// Forgets everything from node `mark` on (a global that failed).
    fn rollback(&mut self, mark: usize, bytes: usize) {
        self.nodes.truncate(mark);
        self.seen.retain(|_, id| (*id as usize) < mark);
        self.todo.clear();
        self.bytes = bytes;
    }
}

/// `v` alone as a snapshot (one global named `value`): its error when it
/// has no data form or is over `limits`.
pub fn snapshot_value(
    v: &Value,
    limits: &SnapshotLimits,
) -> Result<GlobalsSnapshot, SnapshotError> {
    let snap = snapshot(std::iter::once(("value".to_string(), v.clone())), limits);
    match snap.lost.first() {
        Some(lost) => Err(lost_error(&lost.reason, v, limits)),
        None => Ok(snap),
    }
}

/// The typed error again for [`snapshot_value`] (a lost global keeps only its text).
fn lost_error(reason: &str, v: &Value, limits: &SnapshotLimits) -> SnapshotError {
    let mut e =
        Encoder { limits, nodes: Vec::new(), seen: HashMap::new(), bytes: 0, todo: Vec::new() };
    match e.id_of(v, 0).and_then(|_| e.drain()) {
        Err(err) => err,
        Ok(()) => SnapshotError::Corrupt(reason.to_string()),
    }
}

/// The snapshot of `globals`: each one saved whole, or left out and named.
pub fn snapshot(
    globals: impl IntoIterator<Item = (String, Value)>,
    limits: &SnapshotLimits,
) -> GlobalsSnapshot {
    let mut e =
        Encoder { limits, nodes: Vec::new(), seen: HashMap::new(), bytes: 0, todo: Vec::new() };
    let mut out = GlobalsSnapshot { version: SNAPSHOT_VERSION, ..GlobalsSnapshot::default() };
    for (name, v) in globals {
        let (mark, bytes) = (e.nodes.len(), e.bytes);
        match e.id_of(&v, 0).and_then(|id| e.drain().map(|()| id)) {
            Ok(id) => out.globals.push((name, id)),
            Err(err) => {
                e.rollback(mark, bytes);
                out.lost.push(LostGlobal { name, reason: err.to_string() });
            }
        }
    }
    out.nodes = e.nodes.into_iter().map(|n| n.unwrap_or(Node::None)).collect();
    out
}

/// Where a node stands while values are made.
#[derive(Clone, Copy, PartialEq)]
enum Made {
    No,
    InProgress,
    Yes,
}

/// The module names a snapshot imports.
pub(crate) fn module_names(snap: &GlobalsSnapshot) -> Vec<&str> {
    let mut names: Vec<&str> = snap
        .nodes
        .iter()
        .filter_map(|n| match n {
            Node::Module(m) => Some(m.as_str()),
            _ => None,
        })
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// The values of `snap`'s globals, sharing and cycles as saved; `modules`
/// are the modules it names, imported. Every index, kind and key is
/// checked: corrupt data is an error.
pub(crate) fn restore(
    snap: &GlobalsSnapshot,
    limits: &SnapshotLimits,
    modules: &HashMap<String, Value>,
) -> Result<Vec<(String, Value)>, SnapshotError> {
    if snap.version > SNAPSHOT_VERSION {
        return Err(SnapshotError::Version { found: snap.version });
    }
    let n = snap.nodes.len();
    if n > limits.max_nodes {
        return Err(SnapshotError::TooLarge { what: "values", limit: limits.max_nodes });
    }
    let corrupt = SnapshotError::Corrupt;
    let check = |i: u32| -> Result<usize, SnapshotError> {
        let i = i as usize;
        if i < n { Ok(i) } else { Err(corrupt(format!("node index {i} out of range ({n} nodes)"))) }
    };
    let mut values: Vec<Option<Value>> = vec![None; n];
    let mut made = vec![Made::No; n];
    let mut hashable = vec![false; n];
    let mut bytes = 0usize;
    // Scalars and empty mutable containers first.
    for (i, node) in snap.nodes.iter().enumerate() {
        let v = match node {
            Node::None => Value::None,
            Node::Bool(b) => Value::Bool(AlignedBool(*b)),
            Node::Int(x) => Value::Int(*x),
            Node::Float(b) => Value::Float(f64::from_bits(*b)),
            Node::Ellipsis => Value::Ellipsis,
            Node::Range(a, b, c) => {
                if *c == 0 {
                    return Err(corrupt("range step 0".into()));
                }
                Value::Range(Rc::new((*a, *b, *c)))
            }
            Node::Str(s) => {
                bytes = bytes.saturating_add(s.len());
                if bytes > limits.max_bytes {
                    return Err(SnapshotError::TooLarge {
                        what: "bytes of text",
                        limit: limits.max_bytes,
                    });
                }
                Value::str(s.as_str())
            }
            Node::Type(name) => match TYPES.iter().find(|t| t.name() == name) {
                Some(t) => Value::Type(*t),
                None => return Err(corrupt(format!("unknown type name {name:?}"))),
            },
            Node::Module(name) => match modules.get(name) {
                Some(m) => m.clone(),
                None => return Err(corrupt(format!("no module named {name:?}"))),
            },
            Node::List(_) => Value::list(Vec::new()),
            Node::Dict { .. } => Value::dict(Dict::new()),
            Node::Set(_) => Value::new_set(KeySet::default()),
            Node::Deque { maxlen, .. } => {
                let maxlen = maxlen.map(|m| usize::try_from(m).unwrap_or(usize::MAX));
                let d = Rc::new(DequeObj::new(VecDeque::new(), maxlen));
                crate::gc::Track::track(&d);
                Value::Deque(d)
            }
            Node::Tuple(_) | Node::FrozenSet(_) => continue,
        };
        hashable[i] =
            !matches!(node, Node::List(_) | Node::Dict { .. } | Node::Set(_) | Node::Deque { .. });
        values[i] = Some(v);
        made[i] = Made::Yes;
    }
    // Tuples and frozensets after their children (an explicit stack).
    for root in 0..n {
        if made.get(root) != Some(&Made::No) {
            continue;
        }
        let mut stack = vec![root];
        while let Some(&i) = stack.last() {
            let kids: &[u32] = match &snap.nodes[i] {
                Node::Tuple(k) | Node::FrozenSet(k) => k,
                _ => return Err(corrupt(format!("node {i} is not an immutable container"))),
            };
            if made[i] == Made::No {
                made[i] = Made::InProgress;
                let mut pushed = false;
                for &k in kids {
                    let k = check(k)?;
                    match made[k] {
                        Made::No => {
                            stack.push(k);
                            pushed = true;
                        }
                        Made::InProgress => {
                            return Err(corrupt(format!(
                                "node {i} contains itself without a mutable container"
                            )));
                        }
                        Made::Yes => {}
                    }
                }
                if pushed {
                    continue;
                }
            }
            // Every child is made now.
            let items: Vec<Value> =
                kids.iter().map(|&k| values[k as usize].clone().unwrap_or(Value::None)).collect();
            let (v, h) = match &snap.nodes[i] {
                Node::Tuple(_) => {
                    let h = kids.iter().all(|&k| hashable[k as usize]);
                    (Value::tuple(items), h)
                }
                _ => {
                    let mut set = KeySet::default();
                    for (&k, x) in kids.iter().zip(items) {
                        if !hashable[k as usize] {
                            return Err(corrupt(format!(
                                "frozenset {i} holds an unhashable value"
                            )));
                        }
                        set.insert(Key(x));
                    }
                    (Value::new_frozenset(set), true)
                }
            };
            values[i] = Some(v);
            hashable[i] = h;
            made[i] = Made::Yes;
            stack.pop();
        }
    }
    let value = |i: u32| -> Result<Value, SnapshotError> {
        let i = check(i)?;
        Ok(values[i].clone().unwrap_or(Value::None))
    };
    let key = |i: u32| -> Result<Key, SnapshotError> {
        let j = check(i)?;
        if !hashable[j] {
            return Err(corrupt(format!("node {j} is used as a key but is not hashable")));
        }
        Ok(Key(values[j].clone().unwrap_or(Value::None)))
    };
    // Fill the mutable containers.
    for (i, node) in snap.nodes.iter().enumerate() {
        let Some(target) = values[i].clone() else { continue };
        match (node, &target) {
            (Node::List(items), Value::List(l)) => {
                let items = items.iter().map(|&k| value(k)).collect::<Result<Vec<_>, _>>()?;
                *l.borrow_mut() = items;
            }
            (Node::Set(items), Value::Set(s)) => {
                let keys = items.iter().map(|&k| key(k)).collect::<Result<Vec<_>, _>>()?;
                s.borrow_mut().extend(keys);
            }
            (Node::Deque { items, .. }, Value::Deque(q)) => {
                let items = items.iter().map(|&k| value(k)).collect::<Result<Vec<_>, _>>()?;
                let mut b = q.items.borrow_mut();
                for x in items {
                    if q.maxlen.is_some_and(|m| b.len() >= m) {
                        b.pop_front();
                    }
                    b.push_back(x);
                }
            }
            (Node::Dict { kind, entries }, Value::Dict(d)) => {
                let kind = match kind {
                    NodeDictKind::Plain => DictKind::Plain,
                    NodeDictKind::Counter => DictKind::Counter,
                    NodeDictKind::Ordered => DictKind::Ordered,
                    NodeDictKind::Default(f) => DictKind::Default(value(*f)?),
                };
                let mut pairs = Vec::with_capacity(entries.len());
                for &(k, x) in entries {
                    pairs.push((key(k)?, value(x)?));
                }
                let mut b = d.borrow_mut();
                b.kind = kind;
                b.map.extend(pairs);
            }
            _ => {}
        }
    }
    let mut out = Vec::with_capacity(snap.globals.len());
    for (name, id) in &snap.globals {
        out.push((name.clone(), value(*id)?));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_round_trip() {
        let limits = SnapshotLimits::default();
        let g = vec![
            ("a".to_string(), Value::Int(3)),
            ("b".to_string(), Value::Float(f64::NAN)),
            ("c".to_string(), Value::str("hé")),
        ];
        let snap = snapshot(g, &limits);
        assert!(snap.lost.is_empty());
        let back = restore(&snap, &limits, &HashMap::new()).unwrap();
        assert_eq!(back.len(), 3);
        assert!(matches!(back[0].1, Value::Int(3)));
        assert!(matches!(back[1].1, Value::Float(f) if f.is_nan()));
    }
}
