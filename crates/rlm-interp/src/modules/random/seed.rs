//! From a seed value to the twister's key, as CPython 3.11's
//! `Random.seed(a, version)` makes it: an int's absolute value in 32-bit
//! words, low word first; a str's UTF-8 bytes followed by their SHA-512
//! read as one big-endian number (version 2) or hashed by the old
//! character loop (version 1); any other value by its `hash()`.

use sha2::{Digest, Sha512};

use crate::callbacks::Callbacks;
use crate::fault::{R, type_err, value_err};
use crate::modules::function::function;
use crate::value::*;

/// The key words of seed `a` (not `None`) under `version`.
pub(crate) fn key_of<C: Callbacks + ?Sized>(cx: &mut C, a: &Value, version: i64) -> R<Vec<u32>> {
    match a {
        Value::Str(s) if version == 1 => Ok(words_of_u64(version_one(s.as_str()))),
        Value::Str(s) if version == 2 => Ok(str_key(s.as_str().as_bytes())),
        Value::Int(i) => Ok(words_of_u64(i.unsigned_abs())),
        Value::Bool(b) => Ok(words_of_u64(u64::from(*b))),
        Value::Native(n) if n.as_int().is_some() => {
            Ok(words_of_u64(n.as_int().unwrap_or(0).unsigned_abs()))
        }
        Value::Float(_) | Value::Str(_) => {
            // CPython hashes what is neither an int nor (under version 2)
            // a str, and reads the hash as an unsigned machine word.
            let h = cx.call_value(&function("", "hash"), vec![a.clone()], Vec::new())?;
            match h {
                Value::Int(h) => Ok(words_of_u64(h as u64)),
                _ => value_err("hash() did not return an int"),
            }
        }
        _ => type_err(
            "The only supported seed types are: None,\nint, float, str, bytes, and bytearray.",
        ),
    }
}

/// A number's 32-bit words, low first, as many as its bits need (one for 0).
fn words_of_u64(n: u64) -> Vec<u32> {
    if n >> 32 == 0 { vec![n as u32] } else { vec![n as u32, (n >> 32) as u32] }
}

/// Version 2's key of a str: its bytes and their SHA-512, one big-endian
/// number, in 32-bit words from its low end, leading zero words dropped.
fn str_key(bytes: &[u8]) -> Vec<u32> {
    let mut all = bytes.to_vec();
    all.extend_from_slice(&Sha512::digest(bytes));
    let mut words: Vec<u32> =
        all.rchunks(4).map(|c| c.iter().fold(0u32, |w, &b| w << 8 | u32::from(b))).collect();
    while words.len() > 1 && words.last() == Some(&0) {
        words.pop();
    }
    words
}

/// Version 1's number for a str: CPython 2's string hash loop over its
/// code points, 64 bits wide.
fn version_one(s: &str) -> u64 {
    let mut x: u64 = s.chars().next().map_or(0, |c| u64::from(c as u32) << 7);
    for c in s.chars() {
        x = x.wrapping_mul(1_000_003) ^ u64::from(c as u32);
    }
    x ^ s.chars().count() as u64
}

#[cfg(test)]
mod tests {
    use super::{str_key, version_one, words_of_u64};

    #[test]
    fn an_int_seed_is_its_words_low_first() {
        assert_eq!(words_of_u64(0), [0]);
        assert_eq!(words_of_u64(5), [5]);
        assert_eq!(words_of_u64(1 << 32 | 7), [7, 1]);
    }

    #[test]
    fn a_str_seed_is_its_bytes_and_their_digest_low_word_first() {
        // The digest's last four bytes are the number's low word.
        let words = str_key(b"");
        assert_eq!(words.len(), 16);
        assert_eq!(words[0], 0xf927_da3e);
        assert_eq!(version_one(""), 0);
    }
}
