//! What memory really costs, and the running count of it per session.
//!
//! Costs are derived from `size_of` and the capacity actually reserved, plus
//! what the system allocator adds to every block (glibc malloc: an 8-byte
//! header, 16-byte granularity, 32-byte minimum; blocks from 128 KiB up are
//! whole pages). Each value type states its own cost with these helpers
//! (`types/`); the registry of mutable containers (`gc.rs`) keeps their
//! charges current.
//!
//! The count is per [`Account`]: every session has one, and the thread has a
//! detached one for values made outside any session (an embedder's own
//! values). A value is charged to the account current when it is made (the
//! session whose code is running: `Interpreter`'s entry points [`enter`] its
//! account) and credited to the same account when dropped, wherever that
//! happens, so sessions interleaved on one thread (nested sub-RLMs, a host
//! running several sandboxes) never count each other's bytes. Immutable
//! values (strings, tuples) keep their account and are charged when made and
//! credited when dropped, exactly; mutable containers are charged through
//! their session's registry when registered, re-charged when it is synced,
//! credited when pruned.
//!
//! An account is the count alone: the session's registry of containers and
//! its journal are the session's (`gc::Session`, which holds its account),
//! so this file, and the strings and tuples that hold an account, name no
//! value type.

use std::cell::{Cell, RefCell};
use std::mem::size_of;
use std::rc::Rc;

/// Bytes the allocator really takes for a request of `n` bytes.
pub(crate) const fn block(n: usize) -> usize {
    if n == 0 {
        return 0;
    }
    // glibc serves requests from 128 KiB up with mmap: whole pages plus a
    // 16-byte header.
    if n >= 128 * 1024 {
        return (n + 16 + 4095) & !4095;
    }
    let chunk = (n + 8 + 15) & !15;
    if chunk < 32 { 32 } else { chunk }
}

/// One `Rc<T>` allocation: the strong and weak counts, then `T`.
pub(crate) const fn rc_block<T>() -> usize {
    block(2 * size_of::<usize>() + size_of::<T>())
}

/// A `Vec<T>`'s (or `VecDeque<T>`'s) buffer of capacity `cap`.
pub(crate) const fn vec_block<T>(cap: usize) -> usize {
    block(cap.saturating_mul(size_of::<T>()))
}

/// An `IndexMap`/`IndexSet` of capacity `cap` whose entries (hash, key,
/// value) take `entry` bytes: the entries vector plus hashbrown's table of
/// indices (8 bytes and one control byte per bucket, buckets a power of two
/// at most 7/8 full, plus one group of trailing control bytes).
pub(crate) const fn table_block(cap: usize, entry: usize) -> usize {
    if cap == 0 {
        return 0;
    }
    let buckets = if cap < 8 {
        (cap + 1).next_power_of_two()
    } else {
        (cap.saturating_mul(8) / 7).next_power_of_two()
    };
    block(cap.saturating_mul(entry)) + block(buckets * (size_of::<usize>() + 1) + 16)
}

/// One session's memory count (the thread's detached values have one too).
/// The session's registry of mutable containers and its journal are beside
/// it, in `gc::Session`.
pub(crate) struct Account {
    live: Cell<usize>,
    /// The most `live` reached since the last [`Account::reset_peak`]: kept
    /// where the count grows (a compare per charge), so that a charge
    /// released before anyone looked (a sort's keys, a journal's copy) is
    /// still seen.
    peak: Cell<usize>,
}

/// A shared handle on an account: values that charged it keep it alive
/// until they are dropped and credit it.
pub(crate) type AccountRef = Rc<Account>;

impl Account {
    pub(crate) fn new() -> AccountRef {
        Rc::new(Account { live: Cell::new(0), peak: Cell::new(0) })
    }

    /// Count `n` bytes as allocated.
    #[inline]
    pub(crate) fn charge(&self, n: usize) {
        let live = self.live.get().saturating_add(n);
        self.live.set(live);
        if live > self.peak.get() {
            self.peak.set(live);
        }
    }

    /// The most [`Account::live`] reached since the last reset.
    pub(crate) fn peak(&self) -> usize {
        self.peak.get().max(self.live.get())
    }

    /// Starts the high-water mark again from what is live now.
    pub(crate) fn reset_peak(&self) {
        self.peak.set(self.live.get());
    }

    /// Count `n` bytes (charged earlier) as freed.
    #[inline]
    pub(crate) fn credit(&self, n: usize) {
        self.live.set(self.live.get().saturating_sub(n));
    }

    /// Bytes held by this account's values, as of the last sync of its
    /// mutable containers (`gc::sync`). O(1).
    #[inline]
    pub(crate) fn live(&self) -> usize {
        self.live.get()
    }
}

thread_local! {
    /// The account of the session whose code runs now (`None`: detached).
    static CURRENT: RefCell<Option<AccountRef>> = const { RefCell::new(None) };
    /// What values made outside any session are charged to.
    static DETACHED: AccountRef = Account::new();
}

/// Whether `account` is the thread's detached one.
fn is_detached(account: &AccountRef) -> bool {
    DETACHED.try_with(|d| Rc::ptr_eq(d, account)).unwrap_or(false)
}

/// The account an immutable value (string, tuple) was charged to, kept to
/// credit it when the value is dropped. A value made outside any session
/// moves to the first session it is handed to ([`Owner::adopt`]); the cell
/// costs no more than the bare reference (`Option<Rc>` has a niche).
pub(crate) struct Owner(Cell<Option<AccountRef>>);

impl Owner {
    /// Charged to the current account. Inline: every new string takes one
    /// (`Str::from_inner`), and left to the optimiser's choice it was called
    /// out of line once `str`'s storage had a file of its own.
    #[inline]
    pub(crate) fn current() -> Owner {
        Owner(Cell::new(Some(current())))
    }

    /// Charged to `account` (looked up once for many values: `split`'s words).
    pub(crate) fn of(account: &AccountRef) -> Owner {
        Owner(Cell::new(Some(account.clone())))
    }

    fn with(&self, f: impl FnOnce(&Account)) {
        let a = self.0.take();
        if let Some(a) = &a {
            f(a);
        }
        self.0.set(a);
    }

    pub(crate) fn charge(&self, n: usize) {
        self.with(|a| a.charge(n));
    }

    pub(crate) fn credit(&self, n: usize) {
        self.with(|a| a.credit(n));
    }

    /// If the value was made outside any session, move its `cost` to `to`
    /// (the session it is being handed to) and return true. A value another
    /// session made stays charged to its maker.
    pub(crate) fn adopt(&self, to: &AccountRef, cost: usize) -> bool {
        let a = self.0.take();
        let moved = match &a {
            Some(a) if is_detached(a) => {
                a.credit(cost);
                to.charge(cost);
                true
            }
            _ => false,
        };
        self.0.set(if moved { Some(to.clone()) } else { a });
        moved
    }
}

/// The account new values are charged to.
#[inline]
pub(crate) fn current() -> AccountRef {
    CURRENT
        .try_with(|c| c.borrow().clone())
        .ok()
        .flatten()
        .or_else(|| DETACHED.try_with(Rc::clone).ok())
        // Only while the thread is being torn down: nothing is checked then.
        .unwrap_or_else(Account::new)
}

/// The thread's detached account (see [`current`]).
pub(crate) fn detached() -> AccountRef {
    // `Account::new` only while the thread is being torn down, as in `current`.
    DETACHED.try_with(Rc::clone).unwrap_or_else(|_| Account::new())
}

/// Makes an account current until dropped (then the previous one again, so
/// a session run from inside another's host function nests). A session is
/// entered by `gc::enter`, which enters its account with this.
pub(crate) struct Entered {
    prev: Option<AccountRef>,
}

/// Make `account` current: values made until the guard drops are charged to
/// it.
pub(crate) fn enter(account: &AccountRef) -> Entered {
    let prev = CURRENT.try_with(|c| c.replace(Some(account.clone()))).ok().flatten();
    Entered { prev }
}

impl Drop for Entered {
    fn drop(&mut self) {
        let prev = self.prev.take();
        let _ = CURRENT.try_with(|c| *c.borrow_mut() = prev);
    }
}

/// Bytes a host holds on a session's behalf (its copies of the prompts of
/// the session's pending subcalls, their call records), charged to the
/// session's account while this guard lives (`Interpreter::hold_host_bytes`):
/// a program's fan-out of host calls counts against its own budget.
pub struct HostBytes {
    account: AccountRef,
    bytes: usize,
}

impl HostBytes {
    pub(crate) fn charge(account: &AccountRef, bytes: usize) -> HostBytes {
        account.charge(bytes);
        HostBytes { account: account.clone(), bytes }
    }

    /// The bytes held.
    pub fn bytes(&self) -> usize {
        self.bytes
    }
}

impl Drop for HostBytes {
    fn drop(&mut self) {
        self.account.credit(self.bytes);
    }
}

impl std::fmt::Debug for HostBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostBytes").field("bytes", &self.bytes).finish()
    }
}
