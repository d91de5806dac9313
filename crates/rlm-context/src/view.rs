//! Zero-copy views: a `TextView` is a code-point range of the shared buffer, cheap to clone.

use std::ops::Range;
use std::sync::Arc;

use crate::buffer::Buffer;
use crate::error::{ContextError, Result};

/// Slices up to this many code points find their end by scanning forward from their start.
const SHORT_SLICE_CHARS: u64 = 256;

/// Resolves Python slice bounds `[start:end]` (step 1) against a length, the way `str` does:
/// negative indices count from the end, and everything is clamped into `0..=len`.
pub fn python_slice_bounds(start: Option<i64>, end: Option<i64>, len: u64) -> (u64, u64) {
    let len_i = i64::try_from(len).unwrap_or(i64::MAX);
    let resolve = |index: i64| -> u64 {
        let absolute = if index < 0 { index.saturating_add(len_i) } else { index };
        absolute.clamp(0, len_i) as u64
    };
    let start = start.map_or(0, resolve);
    let end = end.map_or(len, resolve);
    (start, end.max(start))
}

/// A code-point range of a context's text. Cloning copies two ranges and bumps a reference count;
/// the text is never copied until the caller asks for a `String` (`to_string()`).
#[derive(Clone)]
pub struct TextView {
    buffer: Arc<Buffer>,
    bytes: Range<usize>,
    chars: Range<u64>,
}

impl std::fmt::Debug for TextView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const SHOWN: usize = 60;
        let text = self.as_str();
        let shown: String = text.chars().take(SHOWN).collect();
        f.debug_struct("TextView")
            .field("chars", &self.chars)
            .field("text", &shown)
            .field("truncated", &(shown.len() < text.len()))
            .finish()
    }
}

impl std::fmt::Display for TextView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq for TextView {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for TextView {}

impl PartialEq<str> for TextView {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for TextView {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl TextView {
    /// The whole buffer as a view.
    pub(crate) fn whole(buffer: Arc<Buffer>) -> Self {
        let bytes = 0..buffer.bytes().len();
        let chars = 0..buffer.index().total_chars();
        Self { buffer, bytes, chars }
    }

    pub(crate) fn buffer(&self) -> &Arc<Buffer> {
        &self.buffer
    }

    /// The text of this view, borrowed from the shared buffer.
    pub fn as_str(&self) -> &str {
        // Ranges always lie on code-point boundaries, so this slice cannot fail; `get` keeps it
        // panic-free all the same.
        self.buffer.text().get(self.bytes.clone()).unwrap_or_default()
    }

    /// The view's bytes (UTF-8).
    pub fn as_bytes(&self) -> &[u8] {
        self.as_str().as_bytes()
    }

    /// Length in code points (what Python's `len` returns).
    pub fn len_chars(&self) -> u64 {
        self.chars.end - self.chars.start
    }

    /// Length in UTF-8 bytes.
    pub fn len_bytes(&self) -> usize {
        self.bytes.end - self.bytes.start
    }

    /// True when the view holds no text.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// True when every code point of the whole underlying buffer is ASCII.
    pub fn is_ascii_buffer(&self) -> bool {
        self.buffer.index().is_ascii()
    }

    /// This view's code-point range within the whole buffer (not within a parent view).
    pub fn buffer_char_range(&self) -> Range<u64> {
        self.chars.clone()
    }

    /// This view's byte range within the whole buffer.
    pub fn buffer_byte_range(&self) -> Range<usize> {
        self.bytes.clone()
    }

    /// True when both views share one buffer (so no text was copied between them).
    pub fn shares_buffer_with(&self, other: &TextView) -> bool {
        Arc::ptr_eq(&self.buffer, &other.buffer)
    }

    /// Byte offset within this view of the code point at `char_pos` within this view (clamped).
    pub fn char_to_byte(&self, char_pos: u64) -> usize {
        let absolute = self.chars.start + char_pos.min(self.len_chars());
        self.buffer.index().char_to_byte(self.buffer.bytes(), absolute) - self.bytes.start
    }

    /// Code-point position within this view of byte offset `byte_pos` (clamped; must lie on a
    /// code-point boundary).
    pub fn byte_to_char(&self, byte_pos: usize) -> u64 {
        let absolute = self.bytes.start + byte_pos.min(self.len_bytes());
        self.buffer.index().byte_to_char(self.buffer.bytes(), absolute) - self.chars.start
    }

    /// Sub-view by code-point positions relative to this view, with `start <= end <= len_chars()`
    /// already resolved. Zero-copy.
    pub(crate) fn sub(&self, start: u64, end: u64) -> TextView {
        let len = self.len_chars();
        let (start, end) = (start.min(len), end.min(len).max(start.min(len)));
        let byte_start = self.char_to_byte(start);
        let byte_end = if end == start {
            byte_start
        } else if end - start <= SHORT_SLICE_CHARS {
            // A short slice: scanning forward from its start is cheaper than a second lookup.
            let rest = &self.as_bytes()[byte_start..];
            byte_start + crate::index::nth_char_start(rest, (end - start) as usize)
        } else {
            self.char_to_byte(end)
        };
        TextView {
            buffer: Arc::clone(&self.buffer),
            bytes: self.bytes.start + byte_start..self.bytes.start + byte_end,
            chars: self.chars.start + start..self.chars.start + end,
        }
    }

    /// Sub-view from byte offsets relative to this view that lie on code-point boundaries, with the
    /// code-point positions already known. Used by search and chunking, which know both.
    pub(crate) fn sub_known(&self, bytes: Range<usize>, chars: Range<u64>) -> TextView {
        TextView {
            buffer: Arc::clone(&self.buffer),
            bytes: self.bytes.start + bytes.start..self.bytes.start + bytes.end,
            chars: self.chars.start + chars.start..self.chars.start + chars.end,
        }
    }

    /// `self[start:end]` with Python's semantics: negative indices count from the end, out-of-range
    /// bounds are clamped, `start >= end` gives an empty view. Never fails. Zero-copy.
    pub fn slice(&self, start: Option<i64>, end: Option<i64>) -> TextView {
        let (start, end) = python_slice_bounds(start, end, self.len_chars());
        self.sub(start, end)
    }

    /// `self[start:end]` for non-negative positions that must satisfy `start <= end <= len_chars()`;
    /// anything else is an [`ContextError::OutOfRange`] error instead of being clamped.
    pub fn slice_checked(&self, start: u64, end: u64) -> Result<TextView> {
        let len = self.len_chars();
        if end > len {
            return Err(ContextError::OutOfRange {
                what: "slice end",
                index: i64::try_from(end).unwrap_or(i64::MAX),
                valid: format!("0..={len}"),
            });
        }
        if start > end {
            return Err(ContextError::OutOfRange {
                what: "slice start",
                index: i64::try_from(start).unwrap_or(i64::MAX),
                valid: format!("0..={end} (start must not exceed end)"),
            });
        }
        Ok(self.sub(start, end))
    }

    /// The first `n` code points (`self[:n]`).
    pub fn peek(&self, n: u64) -> TextView {
        self.sub(0, n)
    }

    /// The last `n` code points (`self[len-n:]`; `tail(0)` is empty, unlike Python's `s[-0:]`).
    pub fn tail(&self, n: u64) -> TextView {
        let len = self.len_chars();
        self.sub(len.saturating_sub(n), len)
    }

    /// The code point at position `index` (negative counts from the end), like `s[i]`.
    pub fn char_at(&self, index: i64) -> Result<char> {
        let len = self.len_chars();
        let len_i = i64::try_from(len).unwrap_or(i64::MAX);
        let absolute = if index < 0 { index.saturating_add(len_i) } else { index };
        if absolute < 0 || absolute >= len_i {
            return Err(ContextError::OutOfRange {
                what: "string index",
                index,
                valid: format!("{}..{len}", -len_i),
            });
        }
        let view = self.sub(absolute as u64, absolute as u64 + 1);
        view.as_str().chars().next().ok_or(ContextError::OutOfRange {
            what: "string index",
            index,
            valid: format!("{}..{len}", -len_i),
        })
    }
}
