//! The metadata the root model sees instead of the context: size in characters and tokens,
//! document count and length distribution, a short preview and a content hash. Compact and
//! stable (same context, same text), so prompts are reproducible and cacheable.

use serde::Serialize;

use crate::context::Context;
use crate::tokens::Encoding;
use rlm_types::estimate_tokens_for_chars;

/// What to compute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataOptions {
    /// Encoding used for the token count.
    pub encoding: Encoding,
    /// Texts up to this many bytes get an exact token count; larger ones an estimate. Default
    /// 0: always the estimate, because an exact count needs the encoding's BPE tables, whose
    /// one-time set-up (~150 ms for o200k) would be most of a small run's time, and exact BPE runs
    /// at tens of MB/s, too slow for multi-GB contexts. Ask for exact counts when they matter.
    pub exact_tokens_max_bytes: usize,
    /// Code points of preview.
    pub preview_chars: u64,
    /// Documents listed by name and length.
    pub listed_documents: usize,
}

impl Default for MetadataOptions {
    fn default() -> Self {
        Self {
            encoding: Encoding::O200kBase,
            exact_tokens_max_bytes: 0,
            preview_chars: 200,
            listed_documents: 10,
        }
    }
}

/// A token count and whether it is exact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenCount {
    /// The encoding counted with.
    pub encoding: &'static str,
    /// The count.
    pub count: u64,
    /// False when it is [`crate::estimate_tokens`]' estimate.
    pub exact: bool,
}

/// Distribution of document lengths in code points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LengthStats {
    /// Shortest document.
    pub min: u64,
    /// Median (lower median for an even count).
    pub median: u64,
    /// Mean, rounded down.
    pub mean: u64,
    /// Longest document.
    pub max: u64,
}

/// One listed document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentSummary {
    /// Its index.
    pub index: usize,
    /// Its name (or path), if any.
    pub name: Option<String>,
    /// Its length in code points.
    pub chars: u64,
}

/// The context's metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContextMetadata {
    /// How the context was built (`string`, `document_list`, `file`, `directory`, `stream`).
    pub context_type: &'static str,
    /// Where it was loaded from, if anywhere.
    pub source: Option<String>,
    /// Length in code points.
    pub total_chars: u64,
    /// Length in UTF-8 bytes.
    pub total_bytes: u64,
    /// Token count.
    pub tokens: TokenCount,
    /// Number of documents.
    pub num_documents: usize,
    /// Length distribution, when there are documents.
    pub document_lengths: Option<LengthStats>,
    /// The first documents, by name and length.
    pub documents: Vec<DocumentSummary>,
    /// Documents not listed.
    pub more_documents: usize,
    /// The first code points of the text.
    pub preview: String,
    /// True when the preview is shorter than the text.
    pub preview_truncated: bool,
    /// `blake3:` and the first 16 hex digits of the BLAKE3 hash of the text's bytes.
    pub content_hash: String,
}

impl ContextMetadata {
    /// Computes the metadata of `context`.
    pub fn compute(context: &Context, options: &MetadataOptions) -> Self {
        let text = context.as_str();
        let exact = if text.len() <= options.exact_tokens_max_bytes {
            options.encoding.count(text).ok()
        } else {
            None
        };
        let tokens = TokenCount {
            encoding: options.encoding.name(),
            // The index knows the length: the estimate costs nothing.
            count: exact.unwrap_or_else(|| estimate_tokens_for_chars(context.len_chars())),
            exact: exact.is_some(),
        };
        let mut lengths = context.document_lengths();
        let document_lengths = (!lengths.is_empty()).then(|| {
            lengths.sort_unstable();
            let total: u64 = lengths.iter().sum();
            LengthStats {
                min: lengths[0],
                median: lengths[(lengths.len() - 1) / 2],
                mean: total / lengths.len() as u64,
                max: lengths[lengths.len() - 1],
            }
        });
        let documents = context
            .documents()
            .iter()
            .take(options.listed_documents)
            .enumerate()
            .map(|(index, info)| DocumentSummary {
                index,
                name: info
                    .name
                    .clone()
                    .or_else(|| info.path.as_ref().map(|p| p.display().to_string())),
                chars: info.len_chars(),
            })
            .collect::<Vec<_>>();
        let preview = context.peek(options.preview_chars);
        let hash = blake3::hash(text.as_bytes()).to_hex();
        Self {
            context_type: context.kind().as_str(),
            source: context.source().map(str::to_string),
            total_chars: context.len_chars(),
            total_bytes: text.len() as u64,
            tokens,
            num_documents: context.num_documents(),
            document_lengths,
            more_documents: context.num_documents() - documents.len(),
            documents,
            preview_truncated: preview.len_chars() < context.len_chars(),
            preview: preview.to_string(),
            content_hash: format!("blake3:{}", &hash.as_str()[..16]),
        }
    }

    /// The metadata as the few lines shown in the root prompt.
    pub fn render(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        let approx = if self.tokens.exact { "" } else { "~" };
        let _ = write!(
            out,
            "context: {}{}, {} chars, {}{} tokens ({}), {} bytes, {} document{}",
            self.context_type,
            self.source.as_deref().map(|s| format!(" from {s}")).unwrap_or_default(),
            group_digits(self.total_chars),
            approx,
            group_digits(self.tokens.count),
            self.tokens.encoding,
            group_digits(self.total_bytes),
            group_digits(self.num_documents as u64),
            if self.num_documents == 1 { "" } else { "s" },
        );
        if let Some(stats) = self.document_lengths.as_ref().filter(|_| self.num_documents > 1) {
            let _ = write!(
                out,
                "\ndocument lengths (chars): min {}, median {}, mean {}, max {}",
                group_digits(stats.min),
                group_digits(stats.median),
                group_digits(stats.mean),
                group_digits(stats.max)
            );
        }
        if self.num_documents > 1 || self.documents.iter().any(|d| d.name.is_some()) {
            out.push_str("\ndocuments:");
            for document in &self.documents {
                let _ = write!(
                    out,
                    " [{}] {}{} chars;",
                    document.index,
                    document.name.as_deref().map(|n| format!("{n} ")).unwrap_or_default(),
                    group_digits(document.chars)
                );
            }
            if self.more_documents > 0 {
                let _ = write!(out, " ... and {} more", group_digits(self.more_documents as u64));
            }
        }
        let _ = write!(out, "\ncontent hash: {}", self.content_hash);
        let _ = write!(
            out,
            "\npreview{}: {}",
            if self.preview_truncated {
                format!(" (first {} chars)", self.preview.chars().count())
            } else {
                String::new()
            },
            python_repr(&self.preview)
        );
        out
    }
}

/// `text` written as Python's `repr` writes a `str` (the model reads Python): single quotes
/// unless the text has a single quote and no double quote, `\n`/`\t`/`\r`/`\\` escapes, `\xNN`,
/// `\uNNNN` or `\UNNNNNNNN` for non-printable code points, everything else as is.
pub fn python_repr(text: &str) -> String {
    use std::fmt::Write as _;
    let quote = if text.contains('\'') && !text.contains('"') { '"' } else { '\'' };
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if is_printable(c) => out.push(c),
            c if (c as u32) < 0x100 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if (c as u32) < 0x10000 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08x}", c as u32);
            }
        }
    }
    out.push(quote);
    out
}

/// An approximation of Python's `str.isprintable` per code point: controls, separators other
/// than the ASCII space, surrogates, private use and unassigned formatting characters are not.
fn is_printable(c: char) -> bool {
    let code = c as u32;
    !(c.is_control()
        || (c.is_whitespace() && c != ' ')
        || matches!(code, 0xad | 0x200b..=0x200f | 0x2028..=0x202e | 0x2060..=0x206f | 0xfeff)
        || matches!(code, 0xe000..=0xf8ff | 0xf0000..=0x10ffff | 0xfff9..=0xfffb))
}

/// `1234567` -> `1,234,567`.
fn group_digits(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn reprs_like_python() {
        use super::python_repr;
        assert_eq!(python_repr("a'b"), "\"a'b\"");
        assert_eq!(python_repr("a'b\""), "'a\\'b\"'");
        assert_eq!(python_repr("x\n\t\\ é 日 😀 e\u{301}"), "'x\\n\\t\\\\ é 日 😀 e\u{301}'");
        assert_eq!(
            python_repr("\u{0}\u{7f}\u{85}\u{200b}\u{2028}"),
            "'\\x00\\x7f\\x85\\u200b\\u2028'"
        );
    }

    #[test]
    fn groups_digits() {
        assert_eq!(super::group_digits(0), "0");
        assert_eq!(super::group_digits(999), "999");
        assert_eq!(super::group_digits(1000), "1,000");
        assert_eq!(super::group_digits(1234567), "1,234,567");
    }
}
