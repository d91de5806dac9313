//! Code-point <-> byte offset index over a UTF-8 buffer, so that slicing by code point is fast.
//!
//! Two levels of fixed byte blocks: for every superblock of [`SUPERBLOCK_BYTES`] we store how many
//! code points start before it (u64), and for every block of [`BLOCK_BYTES`] how many start
//! between its superblock's start and its own start (u16). Converting a code-point position to a
//! byte offset is two short binary searches plus a scan of at most one block (a few dozen word
//! operations); the reverse is two lookups plus the same scan. The index costs 2 bytes per
//! 256 bytes of text (0.8%); a buffer that is pure ASCII needs none (positions are byte offsets).

/// Size of an index block in bytes (the most bytes a lookup scans).
pub const BLOCK_BYTES: usize = 256;
/// Size of an index superblock in bytes (its block counts fit in a u16).
pub const SUPERBLOCK_BYTES: usize = 1 << 16;
const BLOCKS_PER_SUPERBLOCK: usize = SUPERBLOCK_BYTES / BLOCK_BYTES;

/// True when `byte` starts a code point (is not a UTF-8 continuation byte `0b10xx_xxxx`).
#[inline]
pub fn is_char_start(byte: u8) -> bool {
    (byte as i8) >= -64
}

/// Counts the code points that start in `bytes` (the number of non-continuation bytes).
#[inline]
pub fn count_char_starts(bytes: &[u8]) -> usize {
    // Chunks of 64 with a u8 accumulator let the compiler use wide SIMD compares and adds.
    let mut total = 0usize;
    let mut chunks = bytes.chunks_exact(64);
    for chunk in &mut chunks {
        let mut in_chunk = 0u8;
        for &b in chunk {
            in_chunk += u8::from(is_char_start(b));
        }
        total += usize::from(in_chunk);
    }
    total + chunks.remainder().iter().filter(|&&b| is_char_start(b)).count()
}

/// Number of code-point starts among the 8 bytes of `word`.
#[inline]
fn word_char_starts(word: u64) -> u32 {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const ONES: u64 = 0x0101_0101_0101_0101;
    // A continuation byte has bit 7 set and bit 6 clear; `>> 7` leaves 1 in each such byte, and
    // the multiply sums the eight bytes into the top byte (no popcount instruction needed).
    let continuation = (word & HIGH & !(word << 1)) >> 7;
    8 - (continuation.wrapping_mul(ONES) >> 56) as u32
}

/// Byte offset in `bytes` of the code point with index `nth` (0-based) counted from the start of
/// `bytes`, or `bytes.len()` when `bytes` holds exactly `nth` code points. Leading continuation
/// bytes (when `bytes` starts inside a code point) are not counted.
#[inline]
pub fn nth_char_start(bytes: &[u8], mut nth: usize) -> usize {
    let mut offset = 0usize;
    // Skip 32 bytes at a time (vectorized count) while the target lies beyond them.
    while let Some(chunk) = bytes.get(offset..offset + 32) {
        let here = count_char_starts(chunk);
        if here > nth {
            break;
        }
        nth -= here;
        offset += 32;
    }
    // Then 8-byte words.
    while let Some(word) = bytes.get(offset..offset + 8) {
        let mut array = [0u8; 8];
        array.copy_from_slice(word);
        let here = word_char_starts(u64::from_le_bytes(array)) as usize;
        if here > nth {
            break;
        }
        nth -= here;
        offset += 8;
    }
    while offset < bytes.len() {
        if is_char_start(bytes[offset]) {
            if nth == 0 {
                return offset;
            }
            nth -= 1;
        }
        offset += 1;
    }
    bytes.len()
}

/// The last block in `blocks` (relative start counts, increasing, the first being 0) whose count
/// is <= `within`. Text density is nearly uniform inside a 64 KiB superblock, so an interpolated
/// guess followed by a short walk touches one or two cache lines, where a binary search over the
/// 512 bytes of counts would miss the cache at every probe.
#[inline]
fn find_block(blocks: &[u16], within: u64, superblock_total: u64) -> usize {
    let last = blocks.len().saturating_sub(1);
    let guess = (within * blocks.len() as u64)
        .checked_div(superblock_total)
        .map_or(0, |g| g as usize)
        .min(last);
    let mut block = guess;
    while block < last && u64::from(blocks[block + 1]) <= within {
        block += 1;
    }
    while block > 0 && u64::from(blocks[block]) > within {
        block -= 1;
    }
    block
}

/// The last superblock whose starting count is <= `char_pos` (counts increase, the first is 0).
/// Starts from an interpolated guess and gallops outwards, so that on text of even density the
/// answer is found in one or two probes of a table that can be megabytes long, and uneven text
/// costs at most about twice a binary search.
#[inline]
fn find_superblock(counts: &[u64], char_pos: u64, total_chars: u64) -> usize {
    let last = counts.len().saturating_sub(1);
    let guess = u128::from(char_pos) * counts.len() as u128 / u128::from(total_chars.max(1));
    let guess = (guess as usize).min(last);
    if counts[guess] <= char_pos {
        // Gallop right until a count exceeds char_pos, then search the bracket.
        let (mut low, mut step) = (guess, 1usize);
        while low + step <= last && counts[low + step] <= char_pos {
            low += step;
            step *= 2;
        }
        let high = (low + step).min(last + 1);
        low + counts[low..high].partition_point(|&c| c <= char_pos) - 1
    } else {
        // Gallop left until a count is <= char_pos (counts[0] == 0 guarantees one).
        let (mut high, mut step) = (guess, 1usize);
        while high >= step && counts[high - step] > char_pos {
            high -= step;
            step *= 2;
        }
        let low = high.saturating_sub(step);
        low + counts[low..high].partition_point(|&c| c <= char_pos) - 1
    }
}

/// Builds a [`CharIndex`] from bytes fed in order, in pieces of any size.
#[derive(Debug, Default)]
pub struct CharIndexBuilder {
    position: usize,
    chars: u64,
    superblock_chars: Vec<u64>,
    block_chars: Vec<u16>,
}

impl CharIndexBuilder {
    /// Feeds the next piece of the buffer.
    pub fn push(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            if self.position % BLOCK_BYTES == 0 {
                if self.position % SUPERBLOCK_BYTES == 0 {
                    self.superblock_chars.push(self.chars);
                }
                let base = self.superblock_chars.last().copied().unwrap_or(0);
                // At most SUPERBLOCK_BYTES - BLOCK_BYTES code points precede a block inside its
                // superblock, which fits in a u16.
                self.block_chars.push((self.chars - base) as u16);
            }
            let room = BLOCK_BYTES - self.position % BLOCK_BYTES;
            let take = room.min(bytes.len());
            self.chars += count_char_starts(&bytes[..take]) as u64;
            self.position += take;
            bytes = &bytes[take..];
        }
    }

    /// Finishes the index.
    pub fn finish(self) -> CharIndex {
        let ascii = self.chars == self.position as u64;
        let (mut superblock_chars, mut block_chars) = (self.superblock_chars, self.block_chars);
        if ascii {
            // An all-ASCII buffer needs no blocks: positions are byte offsets.
            superblock_chars = Vec::new();
            block_chars = Vec::new();
        }
        superblock_chars.shrink_to_fit();
        block_chars.shrink_to_fit();
        CharIndex {
            superblock_chars,
            block_chars,
            total_chars: self.chars,
            total_bytes: self.position,
        }
    }
}

/// Maps code-point positions to byte offsets and back for one buffer.
#[derive(Debug, Clone)]
pub struct CharIndex {
    superblock_chars: Vec<u64>,
    block_chars: Vec<u16>,
    total_chars: u64,
    total_bytes: usize,
}

impl CharIndex {
    /// Indexes a whole buffer at once.
    pub fn build(bytes: &[u8]) -> Self {
        let mut builder = CharIndexBuilder::default();
        builder.push(bytes);
        builder.finish()
    }

    /// Number of code points in the buffer.
    pub fn total_chars(&self) -> u64 {
        self.total_chars
    }

    /// Number of bytes the index covers.
    pub fn total_bytes(&self) -> usize {
        self.total_bytes
    }

    /// True when every code point is one byte.
    pub fn is_ascii(&self) -> bool {
        self.total_chars == self.total_bytes as u64
    }

    /// Heap bytes held by the index.
    pub fn heap_bytes(&self) -> usize {
        self.superblock_chars.capacity() * std::mem::size_of::<u64>()
            + self.block_chars.capacity() * std::mem::size_of::<u16>()
    }

    /// Byte offset of code point `char_pos` (`char_pos >= total_chars` gives the buffer length).
    /// `bytes` must be the buffer this index was built from.
    pub fn char_to_byte(&self, bytes: &[u8], char_pos: u64) -> usize {
        if char_pos >= self.total_chars {
            return self.total_bytes;
        }
        if self.is_ascii() {
            return char_pos as usize;
        }
        // Last superblock, then last block in it, whose starting count is <= char_pos: the target
        // starts inside that block (counts strictly increase: every block starts >= 64 chars).
        let superblock = find_superblock(&self.superblock_chars, char_pos, self.total_chars);
        let within = char_pos - self.superblock_chars[superblock];
        let first_block = superblock * BLOCKS_PER_SUPERBLOCK;
        let last_block = (first_block + BLOCKS_PER_SUPERBLOCK).min(self.block_chars.len());
        let blocks = &self.block_chars[first_block..last_block];
        let superblock_total =
            self.superblock_chars.get(superblock + 1).map_or(self.total_chars, |&next| next)
                - self.superblock_chars[superblock];
        let block = find_block(blocks, within, superblock_total);
        let skip = (within - u64::from(blocks[block])) as usize;
        let start = (first_block + block) * BLOCK_BYTES;
        // Leading continuation bytes of the block belong to a code point counted before it and are
        // not counted by the scan.
        start + nth_char_start(&bytes[start..], skip)
    }

    /// Code-point position of byte offset `byte_pos`, which must lie on a code-point boundary
    /// (or at the end). Offsets past the end are clamped.
    pub fn byte_to_char(&self, bytes: &[u8], byte_pos: usize) -> u64 {
        if byte_pos >= self.total_bytes {
            return self.total_chars;
        }
        if self.is_ascii() {
            return byte_pos as u64;
        }
        let block = byte_pos / BLOCK_BYTES;
        let start = block * BLOCK_BYTES;
        self.superblock_chars[byte_pos / SUPERBLOCK_BYTES]
            + u64::from(self.block_chars[block])
            + count_char_starts(&bytes[start..byte_pos]) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) {
        let index = CharIndex::build(text.as_bytes());
        let starts: Vec<usize> =
            text.char_indices().map(|(b, _)| b).chain(std::iter::once(text.len())).collect();
        assert_eq!(index.total_chars() as usize, starts.len() - 1);
        for (c, &b) in starts.iter().enumerate() {
            assert_eq!(index.char_to_byte(text.as_bytes(), c as u64), b, "char {c}");
            assert_eq!(index.byte_to_char(text.as_bytes(), b), c as u64, "byte {b}");
        }
    }

    #[test]
    fn maps_every_position_across_block_boundaries() {
        check("");
        check("plain ascii text");
        // Multi-byte characters straddling many 4 KiB block boundaries, at every alignment.
        let mixed: String = (0..6000).map(|i| ["a", "é", "日", "😀", "e\u{301}"][i % 5]).collect();
        check(&mixed);
        check(&"日本語".repeat(5000));
        check(&"😀".repeat(3000));
        // Many superblocks, and ASCII runs between multi-byte characters.
        let long: String = (0..200_000).map(|i| if i % 97 == 0 { "ж" } else { "ab" }).collect();
        check(&long);
        // Density changing sharply inside superblocks (the block search interpolates).
        let skewed = format!(
            "{}{}{}{}",
            "a".repeat(40_000),
            "😀".repeat(10_000),
            "b".repeat(70_000),
            "é".repeat(30_000)
        );
        check(&skewed);
    }

    #[test]
    fn pieces_of_any_size_build_the_same_index() {
        let text: String = (0..20_000).map(|i| ["x", "ß", "中", "🦀"][i % 4]).collect();
        let whole = CharIndex::build(text.as_bytes());
        for piece in [1usize, 3, 1000, 4096, 5000] {
            let mut builder = CharIndexBuilder::default();
            for part in text.as_bytes().chunks(piece) {
                builder.push(part);
            }
            let built = builder.finish();
            assert_eq!(built.block_chars, whole.block_chars, "piece {piece}");
            assert_eq!(built.superblock_chars, whole.superblock_chars, "piece {piece}");
            assert_eq!(built.total_chars, whole.total_chars);
        }
    }

    #[test]
    fn finds_superblocks_from_any_guess() {
        // Uneven spacing so that interpolated guesses land both left and right of the answer.
        let counts: Vec<u64> =
            (0..500u64).map(|i| i * i + if i > 250 { 10_000 } else { 0 }).collect();
        let total = counts[counts.len() - 1] + 100;
        for char_pos in (0..total).step_by(7).chain([total - 1]) {
            let want = counts.partition_point(|&c| c <= char_pos) - 1;
            assert_eq!(find_superblock(&counts, char_pos, total), want, "char {char_pos}");
        }
        assert_eq!(find_superblock(&[0], 5, 10), 0);
    }

    #[test]
    fn counts_char_starts() {
        assert_eq!(count_char_starts("a日😀é".as_bytes()), 4);
        assert_eq!(nth_char_start("a日😀é".as_bytes(), 2), 4);
        assert_eq!(nth_char_start("a日😀é".as_bytes(), 4), 10);
        let long = "日本語😀abc".repeat(10);
        for nth in 0..=long.chars().count() {
            let want = long.char_indices().nth(nth).map_or(long.len(), |(b, _)| b);
            assert_eq!(nth_char_start(long.as_bytes(), nth), want, "nth {nth}");
        }
        for word in ["abcdefgh", "日本語😀"] {
            let mut array = [0u8; 8];
            array.copy_from_slice(&word.as_bytes()[..8]);
            let want = count_char_starts(&array) as u32;
            assert_eq!(word_char_starts(u64::from_le_bytes(array)), want);
        }
    }
}
