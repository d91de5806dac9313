//! Substring search charged as it proceeds (issue #53): a search reads its
//! haystack in growing blocks (`cost::Blocks`), each charged before it is
//! read, and stops at the first match, so `s.find(w, i)` in a loop pays for
//! the bytes between matches, not for the whole string at each call.

use memchr::memmem;

use crate::cost::{Blocks, FIRST_BLOCK, Rate};
use crate::fault::R;
use crate::meter::Meter;

/// A text this short is searched in one go, charged whole before: its
/// charge is at most a few units more than the search's, and a reader's
/// bookkeeping cost 5% of a loop of `w in line` over 80-byte lines.
const SHORT: usize = 4 * FIRST_BLOCK;

/// The longest needle [`find_short`] looks for without a searcher: every
/// position it compares reads at most this many bytes, so its work stays
/// within this many times the text it is charged for.
const SHORT_NEEDLE: usize = 16;

/// How common each byte is in the texts programs search (English prose,
/// logs, code), 0 for the rarest: spaces and lower-case letters by their
/// English frequency, then upper-case letters, digits and punctuation. A
/// table, read once per byte of a needle on every short search.
const COMMONNESS: [u8; 256] = {
    const BY_FREQUENCY: &[u8] = b" etaoinsrhldcumfpgwybvkxjqz";
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_uppercase() {
            table[b] = 8;
        } else if c.is_ascii_digit() || c == b'\n' || c == b',' || c == b'.' {
            table[b] = 6;
        }
        b += 1;
    }
    let mut i = 0;
    while i < BY_FREQUENCY.len() {
        table[BY_FREQUENCY[i] as usize] = 64 - i as u8;
        i += 1;
    }
    table
};

/// The offset in `needle` of its rarest byte ([`COMMONNESS`]), the one a
/// short search looks for (the first of the rarest). A plain loop over the
/// bytes, with no index to check: `min_by_key` over the indices compiled
/// to twice the instructions when issue #59's moves of unrelated files
/// changed the codegen units around it (1.5 M -> 3.4 M on the transcript
/// bench's 251,600 short searches, +0.33% of it).
#[inline]
fn rarest(needle: &[u8]) -> usize {
    let (mut best, mut at) = (u8::MAX, 0);
    for (i, &b) in needle.iter().enumerate() {
        let c = COMMONNESS[b as usize];
        if c < best {
            (best, at) = (c, i);
        }
    }
    at
}

/// What a short search for a needle looks for: the offset of its rarest
/// byte and, when that byte is common, of a second one for the pair finder
/// (`u8::MAX`: none). Worked out from [`COMMONNESS`] per search, ~70
/// instructions of a 4-byte needle's; kept in the needle string when it has
/// one ([`picks_of`]).
#[derive(Clone, Copy, PartialEq, Debug)]
pub(crate) struct Picks {
    rare: u8,
    other: u8,
}

impl Picks {
    /// For a needle of 1 to [`SHORT_NEEDLE`] bytes.
    fn of(needle: &[u8]) -> Picks {
        let rare = rarest(needle);
        let other = if COMMONNESS[needle[rare] as usize] >= COMMON {
            second_rarest(needle, rare).map_or(u8::MAX, |i| i as u8)
        } else {
            u8::MAX
        };
        Picks { rare: rare as u8, other }
    }

    fn packed(self) -> u16 {
        u16::from(self.rare) | u16::from(self.other) << 8
    }

    fn unpacked(p: u16) -> Picks {
        Picks { rare: p as u8, other: (p >> 8) as u8 }
    }
}

/// The [`Picks`] of `needle` (1 to [`SHORT_NEEDLE`] bytes), read from the
/// string after its first search.
#[inline]
pub(crate) fn picks_of(needle: &crate::types::str::Str) -> Picks {
    let cell = needle.picks_cell();
    let known = cell.get();
    if known != crate::types::str::storage::NO_PICKS {
        return Picks::unpacked(known);
    }
    let p = Picks::of(needle.as_str().as_bytes());
    cell.set(p.packed());
    p
}

/// The first `needle` in a short `hay`: its rarest byte found by `memchr`,
/// the whole needle compared there. Building a `memmem` searcher costs more
/// than searching an 80-byte line (11% of the `chunk_lines` bench, issue
/// #59), and looking for a needle's first byte stopped at every `r` of a
/// line for `"roll"`; a longer needle still gets a searcher.
fn find_short(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    if needle.len() > SHORT_NEEDLE {
        return memmem::find(hay, needle);
    }
    find_picked(hay, needle, Picks::of(needle))
}

/// [`find_short`] of a needle of 1 to [`SHORT_NEEDLE`] bytes whose
/// [`Picks`] are known.
#[inline]
fn find_picked(hay: &[u8], needle: &[u8], picks: Picks) -> Option<usize> {
    let k = picks.rare as usize;
    if picks.other != u8::MAX {
        if let Some(found) = find_by_pair(hay, needle, k, picks.other as usize) {
            return found;
        }
    }
    let last_start = hay.len().checked_sub(needle.len())?;
    // Positions of the rare byte that can start a match are `k..=last_start + k`.
    let mut from = k;
    while from <= last_start + k {
        let at = from + memchr::memchr(needle[k], &hay[from..=last_start + k])?;
        let start = at - k;
        if hay[start..start + needle.len()] == *needle {
            return Some(start);
        }
        from = at + 1;
    }
    None
}

/// A needle whose rarest byte is this common (one of English's 17 most
/// frequent: `"roll"`'s `l`) is looked for by two bytes: one stops too often.
/// A rarer byte (`"river"`'s `v`) is found faster by `memchr` alone (the
/// pair cost 3.5% more on the `chunk_lines` bench).
const COMMON: u8 = 64 - 16;

/// The first `needle` (two bytes or more) in `hay` by two of its rare bytes
/// compared 16 positions at a time, when `hay` is long enough for a vector
/// (`None` else). A line holds one byte of `"roll"` a few times and both at
/// their distance rarely: looking for one stopped, and called `memchr` again,
/// at each (1.3 million calls in a 51 000-line scan, issue #59); this finder
/// is built on the stack, without the searcher's tables.
#[cfg(target_arch = "x86_64")]
fn find_by_pair(hay: &[u8], needle: &[u8], rare: usize, other: usize) -> Option<Option<usize>> {
    use memchr::arch::all::packedpair::Pair;
    use memchr::arch::x86_64::sse2::packedpair::Finder;
    // Our own table picks the pair: `Finder::new` ranks the needle's bytes
    // by an iterator, a third of a short search's instructions (issue #59).
    let pair = Pair::with_indices(needle, u8::try_from(rare).ok()?, u8::try_from(other).ok()?)?;
    let finder = Finder::with_pair(needle, pair)?;
    (hay.len() >= finder.min_haystack_len()).then(|| finder.find(hay, needle))
}

/// The offset of the rarest byte of `needle` ([`COMMONNESS`]) other than
/// the one at `rare`, a byte of another value first.
fn second_rarest(needle: &[u8], rare: usize) -> Option<usize> {
    // Lowest (same value as the rare byte, commonness) wins.
    let mut best: Option<((bool, u8), usize)> = None;
    for (i, &b) in needle.iter().enumerate() {
        let key = (b == needle[rare], COMMONNESS[b as usize]);
        if i != rare && best.is_none_or(|(k, _)| key < k) {
            best = Some((key, i));
        }
    }
    best.map(|(_, i)| i)
}

#[cfg(not(target_arch = "x86_64"))]
fn find_by_pair(_hay: &[u8], _needle: &[u8], _rare: usize, _other: usize) -> Option<Option<usize>> {
    None
}

/// How many times `needle` (not empty) occurs in `hay` without overlapping
/// itself (`str.count`, charged by its caller for all of `hay`).
pub(crate) fn count(hay: &[u8], needle: &[u8]) -> usize {
    count_to(hay, needle).0
}

/// [`count`], and the end of the last occurrence counted (0 if none).
fn count_to(hay: &[u8], needle: &[u8]) -> (usize, usize) {
    match needle {
        [b] => memchr::memchr_iter(*b, hay).fold((0, 0), |(n, _), p| (n + 1, p + 1)),
        _ => count_by_pair(hay, needle).unwrap_or_else(|| {
            memmem::find_iter(hay, needle).fold((0, 0), |(n, _), p| (n + 1, p + needle.len()))
        }),
    }
}

/// [`count`] charged as it proceeds: `hay` read in growing blocks, each
/// charged at `rate` before it is counted, its bytes and the most
/// occurrences it can hold (each a searcher's restart: dense `s.count('ab')`
/// ran 20x the loop's time a unit charged per byte alone, issue #77), the
/// occurrences it did not hold given back after.
pub(crate) fn count_in_blocks(
    meter: &mut Meter,
    hay: &[u8],
    needle: &[u8],
    rate: Rate,
) -> R<usize> {
    // Blocks of four needles at least: each window also reads a needle's
    // length past its block (a 4,000-byte needle over 64-byte blocks read
    // each byte 60 times, 11x the loop's time a unit).
    let mut blocks = Blocks::starting_at(needle.len().saturating_mul(4).max(FIRST_BLOCK));
    // A needle too long for the vector pair finder is searched by `memmem`'s
    // two-way search, about a nanosecond a byte (7x the loop's time a unit
    // at the scan's rate, issue #77).
    let rate = if needle.len() > SHORT_NEEDLE {
        Rate { per_64_bytes: rate.per_64_bytes.max(32), ..rate }
    } else {
        rate
    };
    let (mut n, mut from) = (0usize, 0usize);
    while hay.len() - from >= needle.len() {
        // The occurrences starting in `hay[from..end]`, counted in a
        // window that holds their tails too; the next block starts past
        // the last one counted.
        let end = from.saturating_add(blocks.next_len()).min(hay.len());
        let window = &hay[from..(end + needle.len() - 1).min(hay.len())];
        let most = (end - from).min(window.len() / needle.len());
        meter.charge_work(rate, most, end - from)?;
        let (k, last_end) = count_to(window, needle);
        meter.refund(crate::cost::fuel_for(rate, (most - k) as u64, 0));
        n += k;
        from = end.max(from + last_end);
    }
    Ok(n)
}

/// [`count`] for a short needle, by a pair finder built once on the stack
/// from our own table ([`find_by_pair`]'s), each match resuming the same
/// finder just past it: a `memmem` iterator built a searcher a call and
/// went through two layers a match, and `chunk.count("needle")` over
/// 1000-character chunks (a match every 60 bytes) cost 2.8 instructions a
/// byte (issue #59). `None` where no such finder applies.
#[cfg(target_arch = "x86_64")]
fn count_by_pair(hay: &[u8], needle: &[u8]) -> Option<(usize, usize)> {
    use memchr::arch::all::packedpair::Pair;
    use memchr::arch::x86_64::avx2::packedpair::Finder;
    if needle.len() > SHORT_NEEDLE {
        return None;
    }
    let rare = rarest(needle);
    let other = second_rarest(needle, rare)?;
    let pair = Pair::with_indices(needle, u8::try_from(rare).ok()?, u8::try_from(other).ok()?)?;
    let finder = Finder::with_pair(needle, pair)?;
    let (mut n, mut from, mut last) = (0, 0, 0);
    while hay.len() - from >= finder.min_haystack_len() {
        match finder.find(&hay[from..], needle) {
            Some(p) => {
                n += 1;
                from += p + needle.len();
            }
            None => return Some((n, last)),
        }
        last = from;
    }
    // Shorter than the finder reads: a few dozen positions, compared.
    let (k, tail_end) = count_naive(&hay[from..], needle);
    Some((n + k, if k > 0 { from + tail_end } else { last }))
}

#[cfg(not(target_arch = "x86_64"))]
fn count_by_pair(_hay: &[u8], _needle: &[u8]) -> Option<(usize, usize)> {
    None
}

/// [`count`] position by position, for a text a few dozen bytes long.
#[cfg(target_arch = "x86_64")]
fn count_naive(hay: &[u8], needle: &[u8]) -> (usize, usize) {
    let (mut n, mut i, mut last) = (0, 0, 0);
    while i + needle.len() <= hay.len() {
        if hay[i..].starts_with(needle) {
            n += 1;
            i += needle.len();
            last = i;
        } else {
            i += 1;
        }
    }
    (n, last)
}

/// The last `needle` in a short `hay`, as [`find_short`] finds the first.
fn rfind_short(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(hay.len());
    }
    if needle.len() > SHORT_NEEDLE {
        return memmem::rfind(hay, needle);
    }
    let last_start = hay.len().checked_sub(needle.len())?;
    let k = rarest(needle);
    let mut end = last_start + k + 1;
    while end > k {
        let at = k + memchr::memrchr(needle[k], &hay[k..end])?;
        let start = at - k;
        if hay[start..start + needle.len()] == *needle {
            return Some(start);
        }
        end = at;
    }
    None
}

/// A text read forward by successive searches for one needle (`split`,
/// `replace`): the bytes paid for and the blocks' sizes carry over from one
/// search to the next, so a dense needle (`"a,b,c".split(",")`) pays each
/// byte once, not a first block a search.
pub(crate) struct Reader<'n> {
    finder: memmem::Finder<'n>,
    rate: Rate,
    blocks: Blocks,
    /// `hay[..paid]` is paid for.
    paid: usize,
}

impl<'n> Reader<'n> {
    pub(crate) fn new(needle: &'n [u8], rate: Rate) -> Reader<'n> {
        Reader { finder: memmem::Finder::new(needle), rate, blocks: Blocks::new(), paid: 0 }
    }
}

/// The same, backwards (`rsplit`, `rfind`): `hay[hay.len() - paid..]` is
/// paid for.
pub(crate) struct ReaderRev<'n> {
    finder: memmem::FinderRev<'n>,
    /// The forward searcher of the needle reversed, and the buffer a chunk
    /// of the text is reversed into for it ([`ReaderRev::rfind`]).
    fwd: memmem::Finder<'static>,
    buf: Vec<u8>,
    rate: Rate,
    blocks: Blocks,
    paid: usize,
}

/// Bytes of text [`ReaderRev::rfind`] reverses at a time (its buffer's size).
const REV_CHUNK: usize = 64 << 10;

impl<'n> ReaderRev<'n> {
    pub(crate) fn new(needle: &'n [u8], rate: Rate) -> ReaderRev<'n> {
        let reversed: Vec<u8> = needle.iter().rev().copied().collect();
        ReaderRev {
            finder: memmem::FinderRev::new(needle),
            fwd: memmem::Finder::new(&reversed).into_owned(),
            buf: Vec::new(),
            rate,
            blocks: Blocks::new(),
            paid: 0,
        }
    }

    /// The offset of the last needle in `hay`. memchr's reverse searcher
    /// has no prefilter: `('a' * 4 M).rpartition('ab')` read 4 ns a byte
    /// charged at a forward find's rate (21x the loop's time a unit, issue
    /// #77's fuzzer), where its forward searcher skips to the needle's rare
    /// byte. So the text is reversed a chunk at a time (from its end, each
    /// chunk overlapping the next by the needle's length less one, so that
    /// no match is cut, each twice the one before up to [`REV_CHUNK`]) and
    /// the reversed needle searched forwards in it: a chunk's first match
    /// is the text's last.
    fn rfind(&mut self, hay: &[u8]) -> Option<usize> {
        let m = self.fwd.needle().len();
        if !(2..=REV_CHUNK / 4).contains(&m) || hay.len() <= REV_CHUNK / 4 {
            return self.finder.rfind(hay);
        }
        let mut end = hay.len();
        // Chunks grow from a few times the needle: `rsplit` asks again
        // from each match it found, and a whole chunk reversed per match
        // made a dense `rsplit('ab')` quadratic.
        let mut chunk = (4 * m).max(256);
        loop {
            let lo = end.saturating_sub(chunk);
            chunk = (chunk * 2).min(REV_CHUNK);
            self.buf.clear();
            self.buf.extend_from_slice(&hay[lo..end]);
            self.buf.reverse();
            if let Some(p) = self.fwd.find(&self.buf) {
                return Some(end - p - m);
            }
            if lo == 0 {
                return None;
            }
            end = lo + m - 1;
        }
    }
}

/// The offset of the first `needle` in `hay`, read in growing blocks,
/// each charged at `rate` before it is searched (and the needle, which
/// the searcher reads once).
pub(crate) fn find_in_blocks(
    meter: &mut Meter,
    hay: &[u8],
    needle: &[u8],
    rate: Rate,
) -> R<Option<usize>> {
    if needle.len() > hay.len() {
        return Ok(None);
    }
    if hay.len() <= SHORT {
        // A short text (most `w in line`): charged whole, searched at once.
        meter.charge_work(rate, 0, hay.len() + needle.len())?;
        return Ok(find_short(hay, needle));
    }
    meter.charge_work(rate, 0, needle.len())?;
    find_read(meter, &mut Reader::new(needle, rate), hay, 0)
}

/// `needle in hay` when [`find_in_blocks`] would search it in one go (a
/// short text) and charge at most `budget` units: whether it occurs and the
/// units that search charges, for a caller that holds the fuel itself (the
/// plain loop, `vm/plain.rs`) to add. `None`: a longer text or a dearer
/// search, nothing done (the caller takes the metered path).
#[inline]
pub(crate) fn contains_prepaid(
    hay: &[u8],
    needle: &crate::types::str::Str,
    rate: Rate,
    budget: u64,
) -> Option<(bool, u64)> {
    let needle_str = needle;
    let needle = needle_str.as_str().as_bytes();
    if needle.len() > hay.len() {
        return Some((false, 0));
    }
    if hay.len() > SHORT {
        return None;
    }
    let units = crate::cost::fuel_for(rate, 0, (hay.len() + needle.len()) as u64);
    if units > budget {
        return None;
    }
    let found = match needle.len() {
        0 => true,
        1..=SHORT_NEEDLE => find_picked(hay, needle, picks_of(needle_str)).is_some(),
        _ => memmem::find(hay, needle).is_some(),
    };
    Some((found, units))
}

/// The first occurrence of the reader's needle in `hay` at or after
/// `from` (at most the bytes paid for), reading (and paying for) new
/// blocks as the search needs them.
pub(crate) fn find_read(
    meter: &mut Meter,
    r: &mut Reader<'_>,
    hay: &[u8],
    mut from: usize,
) -> R<Option<usize>> {
    let m = r.finder.needle().len();
    if m == 0 {
        return Ok((from <= hay.len()).then_some(from));
    }
    loop {
        let end = r.paid.min(hay.len());
        if end >= from.saturating_add(m) {
            if let Some(p) = r.finder.find(&hay[from..end]) {
                return Ok(Some(from + p));
            }
            // No match starts before `end - m + 1`.
            from = end + 1 - m;
        }
        if end >= hay.len() {
            return Ok(None);
        }
        let next = end.max(from).saturating_add(r.blocks.next_len() + m - 1).min(hay.len());
        charge_span(meter, r.rate, r.paid, next)?;
        r.paid = next;
    }
}

/// The offset of the last `needle` in `hay`, read backwards in growing
/// blocks, each charged at `rate` before it is searched.
pub(crate) fn rfind_in_blocks(
    meter: &mut Meter,
    hay: &[u8],
    needle: &[u8],
    rate: Rate,
) -> R<Option<usize>> {
    if needle.len() > hay.len() {
        return Ok(None);
    }
    if hay.len() <= SHORT {
        meter.charge_work(rate, 0, hay.len() + needle.len())?;
        return Ok(rfind_short(hay, needle));
    }
    meter.charge_work(rate, 0, needle.len())?;
    rfind_read(meter, &mut ReaderRev::new(needle, rate), hay, hay.len())
}

/// The last occurrence of the reader's needle in `hay` ending at or
/// before `to`, reading backwards as [`find_read`] reads forwards
/// (the reader's `hay` is the same each call).
pub(crate) fn rfind_read(
    meter: &mut Meter,
    r: &mut ReaderRev<'_>,
    hay: &[u8],
    mut to: usize,
) -> R<Option<usize>> {
    let m = r.finder.needle().len();
    if m == 0 {
        return Ok(Some(to.min(hay.len())));
    }
    let len = hay.len();
    to = to.min(len);
    loop {
        let start = len - r.paid.min(len);
        if to >= start.saturating_add(m) {
            if let Some(p) = r.rfind(&hay[start..to]) {
                return Ok(Some(start + p));
            }
            // No match ends after `start + m - 1`.
            to = start + m - 1;
        }
        if start == 0 {
            return Ok(None);
        }
        let next = (len - start.min(to)).saturating_add(r.blocks.next_len() + m - 1).min(len);
        charge_span(meter, r.rate, r.paid, next)?;
        r.paid = next;
    }
}

/// Charges bytes `from..to` of a text read in blocks: the fuel of the
/// first `to` bytes less that of the first `from`, so that the blocks'
/// charges add up to the whole read's, unrounded.
fn charge_span(meter: &mut Meter, rate: Rate, from: usize, to: usize) -> R<()> {
    let n = crate::cost::fuel_for(rate, 0, to as u64) - crate::cost::fuel_for(rate, 0, from as u64);
    if n == 0 {
        return Ok(());
    }
    meter.fuel(n)
}

/// The byte offset of the first character of `text` for which `more`
/// is false (`text.len()` if none), read in growing blocks, each charged
/// at `rate` before it is read (`strip` stops at the first character it
/// keeps).
pub(crate) fn scan_while(
    meter: &mut Meter,
    text: &str,
    rate: Rate,
    mut more: impl FnMut(char) -> bool,
) -> R<usize> {
    let mut blocks = Blocks::new();
    let mut paid = 0;
    for (i, c) in text.char_indices() {
        if i >= paid {
            let end = paid.saturating_add(blocks.next_len()).min(text.len());
            charge_span(meter, rate, paid, end)?;
            paid = end;
        }
        if !more(c) {
            return Ok(i);
        }
    }
    Ok(text.len())
}

/// The offset of the first byte of `bytes` that `set` does not hold (a
/// byte past ASCII never is), read in growing blocks as [`scan_while`].
pub(crate) fn scan_bytes_while(
    meter: &mut Meter,
    bytes: &[u8],
    rate: Rate,
    set: &[bool; 128],
) -> R<usize> {
    let mut blocks = Blocks::new();
    let mut from = 0;
    while from < bytes.len() {
        let end = from.saturating_add(blocks.next_len()).min(bytes.len());
        charge_span(meter, rate, from, end)?;
        if let Some(i) =
            bytes[from..end].iter().position(|&b| !set.get(b as usize).is_some_and(|x| *x))
        {
            return Ok(from + i);
        }
        from = end;
    }
    Ok(bytes.len())
}

/// The offset just past the last byte of `bytes` that `set` does not hold
/// (0 if none), read backwards as [`scan_bytes_while`].
pub(crate) fn scan_bytes_back_while(
    meter: &mut Meter,
    bytes: &[u8],
    rate: Rate,
    set: &[bool; 128],
) -> R<usize> {
    let mut blocks = Blocks::new();
    let mut paid = 0;
    while paid < bytes.len() {
        let end = paid.saturating_add(blocks.next_len()).min(bytes.len());
        charge_span(meter, rate, paid, end)?;
        let block = &bytes[bytes.len() - end..bytes.len() - paid];
        if let Some(i) = block.iter().rposition(|&b| !set.get(b as usize).is_some_and(|x| *x)) {
            return Ok(bytes.len() - end + i + 1);
        }
        paid = end;
    }
    Ok(0)
}

/// The byte offset just past the last character of `text` for which
/// `more` is false (0 if none), read backwards as [`scan_while`].
pub(crate) fn scan_back_while(
    meter: &mut Meter,
    text: &str,
    rate: Rate,
    mut more: impl FnMut(char) -> bool,
) -> R<usize> {
    let mut blocks = Blocks::new();
    let mut paid = 0;
    for (i, c) in text.char_indices().rev() {
        let from_end = text.len() - i;
        if from_end > paid {
            let end = paid.saturating_add(blocks.next_len()).max(from_end).min(text.len());
            charge_span(meter, rate, paid, end)?;
            paid = end;
        }
        if !more(c) {
            return Ok(i + c.len_utf8());
        }
    }
    Ok(0)
}

/// Whether `needle` occurs in `hay` (`needle in hay`), charged as
/// [`find_in_blocks`].
pub(crate) fn contains_in_blocks(
    meter: &mut Meter,
    hay: &[u8],
    needle: &[u8],
    rate: Rate,
) -> R<bool> {
    Ok(find_in_blocks(meter, hay, needle, rate)?.is_some())
}
#[cfg(test)]
mod tests {
    use super::{
        REV_CHUNK, ReaderRev, count, find_in_blocks, find_short, rfind_in_blocks, rfind_short,
    };
    use crate::cost::{FIRST_BLOCK, SCAN, fuel_for};
    use crate::limits::Limits;
    use crate::meter::Meter;

    /// The reverse search over reversed chunks finds what `memmem::rfind`
    /// finds: a needle placed at the end, straddling a chunk's edge, at the
    /// start, twice, or nowhere, in texts of several chunks.
    #[test]
    fn reversed_chunks_find_the_last_match() {
        let needles: [&[u8]; 4] = [b"ab", b"abc", b"xyzxy", "\u{e9}b".as_bytes()];
        for needle in needles {
            let n = REV_CHUNK * 3 + 17;
            let places = [
                None,
                Some(0),
                Some(n - needle.len()),
                Some(n - REV_CHUNK - 1),
                Some(n - 2 * REV_CHUNK + needle.len() - 1),
                Some(n - REV_CHUNK - needle.len() / 2),
            ];
            for at in places {
                let mut hay = b"a".repeat(n);
                if let Some(at) = at {
                    hay[at..at + needle.len()].copy_from_slice(needle);
                    hay[3..3 + needle.len()].copy_from_slice(needle);
                }
                let mut r = ReaderRev::new(needle, crate::cost::SCAN);
                assert_eq!(
                    r.rfind(&hay),
                    memchr::memmem::rfind(&hay, needle),
                    "{needle:?} at {at:?}"
                );
            }
        }
    }

    /// The short-text searches find what `memmem` finds, first and last,
    /// for every needle up to past the searcherless length, present or not,
    /// overlapping itself or not, at the text's edges.
    #[test]
    fn short_searches_agree_with_memmem() {
        let texts: [&[u8]; 6] = [
            b"",
            b"Date: Mar 14, 2023 || User: 12345\nType: ABBR, Matt: roll d20. nat 1. d20",
            b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab",
            b"the river report river needle 42 riverrive",
            "R\u{e9}sum\u{e9} caf\u{e9} na\u{ef}ve \u{2014} r\u{e9}sum\u{e9}".as_bytes(),
            b"abababababababababababababababababababab",
        ];
        for hay in texts {
            for start in 0..hay.len().min(40) {
                for len in 0..=(hay.len() - start).min(super::SHORT_NEEDLE + 3) {
                    let needle = &hay[start..start + len];
                    assert_eq!(find_short(hay, needle), memchr::memmem::find(hay, needle));
                    assert_eq!(rfind_short(hay, needle), memchr::memmem::rfind(hay, needle));
                }
            }
            for needle in
                [&b"zz"[..], b"b", b"ab", b"aab", b"river r", b"\xc3\xa9", b"d20", b"nat "]
            {
                assert_eq!(find_short(hay, needle), memchr::memmem::find(hay, needle));
                assert_eq!(rfind_short(hay, needle), memchr::memmem::rfind(hay, needle));
            }
        }
    }

    /// `count` counts what `memmem` finds, without overlaps, for needles
    /// that overlap themselves or not, in texts shorter and longer than a
    /// vector, with matches at both ends and across the last vector's edge.
    #[test]
    fn count_agrees_with_memmem() {
        let mut texts: Vec<Vec<u8>> =
            vec![b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".to_vec()];
        for len in [0usize, 5, 31, 32, 33, 47, 48, 49, 63, 64, 65, 100, 1000] {
            let unit = "needle 42 r\u{e9}sum\u{e9} river needleneedle ab".as_bytes();
            texts.push(unit.iter().cycle().take(len).copied().collect());
            let mut t: Vec<u8> = (0..len).map(|i| b"abcdefgh "[i % 9]).collect();
            if len >= 6 {
                t[..6].copy_from_slice(b"needle");
                t[len - 6..].copy_from_slice(b"needle");
            }
            texts.push(t);
        }
        let needles: [&[u8]; 10] = [
            b"needle",
            b"aa",
            b"aaa",
            b"ab",
            b"\xc3\xa9",
            b"e",
            b"le n",
            b"needleneedle",
            b"zq",
            b"0123456789abcdefg",
        ];
        for hay in &texts {
            for needle in needles {
                let want = memchr::memmem::find_iter(hay, needle).count();
                assert_eq!(count(hay, needle), want, "{needle:?} in {} bytes", hay.len());
            }
        }
    }

    /// A text of `len` bytes with `needle` at `at` (and nowhere else).
    fn text_with(len: usize, needle: &[u8], at: usize) -> Vec<u8> {
        let mut t: Vec<u8> = (0..len).map(|i| b"abcdefgh "[i % 9]).collect();
        t[at..at + needle.len()].copy_from_slice(needle);
        t
    }

    /// The searches find what memchr finds over the whole text, and charge
    /// at least the bytes read up to the match (before reading them) and at
    /// most twice that plus a first block: in proportion to the work, not
    /// to the text.
    #[test]
    fn searches_charge_within_2x_of_the_bytes_read() {
        let len = 3 << 20;
        for needle in [&b"Z"[..], b"ZQ", b"needle in here"] {
            for at in [0usize, 1, 200, 300, 5_000, 70_000, 1 << 20, len - needle.len()] {
                let t = text_with(len, needle, at);
                let mut meter = Meter::new(Limits::default(), crate::gc::current_or_detached());
                let found = find_in_blocks(&mut meter, &t, needle, SCAN).ok().flatten();
                assert_eq!(found, Some(at), "{needle:?} at {at}");
                let read = (at + needle.len()) as u64;
                let (least, most) = (
                    fuel_for(SCAN, 0, read),
                    2 * fuel_for(SCAN, 0, read + needle.len() as u64)
                        + fuel_for(SCAN, 0, (FIRST_BLOCK + needle.len()) as u64),
                );
                assert!(
                    (least..=most).contains(&meter.fuel_used),
                    "find {needle:?} at {at}: {} not in {least}..={most}",
                    meter.fuel_used
                );
                // Backwards: the bytes from the match to the end.
                let mut meter = Meter::new(Limits::default(), crate::gc::current_or_detached());
                let found = rfind_in_blocks(&mut meter, &t, needle, SCAN).ok().flatten();
                assert_eq!(found, Some(at), "rfind {needle:?} at {at}");
                let read = (len - at) as u64;
                let (least, most) = (
                    fuel_for(SCAN, 0, read),
                    2 * fuel_for(SCAN, 0, read + needle.len() as u64)
                        + fuel_for(SCAN, 0, (FIRST_BLOCK + needle.len()) as u64),
                );
                assert!(
                    (least..=most).contains(&meter.fuel_used),
                    "rfind {needle:?} at {at}: {} not in {least}..={most}",
                    meter.fuel_used
                );
            }
        }
    }

    /// A needle across every block boundary is found (the blocks overlap
    /// by its length less one), and one that is absent costs the whole text.
    #[test]
    fn matches_across_block_edges_are_found() {
        let needle = b"0123456789";
        let mut edge = 0;
        let mut size = FIRST_BLOCK;
        let mut edges = Vec::new();
        for _ in 0..12 {
            edge += size;
            size = (size * 2).min(crate::cost::MAX_BLOCK);
            edges.push(edge);
        }
        for &e in &edges {
            for back in 1..needle.len() {
                let t = text_with(edge + 100, needle, e - back);
                let mut meter = Meter::new(Limits::default(), crate::gc::current_or_detached());
                assert_eq!(
                    find_in_blocks(&mut meter, &t, needle, SCAN).ok().flatten(),
                    Some(e - back)
                );
                let mut meter = Meter::new(Limits::default(), crate::gc::current_or_detached());
                assert_eq!(
                    rfind_in_blocks(&mut meter, &t, needle, SCAN).ok().flatten(),
                    Some(e - back)
                );
                let from_end = t.len() - e + back;
                let t = text_with(from_end + edge, needle, from_end - back);
                let mut meter = Meter::new(Limits::default(), crate::gc::current_or_detached());
                assert_eq!(
                    rfind_in_blocks(&mut meter, &t, needle, SCAN).ok().flatten(),
                    Some(from_end - back)
                );
            }
        }
        let t = text_with(1 << 20, b"x", 0);
        let mut meter = Meter::new(Limits::default(), crate::gc::current_or_detached());
        assert_eq!(find_in_blocks(&mut meter, &t, b"needle", SCAN).ok().flatten(), None);
        assert!(meter.fuel_used >= fuel_for(SCAN, 0, 1 << 20));
        assert!(meter.fuel_used <= fuel_for(SCAN, 0, (1 << 20) + 64));
    }

    /// Under a small fuel limit, a search over a large text ends with the
    /// fuel error having read no more than the limit paid for.
    #[test]
    fn the_charge_comes_before_the_block() {
        let t = text_with(8 << 20, b"Z", (8 << 20) - 1);
        let mut meter = Meter::new(
            Limits { fuel: 1_000, ..Limits::default() },
            crate::gc::current_or_detached(),
        );
        assert!(find_in_blocks(&mut meter, &t, b"Z", SCAN).is_err());
        assert!(meter.fuel_used <= 1_001, "{}", meter.fuel_used);
    }
}
