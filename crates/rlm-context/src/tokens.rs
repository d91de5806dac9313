//! Token counts: exact counts with real BPE tables (tiktoken-rs `cl100k_base`, `o200k_base`),
//! loaded lazily once per process and shared, and the workspace's one estimate
//! ([`rlm_types::estimate_tokens`]) for when no exact count is needed.

use std::sync::OnceLock;

use serde::Serialize;
use tiktoken_rs::CoreBPE;

use crate::error::{ContextError, Result};

/// Texts longer than this are encoded in segments, cut where the split cannot change the
/// tokenization, so memory stays bounded.
const SEGMENT_BYTES: usize = 1 << 20;

/// A tokenizer encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    /// GPT-4 / GPT-3.5 family.
    Cl100kBase,
    /// GPT-4o, GPT-4.1, GPT-5 and o-series models.
    #[default]
    O200kBase,
}

impl Encoding {
    /// The encoding's usual name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Cl100kBase => "cl100k_base",
            Self::O200kBase => "o200k_base",
        }
    }

    /// Parses `cl100k_base` / `o200k_base`.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "cl100k_base" => Some(Self::Cl100kBase),
            "o200k_base" => Some(Self::O200kBase),
            _ => None,
        }
    }

    /// The BPE tables, built on first use (that takes a few hundred milliseconds) and shared by
    /// every thread afterwards.
    pub fn bpe(self) -> Result<&'static CoreBPE> {
        static CL100K: OnceLock<Result<CoreBPE, String>> = OnceLock::new();
        static O200K: OnceLock<Result<CoreBPE, String>> = OnceLock::new();
        let (cell, build): (_, fn() -> Result<CoreBPE, String>) = match self {
            Self::Cl100kBase => (&CL100K, || tiktoken_rs::cl100k_base().map_err(|e| e.to_string())),
            Self::O200kBase => (&O200K, || tiktoken_rs::o200k_base().map_err(|e| e.to_string())),
        };
        cell.get_or_init(build).as_ref().map_err(|message| ContextError::Tokenizer {
            encoding: self.name(),
            message: message.clone(),
        })
    }

    /// Exact token count of `text` (special-token text such as `<|endoftext|>` counts as plain
    /// text, never as a control token).
    pub fn count(self, text: &str) -> Result<u64> {
        let bpe = self.bpe()?;
        let mut total = 0u64;
        for segment in segments(text, SEGMENT_BYTES) {
            total += bpe.encode_ordinary(segment).len() as u64;
        }
        Ok(total)
    }

    /// Tokens of `text` (ordinary encoding).
    pub fn encode(self, text: &str) -> Result<Vec<u32>> {
        Ok(self.bpe()?.encode_ordinary(text))
    }

    /// The UTF-8 bytes the given tokens stand for.
    pub fn decode_bytes(self, tokens: &[u32]) -> Result<Vec<u8>> {
        self.bpe()?.decode_bytes(tokens).map_err(|error| ContextError::Tokenizer {
            encoding: self.name(),
            message: error.to_string(),
        })
    }
}

/// Splits `text` into pieces of about `segment_bytes` (at most) at points where tiktoken's pre-tokenizer
/// always starts a new piece: right after a newline that is followed by a visible ASCII character
/// (no piece of either encoding's pattern extends past a newline into a following non-space).
/// So the sum of the segments' counts equals the count of the whole text. If a segment has no such
/// point it is cut at a code-point boundary (the count may then differ by a token).
fn segments(text: &str, segment_bytes: usize) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        if rest.len() <= segment_bytes {
            return Some(std::mem::take(&mut rest));
        }
        let bytes = rest.as_bytes();
        let mut cut = None;
        let mut search_end = segment_bytes;
        while let Some(newline) = memchr::memrchr(b'\n', &bytes[segment_bytes / 2..search_end]) {
            let at = segment_bytes / 2 + newline;
            if bytes.get(at + 1).is_some_and(u8::is_ascii_graphic) {
                cut = Some(at + 1);
                break;
            }
            search_end = at;
        }
        let cut = cut.unwrap_or_else(|| {
            let mut at = segment_bytes;
            while !rest.is_char_boundary(at) {
                at -= 1;
            }
            at
        });
        let (head, tail) = rest.split_at(cut);
        rest = tail;
        Some(head)
    })
}

impl crate::view::TextView {
    /// Exact token count of this view's text.
    pub fn count_tokens(&self, encoding: Encoding) -> Result<u64> {
        encoding.count(self.as_str())
    }

    /// Token estimate of this view's text (see [`estimate_tokens`]).
    pub fn estimate_tokens(&self) -> u64 {
        rlm_types::estimate_tokens_for_chars(self.len_chars())
    }
}

pub use rlm_types::estimate_tokens;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segmenting_does_not_change_counts() {
        let line =
            "The quick brown fox jumps over the lazy dog, 12345 times!\n  indented\n\n日本語 ok\n";
        let text = line.repeat(400);
        let bpe = Encoding::Cl100kBase.bpe().unwrap();
        let whole = bpe.encode_ordinary(&text).len();
        let pieces: Vec<&str> = segments(&text, 1000).collect();
        assert!(pieces.len() > 20);
        assert!(pieces.iter().all(|p| p.len() <= 1000));
        assert_eq!(pieces.concat(), text);
        let summed: usize = pieces.iter().map(|p| bpe.encode_ordinary(p).len()).sum();
        assert_eq!(summed, whole);
    }

    #[test]
    fn estimate_is_in_the_right_range_for_english() {
        let english = "Recursive language models keep the context outside the model window. ";
        let exact = Encoding::Cl100kBase.count(english).unwrap();
        let estimate = estimate_tokens(english);
        assert!(estimate * 10 >= exact * 6 && estimate * 10 <= exact * 16, "{estimate} vs {exact}");
    }
}
