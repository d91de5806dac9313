//! From a seed value to the twister's key, as CPython 3.11's
//! `Random.seed(a, version)` makes it: an int's absolute value in 32-bit
//! words, low word first; a str's UTF-8 bytes followed by their SHA-512
//! read as one big-endian number (version 2) or hashed by the old
//! character loop (version 1); any other value by its `hash()`.

use sha2::{Digest, Sha512};

use crate::callbacks::Callbacks;
use crate::fault::{R, type_err, value_err};
use crate::modules::random::twister::Twister;
use crate::value::*;

/// The twister seeded by `a` (not `None`) under `version`.
pub(crate) fn seeded<C: Callbacks + ?Sized>(cx: &mut C, a: &Value, version: i64) -> R<Twister> {
    let key = match a {
        Value::Str(s) if version == 1 => words_of_u64(version_one(s.as_str())),
        Value::Str(s) if version == 2 => return Ok(str_seeded(s.as_str().as_bytes())),
        Value::Int(i) => words_of_u64(i.unsigned_abs()),
        Value::Bool(AlignedBool(b)) => words_of_u64(u64::from(*b)),
        Value::Native(n) if n.as_int().is_some() => {
            words_of_u64(n.as_int().unwrap_or(0).unsigned_abs())
        }
        Value::Float(_) | Value::Str(_) => {
            // CPython hashes what is neither an int nor (under version 2)
            // a str, and reads the hash as an unsigned machine word.
            let h = cx.call_value(&Value::Builtin(hash_builtin()), vec![a.clone()], Vec::new())?;
            match h {
                Value::Int(h) => words_of_u64(h as u64),
                _ => return value_err("hash() did not return an int"),
            }
        }
        _ => {
            return type_err(
                "The only supported seed types are: None,\nint, float, str, bytes, and bytearray.",
            );
        }
    };
    Ok(Twister::from_key(&key))
}

/// The builtin `hash`.
fn hash_builtin() -> std::rc::Rc<BuiltinFn> {
    std::rc::Rc::new(BuiltinFn { module: "", name: smol_str::SmolStr::new_static("hash") })
}

/// A number's 32-bit words, low first, as many as its bits need (one for 0).
fn words_of_u64(n: u64) -> Vec<u32> {
    if n >> 32 == 0 { vec![n as u32] } else { vec![n as u32, (n >> 32) as u32] }
}

/// Version 2's twister for a str: its bytes and their SHA-512 read as one
/// big-endian number, whose 32-bit words from the low end (leading zero
/// words dropped) are the key, each read off the bytes where it lies.
fn str_seeded(bytes: &[u8]) -> Twister {
    let digest = Sha512::digest(bytes);
    let total = bytes.len() + digest.len();
    // Byte `i` of the number counted from its low end.
    let byte = |i: usize| -> u32 {
        let at = total - 1 - i;
        u32::from(if at < bytes.len() { bytes[at] } else { digest[at - bytes.len()] })
    };
    let word = |j: usize| -> u32 {
        (0..4).filter(|b| 4 * j + b < total).fold(0, |w, b| w | byte(4 * j + b) << (8 * b))
    };
    let mut len = total.div_ceil(4);
    while len > 1 && word(len - 1) == 0 {
        len -= 1;
    }
    Twister::from_words(len, word)
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
    use super::{str_seeded, version_one, words_of_u64};
    use crate::modules::random::twister::Twister;

    #[test]
    fn an_int_seed_is_its_words_low_first() {
        assert_eq!(words_of_u64(0), [0]);
        assert_eq!(words_of_u64(5), [5]);
        assert_eq!(words_of_u64(1 << 32 | 7), [7, 1]);
        assert_eq!(version_one(""), 0);
    }

    /// The words read off the bytes are those of the number the bytes and
    /// their digest make (written out here the slow way).
    #[test]
    fn a_str_seed_reads_the_words_of_its_bytes_and_digest() {
        use sha2::{Digest, Sha512};
        for text in [&b""[..], b"a", b"hello", b"\x00\x00\x00\x00\x00abc"] {
            let mut all = text.to_vec();
            all.extend_from_slice(&Sha512::digest(text));
            let mut words: Vec<u32> = all
                .rchunks(4)
                .map(|c| c.iter().fold(0u32, |w, &b| w << 8 | u32::from(b)))
                .collect();
            while words.len() > 1 && words.last() == Some(&0) {
                words.pop();
            }
            let (mut ours, mut slow) = (str_seeded(text), Twister::from_key(&words));
            assert!((0..700).all(|_| ours.next_u32() == slow.next_u32()), "{text:?}");
        }
    }
}
