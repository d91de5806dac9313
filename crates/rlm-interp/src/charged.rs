//! Growable buffers for results whose size is not known in advance (the
//! parts of a split, the matches of a regex, the items of an iterator being
//! materialised, the text of a substitution): the one place for the rule
//! that a producer's buffer is charged to the session's memory count before
//! it grows, and held to the collection or string cap as it grows.
//!
//! Each buffer charges its current capacity to the current account (`mem`)
//! while it lives and credits it when dropped or handed over (the list or
//! string made from it then charges itself), so the budget check sees it
//! like any other live value. Before each growth the new capacity is passed
//! to `Meter::alloc` (which syncs and refuses when it would pass the budget),
//! and every [`CHECK_EVERY`] items the memory is checked again, because the
//! items themselves (strings, tuples, match objects) charge the account as
//! they are made and would otherwise pile up between two growths.

use crate::fault::R;
use crate::mem::{AccountRef, block, vec_block};
use crate::meter::Meter;

/// How many items may be added between two memory checks (each check is a
/// compare unless a sync is due).
const CHECK_EVERY: usize = 1024;

/// The smallest capacity a buffer grows to.
const MIN_CAP: usize = 8;

/// A `Vec` built by a builtin: held to the collection cap and charged
/// before each growth (see the module doc).
pub(crate) struct ChargedVec<T> {
    items: Vec<T>,
    /// Bytes each slot holds on the heap beyond `T` itself (a `Vec` item's
    /// own buffer), charged with the capacity.
    slot_extra: usize,
    account: AccountRef,
    charged: usize,
    unchecked: usize,
}

impl<T> ChargedVec<T> {
    pub(crate) fn new() -> Self {
        Self::with_slot_extra(0)
    }

    /// A buffer whose items each own `slot_extra` more bytes on the heap.
    pub(crate) fn with_slot_extra(slot_extra: usize) -> Self {
        ChargedVec {
            items: Vec::new(),
            slot_extra,
            account: crate::mem::current(),
            charged: 0,
            unchecked: 0,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    /// Adds `x`, growing (charged first) when full.
    #[inline]
    pub(crate) fn push(&mut self, meter: &mut Meter, x: T) -> R<()> {
        if self.items.len() == self.items.capacity() {
            self.grow(meter, 1)?;
        }
        self.items.push(x);
        self.unchecked += 1;
        if self.unchecked >= CHECK_EVERY {
            self.unchecked = 0;
            meter.check_memory()?;
        }
        Ok(())
    }

    pub(crate) fn as_slice(&self) -> &[T] {
        &self.items
    }

    /// The items, to change in place (their number stays as charged).
    pub(crate) fn as_mut_slice(&mut self) -> &mut [T] {
        &mut self.items
    }

    /// Reverses the items in place (`rsplit` finds its parts from the end).
    pub(crate) fn reverse(&mut self) {
        self.items.reverse();
    }

    /// Room for `more` items at least, charged before it is reserved.
    pub(crate) fn reserve(&mut self, meter: &mut Meter, more: usize) -> R<()> {
        if self.items.capacity() - self.items.len() < more {
            self.grow(meter, more)?;
        }
        Ok(())
    }

    #[cold]
    fn grow(&mut self, meter: &mut Meter, more: usize) -> R<()> {
        let len = self.items.len();
        let cap_limit = meter.limits.max_collection_len;
        let want = len.saturating_add(more);
        if want > cap_limit {
            return meter.check_len(want);
        }
        let new_cap = self.items.capacity().saturating_mul(2).max(want).max(MIN_CAP).min(cap_limit);
        let bytes = self.cost_of(new_cap);
        meter.fuel(((new_cap - self.items.capacity()) / 16) as u64)?;
        meter.alloc(bytes)?;
        self.items.reserve_exact(new_cap - len);
        self.recharge();
        Ok(())
    }

    fn cost_of(&self, cap: usize) -> usize {
        vec_block::<T>(cap).saturating_add(cap.saturating_mul(self.slot_extra))
    }

    fn recharge(&mut self) {
        let now = self.cost_of(self.items.capacity());
        self.account.charge(now);
        self.account.credit(self.charged);
        self.charged = now;
    }

    /// The items, no longer charged by this buffer (whatever is made of
    /// them charges itself).
    pub(crate) fn into_vec(mut self) -> Vec<T> {
        self.account.credit(std::mem::take(&mut self.charged));
        std::mem::take(&mut self.items)
    }
}

impl<T> Drop for ChargedVec<T> {
    fn drop(&mut self) {
        self.account.credit(self.charged);
    }
}

/// A `String` built by a builtin: held to the string cap and charged before
/// each growth (see the module doc).
pub(crate) struct ChargedString {
    text: String,
    account: AccountRef,
    charged: usize,
}

impl ChargedString {
    pub(crate) fn new() -> Self {
        ChargedString { text: String::new(), account: crate::mem::current(), charged: 0 }
    }

    pub(crate) fn len(&self) -> usize {
        self.text.len()
    }

    /// Appends `s`, growing (charged first, and held to the string cap)
    /// when it does not fit.
    #[inline]
    pub(crate) fn push_str(&mut self, meter: &mut Meter, s: &str) -> R<()> {
        if self.text.capacity() - self.text.len() < s.len() {
            self.grow(meter, s.len())?;
        }
        self.text.push_str(s);
        Ok(())
    }

    #[inline]
    pub(crate) fn push(&mut self, meter: &mut Meter, c: char) -> R<()> {
        let mut b = [0u8; 4];
        self.push_str(meter, c.encode_utf8(&mut b))
    }

    /// Room for `more` bytes at least, charged before it is reserved.
    pub(crate) fn reserve(&mut self, meter: &mut Meter, more: usize) -> R<()> {
        if self.text.capacity() - self.text.len() < more {
            self.grow(meter, more)?;
        }
        Ok(())
    }

    #[cold]
    fn grow(&mut self, meter: &mut Meter, more: usize) -> R<()> {
        let len = self.text.len();
        let want = len.saturating_add(more);
        let cap_limit = meter.limits.max_str_len;
        if want > cap_limit {
            // The cap counts code points: only a text that long in bytes
            // can pass it (the bytes to add count as a code point each at
            // most), and counting is paid once per growth, which doubles.
            let chars = self.text.chars().count().saturating_add(more);
            if chars > cap_limit {
                meter.check_str_len(chars)?;
            }
        }
        let new_cap = self.text.capacity().saturating_mul(2).max(want).max(MIN_CAP);
        // No more than the cap can hold in UTF-8 (4 bytes a code point).
        let new_cap = new_cap.min(cap_limit.saturating_mul(4)).max(want);
        meter.alloc(block(new_cap))?;
        self.text.reserve_exact(new_cap - len);
        let now = block(self.text.capacity());
        self.account.charge(now);
        self.account.credit(self.charged);
        self.charged = now;
        Ok(())
    }

    /// The text, no longer charged by this buffer (the string made of it
    /// charges itself).
    pub(crate) fn into_string(mut self) -> String {
        self.account.credit(std::mem::take(&mut self.charged));
        std::mem::take(&mut self.text)
    }
}

impl Drop for ChargedString {
    fn drop(&mut self) {
        self.account.credit(self.charged);
    }
}

/// Bytes scratch vectors hold (a sort's, `Counter.most_common`'s), charged to the account while they
/// live (after the budget check) and credited when this is dropped.
pub(crate) struct ScratchCharge {
    account: AccountRef,
    bytes: usize,
}

impl ScratchCharge {
    /// `more` bytes of the same scratch (its buffer's growth), checked
    /// against the budget before they are allocated and counted as live
    /// with the rest until the guard is dropped.
    pub(crate) fn grow(&mut self, meter: &mut Meter, more: usize) -> R<()> {
        meter.alloc(more)?;
        self.account.charge(more);
        self.bytes = self.bytes.saturating_add(more);
        Ok(())
    }
}

impl Drop for ScratchCharge {
    fn drop(&mut self) {
        self.account.credit(self.bytes);
    }
}

/// Checks `bytes` of scratch against the memory budget before they are
/// allocated, and counts them as live until the guard is dropped.
pub(crate) fn charge_scratch(meter: &mut Meter, bytes: usize) -> R<ScratchCharge> {
    meter.alloc(bytes)?;
    meter.account.charge(bytes);
    Ok(ScratchCharge { account: meter.account.clone(), bytes })
}

/// [`charge_scratch`] for a transient buffer a search may need at each call
/// (the backtracking engine's stack): where it fits the budget beside the
/// live count, counted as live at once, without the sync a pre-charge of its
/// size would make due (one per search: a `findall` would sync at each
/// match); else checked as [`charge_scratch`] checks it (a sync, a
/// collection, or the memory error).
pub(crate) fn charge_transient(meter: &mut Meter, bytes: usize) -> R<ScratchCharge> {
    if meter.account.live().saturating_add(bytes) <= meter.limits.memory_bytes {
        meter.account.charge(bytes);
        return Ok(ScratchCharge { account: meter.account.clone(), bytes });
    }
    charge_scratch(meter, bytes)
}

impl ChargedVec<crate::value::Value> {
    /// [`ChargedVec::push`] of a string (`split`'s parts), taking the string
    /// (a pointer, in a register) rather than a `Value` made by the caller
    /// and handed over through memory. Always inline: a call per word was
    /// a tenth of a short word's making.
    #[inline(always)]
    pub(crate) fn push_str(&mut self, meter: &mut Meter, s: crate::value::Str) -> R<()> {
        if self.items.len() == self.items.capacity() {
            self.grow(meter, 1)?;
        }
        self.items.push(crate::value::Value::Str(s));
        self.unchecked += 1;
        if self.unchecked >= CHECK_EVERY {
            self.unchecked = 0;
            meter.check_memory()?;
        }
        Ok(())
    }
}
