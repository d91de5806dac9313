//! Rounding a byte offset to a UTF-8 character boundary, down or up, for the
//! crate's windows and chunk cuts. (`str::floor_char_boundary` is newer than
//! the workspace's MSRV.)

/// The largest char boundary at or below `at` (clamped to the text's length).
pub(crate) fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The smallest char boundary at or above `at` (clamped to the text's length).
pub(crate) fn ceil_char_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}
