//! What a backtracking search's lookaheads read. The backtracking engine
//! runs a lookahead's body from each place it is tried, and a body with no
//! bounded length (`(?=(a+))`, `(?=(\d{3})+(?!\d))`) may read to the end of
//! the text from each: `re.findall(r'(?=(a+))', 'a' * n)` reads n²/2 bytes,
//! and one `re.search(r'(?=(a+))b', 'a' * 200_000)` ran past two minutes
//! with next to nothing charged (issue #77), since nothing the engine
//! returns tells how far it read.
//!
//! So each such body is run here as an automaton (its lookarounds,
//! boundaries and backreferences widened to what reads at least as far),
//! anchored at each place of the text, and the bytes it steps are the
//! search's cost at that place ([`Look::cost_at`]). A search pays, before
//! the engine runs, the cost of every place from its start to the end of
//! the text, and gets back what lies past its match ([`LookMemo`]); the
//! costs are summed once per pattern and text, so `findall` stays linear
//! in the places it tries.
//!
//! Where the pattern is a sequence holding the lookahead, its body is
//! charged only where what comes before it can end (after each comma in
//! `,(?=(?:[^"]*"[^"]*")*[^"]*$)`, the classic split outside quotes);
//! a lookahead nested deeper is charged at every place, which errs on
//! the side of the bound.

use std::cell::RefCell;
use std::sync::Arc;

use fancy_regex::{Assertion, Expr, LookAround};
use regex_automata::hybrid::dfa::{Cache, DFA};
use regex_automata::{Anchored, Input, MatchKind};

use crate::fault::R;
use crate::meter::Meter;
use crate::modules::re::size::COMPILED_SIZE_LIMIT;
use crate::types::str::WeakStr;
use crate::value::Str;

/// Bodies that read at most this many bytes are left to the per-search
/// charges (a bounded lookahead reads within a constant of its place).
const SHORT_BODY_BYTES: usize = 64;

/// Fuel per place a long lookahead is tried, besides the bytes its body
/// steps: the engine's call into the body's own matcher.
const FUEL_PER_PLACE: u64 = 4;

/// Fuel per byte a body's automaton steps: the engine's matcher steps
/// the same bytes, and this module steps them twice (the sum, then the
/// refund's walk).
const FUEL_PER_BODY_BYTE: u64 = 3;

/// Steps taken before they are charged (so a hostile sum stops on fuel
/// within this many steps of running out).
const CHARGE_EVERY: u64 = 4096;

/// A pattern's long lookaheads, each as anchored automata.
pub(crate) struct Look {
    probes: Vec<Probe>,
}

/// One long lookahead: its body, and where the pattern is a sequence that
/// holds it, what comes before it (the body is tried only where that
/// ends: `,(?=(?:[^"]*"[^"]*")*[^"]*$)` after each comma, not at each place).
struct Probe {
    prefix: Option<Automaton>,
    body: Automaton,
}

/// An anchored lazy automaton and its cache.
struct Automaton {
    dfa: DFA,
    cache: RefCell<Cache>,
}

impl Automaton {
    fn build(e: &Expr) -> Option<Automaton> {
        let mut text = String::new();
        e.to_str(&mut text, 0);
        let dfa = DFA::builder()
            .configure(
                DFA::config()
                    .match_kind(MatchKind::All)
                    .cache_capacity(2 << 20)
                    .skip_cache_capacity_check(true),
            )
            .thompson(
                regex_automata::nfa::thompson::Config::new()
                    .nfa_size_limit(Some(COMPILED_SIZE_LIMIT)),
            )
            .build(&text)
            .ok()?;
        let cache = RefCell::new(dfa.create_cache());
        Some(Automaton { dfa, cache })
    }

    /// Steps from `at` until no match can go on (the text's end when the
    /// automaton gives up), calling `ended` with each place a match ends.
    fn run(&self, hay: &[u8], at: usize, mut ended: impl FnMut(usize)) -> usize {
        let mut held = self.cache.try_borrow_mut();
        let mut fresh;
        let cache = match held.as_deref_mut() {
            Ok(c) => c,
            Err(_) => {
                fresh = self.dfa.create_cache();
                &mut fresh
            }
        };
        let dfa = &self.dfa;
        let input = Input::new(hay).span(at..hay.len()).anchored(Anchored::Yes);
        let Ok(mut sid) = dfa.start_state_forward(cache, &input) else { return hay.len() - at };
        for (i, &b) in hay.iter().enumerate().skip(at) {
            sid = match dfa.next_state(cache, sid, b) {
                Ok(s) if s.is_quit() => return hay.len() - at,
                Ok(s) => s,
                Err(_) => return hay.len() - at,
            };
            // A match state is seen a byte late: one ended at `i`.
            if sid.is_match() {
                ended(i);
            }
            if sid.is_dead() {
                return i + 1 - at;
            }
        }
        if dfa.next_eoi_state(cache, sid).is_ok_and(|s| s.is_match()) {
            ended(hay.len());
        }
        hay.len() - at
    }
}

impl Look {
    /// The long lookaheads of `full` (the pattern as the backtracking
    /// engine reads it); `None` when it has none (or one cannot be built,
    /// then the search is charged as before).
    pub(crate) fn build(full: &str) -> Option<Look> {
        let tree = Expr::parse_tree(full).ok()?;
        let mut top = &tree.expr;
        while let Expr::Group(inner) = top {
            top = inner;
        }
        let mut probes = Vec::new();
        let mut nested = Vec::new();
        match top {
            Expr::Concat(items) => {
                for (k, item) in items.iter().enumerate() {
                    match long_body(item) {
                        Some(body) => {
                            let before = Expr::Concat(items[..k].iter().map(widened).collect());
                            let prefix = Some(Automaton::build(&before)?);
                            probes.push(Probe { prefix, body: Automaton::build(&body)? });
                            if let Expr::LookAround(inner, _) = item {
                                long_bodies(inner, &mut nested);
                            }
                        }
                        None => long_bodies(item, &mut nested),
                    }
                }
            }
            other => long_bodies(other, &mut nested),
        }
        for body in &nested {
            probes.push(Probe { prefix: None, body: Automaton::build(body)? });
        }
        (!probes.is_empty()).then_some(Look { probes })
    }

    /// The fuel of trying the long lookaheads at `at`: the bytes each body
    /// steps from where it is tried until it can match no further, what its
    /// prefix steps, and a call per try.
    fn cost_at(&self, hay: &[u8], at: usize) -> u64 {
        let mut steps = 0u64;
        let mut tries = 0u64;
        for probe in &self.probes {
            match &probe.prefix {
                Some(prefix) => {
                    let read = prefix.run(hay, at, |q| {
                        tries += 1;
                        steps = steps.saturating_add(probe.body.run(hay, q, |_| {}) as u64);
                    });
                    steps = steps.saturating_add(read as u64);
                }
                None => {
                    tries += 1;
                    steps = steps.saturating_add(probe.body.run(hay, at, |_| {}) as u64);
                }
            }
        }
        steps
            .saturating_add(1)
            .saturating_mul(FUEL_PER_BODY_BYTE)
            .saturating_add(tries.saturating_mul(FUEL_PER_PLACE))
    }

    /// The fuel of one anchored try at `at` (a search that refuses an
    /// empty match there), charged before it.
    pub(crate) fn charge_place(&self, meter: &mut Meter, hay: &str, at: usize) -> R<()> {
        meter.fuel(self.cost_at(hay.as_bytes(), at))
    }
}

/// The widened body of `e` when it is a lookahead whose matches may be
/// longer than [`SHORT_BODY_BYTES`].
fn long_body(e: &Expr) -> Option<Expr> {
    let Expr::LookAround(body, LookAround::LookAhead | LookAround::LookAheadNeg) = e else {
        return None;
    };
    let wide = widened(body);
    max_len(&wide).is_none_or(|n| n > SHORT_BODY_BYTES).then_some(wide)
}

/// Collects the widened bodies of the long lookaheads in `e` ([`long_body`]).
fn long_bodies(e: &Expr, out: &mut Vec<Expr>) {
    if let Some(body) = long_body(e) {
        out.push(body);
    }
    match e {
        Expr::LookAround(body, _) | Expr::AtomicGroup(body) => long_bodies(body, out),
        Expr::Concat(v) | Expr::Alt(v) => v.iter().for_each(|c| long_bodies(c, out)),
        Expr::Group(c) => long_bodies(c, out),
        Expr::Repeat { child, .. } => long_bodies(child, out),
        Expr::Conditional { condition, true_branch, false_branch } => {
            long_bodies(condition, out);
            long_bodies(true_branch, out);
            long_bodies(false_branch, out);
        }
        _ => {}
    }
}

/// `e` as the linear engine can run it, matching wherever `e` matches and
/// reading at least as far: lookarounds and word boundaries match anywhere
/// (they only narrow), a backreference or anything else the linear engine
/// lacks matches any run of characters.
fn widened(e: &Expr) -> Expr {
    let any_run = || Expr::Repeat {
        child: Box::new(Expr::Any { newline: true, crlf: false }),
        lo: 0,
        hi: usize::MAX,
        greedy: true,
    };
    match e {
        // Anchors are kept (`^(?=.*x)` is tried once); a word boundary
        // would make the automaton give up on non-ASCII text.
        Expr::Assertion(a)
            if !matches!(
                a,
                Assertion::WordBoundary
                    | Assertion::NotWordBoundary
                    | Assertion::LeftWordBoundary
                    | Assertion::RightWordBoundary
                    | Assertion::LeftWordHalfBoundary
                    | Assertion::RightWordHalfBoundary
            ) =>
        {
            e.clone()
        }
        Expr::Empty
        | Expr::LookAround(..)
        | Expr::Assertion(_)
        | Expr::KeepOut
        | Expr::ContinueFromPreviousMatchEnd
        | Expr::DefineGroup { .. } => Expr::Empty,
        Expr::Any { .. } | Expr::Literal { .. } | Expr::Delegate { .. } => e.clone(),
        Expr::Concat(v) => Expr::Concat(v.iter().map(widened).collect()),
        Expr::Alt(v) => Expr::Alt(v.iter().map(widened).collect()),
        Expr::Group(c) => Expr::Group(Arc::new(widened(c))),
        Expr::AtomicGroup(c) => Expr::Group(Arc::new(widened(c))),
        Expr::Repeat { child, lo, hi, greedy } => {
            Expr::Repeat { child: Box::new(widened(child)), lo: *lo, hi: *hi, greedy: *greedy }
        }
        _ => any_run(),
    }
}

/// The longest match of a widened body in bytes (`None`: unbounded).
fn max_len(e: &Expr) -> Option<usize> {
    match e {
        Expr::Empty => Some(0),
        Expr::Any { .. } | Expr::Delegate { .. } => Some(4),
        Expr::Literal { val, .. } => Some(val.len() * 3),
        Expr::Concat(v) => v.iter().try_fold(0usize, |n, c| n.checked_add(max_len(c)?)),
        Expr::Alt(v) => v.iter().try_fold(0usize, |n, c| Some(n.max(max_len(c)?))),
        Expr::Group(c) => max_len(c),
        Expr::Repeat { child, hi, .. } => {
            if *hi == usize::MAX {
                return None;
            }
            max_len(child)?.checked_mul(*hi)
        }
        _ => None,
    }
}

/// A pattern's sum of [`Look::cost_at`] over a text, kept between its
/// searches of that text: the sum from `origin` to the end, and how much
/// of it lies before `cursor` (places whose searches are done).
pub(crate) struct LookMemo {
    hay: WeakStr,
    origin: usize,
    total: u64,
    cursor: usize,
    before_cursor: u64,
}

/// The long lookaheads' fuel of a search of `hay` from `start`, charged
/// before `search` runs; what lies past the places it tried (to its match's
/// end, or the text's) is given back after.
pub(crate) fn charged_search<T>(
    meter: &mut Meter,
    look: &Look,
    memo: &RefCell<Option<LookMemo>>,
    hay: &Str,
    start: usize,
    search: impl FnOnce(&mut Meter) -> R<Option<T>>,
    end_of: impl Fn(&T) -> usize,
) -> R<Option<T>> {
    let text = hay.as_str().as_bytes();
    let mut m = match memo.take().filter(|m| m.hay.is(hay) && m.origin <= start) {
        Some(m) => m,
        None => {
            // The sum over the places left: our own work, not given back.
            let total = sum_places(meter, look, hay.as_str(), start, text.len() + 1)?;
            LookMemo { hay: hay.downgrade(), origin: start, total, cursor: start, before_cursor: 0 }
        }
    };
    if m.cursor > start {
        m.cursor = m.origin;
        m.before_cursor = 0;
    }
    advance(meter, look, &mut m, hay.as_str(), start)?;
    let reserved = m.total.saturating_sub(m.before_cursor);
    meter.fuel(reserved)?;
    let found = search(meter)?;
    // The places it tried: up to its match's end, else all of them.
    let tried_to = found.as_ref().map_or(text.len(), |t| end_of(t).min(text.len()));
    let before = m.before_cursor;
    // Half-open: the place at its end is one it tried.
    advance(meter, look, &mut m, hay.as_str(), tried_to + 1)?;
    let used = m.before_cursor.saturating_sub(before);
    meter.refund(reserved.saturating_sub(used));
    memo.replace(Some(m));
    Ok(found)
}

/// Moves `m`'s cursor to `to`, summing the places it passes.
fn advance(meter: &mut Meter, look: &Look, m: &mut LookMemo, hay: &str, to: usize) -> R<()> {
    if to <= m.cursor {
        return Ok(());
    }
    let sum = sum_places(meter, look, hay, m.cursor, to)?;
    m.before_cursor = m.before_cursor.saturating_add(sum);
    m.cursor = to;
    Ok(())
}

/// The sum of [`Look::cost_at`] over the places in `from..to`, the steps
/// it takes to make it charged as it is made (a block at a time).
fn sum_places(meter: &mut Meter, look: &Look, hay: &str, from: usize, to: usize) -> R<u64> {
    let (mut sum, mut pending) = (0u64, 0u64);
    for at in places(hay, from, to) {
        let c = look.cost_at(hay.as_bytes(), at);
        sum = sum.saturating_add(c);
        pending = pending.saturating_add(c / FUEL_PER_BODY_BYTE);
        if pending >= CHARGE_EVERY {
            meter.fuel(std::mem::take(&mut pending))?;
        }
    }
    meter.fuel(pending)?;
    Ok(sum)
}

/// The places a search may try in `from..to` (char boundaries of `hay`;
/// its end, `hay.len()`, is one).
fn places(hay: &str, from: usize, to: usize) -> impl Iterator<Item = usize> + '_ {
    (from..to.min(hay.len() + 1)).filter(move |&i| hay.is_char_boundary(i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_body_is_charged_what_it_reads_from_each_place() {
        let look = Look::build("(?=(a+))").expect("a long lookahead");
        let hay = b"aaaaaaaaaa";
        // From 0 it reads ten bytes, from 5 five.
        assert_eq!(look.cost_at(hay, 0) - look.cost_at(hay, 5), 5 * FUEL_PER_BODY_BYTE);
        assert_eq!(look.cost_at(hay, 10), FUEL_PER_BODY_BYTE + FUEL_PER_PLACE);
    }

    #[test]
    fn a_body_after_a_prefix_is_charged_only_where_the_prefix_ends() {
        let look = Look::build(r#",(?=(?:[^"]*"[^"]*")*[^"]*$)"#).expect("a long lookahead");
        let hay = b"ab,cd,ef";
        // At `a` the prefix reads a byte and dies: no try of the body.
        assert_eq!(look.cost_at(hay, 0), 2 * FUEL_PER_BODY_BYTE);
        // At the comma the prefix steps three bytes (its match is seen a
        // byte late, its death a byte later), and the body is tried after
        // the comma and reads the rest.
        assert_eq!(look.cost_at(hay, 2), (3 + 5 + 1) * FUEL_PER_BODY_BYTE + FUEL_PER_PLACE);
    }

    #[test]
    fn anchors_are_kept_and_word_boundaries_widened() {
        let look = Look::build(r"^(?=.*x)").expect("a long lookahead");
        let hay = b"abcdefgh";
        assert!(look.cost_at(hay, 0) > 8 * FUEL_PER_BODY_BYTE);
        assert_eq!(look.cost_at(hay, 3), 2 * FUEL_PER_BODY_BYTE);
        assert!(Look::build(r"\B(?=(\d{3})+(?!\d))").is_some());
    }

    #[test]
    fn short_bodies_are_left_to_the_search_charges() {
        assert!(Look::build(r"\d+(?=px)").is_none());
        assert!(Look::build(r"\w+(?!\d)a(?=.{0,10})").is_none());
        assert!(Look::build(r"a(?=.{0,70})").is_some());
    }
}
