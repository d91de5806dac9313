//! How far a search reads its text, for a pattern whose matches have no
//! bounded length (`\w+`, `a[^z]*z|a`): the linear engine reads from the
//! search's start until its leftmost-first automaton can no longer extend
//! a match, which may be far past the match it reports (`a[^z]*z|a` over
//! `aaaa...` reads to the end to report `a`). That read is the search's
//! work, and nothing the engine returns tells it, so this module runs the
//! same automaton (a lazy DFA of the same pattern, with the same literal
//! prefilter skipping to candidates) a block at a time, each block charged
//! before it is read: the search then runs over what was paid for.

use std::cell::RefCell;

use regex_automata::hybrid::dfa::{Cache, DFA};
use regex_automata::util::prefilter::Prefilter;
use regex_automata::{Input, MatchKind, Span};

use crate::cost::Blocks;
use crate::fault::R;
use crate::meter::Meter;
use crate::modules::re::size::COMPILED_SIZE_LIMIT;

/// The first block a search reads (doubling after): small, since a search
/// among dense matches (`findall`) most often stops within a few bytes.
/// Here, with the reads it starts, rather than in `engine.rs`, which names
/// this file (issue #59: `re`'s circle).
pub(super) const FIRST_READ: usize = 32;

/// The lazy DFA's cache, per compiled pattern, cleared and rebuilt when
/// full: the engine's own default. At 256 KiB a model's
/// `re.findall(r'.{200}rolled a \d+.{200}', context, re.I)` thrashed it
/// (1.3 us a byte); the cache grows only as far as a pattern's states need.
const CACHE_BYTES: usize = 2 << 20;

/// A compiled pattern's forward automaton, as the linear engine's forward
/// search runs it.
pub(crate) struct Reach {
    dfa: DFA,
    cache: RefCell<Cache>,
    prefilter: Option<Prefilter>,
}

impl Reach {
    /// The automaton of the translated pattern `full`; `None` when it
    /// cannot be built here (the caller then charges the whole rest).
    pub(crate) fn build(full: &str) -> Option<Reach> {
        let hir = regex_syntax::ParserBuilder::new().nest_limit(200).build().parse(full).ok()?;
        let prefilter = Prefilter::from_hir_prefix(MatchKind::LeftmostFirst, &hir);
        let config = DFA::config()
            .match_kind(MatchKind::LeftmostFirst)
            .unicode_word_boundary(true)
            .specialize_start_states(prefilter.is_some())
            .cache_capacity(CACHE_BYTES)
            .skip_cache_capacity_check(true);
        let dfa = DFA::builder()
            .configure(config)
            .thompson(
                regex_automata::nfa::thompson::Config::new()
                    .nfa_size_limit(Some(COMPILED_SIZE_LIMIT)),
            )
            .build(full)
            .ok()?;
        let cache = RefCell::new(dfa.create_cache());
        Some(Reach { dfa, cache, prefilter })
    }
}

/// The first run of bytes the automaton steps after a candidate (or the
/// start) is charged for: each next run doubles (see `Blocks`).
const FIRST_STEPS: usize = 16;

/// Reads `hay` from `start` as the forward search does, each block
/// charged before it is read: `read_per_64_bytes` for a block the
/// prefilter skips through (memchr's speed), and `step_per_byte` for
/// each byte the automaton steps (a table lookup and a branch a byte,
/// about a unit's time), in runs from [`FIRST_STEPS`] doubling. The
/// offsets where the search stops reading (the automaton can extend no
/// match, or the text ends) and of the last candidate the prefilter
/// skipped to (no match starts before it: the engine's search may start
/// there); `None` when the automaton gave up (a non-ASCII byte under a
/// Unicode `\b`), having charged what it read. Out of line: inlined into
/// `search_paid` (which the compiler chose when unrelated code moved), its
/// automaton loop cost trec +1.7% and oolong +1.6% (issue #59).
#[inline(never)]
pub(crate) fn search_reach(
    meter: &mut Meter,
    reach: &Reach,
    hay: &[u8],
    start: usize,
    read_per_64_bytes: u64,
    step_per_byte: u64,
) -> R<Option<(usize, usize)>> {
    let mut fresh;
    let mut held = reach.cache.try_borrow_mut();
    let cache = match held.as_deref_mut() {
        Ok(c) => c,
        Err(_) => {
            fresh = reach.dfa.create_cache();
            &mut fresh
        }
    };
    // With a prefilter the blocks start at `FIRST_BLOCK`: its skips are
    // cheap to pay for (`read_per_64_bytes`) and each call of it has a
    // fixed cost (a search among matches ~65 bytes apart called it three
    // times from 32 bytes); without one, a search among dense matches
    // most often stops within a few bytes.
    let mut blocks =
        if reach.prefilter.is_some() { Blocks::new() } else { Blocks::starting_at(FIRST_READ) };
    // `hay[..paid]` is paid for at the read rate, `hay[..stepped]` at the
    // step rate; the automaton is at `at` in state `sid`.
    let (mut at, mut paid, mut stepped) = (start, start, start);
    let mut candidate = start;
    let mut steps = FIRST_STEPS;
    let start_state = |cache: &mut Cache, at: usize| {
        reach.dfa.start_state_forward(cache, &Input::new(hay).span(at..hay.len())).ok()
    };
    let Some(mut sid) = start_state(cache, at) else { return Ok(None) };
    loop {
        if at == paid {
            if paid == hay.len() {
                return Ok(Some((hay.len(), candidate)));
            }
            let end = paid.saturating_add(blocks.next_len()).min(hay.len());
            charge_read(meter, read_per_64_bytes, paid, end)?;
            paid = end;
        }
        if let (true, Some(pre)) = (sid.is_start(), &reach.prefilter) {
            // No thread in progress: skip to the next candidate in what
            // is paid for; with none, past every place one could start
            // and still end inside it (the last few may straddle its end).
            let next = match pre.find(hay, Span::from(at..paid)) {
                Some(sp) => sp.start,
                None => (paid + 1).saturating_sub(pre.max_needle_len()),
            };
            if next > at {
                at = next;
                candidate = next;
                steps = FIRST_STEPS;
                let Some(s) = start_state(cache, at) else { return Ok(None) };
                sid = s;
            }
        }
        let run_end = paid.min(at.saturating_add(steps));
        steps = steps.saturating_mul(2);
        if run_end > stepped {
            let from = stepped.max(at);
            let n = (run_end - from) as u64;
            meter.fuel(n.saturating_mul(step_per_byte))?;
            stepped = run_end;
        }
        while at < run_end {
            sid = match reach.dfa.next_state(cache, sid, hay[at]) {
                Ok(s) => s,
                Err(_) => return Ok(None),
            };
            at += 1;
            if sid.is_tagged() {
                if sid.is_dead() {
                    return Ok(Some((at, candidate)));
                }
                if sid.is_quit() {
                    return Ok(None);
                }
                if sid.is_start() && reach.prefilter.is_some() {
                    break;
                }
            }
        }
    }
}

/// Charges bytes `from..to` of a text read in blocks at
/// `fuel_per_64_bytes` (cumulative, so the blocks add up unrounded).
pub(crate) fn charge_read(
    meter: &mut Meter,
    fuel_per_64_bytes: u64,
    from: usize,
    to: usize,
) -> R<()> {
    let fuel = |n: usize| (n as u64).saturating_mul(fuel_per_64_bytes) / 64;
    let n = fuel(to).saturating_sub(fuel(from));
    if n == 0 {
        return Ok(());
    }
    meter.fuel(n)
}
