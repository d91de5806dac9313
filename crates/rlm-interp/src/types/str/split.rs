//! The split family of `str` methods (`split`, `rsplit`, `splitlines`,
//! `partition`, `rpartition`) and the whitespace/line splitting other code
//! shares (`textwrap`, `string.capwords`). Parts of a shared buffer are views.

use crate::args::{Kwargs, get_str_kw};
use crate::charged::ChargedVec;
use crate::cost::{COPY, PIECES, SCAN};
use crate::fault::{R, type_err, value_err};
use crate::meter::Meter;
use crate::types::attr_error::no_attr_among;
use crate::types::str::py_isspace;
use crate::types::str::search::{self, Reader, ReaderRev};
use crate::value::*;

/// What a byte says about whitespace (`str.isspace`) at a character
/// boundary: an ASCII space, not a space (other ASCII, continuation bytes,
/// and every lead byte no space starts with), or a lead byte to decode
/// (0xC2: U+0085, U+00A0; 0xE1: U+1680; 0xE2: U+2000-U+205F; 0xE3: U+3000).
#[derive(Clone, Copy, PartialEq)]
enum SpaceClass {
    Word,
    Space,
    Decode,
}

static SPACE_CLASS: [SpaceClass; 256] = {
    let mut table = [SpaceClass::Word; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = match b as u8 {
            b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c | 0x1c..=0x1f => SpaceClass::Space,
            0xC2 | 0xE1 | 0xE2 | 0xE3 => SpaceClass::Decode,
            _ => SpaceClass::Word,
        };
        b += 1;
    }
    table
};

/// (is whitespace, length in bytes) of the character at byte `i` of `s`, a
/// character boundary; non-spaces may report 1 for a multi-byte character,
/// whose other bytes are then `Word` too. Inlined into the scan's loops.
#[inline(always)]
fn space_at(s: &str, i: usize) -> (bool, usize) {
    match SPACE_CLASS[usize::from(s.as_bytes()[i])] {
        SpaceClass::Word => (false, 1),
        SpaceClass::Space => (true, 1),
        SpaceClass::Decode => {
            let c = s[i..].chars().next().unwrap_or(' ');
            (py_isspace(c), c.len_utf8())
        }
    }
}

/// Calls `word(start, end)` with the byte range of each word of Python's
/// whitespace split, in order (see [`WhitespaceWords`]).
#[inline(always)]
pub(crate) fn for_each_whitespace_word(
    s: &str,
    maxsplit: i64,
    mut word: impl FnMut(usize, usize) -> R<()>,
) -> R<()> {
    for (a, b, _) in WhitespaceWords::new(s, maxsplit) {
        word(a, b)?;
    }
    Ok(())
}

/// The words of Python's whitespace split, in order: `(start, end, ascii)`,
/// a word's byte range and whether the scan saw it is all ASCII (false: not
/// known; the rest after a `maxsplit` is not read). `split` makes each word
/// as it is found (no vector of ranges), in its own loop (a call per word
/// to a closure cost a tenth of a short word's making), and knowing a word
/// is ASCII spares it reading the word again to count its code points.
/// Bytes are classed by a table whatever the rest of the text holds (a
/// context with one accented word is mostly ASCII); only the lead bytes of
/// possible spaces are decoded.
pub(crate) struct WhitespaceWords<'a> {
    s: &'a str,
    /// Where the scan is.
    i: usize,
    /// Words still to find before the rest is one word (`maxsplit`); no
    /// limit is `u64::MAX`, which no text's words count down to 0.
    left: u64,
}

impl<'a> WhitespaceWords<'a> {
    pub(crate) fn new(s: &'a str, maxsplit: i64) -> Self {
        WhitespaceWords { s, i: 0, left: u64::try_from(maxsplit).unwrap_or(u64::MAX) }
    }
}

impl Iterator for WhitespaceWords<'_> {
    type Item = (usize, usize, bool);

    #[inline(always)]
    fn next(&mut self) -> Option<(usize, usize, bool)> {
        let s = self.s;
        let n = s.len();
        let mut i = self.i;
        while i < n {
            let (ws, l) = space_at(s, i);
            if !ws {
                break;
            }
            i += l;
        }
        if i >= n {
            self.i = n;
            return None;
        }
        if self.left == 0 {
            self.i = n;
            return Some((i, n, false));
        }
        let start = i;
        let bytes = s.as_bytes();
        let mut ascii = true;
        while i < n {
            // Eight bytes at a time to the first that may be a space (as
            // `splitlines` reads): a word's bytes one by one were a fifth
            // of `split`'s instructions. Eight unflagged bytes are ASCII.
            if let Some(chunk) = bytes.get(i..).and_then(|t| t.first_chunk::<8>()) {
                let flagged = space_candidates(u64::from_le_bytes(*chunk));
                if flagged == 0 {
                    i += 8;
                    continue;
                }
                i += flagged.trailing_zeros() as usize / 8;
            }
            let (ws, l) = space_at(s, i);
            if ws {
                // The space that ends the word is read once: the next
                // word's search starts after it.
                self.i = i + l;
                self.left = self.left.wrapping_sub(1);
                return Some((start, i, ascii));
            }
            ascii &= bytes[i].is_ascii();
            i += l;
        }
        self.i = n;
        self.left = self.left.wrapping_sub(1);
        Some((start, n, ascii))
    }
}

/// A new list of strings only (the parts), registered at what
/// `ListObj::mem_cost` would measure, its box and buffer (strings charge
/// themselves), without reading every item to learn that (a pass over the
/// 900,000 words of a 5 MB split).
fn str_list(v: Vec<Value>) -> Value {
    debug_assert!(v.iter().all(|x| matches!(x, Value::Str(_))));
    let cost = crate::mem::rc_block::<ListObj>() + crate::mem::vec_block::<Value>(v.capacity());
    let l = std::rc::Rc::new(ListObj::new(v));
    crate::gc::track_new_list(&l, cost);
    Value::List(l)
}

/// The top bits of the bytes of `word` (little-endian) that are below 0x21
/// or not ASCII (may be, or start, a space), 0 when none is; the lowest
/// flag is always a true one (see [`line_break_candidates`]).
#[inline]
fn space_candidates(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const TOPS: u64 = 0x8080_8080_8080_8080;
    (word | word.wrapping_sub(0x21 * ONES)) & TOPS
}

/// Calls `word(start, end)` with the byte range of each word of Python's
/// whitespace `rsplit`, from the last word to the first.
fn for_each_whitespace_word_rev(
    s: &str,
    maxsplit: i64,
    mut word: impl FnMut(usize, usize) -> R<()>,
) -> R<()> {
    let is_space_before =
        |i: usize| s[..i].chars().next_back().map(|c| (py_isspace(c), c.len_utf8()));
    let mut words: i64 = 0;
    let mut i = s.len();
    loop {
        while let Some((true, l)) = is_space_before(i) {
            i -= l;
        }
        if i == 0 {
            break;
        }
        if maxsplit >= 0 && words == maxsplit {
            word(0, i)?;
            break;
        }
        let end = i;
        while let Some((false, l)) = is_space_before(i) {
            i -= l;
        }
        word(i, end)?;
        words += 1;
    }
    Ok(())
}

/// Calls `line(start, end, ascii)` with the byte range of each of `s`'s
/// lines (`str.splitlines`), in order, and whether the line is all ASCII, in
/// one pass over the bytes. A line break is one of a few ASCII control bytes,
/// or one of three characters whose UTF-8 starts with 0xC2 or 0xE2, so eight
/// bytes at a time that are all printable ASCII are skipped whole; every
/// other byte is read on its own, which is how a line is known to be ASCII
/// without reading it again to make it.
pub(crate) fn for_each_line(
    s: &str,
    keepends: bool,
    mut line: impl FnMut(usize, usize, bool) -> R<()>,
) -> R<()> {
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    let mut ascii = true;
    while i < bytes.len() {
        if let Some(word) = bytes[i..].first_chunk::<8>() {
            let flagged = line_break_candidates(u64::from_le_bytes(*word));
            if flagged == 0 {
                i += 8;
                continue;
            }
            // Straight to the first byte that may break the line (the
            // bytes before it were read byte by byte: 40% of `splitlines`
            // over 60-byte lines, issue #59).
            i += flagged.trailing_zeros() as usize / 8;
        }
        let c = bytes[i];
        let break_len = match c {
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => 2,
            b'\n' | b'\r' | 0x0b | 0x0c | 0x1c..=0x1e => 1,
            // U+0085
            0xC2 if bytes.get(i + 1) == Some(&0x85) => 2,
            // U+2028, U+2029
            0xE2 if bytes.get(i + 1) == Some(&0x80)
                && matches!(bytes.get(i + 2), Some(0xA8 | 0xA9)) =>
            {
                3
            }
            _ => 0,
        };
        if break_len == 0 {
            ascii &= c.is_ascii();
            i += 1;
            continue;
        }
        let end = i + break_len;
        // A kept break that is not ASCII (U+0085, U+2028, U+2029) is the line's.
        if keepends {
            line(start, end, ascii && c.is_ascii())?;
        } else {
            line(start, i, ascii)?;
        }
        start = end;
        i = end;
        ascii = true;
    }
    if start < bytes.len() {
        line(start, bytes.len(), ascii)?;
    }
    Ok(())
}

/// The top bits of the bytes of `word` (little-endian) that are below 0x20
/// or not ASCII (may start a line break), 0 when none is: subtracting 0x20
/// from a byte below it borrows into its top bit. A borrow across bytes
/// flags only bytes above one that is truly flagged, so the lowest flag is
/// always a true one (the byte-by-byte check clears the others).
#[inline]
fn line_break_candidates(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const TOPS: u64 = 0x8080_8080_8080_8080;
    (word | word.wrapping_sub(0x20 * ONES)) & TOPS
}

/// `split`, `rsplit`, `splitlines`, `partition` and `rpartition`: charged as
/// they read and as their parts are made.
pub(super) fn split_family(
    meter: &mut Meter,
    s: &Str,
    name: &str,
    args: &[Value],
    kwargs: &Kwargs,
) -> R<Value> {
    let text = s.as_str();
    match name {
        "split" | "rsplit" => {
            let sep = get_str_kw(args, 0, kwargs, "sep").cloned();
            let maxsplit = match get_str_kw(args, 1, kwargs, "maxsplit") {
                Some(v) => crate::args::index_int(v)?,
                None => -1,
            };
            // Each part is made (and charges itself) as it is found,
            // into a list charged as it grows: `("x" * 10**8).split("x")`
            // stops at the budget, not after 10^8 parts.
            let mut out = ChargedVec::new();
            match sep {
                // Whitespace splits read the text up front (a `maxsplit`
                // still copies or views the rest).
                None | Some(Value::None) if name == "split" => {
                    meter.charge_work(PIECES, 0, text.len())?;
                    split_whitespace(meter, s, maxsplit, &mut out)?;
                }
                None | Some(Value::None) => {
                    meter.charge_work(PIECES, 0, text.len())?;
                    let parts = s.parts();
                    for_each_whitespace_word_rev(text, maxsplit, |a, b| {
                        meter.charge_work(PIECES, 1, 0)?;
                        out.push_str(meter, parts.part_str(a, b))
                    })?;
                    out.reverse();
                }
                Some(Value::Str(sep)) => {
                    let sep = sep.as_str();
                    if sep.is_empty() {
                        return value_err("empty separator");
                    }
                    // Each separator found as the search reads (charged
                    // in blocks at the rate of cutting pieces, once a
                    // byte across the searches), and each part made
                    // (dense separators made a part a byte for half a
                    // unit, 66x the loop's time a unit: issue #77); a `maxsplit` stops the
                    // reading, and the rest is one part, copied (or a view).
                    let parts = s.parts();
                    let bytes = text.as_bytes();
                    if name == "split" {
                        let mut reader = Reader::new(sep.as_bytes(), PIECES);
                        let mut start = 0;
                        let mut n = 0;
                        while maxsplit < 0 || n < maxsplit {
                            let Some(p) = search::find_read(meter, &mut reader, bytes, start)?
                            else {
                                break;
                            };
                            meter.charge_work(PIECES, 1, 0)?;
                            out.push_str(meter, parts.part_str(start, p))?;
                            start = p + sep.len();
                            n += 1;
                        }
                        charge_part(meter, s, text.len() - start)?;
                        out.push_str(meter, parts.part_str(start, text.len()))?;
                    } else {
                        let mut reader = ReaderRev::new(sep.as_bytes(), PIECES);
                        let mut end = text.len();
                        let mut n = 0;
                        while maxsplit < 0 || n < maxsplit {
                            let Some(p) = search::rfind_read(meter, &mut reader, bytes, end)?
                            else {
                                break;
                            };
                            meter.charge_work(PIECES, 1, 0)?;
                            out.push_str(meter, parts.part_str(p + sep.len(), end))?;
                            end = p;
                            n += 1;
                        }
                        charge_part(meter, s, end)?;
                        out.push_str(meter, parts.part_str(0, end))?;
                        out.reverse();
                    }
                }
                Some(o) => {
                    return type_err(format!("must be str or None, not {}", o.type_name()));
                }
            }
            meter.check_len(out.len())?;
            Ok(str_list(out.into_vec()))
        }
        "splitlines" => {
            let keep = match get_str_kw(args, 0, kwargs, "keepends") {
                Some(v) => crate::args::index_int(v)? != 0,
                None => false,
            };
            // Views into the receiver, as `split` gives.
            let parts = s.parts();
            let mut out = ChargedVec::new();
            // A line known to be ASCII is not read again to be made.
            for_each_line(text, keep, |a, b, ascii| {
                meter.charge_work(PIECES, 1, 0)?;
                out.push_str(meter, parts.part_counted(a, b, ascii.then_some(b - a)))
            })?;
            meter.check_len(out.len())?;
            Ok(str_list(out.into_vec()))
        }
        "partition" | "rpartition" => {
            let Some(Value::Str(sep)) = args.first() else { return type_err("must be str") };
            let sep = sep.as_str();
            if sep.is_empty() {
                return value_err("empty separator");
            }
            // The search charged as it reads, the two parts as they
            // are copied (a view of the context copies nothing).
            let pos = if name == "partition" {
                search::find_in_blocks(meter, text.as_bytes(), sep.as_bytes(), SCAN)?
            } else {
                search::rfind_in_blocks(meter, text.as_bytes(), sep.as_bytes(), SCAN)?
            };
            if let Some(p) = pos {
                charge_part(meter, s, p)?;
                charge_part(meter, s, text.len() - p - sep.len())?;
            }
            Ok(Value::tuple(match pos {
                Some(p) => vec![
                    Value::Str(s.byte_substr(0, p, None)),
                    Value::str(sep),
                    Value::Str(s.byte_substr(p + sep.len(), text.len(), None)),
                ],
                None if name == "partition" => {
                    vec![Value::Str(s.clone()), Value::str(""), Value::str("")]
                }
                None => vec![Value::str(""), Value::str(""), Value::Str(s.clone())],
            }))
        }
        _ => {
            no_attr_among(&Value::Str(s.clone()), name, super::methods::STR_METHODS.iter().copied())
        }
    }
}

/// `s.split()`'s words into `out`, each charged as it is made. Views into
/// the receiver (no copy of shared context text) when longer than a
/// string's inline bytes. A function of its own: inside `split_family` the
/// optimiser left parts of a word's making out of line.
#[inline(never)]
fn split_whitespace(
    meter: &mut Meter,
    s: &Str,
    maxsplit: i64,
    out: &mut ChargedVec<Value>,
) -> R<()> {
    let parts = s.parts();
    for (a, b, ascii) in WhitespaceWords::new(s.as_str(), maxsplit) {
        meter.charge_work(PIECES, 1, 0)?;
        out.push_str(meter, parts.part_scanned(a, b, ascii))?;
    }
    Ok(())
}

/// Charges a part of `bytes` bytes of `s` about to be made that no
/// search read (the rest after a `maxsplit`, a `partition`'s sides, a
/// `strip`'s middle): its bytes copied ([`COPY`]), unless it will be a
/// view of a shared buffer (the context), which copies nothing.
pub(crate) fn charge_part(meter: &mut Meter, s: &Str, bytes: usize) -> R<()> {
    let copied = if s.is_shared() && bytes > super::storage::INLINE { 0 } else { bytes };
    meter.charge_work(COPY, 0, copied)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The words `WhitespaceWords` finds, as text, each reported ASCII
    /// exactly when it is (what `split` trusts to skip counting).
    fn words(s: &str) -> Vec<&str> {
        WhitespaceWords::new(s, -1)
            .map(|(a, b, ascii)| {
                assert_eq!(ascii, s[a..b].is_ascii(), "{s:?} {a}..{b}");
                &s[a..b]
            })
            .collect()
    }

    /// After `maxsplit` words the rest is one word from the next non-space,
    /// trailing spaces kept, and not known to be ASCII (it was not read).
    #[test]
    fn maxsplit_leaves_the_rest_unread() {
        let s = "  alpha béta  gamma delta  ";
        let found: Vec<_> = WhitespaceWords::new(s, 2).collect();
        assert_eq!(found, [(2, 7, true), (8, 13, false), (15, s.len(), false)]);
        assert_eq!(WhitespaceWords::new(s, 0).collect::<Vec<_>>(), [(2, s.len(), false)]);
        assert_eq!(WhitespaceWords::new("   ", 0).count(), 0);
    }

    /// Python's `str.split()`, written the plain way.
    fn reference(s: &str) -> Vec<&str> {
        s.split(py_isspace).filter(|w| !w.is_empty()).collect()
    }

    /// The parts' list is registered at its box and buffer: what a sync
    /// measures of it.
    #[test]
    fn a_list_of_strings_costs_its_box_and_buffer() {
        let mut words = Vec::with_capacity(9);
        words.extend(["a", "bb", "a longer word than a string holds inline"].map(Value::str));
        let Value::List(l) = str_list(words) else { panic!("a list") };
        let expected = crate::mem::rc_block::<ListObj>() + crate::mem::vec_block::<Value>(9);
        assert_eq!(l.mem_cost(), Some(expected));
    }

    #[test]
    fn whitespace_words_match_a_plain_split_across_eight_byte_steps() {
        let cases = [
            "",
            "   ",
            "a",
            "alpha beta",
            "longerthaneightbytes and short",
            "x\u{1}y \u{7f}z",
            "tab\tnew\nline\rvt\x0bff\x0cfs\x1cgs\x1dus\x1f end",
            "nbsp\u{a0}nel\u{85}ogham\u{1680}en\u{2000}ideo\u{3000}narrow\u{202f}mid\u{205f}x",
            "ünïcödé wörds ünïcödéünïcödé",
            "not\u{a9}space\u{2010}dash\u{3001}comma",
            "trailing spaces   ",
            "sevenby eightbyt ninebytes",
        ];
        for s in cases {
            assert_eq!(words(s), reference(s), "{s:?}");
        }
        // Every mix of a few kinds of byte, at every alignment.
        let pieces = ["a", "bcdefghij", " ", "\u{a0}", "é", "\u{1}", "\u{3000}", "\n\n"];
        let mut seed = 12345u64;
        for _ in 0..2000 {
            let mut s = String::new();
            for _ in 0..(seed % 24) {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                s.push_str(pieces[(seed >> 33) as usize % pieces.len()]);
            }
            assert_eq!(words(&s), reference(&s), "{s:?}");
        }
    }
}
