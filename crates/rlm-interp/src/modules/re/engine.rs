//! Compiling and running patterns: CPython's syntax translated for the
//! engines, a per-thread cache of compiled patterns, anchored/full variants,
//! and searches that charge fuel for the bytes they scan (and the steps a
//! backtracking engine takes, in growing tiers).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use crate::charged::ChargedVec;
use crate::fault::{Fault, R, exc, type_err};
use crate::limits::{LimitError, LimitKind};
use crate::modules::re::match_obj::MatchObj;
use crate::modules::re::{DOTALL, IGNORECASE, MULTILINE, VERBOSE};
use crate::value::*;
use crate::vm::Vm;

enum Engine {
    /// The linear engine, with capture slots reused from one search to the
    /// next (a fresh `Captures` per search allocated twice per match).
    Fast(regex::Regex, RefCell<regex::CaptureLocations>),
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
    full: RefCell<Option<Rc<CompiledRegex>>>,
    /// Group names by index (index 0 is the whole match).
    pub names: Vec<Option<String>>,
    /// Fuel to compile it (and each anchored/full variant): its expanded size.
    compile_fuel: u64,
    /// Fuel per 64 bytes a search scans: grows with the program's size.
    fuel_per_64_bytes: u64,
    /// The expanded states the first search pays for (0 once it paid): the
    /// linear engine's lazy automaton starts empty and the first search
    /// builds its states, each at a cost that grows with the pattern's.
    first_search_states: std::cell::Cell<u64>,
}

/// Fuel for the first search of a compiled pattern, per expanded state
/// times the automaton states it may build (one a byte at most, as many as
/// the pattern has at most): a flood of distinct 300-state patterns, each
/// searched once over 2 000 bytes, spent about 1 ms a pattern, four fifths
/// of it in that first search (BENCHMARKS.md, "Fuel cost table and
/// calibration", 2026-11-24).
fn first_search_fuel(states: u64, bytes: usize) -> u64 {
    const PER_STATE_PAIR: u64 = 2;
    states.saturating_mul(states.min(bytes as u64)).saturating_mul(PER_STATE_PAIR)
}

pub(crate) type Spans = Vec<Option<(usize, usize)>>;

fn translate(p: &str) -> String {
    let mut out = String::with_capacity(p.len() + 8);
    let chars: Vec<char> = p.chars().collect();
    let mut i = 0;
    let mut in_class = false;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() {
            let n = chars[i + 1];
            if !in_class && n == 'Z' {
                out.push_str("\\z");
            } else {
                out.push('\\');
                out.push(n);
            }
            i += 2;
            continue;
        }
        if in_class {
            if c == ']' {
                in_class = false;
            } else if c == '[' {
                // A literal '[' inside a class must be escaped for the regex crate.
                out.push('\\');
            }
            out.push(c);
            i += 1;
            continue;
        }
        match c {
            '[' => {
                in_class = true;
                out.push('[');
                i += 1;
                if i < chars.len() && chars[i] == '^' {
                    out.push('^');
                    i += 1;
                }
                if i < chars.len() && chars[i] == ']' {
                    out.push_str("\\]");
                    i += 1;
                }
                continue;
            }
            '(' if chars.get(i + 1) == Some(&'?')
                && chars.get(i + 2) == Some(&'P')
                && chars.get(i + 3) == Some(&'=') =>
            {
                // (?P=name) -> \k<name>
                let mut j = i + 4;
                let mut name = String::new();
                while j < chars.len() && chars[j] != ')' {
                    name.push(chars[j]);
                    j += 1;
                }
                out.push_str(&format!("\\k<{name}>"));
                i = j + 1;
                continue;
            }
            '{' if chars.get(i + 1) == Some(&',') => {
                out.push_str("{0,");
                i += 2;
                continue;
            }
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

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

/// The compiled-size limit of the linear engine, in bytes.
const COMPILED_SIZE_LIMIT: usize = 1 << 23;

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
/// distinct 600-state patterns (BENCHMARKS.md, "Fuel cost table and
/// calibration", 2026-11-24: at 4 units a state it ran its fuel in 19 s).
fn compile_fuel(source: &str, size: super::size::PatternSize) -> u64 {
    const PER_STATE: u64 = 32;
    (source.len() as u64 * 4)
        .saturating_add(size.states.saturating_mul(PER_STATE))
        .saturating_add(size.class_pieces.saturating_mul(PER_STATE))
}

fn build(
    source: &str,
    flags: i64,
    wrap: &str,
    backtrack_limit: usize,
) -> Result<CompiledRegex, String> {
    crate::stack_guard::walk(|| build_pattern(source, flags, wrap, backtrack_limit))
}

fn build_pattern(
    source: &str,
    flags: i64,
    wrap: &str,
    backtrack_limit: usize,
) -> Result<CompiledRegex, String> {
    // CPython's syntax errors and wording first (the engines accept some
    // patterns sre rejects, and word their errors differently).
    crate::modules::re::sre_check::check(source, flags & VERBOSE != 0)?;
    let mut prefix = String::new();
    if flags & IGNORECASE != 0 {
        prefix.push('i');
    }
    if flags & MULTILINE != 0 {
        prefix.push('m');
    }
    if flags & DOTALL != 0 {
        prefix.push('s');
    }
    if flags & VERBOSE != 0 {
        prefix.push('x');
    }
    let body = translate(source);
    let body = match wrap {
        "match" => format!("\\A(?:{body})"),
        "full" => format!("\\A(?:{body})\\z"),
        _ => body,
    };
    let full = if prefix.is_empty() { body } else { format!("(?{prefix}){body}") };
    let engine = match regex::RegexBuilder::new(&full)
        .size_limit(COMPILED_SIZE_LIMIT)
        .nest_limit(200)
        .build()
    {
        Ok(r) => {
            let locations = RefCell::new(r.capture_locations());
            Engine::Fast(r, locations)
        }
        Err(fast_err) => {
            let mut limits: Vec<usize> =
                FANCY_TIERS.iter().copied().filter(|&t| t < backtrack_limit).collect();
            limits.push(backtrack_limit);
            let built: Result<Vec<(usize, fancy_regex::Regex)>, fancy_regex::Error> = limits
                .iter()
                .map(|&l| {
                    fancy_regex::RegexBuilder::new(&full).backtrack_limit(l).build().map(|r| (l, r))
                })
                .collect();
            match built {
                Ok(tiers) => Engine::Fancy(tiers),
                Err(e) => {
                    // A pattern the linear engine refused for its size is too
                    // large for the backtracking one too: say so plainly.
                    if let regex::Error::CompiledTooBig(limit) = fast_err {
                        return Err(too_large(limit));
                    }
                    return Err(e.to_string());
                }
            }
        }
    };
    let names: Vec<Option<String>> = match &engine {
        Engine::Fast(r, _) => r.capture_names().map(|n| n.map(str::to_string)).collect(),
        Engine::Fancy(tiers) => match tiers.first() {
            Some((_, r)) => r.capture_names().map(|n| n.map(str::to_string)).collect(),
            None => Vec::new(),
        },
    };
    let size = super::size::expanded_size(&full);
    Ok(CompiledRegex {
        source: source.to_string(),
        flags,
        engine,
        anchored: RefCell::new(None),
        full: RefCell::new(None),
        names,
        compile_fuel: compile_fuel(source, size),
        fuel_per_64_bytes: 1 + size.states / 16,
        first_search_states: std::cell::Cell::new(size.states),
    })
}

impl CompiledRegex {
    pub fn groups(&self) -> usize {
        self.names.len().saturating_sub(1)
    }

    /// The match at or after `start`, and the backtracking steps to charge:
    /// the limits of the tiers tried (each bounds that attempt's work).
    fn captures_at(&self, hay: &str, start: usize) -> (Result<Option<Spans>, String>, u64) {
        match &self.engine {
            Engine::Fast(r, locations) => {
                let mut fresh;
                let mut held = locations.try_borrow_mut();
                let locs = match held.as_deref_mut() {
                    Ok(l) => l,
                    Err(_) => {
                        fresh = r.capture_locations();
                        &mut fresh
                    }
                };
                let found = r.captures_read_at(locs, hay, start).is_some();
                (Ok(found.then(|| (0..locs.len()).map(|i| locs.get(i)).collect())), 0)
            }
            Engine::Fancy(tiers) => {
                let mut spent = 0u64;
                for (i, (limit, r)) in tiers.iter().enumerate() {
                    match r.captures_from_pos(hay, start) {
                        Ok(c) => {
                            let spans = c.map(|c| {
                                c.iter().map(|m| m.map(|m| (m.start(), m.end()))).collect()
                            });
                            // The successful attempt's steps are unknown: charge
                            // their bound, its limit.
                            return (Ok(spans), spent + *limit as u64);
                        }
                        Err(fancy_regex::Error::RuntimeError(
                            fancy_regex::RuntimeError::BacktrackLimitExceeded,
                        )) if i + 1 < tiers.len() => spent += *limit as u64,
                        Err(e) => return (Err(e.to_string()), spent + *limit as u64),
                    }
                }
                (Ok(None), spent)
            }
        }
    }
}

/// Fuel for each search (a match attempt from one position: `search`,
/// each match of `findall`/`split`/`sub`), besides the bytes it scans: the
/// engine's call, its capture slots and the spans made from them cost tens
/// of nanoseconds (a `re.sub` matching at each of 200 000 positions ran its
/// fuel in 9 s at one unit a search: BENCHMARKS.md, "Fuel cost table and
/// calibration", 2026-11-24).
const FUEL_PER_SEARCH: u64 = 16;

/// Fuel for each step of the backtracking engine (bounded by its tier's
/// limit, charged whole when the steps are unknown): a step costs several
/// nanoseconds. At 3, loops of backtracking matches
/// (`tests/hostile/regex_lookahead_backref_loop.py`,
/// `regex_backtrack_many_searches.py`) ran ~1.45x the reference loop's time
/// for their fuel (BENCHMARKS.md, "Fuel calibration of the slow fuel rows").
const FUEL_PER_BACKTRACK_STEP: u64 = 5;

/// Backtracking limits tried before the session's own (see `Engine::Fancy`).
const FANCY_TIERS: &[usize] = &[256, 8192, 262_144];

impl Vm {
    pub(crate) fn compile_pattern(&mut self, p: &Value, flags: i64) -> R<Rc<CompiledRegex>> {
        match p {
            Value::Native(n) => match &**n {
                Native::Pattern(p) => Ok(p.clone()),
                _ => type_err("first argument must be string or compiled pattern"),
            },
            Value::Str(s) => {
                // The backtracking limit is part of the compiled pattern, and
                // sessions with different limits share this thread's cache.
                let limit = self.limits.regex_backtrack_limit;
                let key = (s.as_str().to_string(), flags, limit);
                if let Some(p) = CACHE.with(|c| c.borrow().get(&key).cloned()) {
                    return Ok(p);
                }
                let size = super::size::expanded_size(s.as_str());
                if size.states > MAX_EXPANDED_STATES {
                    return exc(ExcKind::ReError, too_large(COMPILED_SIZE_LIMIT));
                }
                self.fuel(compile_fuel(s.as_str(), size))?;
                match build(s.as_str(), flags, "", limit) {
                    Ok(p) => {
                        let p = Rc::new(p);
                        // The cache is host memory outside the budget: a
                        // large program (and its lazy automaton) is rebuilt,
                        // and paid for, each time instead of kept.
                        if size.states > CACHED_MAX_STATES {
                            return Ok(p);
                        }
                        CACHE.with(|c| {
                            let mut c = c.borrow_mut();
                            if c.len() > CACHED_PATTERNS {
                                c.clear();
                            }
                            c.insert(key, p.clone());
                        });
                        Ok(p)
                    }
                    Err(e) => exc(ExcKind::ReError, e),
                }
            }
            other => type_err(format!(
                "first argument must be string or compiled pattern, not {}",
                other.type_name()
            )),
        }
    }

    pub(super) fn variant(&mut self, p: &Rc<CompiledRegex>, which: &str) -> R<Rc<CompiledRegex>> {
        let cell = if which == "match" { &p.anchored } else { &p.full };
        if let Some(v) = cell.borrow().as_ref() {
            return Ok(v.clone());
        }
        self.fuel(p.compile_fuel)?;
        let v = match build(&p.source, p.flags, which, self.limits.regex_backtrack_limit) {
            Ok(v) => Rc::new(v),
            Err(e) => return exc(ExcKind::ReError, e),
        };
        *cell.borrow_mut() = Some(v.clone());
        Ok(v)
    }

    pub(super) fn search_at(
        &mut self,
        p: &CompiledRegex,
        hay: &str,
        start: usize,
    ) -> R<Option<Spans>> {
        // Charged before the scan: a linear engine touches each byte a bounded number of times.
        let first = p.first_search_states.replace(0);
        if first > 0 {
            self.fuel(first_search_fuel(first, hay.len().saturating_sub(start)))?;
        }
        let (result, backtracked) = p.captures_at(hay, start);
        // Charged after the scan, for the bytes it covered (to the end of the
        // match, or of the text when there is none): a linear engine touches
        // each a bounded number of times, and charging the whole rest of the
        // text per match made `findall` quadratic in fuel. A backtracking
        // engine's steps are work too (each attempt is bounded by its tier).
        let scanned = match &result {
            Ok(Some(sp)) => {
                sp.first().copied().flatten().map_or(0, |(_, e)| e.saturating_sub(start))
            }
            _ => hay.len().saturating_sub(start),
        };
        let scan_fuel = (scanned as u64).saturating_mul(p.fuel_per_64_bytes) / 64;
        self.fuel(
            FUEL_PER_SEARCH
                .saturating_add(scan_fuel)
                .saturating_add(backtracked.saturating_mul(FUEL_PER_BACKTRACK_STEP)),
        )?;
        match result {
            Ok(r) => Ok(r),
            Err(e) => Err(Fault::Limit(LimitError::new(
                LimitKind::Regex,
                format!("regular expression too expensive (backtracking limit reached): {e}"),
            ))),
        }
    }

    /// All matches from `pos` (Python's non-overlapping semantics).
    pub(super) fn all_matches(
        &mut self,
        p: &CompiledRegex,
        hay: &str,
        limit: usize,
    ) -> R<ChargedVec<Spans>> {
        self.all_matches_from(p, hay, 0, limit)
    }

    pub(super) fn all_matches_from(
        &mut self,
        p: &CompiledRegex,
        hay: &str,
        start: usize,
        limit: usize,
    ) -> R<ChargedVec<Spans>> {
        // Kept charged while the caller makes its result from them. Each
        // match's spans are a vector of their own: charged with its slot.
        let spans_bytes = crate::mem::vec_block::<Option<(usize, usize)>>(p.groups() + 1);
        let mut out = ChargedVec::with_slot_extra(spans_bytes);
        let mut pos = start;
        while pos <= hay.len() && out.len() < limit {
            let Some(sp) = self.search_at(p, hay, pos)? else { break };
            let (s, e) = sp[0].unwrap_or((pos, pos));
            pos = if e == s {
                match hay[e..].chars().next() {
                    Some(c) => e + c.len_utf8(),
                    None => hay.len() + 1,
                }
            } else {
                e
            };
            out.push(self, sp)?;
        }
        Ok(out)
    }

    pub(super) fn make_match(&self, hay: &Str, spans: Spans, p: &Rc<CompiledRegex>) -> Value {
        Value::Native(Rc::new(Native::Match(Rc::new(MatchObj {
            hay: hay.clone(),
            spans,
            pattern: p.clone(),
            pos: 0,
            endpos: hay.char_len(),
        }))))
    }
}
