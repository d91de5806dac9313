//! `repr` of a str (CPython's quoting and escapes) and `ascii()`'s escaping.

/// Python's `repr` of a str.
pub fn repr_str(s: &str) -> String {
    let mut out = String::with_capacity(repr_len(s));
    repr_str_into(s, &mut out);
    out
}

/// The quote `repr` puts around `s`: `"` only when `s` holds `'` and no `"`.
fn repr_quote(s: &str) -> char {
    if s.contains('\'') && !s.contains('"') { '"' } else { '\'' }
}

/// The most bytes `repr` writes for one byte of a string: `\x00` for a
/// one-byte character; a wider character's escape (`\u0100`, `\U0001f600`)
/// is at most three times its UTF-8 bytes. [`repr_len`] is at most this
/// times the string's bytes plus the two quotes.
pub const REPR_ESCAPE_MAX: usize = 4;

/// The bytes `repr(s)` takes, measured before it is written so that the
/// writer can hold it to the string cap and the budget first (escapes make
/// it up to four times the text's own size).
pub fn repr_len(s: &str) -> usize {
    let quote = repr_quote(s);
    let q = quote as u8;
    // Runs of bytes copied as they are counted whole (a character at a
    // time, this measure took longer than the writing: issue #77).
    let (mut n, mut rest) = (2usize, s);
    while !rest.is_empty() {
        let plain = plain_run(rest.as_bytes(), q);
        n = n.saturating_add(plain);
        let mut chars = rest[plain..].chars();
        let Some(c) = chars.next() else { break };
        n = n.saturating_add(escape_width(c, quote));
        rest = chars.as_str();
    }
    n
}

/// The bytes one character takes in `repr` (the cases of [`repr_str_into`]).
fn escape_width(c: char, quote: char) -> usize {
    match c {
        '\\' | '\n' | '\r' | '\t' => 2,
        c if c == quote => 2,
        c if (c as u32) < 0x20 || c as u32 == 0x7f => 4,
        c if !is_printable(c) => match c as u32 {
            0..=0xff => 4,
            0x100..=0xffff => 6,
            _ => 10,
        },
        c => c.len_utf8(),
    }
}

/// Writes Python's `repr` of `s` at the end of `out`.
pub fn repr_str_into(s: &str, out: &mut String) {
    let quote = repr_quote(s);
    out.push(quote);
    escaped_into(s, quote, out);
    out.push(quote);
}

/// The first `n` characters of `repr(s)`, read from at most `n` characters
/// of `s` (a long `re.Pattern`'s repr shows no more).
pub fn repr_str_head(s: &str, n: usize) -> String {
    let quote = repr_quote(s);
    let end = s.char_indices().nth(n).map_or(s.len(), |(i, _)| i);
    let mut out = String::new();
    out.push(quote);
    escaped_into(&s[..end], quote, &mut out);
    out.push(quote);
    out.chars().take(n).collect()
}

/// The characters of `s` as `repr` writes them between `quote`s.
fn escaped_into(s: &str, quote: char, out: &mut String) {
    // Runs of printable ASCII but `\\` and the quote are copied whole; only
    // the rest is looked at a character at a time.
    let q = quote as u8;
    let mut rest = s;
    while !rest.is_empty() {
        let plain = plain_run(rest.as_bytes(), q);
        let (run, tail) = rest.split_at(plain);
        out.push_str(run);
        // An ASCII byte is its character: no decoding.
        if let Some(&b) = tail.as_bytes().first()
            && b.is_ascii()
        {
            rest = &tail[1..];
            match b {
                b'\\' => out.push_str("\\\\"),
                b'\n' => out.push_str("\\n"),
                b'\r' => out.push_str("\\r"),
                b'\t' => out.push_str("\\t"),
                b if b == q => {
                    out.push('\\');
                    out.push(char::from(b));
                }
                b if b < 0x20 || b == 0x7f => push_hex_escape(out, char::from(b)),
                b => out.push(char::from(b)),
            }
            continue;
        }
        let mut chars = tail.chars();
        let Some(c) = chars.next() else { break };
        rest = chars.as_str();
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => push_hex_escape(out, c),
            c if !is_printable(c) => push_hex_escape(out, c),
            c => out.push(c),
        }
    }
}

/// How many bytes at the start of `bytes` `repr` copies as they are: eight
/// bytes tested at a time by word arithmetic, the byte that stops the run
/// found among its eight (a byte at a time, the scans of a plain text took
/// most of `repr`'s 3 ns a byte, and a 16-byte mask built per escape most
/// of an escape's 36 ns: issue #77).
#[inline]
fn plain_run(bytes: &[u8], q: u8) -> usize {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    // Text dense with escapes stops at once.
    if bytes.first().is_some_and(|&b| !is_plain(b, q)) {
        return 0;
    }
    let zero = |v: u64| v.wrapping_sub(LO) & !v & HI;
    let (slash, quote) = (LO * u64::from(b'\\'), LO * u64::from(q));
    let mut i = 0;
    while let Some(w) = bytes[i..].first_chunk::<8>() {
        let x = u64::from_le_bytes(*w);
        // A byte below 0x20, one from 0x7f up (a carry comes only from a
        // byte that has its high bit set), a backslash, the quote.
        let below = x.wrapping_sub(LO * 0x20) & !x & HI;
        let above = (x.wrapping_add(LO) | x) & HI;
        if below | above | zero(x ^ slash) | zero(x ^ quote) != 0 {
            break;
        }
        i += 8;
    }
    i + bytes[i..].iter().position(|&b| !is_plain(b, q)).unwrap_or(bytes.len() - i)
}

/// Whether `repr` copies the byte `b` as it is (printable ASCII but `\\`
/// and the quote `q`).
#[inline]
fn is_plain(b: u8, q: u8) -> bool {
    (0x20..0x7f).contains(&b) && b != b'\\' && b != q
}

/// `\xhh` for each byte value, four bytes each: the escapes of the
/// characters below 0x100, copied from here (made per escape with
/// `format!`, then checked as UTF-8 per escape, they were most of `repr`'s
/// time over NUL-heavy text: issue #77).
const X_ESCAPES: &str = {
    const fn table() -> [u8; 1024] {
        let hex = b"0123456789abcdef";
        let mut t = [0u8; 1024];
        let mut n = 0;
        while n < 256 {
            t[4 * n] = b'\\';
            t[4 * n + 1] = b'x';
            t[4 * n + 2] = hex[n >> 4];
            t[4 * n + 3] = hex[n & 0xf];
            n += 1;
        }
        t
    }
    const TABLE: [u8; 1024] = table();
    match std::str::from_utf8(&TABLE) {
        Ok(s) => s,
        Err(_) => panic!("the escapes are ASCII"),
    }
};

/// Writes `c` as `\xhh`, `\uhhhh` or `\Uhhhhhhhh` (the shortest that holds
/// it).
fn push_hex_escape(out: &mut String, c: char) {
    let n = c as u32 as usize;
    if n < 256 {
        out.push_str(&X_ESCAPES[4 * n..4 * n + 4]);
        return;
    }
    let (tag, digits) = if n <= 0xffff { ('u', 4) } else { ('U', 8) };
    out.push('\\');
    out.push(tag);
    for i in (0..digits).rev() {
        let d = ((n >> (4 * i)) & 0xf) as u32;
        out.push(char::from_digit(d, 16).unwrap_or('0'));
    }
}

/// Writes `repr(s)` at the end of `out`, charged as it proceeds
/// ([`crate::cost::ESCAPE`]): each block's bytes, and each of its bytes
/// that is not copied as it is (a character looked at alone, most of them
/// written as an escape up to ten bytes long), before the block is written.
/// The caller holds the whole text to the string cap and the budget first.
/// A string's repr alone (a message quoting it), held to the cap and the
/// budget before it is written, and charged per escape.
pub(crate) fn repr_str_alone(meter: &mut crate::meter::Meter, s: &str) -> crate::fault::R<String> {
    let needed = repr_len(s);
    if needed > meter.limits.max_str_len {
        meter.check_str_len(needed)?;
    }
    meter.check_text_growth(needed)?;
    let mut out = String::with_capacity(needed);
    repr_str_charged(meter, s, &mut out)?;
    Ok(out)
}

/// A string's repr written into the repr walk: the text is held to the cap
/// and the budget before it grows by the escaped form, at most
/// [`REPR_ESCAPE_MAX`] bytes a byte and the quotes (measured exactly only
/// when that bound could fail a check: else the measure is a second scan
/// for nothing).
pub(crate) fn repr_str_walk<W: crate::types::protocol::ReprWalk>(
    s: &crate::value::Str,
    walk: &mut W,
) -> crate::fault::R<()> {
    let (meter, out) = walk.meter_and_out();
    let text = s.as_str();
    let bound =
        out.len().saturating_add(text.len().saturating_mul(REPR_ESCAPE_MAX)).saturating_add(2);
    if !meter.text_within_unchecked(bound, out.capacity()) {
        let needed = out.len().saturating_add(repr_len(text));
        if needed > meter.limits.max_str_len {
            meter.check_str_len(needed)?;
        }
        meter.check_text_growth(needed)?;
    }
    repr_str_charged(meter, text, out)
}

pub(crate) fn repr_str_charged(
    meter: &mut crate::meter::Meter,
    s: &str,
    out: &mut String,
) -> crate::fault::R<()> {
    let quote = repr_quote(s);
    let q = quote as u8;
    out.push(quote);
    let mut blocks = crate::cost::Blocks::new();
    let mut rest = s;
    while !rest.is_empty() {
        let (block, tail) = rest.split_at(char_block_end(rest, blocks.next_len()));
        let looked = block.bytes().filter(|&b| !is_plain(b, q)).count();
        meter.charge_work(crate::cost::ESCAPE, looked, block.len())?;
        escaped_into(block, quote, out);
        rest = tail;
    }
    out.push(quote);
    Ok(())
}

/// The end of a block of about `len` bytes at the start of `s`, on a
/// character boundary.
fn char_block_end(s: &str, len: usize) -> usize {
    let mut end = len.min(s.len());
    while !s.is_char_boundary(end) {
        end += 1;
    }
    end
}

/// `str.isprintable`, which decides what `repr` escapes.
fn is_printable(c: char) -> bool {
    crate::unicode::is_printable(c)
}

/// `ascii()`'s escaping of a repr already written: each non-ASCII
/// character as `\x`, `\u` or `\U` and its code. Charged as it proceeds
/// ([`crate::cost::ESCAPE`], each non-ASCII byte as a byte looked at), and
/// its result held to the string cap and the budget before it is written:
/// it is at most three times the text's bytes (`\u0130` for the two bytes of
/// `İ`), measured exactly only when that bound could fail a check.
pub(crate) fn ascii_escape(
    meter: &mut crate::meter::Meter,
    text: String,
) -> crate::fault::R<String> {
    if text.is_ascii() {
        meter.charge_work(crate::cost::SCAN, 0, text.len())?;
        return Ok(text);
    }
    let s = text.as_str();
    let bound = s.len().saturating_mul(3);
    let mut out = String::new();
    if !meter.text_within_unchecked(bound, 0) {
        let needed: usize = s.chars().map(ascii_width).fold(0, usize::saturating_add);
        meter.charge_work(crate::cost::ESCAPE, 0, s.len())?;
        if needed > meter.limits.max_str_len {
            meter.check_str_len(needed)?;
        }
        meter.check_text_exact(needed)?;
        out.reserve_exact(needed);
    }
    let mut blocks = crate::cost::Blocks::new();
    let mut rest = s;
    while !rest.is_empty() {
        let (block, tail) = rest.split_at(char_block_end(rest, blocks.next_len()));
        let wide = block.bytes().filter(|b| !b.is_ascii()).count();
        meter.charge_work(crate::cost::ESCAPE, wide, block.len())?;
        let mut run = block;
        while !run.is_empty() {
            let plain = run.bytes().position(|b| !b.is_ascii()).unwrap_or(run.len());
            out.push_str(&run[..plain]);
            let mut chars = run[plain..].chars();
            if let Some(c) = chars.next() {
                push_hex_escape(&mut out, c);
            }
            run = chars.as_str();
        }
        rest = tail;
    }
    Ok(out)
}

/// The bytes `ascii()` writes for `c`.
fn ascii_width(c: char) -> usize {
    match c as u32 {
        0..=0x7f => 1,
        0x80..=0xff => 4,
        0x100..=0xffff => 6,
        _ => 10,
    }
}
