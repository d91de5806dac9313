//! A pattern's twin for ASCII text: the same pattern with its classes
//! written over ASCII only, compiled with Unicode off. It resolves the groups
//! of a match the linear engine found, when the match and the byte on each
//! side of it are ASCII.
//!
//! Why: the linear engine finds a match's bounds with its lazy DFA, then
//! resolves the groups on those bounds with a bounded backtracker, which
//! clears a bit per NFA state and byte of the match first. A Unicode class
//! (`\w` is `[\p{L}\p{N}_]`, hundreds of byte ranges) makes that NFA large: in
//! a real model's program (`corpus_oolong_count`), the clearing was 14% of
//! its instructions and the backtracker 42%. Over ASCII text every class,
//! case fold and boundary matches as its ASCII part does, so the twin gives
//! the same groups with a small NFA.
//!
//! Exactness: the twin is built only for a pattern written in ASCII with no
//! escape that names a character by number (`\x`, `\u`, `\U`, `\N`, octal),
//! so every character it can match is ASCII: a non-ASCII character outside the
//! match could only be seen by an assertion at its edge (`\b`, `$`), which
//! reads one character either side, and those bytes are checked too.

use std::cell::RefCell;

use regex_automata::nfa::thompson::{self, backtrack};
use regex_automata::util::captures::Captures;
use regex_automata::util::syntax;
use regex_automata::{Anchored, Input};

/// Patterns whose classes hold fewer byte-range pieces than this keep one
/// engine: their NFA is small already (`\w` has hundreds; `\d`'s twin cost
/// more than it saved).
pub(super) const MIN_CLASS_PIECES: u64 = 128;

/// The twin: a bounded backtracker (what the engine resolves groups with),
/// run directly on the bounds the engine found, with no search for them.
pub(super) struct AsciiTwin {
    backtracker: backtrack::BoundedBacktracker,
    cache: RefCell<backtrack::Cache>,
    captures: RefCell<Captures>,
}

/// Whether a pattern can have a twin: written in ASCII, naming no
/// character by number (which could be non-ASCII, or fold to ASCII).
pub(super) fn eligible(source: &str) -> bool {
    let b = source.as_bytes();
    source.is_ascii()
        && !b
            .windows(2)
            .any(|w| w[0] == b'\\' && matches!(w[1], b'x' | b'u' | b'U' | b'N' | b'0'..=b'7'))
}

impl AsciiTwin {
    /// The twin of `full` (a pattern translated for ASCII text); `None` when
    /// it does not compile (then the engine's own groups are used).
    pub(super) fn build(full: &str, size_limit: usize) -> Option<AsciiTwin> {
        let backtracker = backtrack::Builder::new()
            .syntax(syntax::Config::new().unicode(false).utf8(false).nest_limit(200))
            .thompson(thompson::Config::new().utf8(false).nfa_size_limit(Some(size_limit)))
            .build(full)
            .ok()?;
        let cache = RefCell::new(backtracker.create_cache());
        let captures = RefCell::new(backtracker.create_captures());
        Some(AsciiTwin { backtracker, cache, captures })
    }

    /// The groups of the match at `start..end` of `hay` (found by the
    /// pattern itself); `None` when the match or a byte beside it is not
    /// ASCII, the match is longer than the backtracker takes, or the twin is
    /// in use (a search inside a search).
    pub(super) fn groups(
        &self,
        hay: &[u8],
        start: usize,
        end: usize,
    ) -> Option<Vec<Option<(usize, usize)>>> {
        let around = hay.get(start.saturating_sub(1)..end.saturating_add(1).min(hay.len()))?;
        if !around.is_ascii() {
            return None;
        }
        let mut cache = self.cache.try_borrow_mut().ok()?;
        let mut captures = self.captures.try_borrow_mut().ok()?;
        let input = Input::new(hay).span(start..end).anchored(Anchored::Yes);
        self.backtracker.try_search(&mut cache, &input, &mut captures).ok()?;
        // The same leftmost-first match, or (never expected) the engine's.
        if captures.get_match()?.range() != (start..end) {
            return None;
        }
        Some(
            (0..captures.group_len())
                .map(|i| captures.get_group(i).map(|s| (s.start, s.end)))
                .collect(),
        )
    }
}
