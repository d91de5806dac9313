//! A pattern's matches in succession, as sre finds them: where each next
//! search starts (after an empty match, only a match that takes a
//! character may start at the same place), all the matches of
//! `findall`/`sub`/`split`, and the match objects made from them. Each
//! search is `engine.rs`'s.

use std::rc::Rc;

use crate::charged::ChargedVec;
use crate::fault::R;
use crate::meter::Meter;
use crate::modules::re::engine::{
    CompiledRegex, FUEL_PER_SEARCH, Spans, Wrap, charge_first_search, fancy_tiers, search_paid,
    variant,
};
use crate::modules::re::match_obj::MatchObj;
use crate::value::*;

/// Where the next search starts: a byte of the text, and whether the match
/// before it was empty there (sre's rule since 3.7: the match that follows
/// an empty one may start at the same place only if it is not empty).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Cursor {
    pub(crate) pos: usize,
    pub(crate) after_empty: bool,
}

impl Cursor {
    pub(crate) fn at(pos: usize) -> Cursor {
        Cursor { pos, after_empty: false }
    }
}

/// The leftmost match of `p` from `at` (its first search paid for).
pub(super) fn search_from(
    meter: &mut Meter,
    p: &CompiledRegex,
    hay: &Str,
    at: Cursor,
) -> R<Option<Spans>> {
    if !at.after_empty {
        return search_paid(meter, p, hay, at.pos);
    }
    let e = at.pos;
    // A match that takes a character at `e`, the first in the pattern's
    // order (a pattern that cannot prefer an empty match has none there).
    let text = hay.as_str();
    if p.prefers_empty && e < text.len() {
        let v = variant(meter, p, Wrap::Advance)?;
        meter.fuel(FUEL_PER_SEARCH)?;
        if let Some(look) = v.look() {
            look.charge_place(meter, text, e)?;
        }
        if let Some(sp) = fancy_tiers(meter, &v, text, e)? {
            return Ok(Some(sp));
        }
    }
    // Else any match from the next character on.
    match text.get(e..).and_then(|t| t.chars().next()) {
        Some(c) => search_paid(meter, p, hay, e + c.len_utf8()),
        None => Ok(None),
    }
}

/// All matches from `pos` (Python's non-overlapping semantics).
pub(super) fn all_matches(
    meter: &mut Meter,
    p: &CompiledRegex,
    hay: &Str,
    limit: usize,
) -> R<ChargedVec<Spans>> {
    all_matches_from(meter, p, hay, 0, limit)
}

pub(super) fn all_matches_from(
    meter: &mut Meter,
    p: &CompiledRegex,
    hay: &Str,
    start: usize,
    limit: usize,
) -> R<ChargedVec<Spans>> {
    // Kept charged while the caller makes its result from them. Each
    // match's spans are a vector of their own: charged with its slot.
    let spans_bytes = crate::mem::vec_block::<Option<(usize, usize)>>(p.span_slots());
    let mut out = ChargedVec::with_slot_extra(spans_bytes);
    let mut at = Cursor::at(start);
    charge_first_search(meter, p, hay.byte_len().saturating_sub(start))?;
    while at.pos <= hay.byte_len() && out.len() < limit {
        let Some(sp) = search_from(meter, p, hay, at)? else { break };
        at = next_cursor(at, &sp);
        out.push(meter, sp)?;
    }
    Ok(out)
}

#[inline]
pub(super) fn make_match(hay: &Str, spans: Spans, p: &Rc<CompiledRegex>) -> Value {
    Native::value(MatchObj {
        hay: hay.clone(),
        spans,
        pattern: p.clone(),
        pos: 0,
        endpos: hay.char_len(),
    })
}

/// Where the search after match `sp` (found from `at`) starts: its end,
/// marked when the match was empty.
#[inline]
pub(super) fn next_cursor(at: Cursor, sp: &Spans) -> Cursor {
    let (s, e) = sp.first().copied().flatten().unwrap_or((at.pos, at.pos));
    Cursor { pos: e, after_empty: e == s }
}
