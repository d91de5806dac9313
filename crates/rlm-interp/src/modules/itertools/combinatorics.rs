//! `combinations`, `combinations_with_replacement`, `permutations` and
//! `product`, lazy as CPython's (issue #76): the pools are read when the
//! iterator is made, as CPython's `tuple(iterable)`, and each step moves
//! the indices by CPython's own algorithm and builds one tuple, its items
//! paid before it is built. `next(permutations(range(100)))` is one step.

use crate::args::{Kwargs, as_int, kw};
use crate::callbacks::Callbacks;
use crate::fault::{R, exc, type_err, value_err};
use crate::modules::itertools::tool::Tool;
use crate::value::*;

/// Fuel for each item of a tuple a combinatoric iterator makes, charged
/// before it is made: the item copied into a new buffer, the tuple's size
/// measured and its memory counted, then its drop or, when kept, fresh
/// memory written. Issue #77: charged a unit an item,
/// `list(permutations(X))` over 2,482 `None`s ran 14.5x the loop's time a
/// unit; 1,000 such tuples took 10.5 ns an item made and dropped, 30 ns
/// kept (and over 3,296 lists made apart, 36 ns an item), so 8 units and
/// the count written of an item held by reference.
const FUEL_PER_ITEM_COMBINED: u64 = 8;

/// Fuel for each tuple a combinatoric iterator makes, besides its items:
/// its box and buffer allocated and counted to the session, later freed.
/// `list(permutations(X, 1))` over 1 Mi floats took 70 ns a tuple, for 8
/// units and the list's slot.
const FUEL_PER_TUPLE_COMBINED: u64 = 24;

/// Which combinatoric iterator.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Product,
    Combinations,
    WithReplacement,
    Permutations,
}

/// A combinatoric iterator's state: its pools (one for all but `product`),
/// the indices and (`permutations`) cycles of the next tuple, the width.
pub(crate) struct Combinatoric {
    kind: Kind,
    pools: Vec<Vec<Value>>,
    indices: Vec<usize>,
    cycles: Vec<usize>,
    r: usize,
    first: bool,
    done: bool,
    /// What its pools and indices hold (they never grow).
    bytes: usize,
    /// Whether its pools hold only numbers and `None` (no item's count to
    /// write when a tuple is made).
    scalars_only: bool,
}

impl Combinatoric {
    fn pool(&self) -> &[Value] {
        self.pools.first().map_or(&[], Vec::as_slice)
    }

    /// Its next tuple, `None` once it ended.
    pub(crate) fn next<C: Callbacks + ?Sized>(&mut self, cx: &mut C) -> R<Option<Value>> {
        if self.done {
            return Ok(None);
        }
        if !std::mem::replace(&mut self.first, false) && !self.advance() {
            self.done = true;
            return Ok(None);
        }
        // Each item written into a new tuple, and each held by reference
        // its count written, in its own allocation
        // ([`crate::cost::FUEL_PER_SHARED_VALUE_COPIED`]).
        let held = if self.scalars_only { 0 } else { self.held_by_reference() };
        cx.meter().fuel(
            (self.r as u64)
                .saturating_mul(FUEL_PER_ITEM_COMBINED)
                .saturating_add(FUEL_PER_TUPLE_COMBINED)
                .saturating_add(held.saturating_mul(crate::cost::FUEL_PER_SHARED_VALUE_COPIED)),
        )?;
        let items: Vec<Value> = match self.kind {
            Kind::Product => {
                self.indices.iter().zip(&self.pools).map(|(&i, p)| p[i].clone()).collect()
            }
            _ => {
                let pool = self.pool();
                self.indices[..self.r].iter().map(|&i| pool[i].clone()).collect()
            }
        };
        Ok(Some(Value::tuple(items)))
    }

    /// How many of the next tuple's items are held by reference (not a
    /// number or `None`).
    fn held_by_reference(&self) -> u64 {
        let by_ref = |v: &Value| {
            !matches!(
                v,
                Value::None | Value::Bool(AlignedBool(_)) | Value::Int(_) | Value::Float(_)
            )
        };
        let n = match self.kind {
            Kind::Product => {
                self.indices.iter().zip(&self.pools).filter(|&(&i, p)| by_ref(&p[i])).count()
            }
            _ => {
                let pool = self.pool();
                self.indices[..self.r].iter().filter(|&&i| by_ref(&pool[i])).count()
            }
        };
        n as u64
    }

    /// Moves the indices to the next tuple (CPython's algorithms); false at the end.
    fn advance(&mut self) -> bool {
        let r = self.r;
        let n = self.pool().len();
        match self.kind {
            Kind::Product => {
                for i in (0..self.indices.len()).rev() {
                    self.indices[i] += 1;
                    if self.indices[i] < self.pools[i].len() {
                        return true;
                    }
                    self.indices[i] = 0;
                }
                false
            }
            Kind::Combinations => {
                let Some(i) = (0..r).rev().find(|&i| self.indices[i] != i + n - r) else {
                    return false;
                };
                self.indices[i] += 1;
                for j in i + 1..r {
                    self.indices[j] = self.indices[j - 1] + 1;
                }
                true
            }
            Kind::WithReplacement => {
                let Some(i) = (0..r).rev().find(|&i| self.indices[i] != n - 1) else {
                    return false;
                };
                let v = self.indices[i] + 1;
                self.indices[i..r].iter_mut().for_each(|x| *x = v);
                true
            }
            Kind::Permutations => {
                for i in (0..r).rev() {
                    self.cycles[i] -= 1;
                    if self.cycles[i] == 0 {
                        self.indices[i..].rotate_left(1);
                        self.cycles[i] = n - i;
                    } else {
                        let j = self.cycles[i];
                        self.indices.swap(i, n - j);
                        return true;
                    }
                }
                false
            }
        }
    }

    /// Its pools and indices, counted at their size when it was made.
    pub(crate) fn mem_cost(&self) -> usize {
        self.bytes
    }

    fn measure(&self) -> usize {
        let pools: usize = self
            .pools
            .iter()
            .map(|p| {
                crate::mem::vec_block::<Value>(p.len())
                    + p.iter().map(Value::unowned_cost).sum::<usize>()
            })
            .sum();
        pools
            + crate::mem::vec_block::<Vec<Value>>(self.pools.len())
            + crate::mem::vec_block::<usize>(self.indices.len() + self.cycles.len())
    }
}

/// The `r` argument: absent is `default`, negative a ValueError.
fn width(v: Option<&Value>, default: Option<usize>, name: &str) -> R<usize> {
    match v {
        None | Some(Value::None) if default.is_some() => Ok(default.unwrap_or(0)),
        None => type_err(format!("{name}() missing required argument 'r' (pos 2)")),
        Some(v) => match as_int(v) {
            Some(r) if r < 0 => value_err("r must be non-negative"),
            Some(r) => Ok(r as usize),
            None => type_err("Expected int as r"),
        },
    }
}

pub(super) fn call<C: Callbacks + ?Sized>(
    cx: &mut C,
    name: &str,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    let (kind, pools, r) = match name {
        "combinations" | "combinations_with_replacement" | "permutations" => {
            let pool = cx.iterate(args.first().unwrap_or(&Value::None))?;
            let n = pool.len();
            let (kind, default) = match name {
                "combinations" => (Kind::Combinations, None),
                "combinations_with_replacement" => (Kind::WithReplacement, None),
                _ => (Kind::Permutations, Some(n)),
            };
            let r = width(args.get(1).or_else(|| kw(&kwargs, "r")), default, name)?;
            // CPython allocates `r` indices up front (a MemoryError for
            // `combinations([1], 2**62)`); here `r` is held to the
            // collection cap before anything of its size is made.
            cx.meter().check_len(r)?;
            (kind, vec![pool], r)
        }
        "product" => {
            let repeat = match kw(&kwargs, "repeat") {
                None => 1,
                Some(v) => match as_int(v) {
                    Some(r) if r < 0 => return value_err("repeat argument cannot be negative"),
                    Some(r) => r as usize,
                    None => return type_err("'repeat' must be an integer"),
                },
            };
            let mut pools = Vec::new();
            for a in &args {
                pools.push(cx.iterate(a)?);
            }
            let width = pools.len().saturating_mul(repeat);
            cx.meter().check_len(width)?;
            let pools: Vec<Vec<Value>> = (0..repeat).flat_map(|_| pools.iter().cloned()).collect();
            (Kind::Product, pools, width)
        }
        _ => {
            return exc(
                ExcKind::AttributeError,
                format!("module 'itertools' has no attribute '{name}'"),
            );
        }
    };
    let n = pools.first().map_or(0, Vec::len);
    let done = match kind {
        Kind::Product => pools.iter().any(Vec::is_empty),
        Kind::Combinations | Kind::Permutations => r > n,
        Kind::WithReplacement => n == 0 && r > 0,
    };
    // An iterator that ended before it began never reads its indices.
    let (indices, cycles) = match kind {
        _ if done => (Vec::new(), Vec::new()),
        Kind::Product => (vec![0; pools.len()], Vec::new()),
        Kind::Combinations => ((0..r).collect(), Vec::new()),
        Kind::WithReplacement => (vec![0; r], Vec::new()),
        Kind::Permutations => ((0..n).collect(), (n - r + 1..=n).rev().collect()),
    };
    // The pools were charged as they were read; the iterator's box and
    // indices are counted when it is tracked (`IterState::mem_cost`).
    let scalars_only = pools.iter().flatten().all(|v| {
        matches!(v, Value::None | Value::Bool(AlignedBool(_)) | Value::Int(_) | Value::Float(_))
    });
    let mut c =
        Combinatoric { kind, pools, indices, cycles, r, first: true, done, bytes: 0, scalars_only };
    c.bytes = c.measure();
    Ok(Tool::Combinatoric(c).value())
}
