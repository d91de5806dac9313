//! Code-point <-> byte offset index over a UTF-8 buffer, so that slicing by code point is fast.
//!
//! The buffer is cut into fixed blocks of [`BLOCK_BYTES`] bytes; for each block we store how many
//! code points start before it. Converting a code-point position to a byte offset is a binary search
//! over those counts plus a short scan inside one block; the reverse is a division plus a scan.
//! A buffer that is pure ASCII needs no index at all (positions are byte offsets).
//! The index costs 8 bytes per 4 KiB (0.2% of the text).

/// Size of an index block in bytes.
pub const BLOCK_BYTES: usize = 4096;

/// True when `byte` starts a code point (is not a UTF-8 continuation byte).
#[inline]
pub fn is_char_start(byte: u8) -> bool {
    // Continuation bytes are 0b10xx_xxxx, i.e. -64..=-65 as i8 is below -64.
    (byte as i8) >= -64
}

/// Counts the code points that start in `bytes` (the number of non-continuation bytes).
#[inline]
pub fn count_char_starts(bytes: &[u8]) -> usize {
    // Chunks of 32 with a u8 accumulator let the compiler use wide SIMD compares and adds.
    let mut total = 0usize;
    let mut chunks = bytes.chunks_exact(32);
    for chunk in &mut chunks {
        let mut in_chunk = 0u8;
        for &b in chunk {
            in_chunk += u8::from(is_char_start(b));
        }
        total += usize::from(in_chunk);
    }
    total + chunks.remainder().iter().filter(|&&b| is_char_start(b)).count()
}

/// Byte offset in `bytes` of the code point with index `nth` (0-based) counted from the start of
/// `bytes`, or `bytes.len()` when `bytes` holds exactly `nth` code points. Leading continuation
/// bytes (when `bytes` starts inside a code point) are not counted.
#[inline]
pub fn nth_char_start(bytes: &[u8], mut nth: usize) -> usize {
    let mut offset = 0usize;
    // Skip whole 32-byte chunks while the target lies beyond them.
    while offset + 32 <= bytes.len() {
        let here = count_char_starts(&bytes[offset..offset + 32]);
        if here > nth {
            break;
        }
        nth -= here;
        offset += 32;
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

/// Builds a [`CharIndex`] from bytes fed in order, in pieces of any size.
#[derive(Debug, Default)]
pub struct CharIndexBuilder {
    position: usize,
    chars: u64,
    block_chars: Vec<u64>,
}

impl CharIndexBuilder {
    /// Feeds the next piece of the buffer.
    pub fn push(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            if self.position % BLOCK_BYTES == 0 {
                self.block_chars.push(self.chars);
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
        CharIndex {
            // An all-ASCII buffer needs no blocks: positions are byte offsets.
            block_chars: if ascii { Vec::new() } else { self.block_chars },
            total_chars: self.chars,
            total_bytes: self.position,
        }
    }
}

/// Maps code-point positions to byte offsets and back for one buffer.
#[derive(Debug, Clone)]
pub struct CharIndex {
    block_chars: Vec<u64>,
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
        self.block_chars.capacity() * std::mem::size_of::<u64>()
    }

    /// Byte offset of code point `char_pos` (`char_pos == total_chars` gives the buffer length).
    /// `bytes` must be the buffer this index was built from; `char_pos` is clamped to the end.
    pub fn char_to_byte(&self, bytes: &[u8], char_pos: u64) -> usize {
        if char_pos >= self.total_chars {
            return self.total_bytes;
        }
        if self.is_ascii() {
            return char_pos as usize;
        }
        // Last block whose starting count is <= char_pos; the target starts inside that block.
        let block = self.block_chars.partition_point(|&c| c <= char_pos).saturating_sub(1);
        let start = block * BLOCK_BYTES;
        let skip = (char_pos - self.block_chars[block]) as usize;
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
        self.block_chars[block] + count_char_starts(&bytes[start..byte_pos]) as u64
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
            assert_eq!(built.total_chars, whole.total_chars);
        }
    }

    #[test]
    fn counts_char_starts() {
        assert_eq!(count_char_starts("a日😀é".as_bytes()), 4);
        assert_eq!(nth_char_start("a日😀é".as_bytes(), 2), 4);
        assert_eq!(nth_char_start("a日😀é".as_bytes(), 4), 10);
    }
}
