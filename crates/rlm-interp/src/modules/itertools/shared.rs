//! The `itertools` iterators that share one state: `groupby` and its
//! groups (CPython 3.11's C code: drawing the next group invalidates the
//! one before, which then ends; a group draws from the same source), and
//! `tee`'s iterators over one buffer (an item is drawn once, by the
//! iterator that is ahead, and kept until the last one has read it).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use super::tool::{Source, Tool, draw};
use crate::callbacks::Callbacks;
use crate::fault::{R, exc};
use crate::value::*;

/// `groupby(src, key)`'s state: the current item and its key, the key of
/// the group being given, and which group iterator is current.
pub(crate) struct GroupBy {
    pub(crate) src: Source,
    pub(crate) key: Option<Value>,
    tgt: Option<Value>,
    cur_key: Option<Value>,
    cur_value: Option<Value>,
    /// The current group's number (0: none); a group of another number ended.
    current: u64,
    made: u64,
}

impl GroupBy {
    pub(crate) fn new(src: Source, key: Option<Value>) -> GroupBy {
        GroupBy { src, key, tgt: None, cur_key: None, cur_value: None, current: 0, made: 0 }
    }
}

/// `groupby_step`: the next item and its key become current.
fn step<C: Callbacks + ?Sized>(cx: &mut C, g: &Rc<RefCell<GroupBy>>) -> R<bool> {
    let (src, key) = {
        let b = g.borrow();
        (b.src.clone(), b.key.clone())
    };
    let Some(v) = draw(cx, &src)? else { return Ok(false) };
    let k = match &key {
        Some(f) => cx.call_value(f, vec![v.clone()], Vec::new())?,
        None => v.clone(),
    };
    let mut b = g.borrow_mut();
    b.cur_value = Some(v);
    b.cur_key = Some(k);
    Ok(true)
}

/// The groupby's next `(key, group)`: the items of the group before are
/// skipped, and that group ends.
pub(crate) fn groupby_next<C: Callbacks + ?Sized>(
    cx: &mut C,
    g: &Rc<RefCell<GroupBy>>,
) -> R<Option<Value>> {
    g.borrow_mut().current = 0;
    loop {
        let (cur, tgt) = {
            let b = g.borrow();
            (b.cur_key.clone(), b.tgt.clone())
        };
        match (cur, tgt) {
            (None, _) => {}
            (Some(_), None) => break,
            (Some(c), Some(t)) => {
                if !crate::types::eq_walk::eq(cx.meter(), &t, &c)? {
                    break;
                }
            }
        }
        if !step(cx, g)? {
            return Ok(None);
        }
    }
    let (key, id) = {
        let mut b = g.borrow_mut();
        b.tgt = b.cur_key.clone();
        b.made += 1;
        b.current = b.made;
        (b.tgt.clone().unwrap_or(Value::None), b.made)
    };
    let group = Tool::Group(Group { parent: g.clone(), key: key.clone(), id }).value();
    cx.meter().fuel(crate::types::iter::FUEL_PER_ADAPTER_TUPLE)?;
    Ok(Some(Value::tuple(vec![key, group])))
}

impl Drop for GroupBy {
    /// Its source leaves without recursion (a groupby over a groupby...).
    fn drop(&mut self) {
        let src = std::mem::replace(&mut self.src, spent_source());
        let mut out = vec![Value::Iter(src)];
        out.extend(self.key.take());
        out.extend(self.tgt.take());
        out.extend(self.cur_key.take());
        out.extend(self.cur_value.take());
        defer_drop(out);
    }
}

/// A stand-in for a source moved out to be dropped.
pub(crate) fn spent_source() -> Source {
    std::rc::Rc::new(RefCell::new(IterState::Busy(0)))
}

/// One group of a `groupby`: valid while it is the current one.
#[derive(Clone)]
pub(crate) struct Group {
    parent: Rc<RefCell<GroupBy>>,
    key: Value,
    id: u64,
}

impl Group {
    pub(crate) fn next<C: Callbacks + ?Sized>(&mut self, cx: &mut C) -> R<Option<Value>> {
        if self.parent.borrow().current != self.id {
            return Ok(None);
        }
        if self.parent.borrow().cur_value.is_none() && !step(cx, &self.parent)? {
            return Ok(None);
        }
        let cur = self.parent.borrow().cur_key.clone().unwrap_or(Value::None);
        if !crate::types::eq_walk::eq(cx.meter(), &self.key, &cur)? {
            return Ok(None);
        }
        Ok(self.parent.borrow_mut().cur_value.take())
    }
}

/// The buffer `tee`'s iterators share: the items drawn and not yet read by
/// all, from position `base`, and each iterator's position.
pub(crate) struct TeeBuf {
    src: Source,
    items: VecDeque<Value>,
    base: usize,
    positions: Vec<usize>,
    drawing: bool,
    /// What the buffer holds, kept as it changes (read at every step).
    bytes: usize,
}

/// One of `tee`'s iterators.
pub(crate) struct Tee {
    buf: Rc<RefCell<TeeBuf>>,
    index: usize,
}

/// `tee(src, n)`'s `n` iterators.
pub(crate) fn tee(src: Source, n: usize) -> Vec<Value> {
    let buf = Rc::new(RefCell::new(TeeBuf {
        src,
        items: VecDeque::new(),
        base: 0,
        positions: vec![0; n],
        drawing: false,
        bytes: 0,
    }));
    (0..n).map(|index| Tool::Tee(Tee { buf: buf.clone(), index }).value()).collect()
}

impl Drop for TeeBuf {
    /// Its source and items leave without recursion (a tee over a tee...).
    fn drop(&mut self) {
        let src = std::mem::replace(&mut self.src, spent_source());
        let mut out: Vec<Value> = self.items.drain(..).collect();
        out.push(Value::Iter(src));
        defer_drop(out);
    }
}

impl Tee {
    pub(crate) fn next<C: Callbacks + ?Sized>(&mut self, cx: &mut C) -> R<Option<Value>> {
        let (pos, base, len, src) = {
            let b = self.buf.borrow();
            (b.positions[self.index], b.base, b.items.len(), b.src.clone())
        };
        let item = if pos < base + len {
            self.buf.borrow().items.get(pos - base).cloned()
        } else {
            if std::mem::replace(&mut self.buf.borrow_mut().drawing, true) {
                return exc(ExcKind::RuntimeError, "cannot re-enter the tee iterator");
            }
            let drawn = draw(cx, &src);
            self.buf.borrow_mut().drawing = false;
            let Some(x) = drawn? else { return Ok(None) };
            let cost = std::mem::size_of::<Value>() + x.unowned_cost();
            cx.meter().alloc(cost)?;
            let mut b = self.buf.borrow_mut();
            b.items.push_back(x.clone());
            b.bytes += cost;
            Some(x)
        };
        let mut b = self.buf.borrow_mut();
        b.positions[self.index] = pos + 1;
        // Items every iterator has read leave the buffer.
        let low = b.positions.iter().copied().min().unwrap_or(0);
        while b.base < low {
            if let Some(v) = b.items.pop_front() {
                b.bytes = b.bytes.saturating_sub(std::mem::size_of::<Value>() + v.unowned_cost());
                defer_drop_one(v);
            }
            b.base += 1;
        }
        Ok(item)
    }

    pub(crate) fn mem_cost(&self) -> usize {
        let Ok(b) = self.buf.try_borrow() else { return 0 };
        // Each iterator counts its share of the buffer they share.
        b.bytes.div_ceil(b.positions.len().max(1))
    }
}
