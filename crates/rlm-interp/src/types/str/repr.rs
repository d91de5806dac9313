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
    s.chars().map(|c| escape_width(c, quote)).fold(2, usize::saturating_add)
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
        let plain = rest
            .bytes()
            .position(|b| !(0x20..0x7f).contains(&b) || b == b'\\' || b == q)
            .unwrap_or(rest.len());
        let (run, tail) = rest.split_at(plain);
        out.push_str(run);
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
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if !is_printable(c) => {
                let n = c as u32;
                if n <= 0xff {
                    out.push_str(&format!("\\x{n:02x}"));
                } else if n <= 0xffff {
                    out.push_str(&format!("\\u{n:04x}"));
                } else {
                    out.push_str(&format!("\\U{n:08x}"));
                }
            }
            c => out.push(c),
        }
    }
}

/// `str.isprintable`, which decides what `repr` escapes.
fn is_printable(c: char) -> bool {
    crate::unicode::is_printable(c)
}

pub fn ascii_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let n = c as u32;
        if n < 128 {
            out.push(c);
        } else if n <= 0xff {
            out.push_str(&format!("\\x{n:02x}"));
        } else if n <= 0xffff {
            out.push_str(&format!("\\u{n:04x}"));
        } else {
            out.push_str(&format!("\\U{n:08x}"));
        }
    }
    out
}
