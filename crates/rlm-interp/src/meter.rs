//! The meter: what a program has spent and may spend. Fuel charged before
//! the work it pays for, memory charged before allocation (checked against
//! the running count of what values really hold, `mem`, synced and cycles
//! collected in amortised time), and the string, collection and nesting
//! caps. A builtin that only charges takes `&mut Meter`, not the whole VM
//! (issue #59); the VM owns one and its dispatch loop counts a unit per
//! instruction on it.

use crate::cost::{FUEL_PER_EDGE_COLLECTED, FUEL_PER_ITEM_COLLECTED, FUEL_PER_NODE_COLLECTED};
use crate::fault::{Fault, R};
use crate::gc::SessionRef;
use crate::limits::{InterruptCheck, LimitError, LimitKind, Limits};
use crate::mem::AccountRef;
use crate::paid::Paid;
use crate::value::AlignedBool;
use crate::value::Value;

/// How far past the budget the heap may get between two syncs of the
/// memory count (and the least allocation between two syncs).
pub(crate) const SYNC_GRACE: usize = 4 << 20;

/// What one `append` may cost: a slot, doubled by the buffer's growth, at
/// the 24 bytes a `Value` took when this weight was set against the real
/// heap: at 16 the syncs it paces came half as far apart again, and a list
/// of exceptions (`tests/real_heap.rs`) passed the budget by its slack.
pub(crate) const LIST_SLOT_COST: usize = 48;

/// The capacity from which a text being written is held to the budget
/// ([`Meter::check_text_growth`]).
const TEXT_CHECKED_FROM: usize = 1 << 20;

/// A session's limits and what it has used of them.
pub(crate) struct Meter {
    pub(crate) limits: Limits,
    /// The embedder's call-depth limit: `sys.setrecursionlimit` lowers
    /// `limits.max_call_depth` to at most this (a program may lower its
    /// limit, never raise it).
    pub(crate) call_depth_cap: usize,
    /// What this session's values are charged to (`mem`): its session's.
    pub(crate) account: AccountRef,
    /// The session: its account, the registry of its containers, its
    /// journal (`gc::Session`).
    pub(crate) session: SessionRef,
    pub(crate) fuel_used: u64,
    /// The dispatch loop leaves its fast path once `fuel_used` passes this:
    /// the fuel limit, or earlier when an interrupt check is due.
    pub(crate) fuel_checkpoint: u64,
    /// Asked every `.0` fuel units whether to stop the program (a host's
    /// Ctrl-C); `true` raises `KeyboardInterrupt` inside it.
    pub(crate) interrupt_check: Option<(u64, InterruptCheck)>,
    /// Bytes pre-charged (`alloc`) since the memory count was last synced.
    mem_since: usize,
    /// The memory count at the last sync.
    mem_synced: usize,
    /// Sync again once this many more bytes were charged or counted.
    mem_next: usize,
    /// What this session paid once of what its thread shares (`re`'s
    /// compiled patterns, `strptime`'s formats).
    pub(crate) paid: Paid,
}

impl Meter {
    /// A meter holding `limits`, charging `session`'s account, nothing spent
    /// yet.
    pub(crate) fn new(limits: Limits, session: SessionRef) -> Meter {
        let account = session.account.clone();
        // The first sync is due after the smaller of the budget and the grace.
        let mem_next = limits.memory_bytes.min(SYNC_GRACE);
        Meter {
            call_depth_cap: limits.max_call_depth,
            limits,
            fuel_used: 0,
            fuel_checkpoint: 0,
            interrupt_check: None,
            mem_since: 0,
            mem_synced: account.live(),
            account,
            session,
            mem_next,
            paid: Paid::default(),
        }
    }
}

impl Meter {
    /// Charges `n` units of fuel before the work they pay for. Past the
    /// checkpoint (never beyond the limit) it asks the interrupt check too,
    /// as the dispatch loop does: a builtin's charge comes before its work,
    /// so a long builtin (`hash` of a 10^7-tuple) answers cancellation and
    /// the wall-time limit before it starts, and one that charges as it
    /// proceeds (`re`, `iterate`) while it runs.
    #[inline]
    pub(crate) fn fuel(&mut self, n: u64) -> R<()> {
        self.fuel_used = self.fuel_used.saturating_add(n);
        if self.fuel_used > self.fuel_checkpoint {
            return self.checkpoint();
        }
        Ok(())
    }

    /// Charges a block of work of a call charged as it proceeds
    /// ([`Over::WorkDone`]): `items` and `bytes` at `rate`, before the block
    /// is done.
    #[inline]
    pub(crate) fn charge_work(
        &mut self,
        rate: crate::cost::Rate,
        items: usize,
        bytes: usize,
    ) -> R<()> {
        let n = crate::cost::fuel_for(rate, items as u64, bytes as u64);
        if n == 0 {
            return Ok(());
        }
        self.fuel(n)
    }

    /// Gives back `n` units charged for work a builtin reserved and did not
    /// do (a search charged for the rest of its text, which stopped at its
    /// match). Never below zero; the checkpoint stays where it is, so the
    /// next one comes no sooner than it would have.
    pub(crate) fn refund(&mut self, n: u64) {
        self.fuel_used = self.fuel_used.saturating_sub(n);
    }

    /// Sets the next checkpoint of the dispatch loop (at a start or resume).
    pub(crate) fn arm_checkpoint(&mut self) {
        self.fuel_checkpoint = match &self.interrupt_check {
            Some((every, _)) => self.limits.fuel.min(self.fuel_used.saturating_add(*every)),
            None => self.limits.fuel,
        };
    }

    /// The dispatch loop or a charge passed its checkpoint: out of fuel, or time to ask
    /// the interrupt check (which may stop the program with `KeyboardInterrupt`).
    #[cold]
    pub(crate) fn checkpoint(&mut self) -> R<()> {
        if self.fuel_used > self.limits.fuel {
            // A charge for work not done (a whole sort, a pattern's first
            // search) counts no further than the limit: what was used is
            // the limit and the step that passed it.
            self.fuel_used = self.fuel_used.min(self.limits.fuel.saturating_add(1));
            return Err(out_of_fuel(self.limits.fuel));
        }
        self.arm_checkpoint();
        match self.interrupt_check.as_ref().and_then(|(_, check)| check()) {
            None => Ok(()),
            Some(crate::limits::HostStop::Cancel) => Err(Fault::Exc(crate::value::Exception::new(
                crate::value::ExcKind::KeyboardInterrupt,
                "interrupted by the host",
            ))),
            Some(crate::limits::HostStop::Deadline) => Err(Fault::Limit(LimitError::new(
                LimitKind::WallTime,
                "wall time limit: the run's time budget ran out while this program ran",
            ))),
        }
    }

    /// Runs host code (an `InlineMetered` function, a host object's method)
    /// with a meter that charges this meter's fuel before the work it measures;
    /// once the fuel is spent, the meter refuses and the call's result gives
    /// way to the limit error.
    pub(crate) fn metered_call<T>(
        &mut self,
        host: impl FnOnce(crate::host::FuelMeter<'_>) -> T,
    ) -> R<T> {
        let mut fuel_err = None;
        let r = {
            let fuel_used = &mut self.fuel_used;
            let limit = self.limits.fuel;
            let mut charge = |n: u64| -> Result<(), LimitError> {
                *fuel_used = fuel_used.saturating_add(n);
                if *fuel_used > limit {
                    let e = LimitError::new(
                        LimitKind::Fuel,
                        format!("the program ran out of fuel ({limit} steps)"),
                    );
                    fuel_err = Some(e.clone());
                    return Err(e);
                }
                Ok(())
            };
            host(&mut charge)
        };
        match fuel_err {
            Some(e) => Err(Fault::Limit(e)),
            None => Ok(r),
        }
    }

    /// Charge `bytes` of new memory before allocating them. Values count
    /// themselves as they are made and dropped (`mem`); this pre-charge
    /// covers what is about to be allocated and the growth of containers in
    /// place, which the registry only sees when synced. Syncing (and
    /// collecting cycles) costs a walk over the registered containers, so it
    /// happens only after `mem_next` bytes more: at most the headroom plus
    /// [`SYNC_GRACE`], at least `SYNC_GRACE` and, while far from the limit,
    /// half of what is live: amortised linear, and the real heap never
    /// passes the budget by more than the grace.
    #[inline]
    pub(crate) fn alloc(&mut self, bytes: usize) -> R<()> {
        if self.alloc_before_sync(bytes) {
            return Ok(());
        }
        self.mem_since = self.mem_since.saturating_add(bytes);
        self.sync_memory(bytes)
    }

    /// [`Meter::alloc`] when no sync is due: counts `bytes` and returns
    /// true; false, nothing counted, when one is (the plain loop, which
    /// cannot sync, hands the instruction to the full loop then).
    #[inline(always)]
    pub(crate) fn alloc_before_sync(&mut self, bytes: usize) -> bool {
        let since = self.mem_since.saturating_add(bytes);
        let grown = self.account.live().saturating_sub(self.mem_synced);
        if since.saturating_add(grown) > self.mem_next {
            return false;
        }
        self.mem_since = since;
        true
    }

    /// The memory check alone, for a value its maker charges exactly (a
    /// list or tuple literal: registering or creating it charges the
    /// account). Pre-charging it as well counted it twice, and near the
    /// limit every sync then found room left for a few more: `x = [x]`
    /// synced its 4.5 M containers five times in its last 64 MiB.
    #[inline]
    pub(crate) fn check_memory(&mut self) -> R<()> {
        self.alloc(0)
    }

    #[cold]
    pub(crate) fn sync_memory(&mut self, bytes: usize) -> R<()> {
        let budget = self.limits.memory_bytes;
        // The work of this sync and of any since the last (a registration
        // that pruned the registry, a collection's), at its cost-table rates.
        let owed = crate::gc::sync(&self.session);
        self.fuel(owed)?;
        let mut live = self.account.live();
        // Unreachable cycles are not live, but they hold memory until
        // collected: collect them when over the budget or when enough new
        // containers were registered, if the collector's own bookkeeping
        // fits (it is charged like the sync), and if a cycle can exist at all
        // (else it would free nothing: `x = [x]` 10^7 times collected twice).
        let room = budget.saturating_add(SYNC_GRACE).saturating_sub(live);
        if (live.saturating_add(bytes) > budget || crate::gc::collect_due(&self.session, budget))
            && crate::gc::cycles_possible(&self.session)
            && crate::gc::collect_workspace(&self.session) <= room
        {
            let done = crate::gc::collect_garbage_within(&self.session, room);
            self.fuel(
                (done.visited as u64)
                    .saturating_mul(FUEL_PER_NODE_COLLECTED)
                    .saturating_add((done.items as u64).saturating_mul(FUEL_PER_ITEM_COLLECTED))
                    .saturating_add((done.edges as u64).saturating_mul(FUEL_PER_EDGE_COLLECTED)),
            )?;
            live = self.account.live();
        }
        if live.saturating_add(bytes) > budget {
            return Err(Fault::Limit(LimitError::new(
                LimitKind::Memory,
                format!(
                    "memory limit exceeded: {live} bytes live, {bytes} more requested, limit {budget}"
                ),
            )));
        }
        self.mem_synced = live;
        self.mem_since = bytes;
        let headroom = budget - live + SYNC_GRACE;
        self.mem_next = headroom.min((live / 2).max(SYNC_GRACE));
        Ok(())
    }

    /// After a rollback: the count (just synced) is the base the next sync
    /// is paced from, as after any sync.
    pub(crate) fn reset_memory_pacing(&mut self) {
        let live = self.account.live();
        self.mem_synced = live;
        self.mem_since = 0;
        let headroom = self.limits.memory_bytes.saturating_sub(live).saturating_add(SYNC_GRACE);
        self.mem_next = headroom.min((live / 2).max(SYNC_GRACE));
    }

    /// Every builtin and method result passes here. Builtins that build
    /// strings (`json.dumps`, `re.sub`, `join`, `%`-formatting, ...) are thus
    /// held to the string cap, so no chain of them can grow a string past the
    /// cap by more than one call's output (found by fuzzing: nested
    /// `json.dumps` in a loop grew a string 4x per step unchecked). Only the
    /// cap is checked here: charging fuel and memory again on every result
    /// made string-heavy code 1.5x slower. Views of external buffers (the
    /// context) allocate nothing and are exempt.
    pub(crate) fn guard_result(&mut self, v: &Value) -> R<()> {
        match v {
            Value::Str(s) if !s.is_shared() && s.char_len() > self.limits.max_str_len => {
                self.check_str_len(s.char_len())
            }
            // Likewise lists to the collection cap (`textwrap.wrap(s, 1)`
            // returned one line per word, past the cap, unchecked).
            Value::List(l) if l.borrow().len() > self.limits.max_collection_len => {
                let n = l.borrow().len();
                self.check_len(n)
            }
            _ => Ok(()),
        }
    }

    pub(crate) fn check_str_len(&mut self, chars: usize) -> R<()> {
        if chars > self.limits.max_str_len {
            return Err(Fault::Limit(LimitError::new(
                LimitKind::StrLen,
                format!("string too long: {chars} characters (limit {})", self.limits.max_str_len),
            )));
        }
        self.fuel((chars / 64) as u64)?;
        self.alloc(chars)
    }

    /// Whether a text about to be written that will end at most `bound`
    /// bytes long passes the string cap and [`Meter::check_text_growth`]
    /// whatever it holds: then a writer need not measure a string's exact
    /// escaped length first (`repr` and `json.dumps` scanned each string
    /// twice, once to measure it and once to write it). Also when the text
    /// fits in the buffer's `capacity`: writing it allocates nothing, and the
    /// writer checked that capacity's next growth before this value (past
    /// 1 MiB of output every string of `json.dumps(["y" * 100] * n)` was
    /// scanned twice, and the row took 2x the reference loop's time).
    #[inline]
    pub(crate) fn text_within_unchecked(&self, bound: usize, capacity: usize) -> bool {
        bound <= self.limits.max_str_len && (bound < TEXT_CHECKED_FROM || bound <= capacity)
    }

    /// A text about to be written (`repr`, `json.dumps`) will be at least
    /// `bound` characters long (`format::repr::text_lower_bound`): refused now if that
    /// much passes the string cap or, after a sync, the budget, before any
    /// of it is written (the last step of `json.dumps(["y" * 100] * n)`
    /// with `n` doubling wrote 128 MB before its buffer's growth failed).
    /// The writer then reserves `bound` at once: one allocation instead of
    /// a doubling's copies, and [`Meter::check_text_growth`] holds that
    /// capacity's next growth to the budget from the first value on.
    pub(crate) fn check_text_lower_bound(&mut self, bound: usize) -> R<()> {
        if bound < TEXT_CHECKED_FROM {
            return Ok(());
        }
        if bound > self.limits.max_str_len {
            return self.check_str_len(bound);
        }
        if self.account.live().saturating_add(bound) > self.limits.memory_bytes {
            return self.sync_memory(bound);
        }
        Ok(())
    }

    /// A text about to be made at its exact size of `bytes` (no doubling):
    /// held to the budget before it is allocated.
    pub(crate) fn check_text_exact(&mut self, bytes: usize) -> R<()> {
        if bytes < TEXT_CHECKED_FROM
            || self.account.live().saturating_add(bytes) <= self.limits.memory_bytes
        {
            return Ok(());
        }
        self.sync_memory(bytes)
    }

    /// A text being written into a plain `String` (`repr`, `str()` of a
    /// container, `json.dumps`) whose buffer has `capacity` bytes: its next
    /// growth must fit in the budget, i.e. what is live plus a buffer twice
    /// as large. A compare while it does; past it, a sync (which may collect
    /// garbage), then the memory error if it still does not fit. Small
    /// buffers are left to the slack.
    #[inline]
    pub(crate) fn check_text_growth(&mut self, capacity: usize) -> R<()> {
        if capacity < TEXT_CHECKED_FROM {
            return Ok(());
        }
        let next = capacity.saturating_mul(2);
        if self.account.live().saturating_add(next) <= self.limits.memory_bytes {
            return Ok(());
        }
        self.sync_memory(next)
    }

    /// A string of `chars` characters of `char_bytes` bytes each (a padded
    /// field's fill) about to be held `copies` times at once (a padded field
    /// and the f-string that joins it): held to the string cap, charged
    /// memory for every copy in one request (two requests are each checked
    /// alone), and fuel for every byte written: a unit per 64 (a 200 000-wide
    /// field of a 4-byte fill, made and dropped in a loop, ran its fuel in
    /// 12 s charged per character of one copy).
    pub(crate) fn check_str_copies(
        &mut self,
        chars: usize,
        char_bytes: usize,
        copies: usize,
    ) -> R<()> {
        if chars > self.limits.max_str_len {
            return self.check_str_len(chars);
        }
        let bytes = chars.saturating_mul(char_bytes).saturating_mul(copies);
        self.fuel((bytes / 64) as u64)?;
        self.alloc(bytes)
    }

    pub(crate) fn check_len(&mut self, n: usize) -> R<()> {
        if n > self.limits.max_collection_len {
            return Err(Fault::Limit(LimitError::new(
                LimitKind::CollectionLen,
                format!(
                    "collection too large: {n} items (limit {})",
                    self.limits.max_collection_len
                ),
            )));
        }
        self.fuel((n / 16) as u64)?;
        self.alloc(n.saturating_mul(std::mem::size_of::<crate::value::Value>()))
    }

    /// A sequence of capacity `capacity` growing in place to `new_len` items
    /// by `added`: held to the collection cap, charged for the added slots
    /// only (charging the whole length made every `append` to a long deque
    /// cost a sync), or, when it outgrows its buffer, for the new buffer,
    /// which is allocated at once (`extend` doubled a 16 MB list to 32 MB
    /// between two syncs, unseen).
    pub(crate) fn check_growth(&mut self, new_len: usize, added: usize, capacity: usize) -> R<()> {
        if new_len > self.limits.max_collection_len {
            return self.check_len(new_len);
        }
        self.fuel((added / 16) as u64)?;
        let bytes = if new_len > capacity {
            capacity
                .saturating_mul(2)
                .max(new_len)
                .max(4)
                .saturating_mul(std::mem::size_of::<Value>())
        } else {
            added.saturating_mul(LIST_SLOT_COST)
        };
        self.alloc(bytes)
    }

    pub(crate) fn nesting_err(&self) -> Fault {
        Fault::Limit(LimitError::new(
            LimitKind::Nesting,
            format!("value nested too deeply (limit {} levels)", self.limits.max_nesting),
        ))
    }

    /// Bytes held by this session's values, as the memory budget counts
    /// them: the running count (O(1), see `mem`), exact for strings, tuples
    /// and `StringIO`s, and for mutable containers their size at the last
    /// sync (registration, or at most max(4 MiB, live/2) of charged
    /// allocation ago).
    pub(crate) fn live_bytes(&self) -> usize {
        self.account.live()
    }

    /// The same count after a sync of the registered containers (a walk
    /// over them: for tests and explicit measurement, not every step).
    pub(crate) fn synced_live_bytes(&self) -> usize {
        crate::gc::sync(&self.session);
        self.account.live()
    }
}

/// The fuel limit's error, out of line: `Meter::fuel`, inlined into every
/// builtin that charges, stays a compare and a branch.
#[cold]
fn out_of_fuel(limit: u64) -> Fault {
    Fault::Limit(LimitError::new(
        LimitKind::Fuel,
        format!("the program ran out of fuel ({limit} steps)"),
    ))
}

/// Before `items` are copied (a list's or tuple's copy, slice or
/// concatenation, as `list(x)`'s, `vm::iter::charge_copy`): [`FUEL_PER_SHARED_VALUE_COPIED`] for
/// each held by reference, besides the copy's own rate. `X.copy()` over
/// 524,288 tuples took 26 ns an item charged one unit, `X[::2]` over
/// strings and `l + m` over lists alike (11-32x the loop's time a unit,
/// issue #77's fuzzer).
///
/// [`FUEL_PER_SHARED_VALUE_COPIED`]: crate::cost::FUEL_PER_SHARED_VALUE_COPIED
pub(crate) fn charge_shared_copies<'a>(
    meter: &mut Meter,
    items: impl IntoIterator<Item = &'a Value>,
) -> R<()> {
    let shared = items
        .into_iter()
        .filter(|v| {
            !matches!(
                v,
                Value::None | Value::Bool(AlignedBool(_)) | Value::Int(_) | Value::Float(_)
            )
        })
        .count() as u64;
    meter.fuel(shared.saturating_mul(crate::cost::FUEL_PER_SHARED_VALUE_COPIED))
}
