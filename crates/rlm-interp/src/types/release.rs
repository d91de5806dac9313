//! What a `clear()` releases, counted and charged before the values are
//! dropped: the values the container holds by reference and all that is
//! freed with them.

use crate::fault::R;
use crate::value::*;

/// Before a `clear()` of the container at `addr`: [`crate::cost::FUEL_PER_VALUE_RELEASED`]
/// for each of `values` held by reference, the ones whose release takes
/// time, and for what releasing them frees with them ([`ReleaseWalk`]): a
/// value held only there is freed, and so is each value held only inside
/// it. A container the running cell journaled (`undo`) is held by its
/// saved copy too, which is dropped at the cell's end: a value held by
/// the two is freed then, and charged now.
pub(crate) fn charge_release<'a>(
    meter: &mut crate::meter::Meter,
    addr: usize,
    values: impl Iterator<Item = &'a Value>,
) -> R<()> {
    let copied = meter.session.journal.try_borrow().is_ok_and(|j| {
        j.saved.get(&addr).is_some_and(|s| !matches!(s, crate::undo::Saved::ListLen(_)))
    });
    let owners = 1 + copied as usize;
    let mut walk = ReleaseWalk::default();
    for v in values {
        if matches!(v, Value::None | Value::Bool(AlignedBool(_)) | Value::Int(_) | Value::Float(_))
        {
            continue;
        }
        walk.top += 1;
        if is_container(v) && box_owners(v) <= owners {
            walk.stack.push((v.clone(), 0));
            walk.run(meter)?;
        }
        if walk.top >= RELEASE_BLOCK {
            walk.charge(meter)?;
        }
    }
    walk.charge(meter)
}

/// Values a [`ReleaseWalk`] counts between two charges.
const RELEASE_BLOCK: u64 = 1024;

/// What dropping some values frees, counted before they are dropped and
/// charged a block at a time as it is counted (so that a walk over more
/// than the fuel left stops early): the values held by reference
/// (`top`), the values freed inside them (`nested`: a box no other value
/// holds, a container's, a string's), and the items those freed
/// containers let go of (`items`: a count lowered, or nothing). Without
/// recursion: a stack of the containers being read, each with where it
/// is at (one per level of nesting still to be read; a container's last
/// item replaces it, so a chain `x = [x]` takes one).
#[derive(Default)]
struct ReleaseWalk {
    stack: Vec<(Value, usize)>,
    top: u64,
    nested: u64,
    items: u64,
}

impl ReleaseWalk {
    /// Charges what was counted since the last charge.
    fn charge(&mut self, meter: &mut crate::meter::Meter) -> R<()> {
        use crate::cost::{FUEL_PER_ITEM_RELEASED, FUEL_PER_VALUE_RELEASED};
        let fuel = (self.top.saturating_add(self.nested))
            .saturating_mul(FUEL_PER_VALUE_RELEASED)
            .saturating_add(self.items.saturating_mul(FUEL_PER_ITEM_RELEASED));
        self.top = 0;
        self.nested = 0;
        self.items = 0;
        meter.fuel(fuel)
    }

    /// Reads the containers on the stack (and those freed inside them)
    /// to the end, charging each block counted.
    fn run(&mut self, meter: &mut crate::meter::Meter) -> R<()> {
        while let Some((v, at)) = self.stack.pop() {
            // A dict's entry is two positions, its key's and its value's.
            let (child, resume) = match &v {
                Value::List(l) => self.scan(l.borrow()[at..].iter(), at),
                Value::Tuple(t) => self.scan(t[at..].iter(), at),
                Value::Deque(d) => self.scan(d.borrow().range(at..), at),
                Value::Set(s) => {
                    self.scan(s.borrow().get_range(at..).into_iter().flatten().map(|k| &k.0), at)
                }
                Value::FrozenSet(s) => {
                    self.scan(s.get_range(at..).into_iter().flatten().map(|k| &k.0), at)
                }
                Value::Dict(d) => self.scan(
                    d.borrow()
                        .map
                        .get_range(at / 2..)
                        .into_iter()
                        .flatten()
                        .flat_map(|(k, v)| [&k.0, v])
                        .skip(at % 2),
                    at,
                ),
                _ => (None, None),
            };
            if let Some(resume) = resume {
                self.stack.push((v, resume));
            }
            if let Some(child) = child {
                self.stack.push((child, 0));
            }
            if self.nested + self.items >= RELEASE_BLOCK {
                self.charge(meter)?;
            }
        }
        Ok(())
    }

    /// Counts the values of a container being freed from position `at`
    /// until one is a container freed with it: returns that one, to read
    /// next, and where to resume this one after it (`None` when nothing
    /// is left). At most a block at a time: it also stops to resume after
    /// [`RELEASE_BLOCK`] values.
    fn scan<'a>(
        &mut self,
        values: impl Iterator<Item = &'a Value>,
        at: usize,
    ) -> (Option<Value>, Option<usize>) {
        let mut values = values.peekable();
        let mut i = at;
        while let Some(x) = values.next() {
            i += 1;
            self.items += 1;
            let more = values.peek().is_some();
            if sole_owner(x) {
                self.nested += 1;
                if is_container(x) {
                    return (Some(x.clone()), more.then_some(i));
                }
            }
            if i - at >= RELEASE_BLOCK as usize && more {
                return (None, Some(i));
            }
        }
        (None, None)
    }
}

/// Whether `v` holds other values in a box of its own (so that freeing it
/// releases them).
fn is_container(v: &Value) -> bool {
    matches!(
        v,
        Value::List(_)
            | Value::Tuple(_)
            | Value::Dict(_)
            | Value::Set(_)
            | Value::FrozenSet(_)
            | Value::Deque(_)
    )
}

/// How many handles hold `v`'s box (a string's or a container's; the
/// most for any other value).
fn box_owners(v: &Value) -> usize {
    use std::rc::Rc;
    match v {
        Value::Str(s) => s.owners(),
        Value::List(r) => Rc::strong_count(r),
        Value::Tuple(r) => Rc::strong_count(r),
        Value::Dict(r) => Rc::strong_count(r),
        Value::Set(r) => Rc::strong_count(r),
        Value::FrozenSet(r) => Rc::strong_count(r),
        Value::Deque(r) => Rc::strong_count(r),
        _ => usize::MAX,
    }
}

/// Whether releasing this handle of `v` frees its box (no other value
/// holds it): a string's or a container's.
fn sole_owner(v: &Value) -> bool {
    box_owners(v) == 1
}
