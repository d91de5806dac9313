//! Counting and finding code points in UTF-8 text a word at a time: what
//! `Str`'s char-to-byte index and its position conversions read with.

/// Every `INDEX_STEP` code points the index stores a byte offset, so that
/// indexing a large non-ASCII string costs at most `INDEX_STEP` steps.
pub(super) const INDEX_STEP: usize = 256;

/// The byte offset of every `INDEX_STEP`th code point of `s` (which has
/// `char_len` of them), found by [`advance_chars`]: a step of ASCII, the
/// common case in a model's context, is checked a word at a time and
/// skipped whole.
pub(super) fn char_index(s: &str, char_len: usize) -> Vec<usize> {
    let bytes = s.as_bytes();
    let mut idx = Vec::with_capacity(char_len / INDEX_STEP + 1);
    let mut b = 0;
    while b < bytes.len() {
        idx.push(b);
        b = advance_chars(bytes, b, INDEX_STEP);
    }
    idx
}

/// The byte offset `n` code points after byte `b` (a char boundary) of
/// `bytes` (UTF-8), or `bytes.len()` if the text ends first. ASCII runs,
/// the common case of a model's context, are skipped a word at a time
/// ([`ascii_prefix_len`]); a stretch of other text is read a word at a time
/// too, a word's code points being its bytes that are not continuation
/// bytes, so a step over CJK text costs about what a step over ASCII does.
pub(super) fn advance_chars(bytes: &[u8], mut b: usize, mut n: usize) -> usize {
    const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
    // The answer is the `n`th (0-based) code point start at or after `b`.
    loop {
        if n == 0 && bytes.get(b).is_none_or(|&c| is_char_start(c)) {
            return b.min(bytes.len());
        }
        // ASCII 64 bytes at a time, then blocks of 32 bytes (of any text)
        // passed whole while they hold at most `n` starts: a step of the
        // index over ASCII reads ~0.3 instructions a byte this way, where
        // the ASCII run below, a word at a time, read 1.2 (the 5 MB
        // context's index was 6 M instructions, issue #59).
        while n >= 64 {
            match bytes.get(b..).and_then(|t| t.first_chunk::<64>()) {
                Some(block) if is_ascii_block(block) => {
                    n -= 64;
                    b += 64;
                }
                _ => break,
            }
        }
        // A step of the index over ASCII ends here (it is 4 such blocks).
        if n == 0 && bytes.get(b).is_some_and(|&c| is_char_start(c)) {
            return b;
        }
        // (Not for a short step: a block holds more code points than it
        // has left, and the word loop below already passes dense text.)
        while n >= 32 {
            let Some(block) = bytes.get(b..).and_then(|t| t.first_chunk::<32>()) else { break };
            let k = char_starts_in_block(block);
            if k > n {
                break;
            }
            n -= k;
            b += 32;
        }
        // ASCII bytes are code points of their own: at most `n` of them.
        let window = &bytes[b..bytes.len().min(b.saturating_add(n))];
        let run = ascii_prefix_len(window);
        b += run;
        n -= run;
        // Words with other bytes, passed whole while they hold at most `n`
        // starts (wherever their last code point ends).
        let before = b;
        while let Some(word) = bytes.get(b..).and_then(|t| t.first_chunk::<8>()) {
            let w = u64::from_le_bytes(*word);
            if w & HIGH_BITS == 0 {
                break;
            }
            let k = char_starts_in_word(w);
            if k > n {
                break;
            }
            n -= k;
            b += 8;
        }
        if b == before {
            // Neither applies: one byte.
            let Some(&c) = bytes.get(b) else { return bytes.len() };
            if is_char_start(c) {
                if n == 0 {
                    return b;
                }
                n -= 1;
            }
            b += 1;
        }
    }
}

/// How many bytes at the start of `bytes` are ASCII, read 8 at a time.
fn ascii_prefix_len(bytes: &[u8]) -> usize {
    const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
    let mut words = bytes.chunks_exact(8);
    let mut done = 0;
    for word in &mut words {
        let mut eight = [0u8; 8];
        eight.copy_from_slice(word);
        let high = u64::from_le_bytes(eight) & HIGH_BITS;
        if high != 0 {
            // Little-endian: the lowest set bit is the first such byte's.
            return done + high.trailing_zeros() as usize / 8;
        }
        done += 8;
    }
    done + words.remainder().iter().take_while(|c| c.is_ascii()).count()
}

/// Whether a UTF-8 byte starts a code point (is not `0b10xx_xxxx`).
#[inline]
fn is_char_start(b: u8) -> bool {
    (b as i8) >= -0x40
}

/// Whether 64 bytes are all ASCII: their words or-ed together, one test
/// (the compiler keeps it in vector registers).
#[inline]
fn is_ascii_block(block: &[u8; 64]) -> bool {
    const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
    let mut any = 0u64;
    for i in 0..8 {
        let mut eight = [0u8; 8];
        eight.copy_from_slice(&block[i * 8..i * 8 + 8]);
        any |= u64::from_le_bytes(eight);
    }
    any & HIGH_BITS == 0
}

/// How many of a block's 32 bytes start a code point: all of them when no
/// byte has its top bit set (the common case, one test for the block), else
/// 32 less its continuation bytes, summed a byte per word and added up by
/// one multiplication (the target has no `popcnt` by default: `count_ones`
/// is a dozen instructions).
#[inline]
fn char_starts_in_block(block: &[u8; 32]) -> usize {
    const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
    const ONES: u64 = 0x0101_0101_0101_0101;
    let word = |i: usize| {
        let mut eight = [0u8; 8];
        eight.copy_from_slice(&block[i * 8..i * 8 + 8]);
        u64::from_le_bytes(eight)
    };
    let (a, b, c, d) = (word(0), word(1), word(2), word(3));
    if (a | b | c | d) & HIGH_BITS == 0 {
        return 32;
    }
    // A continuation byte has its top bit set and the next one clear: 1 in
    // its low bit here, so each byte of the sum is at most 4.
    let continuation = |w: u64| (w & !(w << 1) & HIGH_BITS) >> 7;
    let sum = continuation(a) + continuation(b) + continuation(c) + continuation(d);
    32 - (sum.wrapping_mul(ONES) >> 56) as usize
}

/// How many of a word's 8 bytes start a code point.
#[inline]
fn char_starts_in_word(w: u64) -> usize {
    const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
    // A continuation byte has its top bit set and the next one clear.
    let continuation = w & !(w << 1) & HIGH_BITS;
    8 - continuation.count_ones() as usize
}

/// The code points in `bytes` (whole UTF-8 text).
#[inline]
pub(crate) fn count_chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&c| is_char_start(c)).count()
}

#[cfg(test)]
mod char_index_tests {
    use super::{INDEX_STEP, advance_chars, char_index};

    /// `advance_chars` lands where `char_indices` says, from every other
    /// start and for every count, over ASCII, two-, three- and four-byte
    /// code points mixed in runs shorter and longer than its 32- and 64-byte
    /// blocks.
    #[test]
    fn advance_chars_over_blocks_matches_char_indices() {
        let mut text = String::new();
        for k in 0..20 {
            text.push_str(&"a".repeat((k * 37) % 150));
            text.push_str(&["é", "—", "😀", "ü"][k % 4].repeat(k % 11));
        }
        let starts: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
        for (i, &b) in starts.iter().enumerate().step_by(2) {
            for n in 0..(starts.len() - i + 2) {
                let want = starts.get(i + n).copied().unwrap_or(text.len());
                assert_eq!(advance_chars(text.as_bytes(), b, n), want, "{n} from byte {b}");
            }
        }
    }

    /// The index holds the byte offset of every `INDEX_STEP`th code point,
    /// as `char_indices` counts them, for ASCII runs longer and shorter than
    /// a step, multi-byte characters at and across step boundaries, and a
    /// partial last step.
    #[test]
    fn char_index_matches_char_indices() {
        let mut text = String::new();
        for k in 0..40 {
            text.push_str(&"a".repeat(INDEX_STEP * (k % 3) + k));
            text.push_str(["é", "—", "😀", "ü"][k % 4]);
        }
        for s in [text.as_str(), "", "é", &"x".repeat(INDEX_STEP * 3)] {
            let want: Vec<usize> = s.char_indices().step_by(INDEX_STEP).map(|(b, _)| b).collect();
            assert_eq!(char_index(s, s.chars().count()), want, "over {} bytes", s.len());
        }
    }
}
