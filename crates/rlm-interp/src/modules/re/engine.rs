//! Compiling and running patterns: CPython's syntax translated for the
//! engines, a per-thread cache of compiled patterns, anchored/full variants,
//! and single searches that charge fuel for the bytes they scan (and the
//! steps a backtracking engine takes, in growing tiers). Their succession,
//! and the match objects, are `matches.rs`'s.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use crate::fault::{Fault, R, exc, type_err};
use crate::limits::{LimitError, LimitKind};
use crate::meter::Meter;
use crate::modules::re::ascii_twin::{self, AsciiTwin};
use crate::modules::re::error::re_error;
use crate::modules::re::flags::{ASCII, DOTALL, IGNORECASE, MULTILINE, VERBOSE};
use crate::modules::re::flat::Flat;
use crate::modules::re::reach::FIRST_READ;
use crate::modules::re::rewrite::{self, Dollar};
use crate::modules::re::size::COMPILED_SIZE_LIMIT;
use crate::modules::re::translate::{Translation, translate};
use crate::value::*;

enum Engine {
    /// The linear engine, with capture slots reused from one search to the
    /// next (a fresh `Captures` per search allocated twice per match).
    Fast(regex::Regex, RefCell<regex::CaptureLocations>, Option<Box<AsciiTwin>>),
    /// The same pattern built with growing backtracking limits (the last
    /// one is `regex_backtrack_limit`): a match is tried with the smallest
    /// first, so the fuel charged follows the work actually done.
    Fancy(Vec<(usize, fancy_regex::Regex)>),
}

pub struct CompiledRegex {
    pub source: String,
    pub flags: i64,
    engine: Engine,
    anchored: RefCell<Option<Rc<CompiledRegex>>>,
    full_variant: RefCell<Option<Rc<CompiledRegex>>>,
    /// How it is wrapped (its variants are built from its source).
    wrap: Wrap,
    /// The same pattern with sre's `$` as written, on the backtracking
    /// engine: searched instead of this one in a text that ends in a newline,
    /// where the linear engine's `$` misses the position before it.
    newline_variant: RefCell<Option<Rc<CompiledRegex>>>,
    /// The same pattern anchored where a search starts, matching only when
    /// it takes a character (`Wrap::Advance`): searched after an empty match.
    advance_variant: RefCell<Option<Rc<CompiledRegex>>>,
    /// The same pattern with its `\B` matching nothing: searched instead of
    /// this one in an empty text (`non_boundary`).
    empty_text_variant: RefCell<Option<Rc<CompiledRegex>>>,
    /// Whether it has a `\B`, which sre (3.11) never finds in an empty text
    /// and the engines do.
    non_boundary: bool,
    /// Whether it may prefer an empty match where a longer one starts at
    /// the same place (`rewrite::may_prefer_empty`).
    pub(super) prefers_empty: bool,
    /// Whether it holds a bare `$` read as the end of the text (exact only
    /// in a text that does not end in a newline).
    bare_dollar: bool,
    /// The group its trailing lookahead runs as: the match ends where the
    /// group starts, and the group is not reported.
    tail_group: Option<usize>,
    /// Group names by index (index 0 is the whole match).
    pub names: Vec<Option<String>>,
    /// The order each group's `)` comes in (`rewrite::group_close_order`).
    pub close_order: Vec<usize>,
    /// Fuel to compile it (and each anchored/full variant): its expanded size.
    compile_fuel: u64,
    /// Fuel per 64 bytes a search scans: grows with the program's size.
    fuel_per_64_bytes: u64,
    /// Fuel per byte of a match whose groups the engine's own capture
    /// search finds ([`capture_fuel_per_byte`]).
    capture_fuel_per_byte: u64,
    /// Its expanded states: the linear engine's lazy automaton starts empty
    /// and the first search builds its states, each at a cost that grows
    /// with the pattern's (paid once per session: `crate::paid`).
    states: u64,
    /// Whether it is kept in the per-thread cache, shared by the sessions
    /// the thread runs: then each session pays its compile and first search
    /// once (`crate::paid`), else the object itself records its first search.
    shared: bool,
    /// Whether its first search was paid for (an unshared pattern's own record).
    searched: std::cell::Cell<bool>,
    /// The pattern as the engines see it (translated, flags inline).
    full: String,
    /// Its groups' walk, when it is flat and runs on the linear engine.
    flat: Option<Flat>,
    /// The longest match in bytes, when bounded: searched in windows.
    max_len: Option<usize>,
    /// Whether a search stops reading a character past its match
    /// (`size::PatternSize::settles`).
    settles: bool,
    /// The automaton that measures what an unbounded search reads (built
    /// at its first search; `None` inside when it cannot be built here).
    reach: std::cell::OnceCell<Option<super::reach::Reach>>,
    /// Its long lookaheads, for the backtracking engine (built at its first
    /// search; `None` inside when it has none: `look.rs`).
    look: std::cell::OnceCell<Option<super::look::Look>>,
    /// The sum of their reads over the text it last searched (`look.rs`).
    look_memo: RefCell<Option<super::look::LookMemo>>,
}

/// Fuel for the first search of a compiled pattern, per expanded state
/// times the automaton states it may build (one a byte at most, as many as
/// the pattern has at most): a flood of distinct 300-state patterns, each
/// searched once over 2 000 bytes, spent about 1 ms a pattern, four fifths
/// of it in that first search (docs/benchmarks/2026-11-24-issue-33-fuel-cost-table.md, "Fuel cost
/// table and calibration", 2026-11-24).
fn first_search_fuel(states: u64, bytes: usize) -> u64 {
    const PER_STATE_PAIR: u64 = 2;
    states.saturating_mul(states.min(bytes as u64)).saturating_mul(PER_STATE_PAIR)
}

pub(crate) type Spans = Vec<Option<(usize, usize)>>;

thread_local! {
    static CACHE: RefCell<HashMap<(String, i64, usize), Rc<CompiledRegex>>> = RefCell::new(HashMap::new());
}

/// [`build_pattern`] with the stack a walk gets (`stack_guard`): the syntax
/// check and the engines' parsers recurse over the pattern's groups (each
/// capped at 200 or fewer levels).
/// Patterns larger than this (in expanded states) are not kept in the
/// per-thread cache of compiled patterns: each keeps a lazy automaton that
/// grows with its states (a flood of `(?:a|b){300}` kept 40 MB).
const CACHED_MAX_STATES: u64 = 64;

/// How many compiled patterns the per-thread cache keeps (then it starts over).
const CACHED_PATTERNS: usize = 64;

/// Patterns whose expanded size passes this many states are refused before
/// compiling (each state takes more than 16 bytes of the engine's limit).
const MAX_EXPANDED_STATES: u64 = (COMPILED_SIZE_LIMIT / 16) as u64;

fn too_large(limit: usize) -> String {
    format!("pattern too large once compiled (limit {limit} bytes); use smaller repetition counts")
}

/// Fuel to compile a pattern: its bytes, and its expanded size (charged
/// before the engines see it; `(?:a|b){100000}` is not one small pattern).
/// A compile builds the engine's automata (and the first search fills its
/// lazy one): a few hundred nanoseconds per state, measured on a flood of
/// distinct 600-state patterns (docs/benchmarks/2026-11-24-issue-33-fuel-cost-table.md, "Fuel cost
/// table and calibration", 2026-11-24: at 4 units a state it ran its fuel in 19 s).
/// A twin for ASCII text (`ascii_twin.rs`) is a second compile, of the same
/// states and small classes.
fn compile_fuel(source: &str, size: super::size::PatternSize, twin: bool) -> u64 {
    const PER_STATE: u64 = 32;
    let one = (source.len() as u64 * 4).saturating_add(size.states.saturating_mul(PER_STATE));
    let twin = if twin { one } else { 0 };
    one.saturating_add(size.class_pieces.saturating_mul(PER_STATE))
        .saturating_add(twin)
        .saturating_add(parse_fuel(source))
}

/// The part of [`compile_fuel`] paid before the pattern is parsed at all.
fn parse_fuel(source: &str) -> u64 {
    (source.len() as u64).saturating_mul(PARSE_FUEL_PER_BYTE)
}

/// How a pattern is wrapped for its engine: as written (`search`), anchored
/// at the start (`match`), or at both ends (`fullmatch`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Wrap {
    Search,
    Match,
    Full,
    /// Anchored where the search starts, and only a match that takes a
    /// character there: sre's search after an empty match (3.7+), whose
    /// match at the same place may not be empty. The backtracking engine's.
    Advance,
}

/// How a variant of a pattern is translated besides its wrap: its `$`, and
/// for an empty text (`Translation::empty_text`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Reading {
    dollar: Dollar,
    empty_text: bool,
}

impl Reading {
    const AS_IS: Reading = Reading { dollar: Dollar::AsIs, empty_text: false };
}

/// Heap the parsers and engines hold while they read and compile a
/// pattern, per byte of its source, at most: `re.compile(re.escape(X))` of
/// a 5.7 MB pattern peaked at 269 MiB (47 bytes a byte), and the size
/// estimate's parse of a 4 MB one at 364 MiB (91), with nothing charged
/// (issue #77).
const COMPILE_HEAP_PER_BYTE: usize = 96;

/// Fuel per byte of a pattern for parsing it (the size estimate's parse,
/// then each engine's), part of [`compile_fuel`] and paid before the first
/// parse: a 4 MB pattern took 986 ms to be refused as too large, ~235 ns a
/// byte.
const PARSE_FUEL_PER_BYTE: u64 = 64;

/// Holds parsing `source`'s transient heap as live while the guard lives
/// (a memory error, not the host's heap, when it does not fit).
fn charge_parse(meter: &mut Meter, source: &str) -> R<crate::charged::ScratchCharge> {
    let heap = source.len().saturating_add(64).saturating_mul(COMPILE_HEAP_PER_BYTE);
    crate::charged::charge_scratch(meter, heap)
}

/// [`build`] of a variant of a pattern (its compile, parse included, paid
/// by the caller), its heap charged first.
fn build_charged(
    meter: &mut Meter,
    source: &str,
    flags: i64,
    wrap: Wrap,
    reading: Reading,
) -> R<Result<CompiledRegex, String>> {
    let _held = charge_parse(meter, source)?;
    Ok(build(source, flags, wrap, reading, meter.limits.regex_backtrack_limit))
}

fn build(
    source: &str,
    flags: i64,
    wrap: Wrap,
    reading: Reading,
    backtrack_limit: usize,
) -> Result<CompiledRegex, String> {
    crate::stack_guard::walk(|| build_pattern(source, flags, wrap, reading, backtrack_limit))
}

/// The pattern as the engines read it: translated, wrapped, flags inline.
fn engine_pattern(source: &str, flags: i64, wrap: Wrap, reading: Reading, fancy: bool) -> String {
    let how = Translation {
        dollar: reading.dollar,
        ascii: flags & ASCII != 0,
        fancy,
        ascii_text: false,
        empty_text: reading.empty_text,
    };
    wrapped(source, flags, wrap, how)
}

/// A pattern with its flags inline and its wrap, translated as `how` says.
fn wrapped(source: &str, flags: i64, wrap: Wrap, how: Translation) -> String {
    let mut prefix = String::new();
    for (flag, letter) in [(IGNORECASE, 'i'), (MULTILINE, 'm'), (DOTALL, 's'), (VERBOSE, 'x')] {
        if flags & flag != 0 {
            prefix.push(letter);
        }
    }
    let body = translate(source, how);
    let body = match wrap {
        Wrap::Match => format!("\\A(?:{body})"),
        Wrap::Full => format!("\\A(?:{body})\\z"),
        Wrap::Advance => format!("\\G(?:{body})"),
        Wrap::Search => body,
    };
    if prefix.is_empty() { body } else { format!("(?{prefix}){body}") }
}

fn rewrite_flags(flags: i64) -> rewrite::Flags {
    rewrite::Flags { multiline: flags & MULTILINE != 0, verbose: flags & VERBOSE != 0 }
}

fn fast_engine(full: &str) -> Result<regex::Regex, regex::Error> {
    regex::RegexBuilder::new(full).size_limit(COMPILED_SIZE_LIMIT).nest_limit(200).build()
}

/// Whether a pattern gets a twin for ASCII text ([`AsciiTwin`]): written in
/// ASCII, without `re.ASCII` or `(?a)` (whose `\s` is not Unicode's over
/// ASCII text), and with large classes. A function of the pattern and its
/// flags, known before it compiles: its compile's fuel includes the twin.
/// `size` is the source's (`size::expanded_size`), which the compile's
/// fuel reads too.
pub(super) fn wants_twin(source: &str, flags: i64, size: super::size::PatternSize) -> bool {
    flags & ASCII == 0
        && size.class_pieces >= ascii_twin::MIN_CLASS_PIECES
        && ascii_twin::eligible(source)
        && rewrite::without_inline_ascii(source).is_none()
}

/// The twin of a pattern (`source` as the engine runs it), if it gets one.
fn twin_of(source: &str, flags: i64, wrap: Wrap, twin: bool) -> Option<Box<AsciiTwin>> {
    if !twin {
        return None;
    }
    let how = Translation {
        dollar: Dollar::AsIs,
        ascii: false,
        fancy: false,
        ascii_text: true,
        empty_text: false,
    };
    AsciiTwin::build(&wrapped(source, flags, wrap, how), COMPILED_SIZE_LIMIT).map(Box::new)
}

/// The engine for a pattern, its translation, whether a bare `$` is left in
/// it (`CompiledRegex::bare_dollar`) and the group of its trailing lookahead
/// run as a group (`rewrite::tail_as_group`).
struct Built {
    engine: Engine,
    full: String,
    bare_dollar: bool,
    tail_group: Option<usize>,
}

fn build_engine(
    source: &str,
    flags: i64,
    wrap: Wrap,
    reading: Reading,
    backtrack_limit: usize,
    twin: bool,
) -> Result<Built, String> {
    let dollar = reading.dollar;
    let bare = dollar == Dollar::AsIs && rewrite::has_bare_dollar(source, rewrite_flags(flags));
    // Possessive quantifiers are the backtracking engine's alone, and so is
    // refusing an empty match (`Wrap::Advance`).
    let linear = !rewrite::has_possessive(source) && wrap != Wrap::Advance;
    let as_group = match (dollar, wrap) {
        _ if !linear => None,
        (Dollar::AsIs, Wrap::Search | Wrap::Match) => {
            rewrite::tail_as_group(source, rewrite_flags(flags))
        }
        _ => None,
    };
    if let Some(rewritten) = as_group {
        let full = engine_pattern(&rewritten, flags, wrap, reading, false);
        if let Ok(r) = fast_engine(&full) {
            let tail_group = Some(r.captures_len() - 1);
            let locations = RefCell::new(r.capture_locations());
            let twin = twin_of(&rewritten, flags, wrap, twin);
            let bare_dollar = rewrite::has_bare_dollar(&rewritten, rewrite_flags(flags));
            let engine = Engine::Fast(r, locations, twin);
            return Ok(Built { engine, full, bare_dollar, tail_group });
        }
    }
    let fast_err = if dollar == Dollar::AsIs && linear {
        let full = engine_pattern(source, flags, wrap, reading, false);
        match fast_engine(&full) {
            Ok(r) => {
                let locations = RefCell::new(r.capture_locations());
                let twin = twin_of(source, flags, wrap, twin);
                let engine = Engine::Fast(r, locations, twin);
                return Ok(Built { engine, full, bare_dollar: bare, tail_group: None });
            }
            Err(e) => Some(e),
        }
    } else {
        None
    };
    // The backtracking engine reads sre's `$` as written.
    let dollar = if bare { Dollar::Lookahead } else { dollar };
    let full = engine_pattern(source, flags, wrap, Reading { dollar, ..reading }, true);
    // An anchored try is short: its first tier is small.
    let tiers = if wrap == Wrap::Advance { ADVANCE_TIERS } else { FANCY_TIERS };
    let mut limits: Vec<usize> = tiers.iter().copied().filter(|&t| t < backtrack_limit).collect();
    limits.push(backtrack_limit);
    let built: Result<Vec<(usize, fancy_regex::Regex)>, fancy_regex::Error> = limits
        .iter()
        .map(|&l| {
            fancy_regex::RegexBuilder::new(&full)
                .backtrack_limit(l)
                .find_not_empty(wrap == Wrap::Advance)
                .build()
                .map(|r| (l, r))
        })
        .collect();
    match built {
        Ok(tiers) => {
            Ok(Built { engine: Engine::Fancy(tiers), full, bare_dollar: false, tail_group: None })
        }
        // Only empty matches: no match that takes a character (no tier
        // to try).
        Err(fancy_regex::Error::CompileError(e))
            if wrap == Wrap::Advance
                && matches!(*e, fancy_regex::CompileError::PatternCanNeverMatch) =>
        {
            Ok(Built {
                engine: Engine::Fancy(Vec::new()),
                full,
                bare_dollar: false,
                tail_group: None,
            })
        }
        // A pattern the linear engine refused for its size is too large
        // for the backtracking one too: say so plainly.
        Err(e) => match fast_err {
            Some(regex::Error::CompiledTooBig(limit)) => Err(too_large(limit)),
            _ => Err(e.to_string()),
        },
    }
}

fn build_pattern(
    source: &str,
    flags: i64,
    wrap: Wrap,
    reading: Reading,
    backtrack_limit: usize,
) -> Result<CompiledRegex, String> {
    // CPython's syntax errors and wording first (the engines accept some
    // patterns sre rejects, and word their errors differently).
    crate::modules::re::sre_check::check(source, flags & VERBOSE != 0)?;
    let ascii_source = rewrite::without_inline_ascii(source);
    let (engine_source, engine_flags) = match &ascii_source {
        Some(s) => (s.as_str(), flags | ASCII),
        None => (source, flags),
    };
    let source_size = super::size::expanded_size(source);
    let twin = wants_twin(source, flags, source_size);
    let Built { engine, full, bare_dollar, tail_group } =
        build_engine(engine_source, engine_flags, wrap, reading, backtrack_limit, twin)?;
    let mut names: Vec<Option<String>> = match &engine {
        Engine::Fast(r, ..) => r.capture_names().map(|n| n.map(str::to_string)).collect(),
        Engine::Fancy(tiers) => match tiers.first() {
            Some((_, r)) => r.capture_names().map(|n| n.map(str::to_string)).collect(),
            None => Vec::new(),
        },
    };
    if let Some(g) = tail_group {
        names.truncate(g);
    }
    let (size, tree) = super::size::expanded_size_and_tree(&full);
    // The engine parsed the same text: a flat pattern's groups are
    // resolved by a walk over it (`flat.rs`).
    let flat = match (&engine, tree) {
        (Engine::Fast(r, ..), Some(tree)) => Flat::build(&tree, r.captures_len() - 1),
        _ => None,
    };
    Ok(CompiledRegex {
        flat,
        source: source.to_string(),
        flags,
        wrap,
        engine,
        anchored: RefCell::new(None),
        full_variant: RefCell::new(None),
        newline_variant: RefCell::new(None),
        advance_variant: RefCell::new(None),
        empty_text_variant: RefCell::new(None),
        // Its empty-text variant has no `\B` left.
        non_boundary: !reading.empty_text && rewrite::has_non_boundary(source),
        prefers_empty: rewrite::may_prefer_empty(source),
        bare_dollar,
        tail_group,
        close_order: rewrite::group_close_order(source),
        names,
        // What a miss of the cache charged (`compile_pattern`): a hit pays
        // the same, so a program's fuel does not depend on the thread's past.
        compile_fuel: compile_fuel(source, source_size, twin),
        fuel_per_64_bytes: 1 + size.states / 16,
        capture_fuel_per_byte: capture_fuel_per_byte(size),
        states: size.states,
        shared: false,
        searched: std::cell::Cell::new(false),
        full,
        max_len: size.max_len,
        settles: size.settles,
        reach: std::cell::OnceCell::new(),
        look: std::cell::OnceCell::new(),
        look_memo: RefCell::new(None),
    })
}

impl CompiledRegex {
    pub fn groups(&self) -> usize {
        self.names.len().saturating_sub(1)
    }

    /// The slots of a match's spans as the engine made them: the whole match,
    /// the groups, and a trailing lookahead's group (cut off after, its slot
    /// still allocated).
    pub(super) fn span_slots(&self) -> usize {
        self.groups() + 1 + usize::from(self.tail_group.is_some())
    }

    /// Its long lookaheads (`look.rs`), for the backtracking engine.
    pub(super) fn look(&self) -> Option<&super::look::Look> {
        if !matches!(self.engine, Engine::Fancy(_)) {
            return None;
        }
        self.look.get_or_init(|| super::look::Look::build(&self.full)).as_ref()
    }

    /// Fuel per 64 bytes a search reads through (a window, a prefilter's
    /// skip): what `TEXT` charged for the whole text before each call, and
    /// the pattern's own rate (issue #53: now only over what is read).
    fn read_rate(&self) -> u64 {
        u64::from(crate::cost::TEXT.per_64_bytes).saturating_add(self.fuel_per_64_bytes)
    }

    /// The linear engine's leftmost-first match at or after `start` in `hay`
    /// (`None` for the backtracking engine). Where neither the flat walk
    /// nor the ASCII twin can give the groups, the engine's own capture
    /// search runs over the match: its span is charged first
    /// ([`capture_fuel_per_byte`]), the bounds found by the lazy DFA the
    /// search's read already paid for.
    fn fast_captures(&self, meter: &mut Meter, hay: &str, start: usize) -> R<Option<Spans>> {
        let Engine::Fast(r, locations, twin) = &self.engine else { return Ok(None) };
        if let Some(found) = self.flat.as_ref().and_then(|f| f.search(hay, start)) {
            // The walk's steps are capped in proportion to what it read
            // (`flat.rs`): its match's, paid as it ends.
            if let Some(Some((s, e))) = found.as_ref().and_then(|sp| sp.first()) {
                meter.fuel(((e - s) as u64).saturating_mul(GROUPS_FUEL_PER_BYTE))?;
            }
            return Ok(found);
        }
        let mut from = start;
        if self.span_slots() > 1 {
            let Some(m) = r.find_at(hay, start) else { return Ok(None) };
            let (s, e) = (m.start(), m.end());
            let span = (e - s) as u64;
            // Each way below walks the match again to place its groups.
            meter.fuel(span.saturating_mul(GROUPS_FUEL_PER_BYTE))?;
            if let Some(spans) = self.flat.as_ref().and_then(|f| f.groups(hay, s, e)) {
                return Ok(Some(spans));
            }
            if let Some(spans) = twin.as_ref().and_then(|t| t.groups(hay.as_bytes(), s, e)) {
                return Ok(Some(spans));
            }
            meter.fuel(span.saturating_mul(self.capture_fuel_per_byte))?;
            // The same match from where it starts (the engine still sees
            // the text before it, for `\b`).
            from = s;
        }
        let mut fresh;
        let mut held = locations.try_borrow_mut();
        let locs = match held.as_deref_mut() {
            Ok(l) => l,
            Err(_) => {
                fresh = r.capture_locations();
                &mut fresh
            }
        };
        let found = r.captures_read_at(locs, hay, from).is_some();
        Ok(found.then(|| (0..locs.len()).map(|i| locs.get(i)).collect()))
    }
}

/// Fuel per byte of a match whose groups the linear engine's own capture
/// search finds (its NFA simulation over the match, where neither the flat
/// walk nor the ASCII twin applies), growing with the pieces of its large
/// classes (the threads it steps a byte): `re.sub(r'(\w+\s?)*$', ',', X)`
/// over 4 MiB of mixed-script text ran 55 ns a matched byte, 22x the
/// loop's time for its fuel with the span uncharged (issue #77's fuzzer);
/// the split outside quotes, `,(?=(?:[^"]*"[^"]*")*[^"]*$)`, whose group
/// runs to the end of each line, ~4 ns.
fn capture_fuel_per_byte(size: super::size::PatternSize) -> u64 {
    const MAX: u64 = 24;
    (2 + size.class_pieces / 4).min(MAX)
}

/// Fuel per byte of a match whose groups are placed after its bounds are
/// found (by the flat walk, the ASCII twin's backtracker or, with
/// [`capture_fuel_per_byte`] more, the engine's own capture search).
const GROUPS_FUEL_PER_BYTE: u64 = 2;

/// A session pays a shared pattern's compile (and each anchored/full
/// variant's) and its first search once, whatever ran before it on the
/// thread (`crate::paid`, on the meter); its record is forgotten past this
/// many patterns, which are paid again.
const FORGET_PATTERNS_PAST: usize = 2 * CACHED_PATTERNS;

/// Fuel for each search (a match attempt from one position: `search`,
/// each match of `findall`/`split`/`sub`), besides the bytes it scans: the
/// engine's call, its capture slots and the spans made from them cost tens
/// of nanoseconds (a `re.sub` matching at each of 200 000 positions ran its
/// fuel in 9 s at one unit a search: docs/benchmarks/2026-11-24-issue-33-fuel-cost-table.md, "Fuel
/// cost table and calibration", 2026-11-24).
pub(super) const FUEL_PER_SEARCH: u64 = 16;

/// Fuel for each step of the backtracking engine (bounded by its tier's
/// limit, charged whole when the steps are unknown): a step costs several
/// nanoseconds. At 3, loops of backtracking matches
/// (`tests/hostile/regex_lookahead_backref_loop.py`,
/// `regex_backtrack_many_searches.py`) ran ~1.45x the reference loop's time
/// for their fuel (docs/benchmarks/2026-11-25-issue-33-fuel-calibration-slow-rows.md, "Fuel
/// calibration of the slow fuel rows").
const FUEL_PER_BACKTRACK_STEP: u64 = 5;

/// Fuel per byte (times the pattern's own factor) a search pays where the
/// linear engine falls back to its NFA (a Unicode `\b` over non-ASCII text):
/// 20 `findall(r"\b\w+é\b")` over 1 MB of accented text ran 1.49 s, ~75 ns
/// a byte, against ~3 ns a unit for the reference loop.
const NFA_FUEL_PER_BYTE: u64 = 16;

/// Fuel for each window after a search's first (`window_search`): the
/// engine's call on it.
const FUEL_PER_WINDOW: u64 = 4;

/// Backtracking limits tried before the session's own (see `Engine::Fancy`).
const FANCY_TIERS: &[usize] = &[256, 8192, 262_144];

/// The same for an anchored try that refuses an empty match (`Wrap::Advance`).
const ADVANCE_TIERS: &[usize] = &[16, 256, 8192, 262_144];

pub(crate) fn compile_pattern(meter: &mut Meter, p: &Value, flags: i64) -> R<Rc<CompiledRegex>> {
    match p {
        Value::Native(n) => match n.module::<Rc<CompiledRegex>>() {
            Some(_) if flags != 0 => {
                exc(ExcKind::ValueError, "cannot process flags argument with a compiled pattern")
            }
            Some(p) => Ok(p.clone()),
            None => type_err("first argument must be string or compiled pattern"),
        },
        Value::Str(s) => {
            // The backtracking limit is part of the compiled pattern, and
            // sessions with different limits share this thread's cache.
            let limit = meter.limits.regex_backtrack_limit;
            // The cache's key is a copy of the pattern, hashed.
            meter.charge_work(crate::cost::HASH_BYTES, 0, s.byte_len())?;
            let key = (s.as_str().to_string(), flags, limit);
            if let Some(p) = CACHE.with(|c| c.borrow().get(&key).cloned()) {
                // Paid once per session, as if this session had built it.
                if !meter.paid.pattern_compiled(&p, FORGET_PATTERNS_PAST) {
                    meter.fuel(p.compile_fuel)?;
                }
                return Ok(p);
            }
            // The parses below (the size estimate's, the engines') paid
            // and their heap held to the budget first.
            meter.fuel(parse_fuel(s.as_str()))?;
            let _parsing = charge_parse(meter, s.as_str())?;
            let size = super::size::expanded_size(s.as_str());
            if size.states > MAX_EXPANDED_STATES {
                return Err(re_error(p, &too_large(COMPILED_SIZE_LIMIT)));
            }
            let all = compile_fuel(s.as_str(), size, wants_twin(s.as_str(), flags, size));
            meter.fuel(all.saturating_sub(parse_fuel(s.as_str())))?;
            match build(s.as_str(), flags, Wrap::Search, Reading::AS_IS, limit) {
                Ok(mut p) => {
                    // The cache is host memory outside the budget: a
                    // large program (and its lazy automaton) is rebuilt,
                    // and paid for, each time instead of kept.
                    if size.states > CACHED_MAX_STATES {
                        return Ok(Rc::new(p));
                    }
                    p.shared = true;
                    let p = Rc::new(p);
                    meter.paid.pattern_compiled(&p, FORGET_PATTERNS_PAST);
                    CACHE.with(|c| {
                        let mut c = c.borrow_mut();
                        if c.len() > CACHED_PATTERNS {
                            c.clear();
                        }
                        c.insert(key, p.clone());
                    });
                    Ok(p)
                }
                Err(e) => Err(re_error(p, &e)),
            }
        }
        other => type_err(format!(
            "first argument must be string or compiled pattern, not {}",
            other.type_name()
        )),
    }
}

/// `p` anchored at the start (`Wrap::Match`) or at both ends (`Wrap::Full`).
pub(super) fn variant(meter: &mut Meter, p: &CompiledRegex, wrap: Wrap) -> R<Rc<CompiledRegex>> {
    let cell = match wrap {
        Wrap::Match => &p.anchored,
        Wrap::Advance => &p.advance_variant,
        Wrap::Full | Wrap::Search => &p.full_variant,
    };
    variant_in(meter, p, cell, wrap, Reading::AS_IS)
}

/// `p` with sre's `$` as written (`CompiledRegex::newline_variant`).
fn newline_variant(meter: &mut Meter, p: &CompiledRegex) -> R<Rc<CompiledRegex>> {
    let reading = Reading { dollar: Dollar::Lookahead, empty_text: false };
    variant_in(meter, p, &p.newline_variant, p.wrap, reading)
}

/// `p` for an empty text (`CompiledRegex::empty_text_variant`).
fn empty_text_variant(meter: &mut Meter, p: &CompiledRegex) -> R<Rc<CompiledRegex>> {
    let reading = Reading { dollar: Dollar::AsIs, empty_text: true };
    variant_in(meter, p, &p.empty_text_variant, p.wrap, reading)
}

/// The variant of `p` kept in `cell`, built the first time; each session
/// pays its compile once, as it does `p`'s.
fn variant_in(
    meter: &mut Meter,
    p: &CompiledRegex,
    cell: &RefCell<Option<Rc<CompiledRegex>>>,
    wrap: Wrap,
    reading: Reading,
) -> R<Rc<CompiledRegex>> {
    let built = cell.borrow().as_ref().cloned();
    if let Some(v) = built {
        if v.shared && !meter.paid.pattern_compiled(&v, FORGET_PATTERNS_PAST) {
            meter.fuel(p.compile_fuel)?;
        }
        return Ok(v);
    }
    meter.fuel(p.compile_fuel)?;
    let mut v = match build_charged(meter, &p.source, p.flags, wrap, reading)? {
        Ok(v) => v,
        Err(e) => return Err(re_error(&Value::str(p.source.as_str()), &e)),
    };
    // Shared as the pattern it hangs on is.
    v.shared = p.shared;
    let v = Rc::new(v);
    if v.shared {
        meter.paid.pattern_compiled(&v, FORGET_PATTERNS_PAST);
    }
    *cell.borrow_mut() = Some(v.clone());
    Ok(v)
}

/// The first search of `p` in this session pays for the automaton
/// states it builds (over `bytes` of text at most).
pub(super) fn charge_first_search(meter: &mut Meter, p: &CompiledRegex, bytes: usize) -> R<()> {
    // Not compiled by this session (a pattern another session handed it
    // cannot reach it): paid as unshared, on the pattern's own record.
    let paid = match p.shared.then(|| meter.paid.pattern_searched(p)).flatten() {
        Some(paid) => paid,
        None => p.searched.replace(true),
    };
    if !paid {
        meter.fuel(first_search_fuel(p.states, bytes))?;
    }
    Ok(())
}

/// The leftmost match of `p` in `hay` at or after `start` (a char
/// boundary). Charged as it reads, before it reads (issue #53): a
/// pattern whose matches are at most `L` bytes long reads its text in
/// growing windows; another, the blocks its automaton reads
/// (`reach.rs`); a backtracking pattern, the rest of the text reserved
/// before and what lies past its match given back, and each tier's
/// steps before it is tried.
pub(super) fn search_at(
    meter: &mut Meter,
    p: &CompiledRegex,
    hay: &Str,
    start: usize,
) -> R<Option<Spans>> {
    charge_first_search(meter, p, hay.byte_len().saturating_sub(start))?;
    search_paid(meter, p, hay, start)
}

/// [`search_at`] once the first search is paid for.
pub(super) fn search_paid(
    meter: &mut Meter,
    p: &CompiledRegex,
    hay: &Str,
    start: usize,
) -> R<Option<Spans>> {
    let text = hay.as_str();
    if p.bare_dollar && text.ends_with('\n') {
        let v = newline_variant(meter, p)?;
        charge_first_search(meter, &v, text.len().saturating_sub(start))?;
        return search_paid(meter, &v, hay, start);
    }
    if p.non_boundary && text.is_empty() {
        let v = empty_text_variant(meter, p)?;
        charge_first_search(meter, &v, 0)?;
        return search_paid(meter, &v, hay, start);
    }
    let found = search_engine(meter, p, hay, start)?;
    Ok(match (found, p.tail_group) {
        (Some(spans), Some(group)) => Some(cut_tail(spans, group)),
        (found, _) => found,
    })
}

/// [`search_paid`] by `p`'s own engine. Always inline: its one caller is on
/// every `finditer` step, and left out of line (the compiler's choice moved
/// with a change elsewhere in the crate) it cost `regex_finditer` 0.6%
/// (issue #59).
#[inline(always)]
fn search_engine(
    meter: &mut Meter,
    p: &CompiledRegex,
    hay: &Str,
    start: usize,
) -> R<Option<Spans>> {
    meter.fuel(FUEL_PER_SEARCH)?;
    if !matches!(p.engine, Engine::Fast(..)) {
        return fancy_search(meter, p, hay, start);
    }
    let hay = hay.as_str();
    if let Some(max_len) = p.max_len {
        return window_search(meter, p, hay, start, max_len);
    }
    if p.settles {
        // It reads a character past its match: the rest reserved, what
        // lies past that given back.
        let rates = (p.read_rate(), SPAN_FUEL_PER_BYTE);
        return reserved_search(meter, hay, start, rates, |meter, hay, start| {
            p.fast_captures(meter, hay, start)
        });
    }
    if let Some(reach) = p.reach.get_or_init(|| super::reach::Reach::build(&p.full)) {
        // A unit a byte the automaton steps, a unit more per 64 states
        // (its states miss the cache more): a corpus program's
        // `.{200}rolled a \d+.{200}` (400 states) ran ~7 units' time a
        // byte, `a[^z]*z|a` ~1.3 (docs/benchmarks/2026-11-25-issue-53-fuel-in-proportion.md,
        // issue #53).
        let step = 1 + p.states / 64;
        let read = crate::modules::re::reach::search_reach(
            meter,
            reach,
            hay.as_bytes(),
            start,
            p.read_rate(),
            step,
        )?;
        if let Some((_, from)) = read {
            // No match starts before the last candidate it skipped to.
            return p.fast_captures(meter, hay, from);
        }
    }
    // Not measurable here (the automaton gave up on a Unicode `\b` over
    // non-ASCII text, and so does the engine's: it runs its NFA, ~75 ns
    // a byte): the rest reserved, what lies past the match given back.
    let rate = p.fuel_per_64_bytes.saturating_mul(64 * NFA_FUEL_PER_BYTE);
    reserved_search(meter, hay, start, (rate, 0), |meter, hay, start| {
        p.fast_captures(meter, hay, start)
    })
}

/// A search whose reading cannot be measured as it goes: the rest of the
/// text is charged before at `rate` per 64 bytes (the engine may read all
/// of it), and `span_per_byte` more a byte for the match, which the
/// engine steps a byte at a time; what lies past the match is given back
/// (the known gap: an engine that reads far past a short match,
/// `a[^z]*z|a`, pays for the match only).
fn reserved_search(
    meter: &mut Meter,
    hay: &str,
    start: usize,
    (rate, span_per_byte): (u64, u64),
    search: impl FnOnce(&mut Meter, &str, usize) -> R<Option<Spans>>,
) -> R<Option<Spans>> {
    let rest = hay.len().saturating_sub(start);
    let fuel = |n: usize| (n as u64).saturating_mul(rate) / 64;
    let reserved = fuel(rest).saturating_add((rest as u64).saturating_mul(span_per_byte));
    meter.fuel(reserved)?;
    let found = search(meter, hay, start)?;
    if let Some(Some((s, e))) = found.as_ref().and_then(|sp| sp.first()) {
        // The match and a character past it.
        let read = e.saturating_add(4).saturating_sub(start).min(rest);
        let kept = fuel(read).saturating_add(((e - s) as u64).saturating_mul(span_per_byte));
        meter.refund(reserved.saturating_sub(kept));
    }
    Ok(found)
}

/// Fuel per byte of a match the linear engine steps through with its
/// automaton (a search that reads a character past its match): a single
/// 4 MB match of `[a-zé中]+` through `re.subn` ran 6.6 ns a byte, 22x the
/// loop's time for its fuel with only the read charged (issue #77's fuzzer).
const SPAN_FUEL_PER_BYTE: u64 = 3;

/// Fuel per byte of the rest of the text a backtracking try reads again
/// when the one before it ran past its tier's limit: each tier's try
/// starts over (`(?s).*(?=.)` through `fullmatch` read its 1.2 MB text once
/// per tier, 16x the loop's time for its fuel).
const RETRY_FUEL_PER_BYTE: u64 = 1;

/// A search of a pattern whose matches are at most `max_len` bytes
/// long, through growing windows of the text, each charged before it is
/// searched: a match found in a window that starts at most `max_len`
/// before the window's end is the one the whole text gives (any earlier
/// or preferred one would end inside the window, where the engine sees
/// the same text, a character past the window's end included, for `\b`
/// and `$`); else no match starts there, and the next window overlaps
/// the last by `max_len`.
fn window_search(
    meter: &mut Meter,
    p: &CompiledRegex,
    hay: &str,
    start: usize,
    max_len: usize,
) -> R<Option<Spans>> {
    let len = hay.len();
    let mut blocks = crate::cost::Blocks::starting_at(FIRST_READ);
    let (mut from, mut paid) = (start, start);
    loop {
        // Candidates start in `from..=end - max_len`; the text is cut a
        // character after `end`.
        let end = ceil_char(hay, from.saturating_add(blocks.next_len().max(max_len + 8)));
        let cut = if end >= len { len } else { ceil_char(hay, end + 1) };
        crate::modules::re::reach::charge_read(meter, p.read_rate(), paid, cut)?;
        paid = cut;
        let found = p.fast_captures(meter, &hay[..cut], from)?;
        match found {
            Some(sp) if cut == len || sp[0].is_some_and(|(s, _)| s + max_len <= end) => {
                return Ok(Some(sp));
            }
            None if cut == len => return Ok(None),
            _ => {}
        }
        from = floor_char(hay, (end + 1).saturating_sub(max_len)).max(from + 1);
        from = ceil_char(hay, from);
        // A window costs an engine call besides its bytes.
        meter.fuel(FUEL_PER_WINDOW)?;
    }
}

/// A search by the backtracking engine (lookaround, backreferences):
/// reserved as [`reserved_search`]; each tier's steps are charged
/// before the tier is tried (its limit bounds them).
fn fancy_search(meter: &mut Meter, p: &CompiledRegex, hay: &Str, start: usize) -> R<Option<Spans>> {
    let text = hay.as_str();
    let search = |meter: &mut Meter| {
        // Its machine steps each character it takes: a failed search
        // through the whole rest (`fullmatch(r'(?s).*(?=.)', X)` over
        // 1.2 MB, 16x the loop's time for its fuel with only the read
        // charged) keeps the whole reserve.
        let rates = (p.read_rate(), SPAN_FUEL_PER_BYTE);
        reserved_search(meter, text, start, rates, |meter, hay, start| {
            fancy_tiers(meter, p, hay, start)
        })
    };
    match p.look() {
        Some(look) => {
            let end = |sp: &Spans| sp.first().copied().flatten().map_or(start, |(_, e)| e);
            super::look::charged_search(meter, look, &p.look_memo, hay, start, search, end)
        }
        None => search(meter),
    }
}

/// The backtracking engine's match from `start`, each tier's steps charged
/// before the tier is tried.
pub(super) fn fancy_tiers(
    meter: &mut Meter,
    p: &CompiledRegex,
    hay: &str,
    start: usize,
) -> R<Option<Spans>> {
    let Engine::Fancy(tiers) = &p.engine else { return Ok(None) };
    let rest = hay.len().saturating_sub(start) as u64;
    let mut stacks = Vec::new();
    for (i, (limit, r)) in tiers.iter().enumerate() {
        let retry = if i > 0 { rest.saturating_mul(RETRY_FUEL_PER_BYTE) } else { 0 };
        meter
            .fuel((*limit as u64).saturating_mul(FUEL_PER_BACKTRACK_STEP).saturating_add(retry))?;
        super::stack::charge_tier(meter, &mut stacks, rest as usize)?;
        match r.captures_from_pos(hay, start) {
            Ok(c) => {
                return Ok(c.map(|c| c.iter().map(|m| m.map(|m| (m.start(), m.end()))).collect()));
            }
            Err(fancy_regex::Error::RuntimeError(
                fancy_regex::RuntimeError::BacktrackLimitExceeded,
            )) if i + 1 < tiers.len() => {}
            Err(e) => {
                return Err(Fault::Limit(LimitError::new(
                    LimitKind::Regex,
                    format!("regular expression too expensive (backtracking limit reached): {e}"),
                )));
            }
        }
    }
    Ok(None)
}

/// A match of a pattern whose trailing lookahead ran as group `group`: it
/// ends where that group starts, and the group is not one of its own.
fn cut_tail(mut spans: Spans, group: usize) -> Spans {
    if let (Some(Some((start, _))), Some(Some((tail, _)))) = (spans.first(), spans.get(group)) {
        spans[0] = Some((*start, *tail));
    }
    spans.truncate(group);
    spans
}

/// The first char boundary of `s` at or after `i` (`s.len()` past it).
fn ceil_char(s: &str, mut i: usize) -> usize {
    while i < s.len() && !s.is_char_boundary(i) {
        i += 1;
    }
    i.min(s.len())
}

/// The last char boundary of `s` at or before `i`.
fn floor_char(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}
