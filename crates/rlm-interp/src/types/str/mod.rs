//! `str`: an immutable string with Python's code-point semantics (ASCII fast
//! path, a sampled char-to-byte index for large non-ASCII text, short text
//! inline, zero-copy views of external buffers), and its operators: `+`, `*`,
//! `%`, `in`, indexing and slicing. Methods are in `methods.rs` and
//! `split.rs` (those a call site runs directly in `fast.rs`), `repr` in
//! `repr.rs`, the storage in `storage.rs`.

pub(crate) mod case;
mod chars;
pub(crate) mod fast;
pub(crate) mod methods;
pub(crate) mod repr;
pub(crate) mod search;
pub(crate) mod split;
pub(crate) mod storage;
mod tabs;

use compact_str::CompactString;

use crate::args::as_int;
use crate::cost::SCAN;
use crate::fault::{R, exc, type_err};
use crate::meter::Meter;

use crate::types::slice::{norm_index, slice_indices};
pub(crate) use crate::unicode::py_isspace;
use crate::value::*;
pub(crate) use chars::count_chars;
pub(crate) use storage::{WeakStr, ascii_char};

impl storage::Parts<'_> {
    /// Bytes `a..b` (on char boundaries) as [`Str::byte_substr`] makes them,
    /// as a value.
    #[inline]
    pub(crate) fn part(&self, a: usize, b: usize) -> Value {
        Value::Str(self.part_str(a, b))
    }
}

/// `s + b` (and the error for a non-str `b`).
pub(crate) fn str_add(meter: &mut Meter, x: &Str, a: &Value, b: &Value) -> R<Value> {
    let Value::Str(y) = b else {
        return type_err(format!("can only concatenate str (not \"{}\") to str", b.type_name()));
    };
    if x.byte_len() == 0 {
        return Ok(b.clone());
    }
    if y.byte_len() == 0 {
        return Ok(a.clone());
    }
    str_iadd(meter, x, y)
}

/// `s += b`, and `s + b` once neither is empty: always a new string
/// (Python does the same).
pub(crate) fn str_iadd(meter: &mut Meter, x: &Str, y: &Str) -> R<Value> {
    let n = x.byte_len() + y.byte_len();
    meter.check_str_len(n)?;
    // Built where it will stay: inline when short (no heap buffer to
    // allocate, copy and free; made from the left text, which is one
    // append fewer than from an empty string), else one exact allocation.
    let mut s = if n <= storage::INLINE {
        CompactString::new(x.as_str())
    } else {
        let mut s = CompactString::with_capacity(n);
        s.push_str(x.as_str());
        s
    };
    s.push_str(y.as_str());
    let (char_len, ascii) = (x.char_len() + y.char_len(), x.is_ascii() && y.is_ascii());
    Ok(Value::Str(Str::joined(s, char_len, ascii)))
}

/// `s * n` (`n` is an int or bool).
pub(crate) fn str_repeat(meter: &mut Meter, s: &Str, n: &Value) -> R<Value> {
    let n = as_int(n).unwrap_or(0).max(0) as usize;
    let total = s.byte_len().saturating_mul(n);
    meter.check_str_len(total)?;
    // `str::repeat` doubles its buffer log2(n) times even when empty.
    if total == 0 {
        return Ok(Value::str(String::new()));
    }
    Ok(Value::str(s.as_str().repeat(n)))
}

/// `item in s`.
/// Two strings in code-point order (UTF-8's byte order), charged for the
/// bytes the comparison may read.
#[inline]
pub(crate) fn str_order(meter: &mut Meter, x: &Str, y: &Str) -> R<std::cmp::Ordering> {
    meter.fuel((x.byte_len().min(y.byte_len()) / 64) as u64)?;
    Ok(x.as_str().cmp(y.as_str()))
}

pub(crate) fn str_contains(meter: &mut Meter, s: &Str, item: &Value) -> R<bool> {
    match item {
        Value::Str(t) => str_in_str(meter, t, s),
        _ => type_err(format!(
            "'in <string>' requires string as left operand, not {}",
            item.type_name()
        )),
    }
}

/// `needle in hay` for two strings, charged as it reads, up to the first
/// occurrence.
#[inline]
pub(crate) fn str_in_str(meter: &mut Meter, needle: &Str, hay: &Str) -> R<bool> {
    search::contains_in_blocks(meter, hay.as_str().as_bytes(), needle.as_str().as_bytes(), SCAN)
}

/// [`str_in_str`] for a caller holding the fuel (the plain loop): whether
/// `needle` occurs in `hay` and the units [`str_in_str`] charges for it,
/// when a short text's search charges at most `budget`; `None`, nothing
/// done, else (see `search::contains_prepaid`).
#[inline(always)]
pub(crate) fn str_in_str_prepaid(needle: &Str, hay: &Str, budget: u64) -> Option<(bool, u64)> {
    search::contains_prepaid(hay.as_str().as_bytes(), needle, SCAN, budget)
}

/// `s[i]` and `s[a:b:c]` (a step of 1 is a view, not a copy).
pub(crate) fn str_getitem(meter: &mut Meter, s: &Str, idx: &Value) -> R<Value> {
    if let Value::Slice(sl) = idx {
        let (start, _stop, step, n) = slice_indices(s.char_len(), sl)?;
        if step == 1 {
            let a = start as usize;
            return Ok(Value::Str(s.substr(a, a + n)));
        }
        meter.check_str_len(n)?;
        let mut out = String::with_capacity(n);
        let mut i = start;
        if s.is_ascii() {
            let b = s.as_str().as_bytes();
            for _ in 0..n {
                out.push(b[i as usize] as char);
                i += step;
            }
        } else {
            let chars: Vec<char> = s.as_str().chars().collect();
            for _ in 0..n {
                out.push(chars[i as usize]);
                i += step;
            }
        }
        return Ok(Value::str(out));
    }
    let Some(i) = as_int(idx) else {
        return type_err(format!("string indices must be integers, not '{}'", idx.type_name()));
    };
    match norm_index(i, s.char_len()) {
        Some(i) => Ok(Value::Str(s.substr(i, i + 1))),
        None => exc(ExcKind::IndexError, "string index out of range"),
    }
}

#[cfg(test)]
mod tests {
    use super::chars::advance_chars;
    use super::{Str, count_chars};

    /// `advance_chars` lands where `char_indices` says for every start and
    /// a range of counts (across word and step boundaries, past the end);
    /// `count_chars` counts what `chars().count()` counts from every byte
    /// boundary.
    #[test]
    fn advance_chars_matches_char_indices() {
        let pieces = ["a", "é", "—", "𝄞", "plain ascii words ", "x", "ü"];
        let mut k = 7usize;
        for len in [0usize, 1, 3, 9, 40, 700, 3000] {
            let mut text = String::new();
            while text.chars().count() < len {
                k = k.wrapping_mul(31).wrapping_add(11) % 1009;
                text.push_str(pieces[k % pieces.len()]);
                text.push_str(&"b".repeat(k % 37));
            }
            let mut starts: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
            starts.push(text.len());
            let bytes = text.as_bytes();
            for (ci, &b0) in starts.iter().enumerate().step_by(5) {
                for n in [0usize, 1, 2, 7, 8, 9, 16, 17, 255, 256, 1000, 100_000] {
                    let want = starts.get(ci + n).copied().unwrap_or(text.len());
                    assert_eq!(advance_chars(bytes, b0, n), want, "{n} after {ci} of {len}");
                }
            }
            for &b in &starts {
                assert_eq!(
                    count_chars(&bytes[b..]),
                    text[b..].chars().count(),
                    "from {b} of {len}"
                );
            }
        }
    }

    /// `byte_of_char` (the index and `advance_chars`) agrees with
    /// `char_indices` at every position, on text mixing ASCII runs of every
    /// length with 2-, 3- and 4-byte code points, short (walked) and long
    /// (indexed).
    #[test]
    fn byte_of_char_matches_char_indices() {
        let pieces = ["a", "é", "—", "𝄞", "plain ascii words ", "x"];
        for len in [3usize, 40, 700, 5000] {
            let mut text = String::new();
            let mut k = 7usize;
            while text.chars().count() < len {
                k = k.wrapping_mul(31).wrapping_add(11) % 1009;
                text.push_str(pieces[k % pieces.len()]);
                text.push_str(&"b".repeat(k % 300));
            }
            let s = Str::new(text.as_str());
            let mut expected: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
            expected.push(text.len());
            for (ci, &b) in expected.iter().enumerate() {
                assert_eq!(s.byte_of_char(ci), b, "code point {ci} of {len}");
                assert_eq!(s.char_of_byte(b), ci, "byte {b} of {len}");
            }
            // In a scrambled order too: backwards, far jumps and short steps
            // from the last position converted, each way.
            let n = expected.len();
            let mut k = 1usize;
            for _ in 0..2 * n {
                k = (k * 7919 + 13) % n;
                assert_eq!(s.byte_of_char(k), expected[k], "code point {k} of {len}");
                let j = (k + k % 300).min(n - 1);
                assert_eq!(s.char_of_byte(expected[j]), j, "byte {} of {len}", expected[j]);
                s.remember_position(k, expected[k]);
                let j = (k + 3).min(n - 1);
                assert_eq!(s.byte_of_char(j), expected[j], "code point {j} of {len}");
            }
        }
    }
}
