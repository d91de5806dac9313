//! A field's padding: a fill character written `n` times, fast.

/// Appends `fill` `n` times: an ASCII fill as one `memset`-like repeat, any
/// other a block of copies of its UTF-8 bytes pushed whole (a character at a
/// time took a nanosecond or more each: a 200 000-wide field, 0.2 ms).
pub(crate) fn push_fill(out: &mut String, fill: char, n: usize) {
    if n < 16 {
        if fill.is_ascii() {
            // One copy of a short run, not a push a character.
            let run = [fill as u8; 16];
            out.push_str(std::str::from_utf8(&run[..n]).unwrap_or_default());
        } else {
            out.extend(std::iter::repeat_n(fill, n));
        }
        return;
    }
    let mut buf = [0u8; 4];
    let unit: &str = fill.encode_utf8(&mut buf);
    let block = unit.repeat(n.min(1024));
    let mut left = n;
    while left >= 1024 {
        out.push_str(&block);
        left -= 1024;
    }
    out.push_str(&block[..left * unit.len()]);
}
