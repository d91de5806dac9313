//! The cost model every builtin, method, module function and operator
//! declares next to its registration: which of a call's values its work is
//! proportional to ([`Over`]) and at what [`Rate`]. A declaration only: the
//! types' method tables name it, so it sits below them; the charging (sizes of
//! values, the fuel taken before a call dispatches) is `call_cost.rs`.
//!
//! Rates are set so that a unit of fuel buys a few nanoseconds of work at
//! most, about what the dispatch loop spends on one instruction
//! (docs/benchmarks/2026-11-24-issue-33-fuel-cost-table.md, "Fuel cost table and calibration").

/// Which of a call's values its work is proportional to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Over {
    /// Nothing: the work is bounded (or charged as it proceeds elsewhere).
    Nothing,
    /// The receiver of a method (a method's `self`).
    Recv,
    /// The positional argument at this index.
    Arg(u8),
    /// Every positional argument.
    Args,
    /// The receiver and every positional argument.
    All,
    /// The work the call actually does (what it scanned, compared, copied
    /// or built), charged inside the implementation at the cost's rate as
    /// the work proceeds, in [`blocks`] each charged before it is done:
    /// calls that stop early (`find`, `index`, `in`, `startswith`,
    /// `re.search`) or take a sub-range (`find(sub, start)`) pay for what
    /// they did, not for the whole input. Nothing is charged before the
    /// call dispatches.
    WorkDone,
}

/// Fuel per unit of size, for the sized values a cost is over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    /// Per item of a list, tuple, dict, set, frozenset, deque, range or dict view.
    pub per_item: u32,
    /// Per 64 bytes of a string.
    pub per_64_bytes: u32,
}

/// Copying items or bytes (slices, concatenation, `copy`, `tuple(x)`):
/// a refcount per item, a `memcpy` of the bytes.
pub const COPY: Rate = Rate { per_item: 1, per_64_bytes: 4 };
/// Concatenating: a copy, but `s = s + t` builds a string a piece at a time
/// (CPython extends it in place): charged at the rate of making a string
/// (`Vm::check_str_len`), which it pays too, so that building a result by
/// pieces stays within the default fuel.
pub const CONCAT: Rate = Rate { per_item: 1, per_64_bytes: 1 };
/// Joining strings (`str.join`): each piece type-checked, measured and
/// copied: a few nanoseconds a piece however short (a join of 19 000
/// ten-character pieces in a loop ran its fuel in 2 s at one unit a piece).
pub const JOIN: Rate = Rate { per_item: 3, per_64_bytes: 4 };
/// Repeating (`s * n`, `[x] * n`): one value cloned or a `memcpy`, charged on
/// the result, like making a string (`Vm::check_str_len`).
pub const FILL: Rate = Rate { per_item: 2, per_64_bytes: 1 };
/// Reading each item or byte once (`sum`, `count`, `find`, `any`).
pub const SCAN: Rate = Rate { per_item: 1, per_64_bytes: 4 };
/// Hashing and inserting each item (`set(x)`, `dict(x)`, `Counter(x)`,
/// `hash(t)`, set algebra); comparing items (`index`, `remove`).
pub const HASH: Rate = Rate { per_item: 12, per_64_bytes: 16 };
/// Hashing the bytes of each item that is then inserted one at a time and
/// pays [`FUEL_PER_NEW_SET_ELEMENT`] or [`FUEL_PER_NEW_DICT_KEY`] for its
/// insert (`set(x)`, `frozenset(x)`, `dict.fromkeys(x)`): [`HASH`] without
/// the per-item part that charge replaces.
pub const HASH_BYTES: Rate = Rate { per_item: 1, per_64_bytes: 16 };
/// Decoding and re-encoding each character (`lower`, `title`, `translate`,
/// `split` into pieces, `re`, `json`, `csv`, `textwrap`).
pub const TEXT: Rate = Rate { per_item: 4, per_64_bytes: 8 };

/// Writing text escaped (`repr`/`ascii` of a str, the text of an error
/// that quotes it): per 64 bytes read and copied, and per byte that is not
/// copied as it is (a character looked at alone, most often written as an
/// escape of up to ten bytes). Issue #77: `repr` of NUL-heavy text was
/// charged per 64 bytes read while it wrote `\x00` for each byte.
pub const ESCAPE: Rate = Rate { per_item: 2, per_64_bytes: 16 };

/// Mapping or testing text that is not all ASCII a character at a time (a
/// change of case, a predicate, a number's digits): per non-ASCII byte (a
/// lookup in the Unicode tables, 10-20 ns a character) and per byte (an
/// ASCII character on the same slow path, a few ns), charged as the text
/// is read (issue #77: `lower()` over capital sigma runs ran 23x the loop's
/// time a unit charged per 8 bytes). All-ASCII text takes the byte paths
/// and pays its caller's byte rate only.
pub const UNICODE_LOOKUP: Rate = Rate { per_item: 3, per_64_bytes: 64 };

/// Counting a needle's occurrences (`str.count`): each byte read, as
/// [`SCAN`], and each occurrence found (the searcher restarted past it).
pub const OCCURRENCES: Rate = Rate { per_item: 1, per_64_bytes: 4 };

/// Reading a number's text (`int(s)`, `float(s)`): each byte checked,
/// copied a few times and converted (a float of 4 M digits took 2.7 ns a
/// byte, 17x the loop's time a unit at [`SCAN`]: issue #77).
pub const NUMERAL: Rate = Rate { per_item: 0, per_64_bytes: 64 };

/// Cutting text into pieces (`split`, `textwrap.wrap`): each piece a new
/// string, hundreds of nanoseconds (calibration).
pub const PIECES: Rate = Rate { per_item: 16, per_64_bytes: 32 };
/// Mapping text character by character where each may change width or
/// case rules apply (`title`, `swapcase`, `translate`, `json.loads`).
pub const CHARWISE: Rate = Rate { per_item: 4, per_64_bytes: 32 };
/// Parsing CSV rows: a list or a dict per row.
pub const ROWS: Rate = Rate { per_item: 64, per_64_bytes: 64 };
/// Calling a function (or making a tuple) per item (`map`, `enumerate`,
/// `itertools.starmap`, `functools.reduce`).
pub const CALLBACK: Rate = Rate { per_item: 8, per_64_bytes: 32 };
/// A `strptime` format's regex compiled, on the pattern's length (once per
/// session and format the thread keeps; see [`FUEL_PER_FORMAT_COMPILE`]).
pub const FORMAT_REGEX: Rate = Rate { per_item: 4, per_64_bytes: 4096 };

/// Compiling a program from text (a regex: parsing, then building its
/// automata, tens of nanoseconds per byte).
pub const COMPILE: Rate = Rate { per_item: 4, per_64_bytes: 256 };

/// What handing one call to the host (`llm_query`, `ask`, a tool, a
/// sub-RLM) costs beyond the instruction that makes it: the host's fixed
/// work per call (binding it, the scheduler's entry, the trace's span, the
/// request), tens of microseconds on the release build, paid when the call
/// leaves the sandbox. With the default fuel a cell can make some 20,000
/// calls: a fan-out of host calls cannot run the host for longer than the
/// program's own fuel would last.
pub const HOST_CALL_FUEL: u64 = 10_000;
/// The host's work per byte of a call's text (its prompt copied into the
/// request, the cache key, the trace's preview, the token estimate): about
/// 7 ns a byte as measured (docs/benchmarks/2026-11-24-issue-33-hostile-default-limits-release.md,
/// "Hostile programs under the default limits"), 2 units a byte, plus a unit per item of a list
/// argument.
pub const HOST_TEXT: Rate = Rate { per_item: 16, per_64_bytes: 128 };

/// The first block of work a call charged as it proceeds ([`Over::WorkDone`])
/// takes (bytes of text, or items): each next block is twice the last, up to
/// [`MAX_BLOCK`]. The charge always comes before its block is done, so what
/// a call pays is within 2x of the work it did, plus one first block: a
/// search that stops in its third block read more than the first two, and
/// paid for three (at most 2x plus the first), and past `MAX_BLOCK` a block
/// costs at most `MAX_BLOCK` more than the work.
pub const FIRST_BLOCK: usize = 64;

/// The largest block of work charged at once (see [`FIRST_BLOCK`]).
pub const MAX_BLOCK: usize = 64 << 10;

/// The sizes of a call's successive blocks of work: [`FIRST_BLOCK`],
/// doubling, capped at [`MAX_BLOCK`].
#[derive(Clone, Copy, Debug)]
pub struct Blocks(usize);

impl Blocks {
    pub const fn new() -> Blocks {
        Blocks(FIRST_BLOCK)
    }

    /// Blocks from `first` (at least 1), doubling to [`MAX_BLOCK`]: for work
    /// that most often stops within a few bytes (a regex search among dense
    /// matches), where a first block of [`FIRST_BLOCK`] would charge each
    /// call for bytes it never reads.
    pub const fn starting_at(first: usize) -> Blocks {
        Blocks(if first == 0 { 1 } else { first })
    }

    /// The size of the next block (and the one after it doubles).
    #[inline]
    pub fn next_len(&mut self) -> usize {
        let n = self.0;
        self.0 = (n * 2).min(MAX_BLOCK);
        n
    }
}

impl Default for Blocks {
    fn default() -> Blocks {
        Blocks::new()
    }
}

/// A callable's cost: `rate` per unit of size of the values `over` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cost {
    pub over: Over,
    pub rate: Rate,
}

/// A bounded call: nothing beyond the instruction that makes it.
pub const FREE: Cost = Cost { over: Over::Nothing, rate: Rate { per_item: 0, per_64_bytes: 0 } };

/// `rate` over the values `over` names.
pub const fn cost(over: Over, rate: Rate) -> Cost {
    Cost { over, rate }
}

/// Costs of a table's names, sorted by name (`lookup` searches it).
pub type CostTable = &'static [(&'static str, Cost)];

/// What an entry not found costs (the coverage tests keep every table
/// complete; this only guards against a table falling behind at run time).
pub(crate) const UNLISTED: Cost = cost(Over::All, HASH);

/// A slice's cost (`[:]` below), named so that each slice reads it without
/// a search of the table by name (a fifth of `s[i:i + 1000]`'s own
/// instructions, issue #59).
pub const SLICE_COST: Cost = cost(Over::Recv, COPY);

/// The operators on sized values, by symbol (`[:]` is slicing, charged on
/// the result's length; `*` on a sequence on the result's length too).
pub const OPERATOR_COSTS: CostTable = &[
    ("%", cost(Over::All, TEXT)),
    ("&", cost(Over::All, HASH)),
    ("*", cost(Over::Recv, FILL)),
    ("+", cost(Over::All, CONCAT)),
    ("+=", cost(Over::Arg(0), COPY)),
    ("-", cost(Over::All, HASH)),
    ("[:]", SLICE_COST),
    ("^", cost(Over::All, HASH)),
    ("|", cost(Over::All, HASH)),
    ("|=", cost(Over::Arg(0), HASH)),
];

/// A cost in a table: binary search when it is sorted (every table but
/// `FUNCTIONS`, which keeps the order name suggestions read), else a scan.
pub fn find(table: CostTable, name: &str) -> Option<Cost> {
    match table.binary_search_by(|(n, _)| (*n).cmp(name)) {
        Ok(i) => Some(table[i].1),
        Err(_) => table.iter().find(|(n, _)| *n == name).map(|(_, c)| *c),
    }
}

/// A cost in a table; `UNLISTED` when absent.
pub fn lookup(table: CostTable, name: &str) -> Cost {
    find(table, name).unwrap_or(UNLISTED)
}

/// The fuel `rate` charges for `items` and `bytes`.
#[inline]
pub fn fuel_for(rate: Rate, items: u64, bytes: u64) -> u64 {
    items
        .saturating_mul(rate.per_item as u64)
        .saturating_add(bytes.saturating_mul(rate.per_64_bytes as u64) / 64)
}

/// Fuel for each item `repr`, `str()`, formatting and `json.dumps` write
/// inside a container (charged before it is written). Every value writes at least one byte, a
/// container's own brackets and separators a few per item, a number or a
/// name at most a few dozen: so the fuel is proportional to the output, at
/// about the rate the dispatch loop burns fuel (a shared-child DAG's `repr`
/// wrote 256 M characters uncharged until the string cap, 10 s). At 8, a
/// `json.loads(json.dumps(xs))` loop still took 1.17 s on a quiet machine.
pub(crate) const FUEL_PER_VALUE_WRITTEN: u64 = 11;

/// Fuel for each call a builtin makes into a callable the program passed it
/// (a sort or `min`/`max` key, `functools.reduce`, `map`/`filter`, a
/// `re.sub` replacement), charged before the call, besides what the call
/// itself runs: the call through `Vm::call_value` (an argument vector, a
/// frame pushed, a nested dispatch loop started and left) costs tens of
/// nanoseconds where an instruction costs about two
/// (docs/benchmarks/2026-11-24-issue-33-fuel-cost-table.md, "Fuel cost table and calibration", the
/// callback rows of 2026-11-24).
///
/// At 24, `xs.sort(key=...)` and `min(xs, key=lambda ...)` loops ran 2-2.4x
/// the dispatch loop's time a unit (issue #53, the default fuel of 200 M).
pub(crate) const FUEL_PER_CALLBACK: u64 = 40;

/// Fuel for a sequence repeated (`[] * n`, `() * n`, `"" * n`), besides its
/// items and bytes (`OPERATOR_COSTS`' `*`): the operator's generic path, the
/// new object made, charged and registered, and the one it replaces dropped
/// cost ~1,500 instructions more than `n * 1` under callgrind (~28 units at
/// the reference loop's ~52 instructions a unit), and a loop of three empty
/// repeats ran its fuel 9x slower than the reference loop
/// (docs/benchmarks/2026-11-24-issue-33-hostile-after-lazy-genexps.md, "Hostile programs after lazy
/// generator expressions").
pub(crate) const FUEL_PER_SEQUENCE_REPEAT: u64 = 32;

/// Fuel for each step of a lazy generator expression (its frame moved onto
/// the frame stack, a nested dispatch loop entered and left, the frame boxed
/// back), besides the instructions its body runs: `any(x < 0 for x in
/// range(n))` ran ~1,150 instructions an item under callgrind for 9 units
/// (the reference loop runs ~52 a unit).
/// docs/benchmarks/2026-11-24-issue-33-hostile-after-lazy-genexps.md, "Hostile programs after lazy
/// generator expressions".
pub(crate) const FUEL_PER_GENERATOR_STEP: u64 = 13;

/// Fuel for each new key inserted into a dict one at a time (`d[k] = v`, a
/// dict comprehension, `Counter`'s `c[k] += 1`, `setdefault`, a
/// `defaultdict`'s missing key, `update` from pairs), besides the
/// instructions that compute it: hashing the key, probing and growing the
/// table and charging its memory ran ~875 instructions a key under callgrind
/// for `{i: i for i in range(n)}` against 6 units charged (the reference loop
/// runs ~52 a unit). Bulk inserts (`dict(x)`, `fromkeys`, `Counter(x)`) pay
/// `HASH` per item instead. docs/benchmarks/2026-11-24-issue-33-hostile-after-lazy-genexps.md,
/// "Hostile programs after lazy generator expressions", "New dict keys".
pub(crate) const FUEL_PER_NEW_DICT_KEY: u64 = 12;

/// Fuel for each element added to a set one at a time (`s.add(x)`, a set
/// comprehension, `set(iterable)` and `frozenset(iterable)` per element,
/// `{*xs}`), besides the instructions that compute it: the same hashing,
/// probing and growing of an `IndexSet` as a dict's new key without the
/// value (docs/benchmarks/2026-11-24-issue-33-fuel-per-new-set-element.md, "New set elements").
pub(crate) const FUEL_PER_NEW_SET_ELEMENT: u64 = 12;

/// Entries below which a hash table's inserts cost what [`FUEL_PER_NEW_DICT_KEY`]
/// says: a table of 32,768 int keys (~49 bytes an entry with its index) is
/// about the size of this machine's 1 MiB L2 cache a core.
pub(crate) const BIG_TABLE_FROM: usize = 1 << 15;

/// Fuel added to each new entry of a hash table (a dict's key, a set's
/// element) per doubling of the table past [`BIG_TABLE_FROM`] entries: the
/// probe, the entry's write and the rehashes at growth miss the caches more
/// the bigger the table. Calibrated against the reference loop in the same
/// run (docs/benchmarks/2026-11-24-issue-33-big-hash-tables.md, "Big hash tables pay for their
/// cache misses"): building a 3 M-key dict took ~160 units' worth of the loop's time a key and a
/// 1 M-key one ~140, against ~15 charged (the loop's steps and [`FUEL_PER_NEW_DICT_KEY`]); at 24 a
/// doubling a key costs 15 + 120 at 1 M keys and 15 + 168 at 3 M.
pub(crate) const FUEL_PER_BIG_TABLE_DOUBLING: u64 = 24;

/// What one new entry of a hash table (dict or set) that already holds
/// `len` entries costs beyond [`FUEL_PER_NEW_DICT_KEY`]: nothing while the
/// table is small, then [`FUEL_PER_BIG_TABLE_DOUBLING`] per doubling past
/// [`BIG_TABLE_FROM`] (one at `BIG_TABLE_FROM` entries, two at twice that).
#[inline]
pub(crate) fn big_table_insert_fuel(len: usize) -> u64 {
    if len < BIG_TABLE_FROM {
        return 0;
    }
    let doublings = (len / BIG_TABLE_FROM).ilog2() as u64 + 1;
    doublings * FUEL_PER_BIG_TABLE_DOUBLING
}

/// Fuel for each registered container a sync of the memory count visits
/// (its weak reference upgraded, its size measured) while the registry is
/// small enough for the visits to stay in the cache. It was an eighth of a
/// unit, and the syncs were 39% of the time of `frozenset([f])` nested in a
/// loop and 23-26% of that of a list growing to the budget
/// (`atk_frozenset_nesting`, `atk_list_grows_during_iteration`,
/// `coll_nested_comprehension`), which ran 2-4x the dispatch loop's time per
/// unit (issue #33).
pub(crate) const FUEL_PER_ENTRY_SYNCED: u64 = 2;

/// Registered containers from which a sync's visits miss the cache.
pub(crate) const BIG_REGISTRY_FROM: usize = 1 << 16;

/// [`FUEL_PER_ENTRY_SYNCED`] from [`BIG_REGISTRY_FROM`] containers: a visit
/// cost ~70 ns in a nest of 300 k frozensets (a sync visits each container
/// ~6 times as the registry grows). A flat 8 made a program of 30 k small
/// containers under a 5 MiB budget run out of 500 k fuel
/// (`nest_iterator_chain_drop`, in the hostile suite's small limits).
pub(crate) const FUEL_PER_ENTRY_SYNCED_BIG: u64 = 8;

/// Fuel for a set or frozenset made by `set(x)`/`frozenset(x)`, besides its
/// items: its table allocated, the object charged and registered, and its
/// argument (most often a list just made) dropped. `f = frozenset([f])` in a
/// loop ran ~1.25 us a level outside the syncs for ~22 units charged, several
/// times the dispatch loop's time per unit (issue #33, `atk_frozenset_nesting`);
/// the price of a repeat's new object ([`FUEL_PER_SEQUENCE_REPEAT`]).
/// At 32, the nest still ran 2.2-2.8x the dispatch loop's time a unit
/// (issue #53, the default fuel of 200 M).
pub(crate) const FUEL_PER_SET_MADE: u64 = 72;

/// Items of a changed list a sync measures (each item's uncounted cost
/// read) per unit of fuel: a list appended to is measured whole at every
/// sync, a few times over as it grows.
pub(crate) const ITEMS_MEASURED_PER_UNIT: u64 = 1;

/// Fuel for each value a cycle collection during the run takes out of the
/// garbage it found and releases, besides [`FUEL_PER_ENTRY_SYNCED`] per
/// container its sync visited and [`FUEL_PER_NODE_COLLECTED`] per node it visited: `a = ["y"] * 1000;
/// a.append(a)` in a loop is one container of 1,000 items per iteration, and
/// charged per container only it ran its fuel 3x slower than the reference
/// loop (docs/benchmarks/2026-11-24-issue-33-hostile-after-lazy-genexps.md, "Hostile programs after
/// lazy generator expressions", "New dict keys and collected items").
pub(crate) const FUEL_PER_ITEM_COLLECTED: u64 = 4;

/// Fuel for each object a cycle collection during the run visits (its
/// node made, its edges read, its container looked up in the registry's
/// index): 190-250 ns a node in release, about 100 dispatch-loop units, was
/// charged an eighth of a unit, and `list(itertools.chain(X, X))` over
/// nested lists whose run fell on a collection measured 185x the loop's time
/// per unit (issue #77). At 16 it is within 2x on that input; at 24 the
/// hostile suite's `nest_iterator_chain_drop` (one collection over its 10,845
/// live objects, under the suite's 500,000 units) ended on fuel. Collections
/// stay paced by fourfold growth (`gc::collect_due`), so a program pays about
/// this much per container it adds, once.
pub(crate) const FUEL_PER_NODE_COLLECTED: u64 = 16;

/// Fuel for each reference a cycle collection during the run follows from
/// one object to another (its clone, the target's lookup, the edge kept for
/// the trial deletion, the clone's drop), besides [`FUEL_PER_NODE_COLLECTED`]
/// per object: charged per object only, `list(itertools.accumulate(X))` over
/// 3,000 nested lists (its running sums a list each, 4 M references to the
/// same 3,000 lists in all) walked 4.1 M edges for 15 K nodes at 50-70 ns an
/// edge, 7-9 dispatch-loop units, and ran 32x the loop's time a unit (issue
/// #77's fuzzer). At 4 it is within about 2x; collections stay paced by
/// fourfold growth, so a program pays about this much per reference it
/// holds to a container, once or twice.
pub(crate) const FUEL_PER_EDGE_COLLECTED: u64 = 4;

/// The same for a builtin function or a type passed as the callable (no
/// frame, no nested loop): `sorted(xs, key=str)`. At 8, a `max(xs, key=len)`
/// loop still took 1.06 s on a quiet machine; at 11, 1.7x the dispatch
/// loop's time a unit under the default fuel of 200 M (issue #53).
pub(crate) const FUEL_PER_BUILTIN_CALLBACK: u64 = 16;

/// Fuel for each exception raised into the program (charged as its
/// handler is looked for): the exception object, its message and its
/// traceback are made, and the frames unwound, hundreds of nanoseconds
/// where an instruction costs about two (a loop of `raise`/`except` ran its
/// fuel in 2.5 s: docs/benchmarks/2026-11-24-issue-33-fuel-cost-table.md, "Fuel cost table and
/// calibration", 2026-11-24).
pub(crate) const FUEL_PER_RAISE: u64 = 96;

/// Fuel for each coroutine awaited (the coroutine object made at the call,
/// its frame bound at the `await`): a loop of `await f(n)` ran its fuel in
/// 3.1 s (docs/benchmarks/2026-11-24-issue-33-fuel-cost-table.md, "Fuel cost table and
/// calibration", 2026-11-24); at 24 (37 units a round with the loop's instructions) it still ran
/// 1.34x the reference loop's time for its fuel on the AMD machine.
pub(crate) const FUEL_PER_AWAIT: u64 = 36;

/// Fuel for each task the scheduler runs beside the awaiting one (a
/// gather's coroutine or nested gather, a `wait_for`'s work, a sleep's
/// timer), besides [`FUEL_PER_AWAIT`]: the task made, scheduled, finished
/// and its result delivered into the waiting slot. A loop of awaited
/// `gather(one(), one())` and `wait_for(one(), 1)` cost ~2.1 us a round,
/// ~840 units of the dispatch loop's time, for ~65 units charged (issue #53).
pub(crate) const FUEL_PER_TASK: u64 = 128;

/// Fuel for each `datetime.strptime` whose format is compiled already (the
/// thread keeps its formats compiled, as CPython does): the date matched by
/// the format's regex, its fields read and the datetime made, about 0.7 µs
/// where an instruction costs 3.3 ns (a loop of 10^5 `strptime("Mar 14,
/// 2023", "%b %d, %Y")` ran in 72 ms on a 2-vCPU AMD EPYC, 2026-11-26;
/// issue #59).
pub(crate) const FUEL_PER_STRPTIME: u64 = 200;

/// Fuel for compiling a `strptime` format's regex, besides its length at
/// [`FORMAT_REGEX`]: the regex crate's fixed work for a case-insensitive
/// pattern. 2 000 distinct `"%b %d, %Y x<i>"` formats took 109 µs each, and
/// the rate alone charged 8 300 units for it, 13 ns a unit (2-vCPU AMD EPYC,
/// 2026-11-26; issue #59).
pub(crate) const FUEL_PER_FORMAT_COMPILE: u64 = 24_000;

/// Fuel for each value the rollback journal copies when the running cell
/// first changes a container an earlier cell made (`undo`: a shallow copy,
/// a refcount per value), and for each hash-table slot it copies beside
/// (a dict's entry copies its key, its value and its slot: three; a set's
/// two). Uncharged, `list.pop(0)` on 1 Mi floats took 10 ms for no fuel
/// and `dict.clear()` 38 ms; charged, a list's copy took 9.7 ns an item
/// and a dict's of floats 25 ns an entry, where an instruction took 2-3 ns
/// (issue #77's cost fuzzer, 2026-11-28).
///
/// Twice that since the copy's drop is charged with it, before it happens:
/// when the cell ends the copy is released, a refcount written per value
/// in the value's own allocation (`list.pop(0)` on 124,878 strings: 32 ns an
/// item for 4 units, 3.86x the loop's time per unit).
pub(crate) const FUEL_PER_VALUE_JOURNALED: u64 = 8;

/// Fuel for each value held by reference (a string, a tuple, a list...)
/// that a `clear()` lets go of, and for each such value freed inside one
/// freed (`types::charge_release`), charged before: freeing it touches its
/// allocation, long cold when the container was filled earlier, and
/// credits its bytes. `X.clear()` on 279,163 tuples took 257 ns an item and
/// on 211,820 strings 158 ns, for 5-10 units each (25x and 7.8x the loop's
/// time per unit; issue #77). A value still held elsewhere costs less than
/// this. The values nested inside were uncharged: `X.clear()` on 77,952
/// lists `[[[[i]]]]` freed each with its three inner lists in 1,160 ns
/// (290 ns a list, registered with the collector), and on a deque of 4,346
/// lists nested 125 deep (62 ns a list) ran 49x the loop's time a unit.
pub(crate) const FUEL_PER_VALUE_RELEASED: u64 = 64;

/// Fuel for each item of a container freed by a `clear()` (its count
/// lowered, or nothing for a number), charged before.
pub(crate) const FUEL_PER_ITEM_RELEASED: u64 = 1;

/// Fuel for each item held by reference (a string, a list, a tuple...)
/// that a builtin copies into a new buffer (`list(x)`, `tuple(x)`): its
/// reference count written, in its own allocation, a cache miss when the
/// items were made apart (`vm::iter::charge_copy`).
pub(crate) const FUEL_PER_SHARED_VALUE_COPIED: u64 = 6;
