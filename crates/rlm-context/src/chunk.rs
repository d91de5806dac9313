//! Chunking: fixed code-point windows with overlap, greedy chunks cut at line or paragraph
//! boundaries, chunks of a token budget, and groups of whole documents. Chunks are views.

use memchr::memmem;

use crate::boundary::{ceil_char_boundary, floor_char_boundary};
use crate::context::{Context, ContextLimits};
use crate::error::{ContextError, Result};
use crate::index::count_char_starts;
use crate::tokens::Encoding;
use crate::view::TextView;

/// One chunk of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// Code-point position where the chunk starts (within the chunked text).
    pub start: u64,
    /// Code-point position just past the chunk.
    pub end: u64,
    /// The chunk's text (a view).
    pub text: TextView,
}

/// A group of consecutive whole documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentChunk {
    /// Index of the first document in the group.
    pub start_document: usize,
    /// Index just past the last document in the group.
    pub end_document: usize,
    /// The documents, each a view.
    pub documents: Vec<TextView>,
    /// The span from the first document's start to the last one's end, separators included.
    pub text: TextView,
}

/// Where `chunk_at_boundaries` prefers to cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Boundary {
    /// After a newline.
    Line,
    /// After a blank line (falling back to a newline, then to a hard cut).
    Paragraph,
}

fn too_many(what: &'static str, count: u64, limits: &ContextLimits) -> Result<()> {
    if count > limits.max_chunks {
        return Err(ContextError::TooManyResults {
            what,
            count,
            cap: limits.max_chunks,
            hint: "use a larger chunk size",
        });
    }
    Ok(())
}

impl TextView {
    /// Fixed windows of `size` code points, consecutive windows sharing `overlap` code points
    /// (`ctx.chunk(size, overlap)`): starts are `0, size-overlap, ...` and the last chunk ends at
    /// the end of the text. Empty text gives no chunks.
    pub fn chunk(&self, size: u64, overlap: u64, limits: &ContextLimits) -> Result<Vec<Chunk>> {
        if size == 0 {
            return Err(ContextError::InvalidArgument("chunk size must be > 0".into()));
        }
        if overlap >= size {
            return Err(ContextError::InvalidArgument(format!(
                "overlap ({overlap}) must be smaller than the chunk size ({size})"
            )));
        }
        let len = self.len_chars();
        let step = size - overlap;
        let count = if len == 0 { 0 } else { 1 + len.saturating_sub(size).div_ceil(step) };
        too_many("chunk", count, limits)?;
        let mut chunks = Vec::with_capacity(count as usize);
        let mut start = 0u64;
        let mut start_byte = 0usize;
        while start < len {
            let end = start.saturating_add(size).min(len);
            let end_byte = self.char_to_byte(end);
            chunks.push(Chunk {
                start,
                end,
                text: self.sub_known(start_byte..end_byte, start..end),
            });
            if end >= len {
                break;
            }
            start = end - overlap;
            start_byte = if overlap == 0 { end_byte } else { self.char_to_byte(start) };
        }
        Ok(chunks)
    }

    /// Greedy chunks of at most `max_chars` code points, each cut just after the last `boundary`
    /// that fits (a hard cut only when none does). The chunks are contiguous: joined, they give
    /// back the text exactly.
    pub fn chunk_at_boundaries(
        &self,
        max_chars: u64,
        boundary: Boundary,
        limits: &ContextLimits,
    ) -> Result<Vec<Chunk>> {
        if max_chars == 0 {
            return Err(ContextError::InvalidArgument("max_chars must be > 0".into()));
        }
        let len = self.len_chars();
        too_many("chunk", len.div_ceil(max_chars), limits)?;
        let bytes = self.as_bytes();
        let mut chunks = Vec::new();
        let (mut start, mut start_byte) = (0u64, 0usize);
        while start < len {
            let (end, end_byte) = if len - start <= max_chars {
                (len, bytes.len())
            } else {
                let limit_byte = self.char_to_byte(start + max_chars);
                let window = &bytes[start_byte..limit_byte];
                let cut = match boundary {
                    Boundary::Paragraph => last_blank_line_end(window)
                        .or_else(|| memchr::memrchr(b'\n', window).map(|i| i + 1)),
                    Boundary::Line => memchr::memrchr(b'\n', window).map(|i| i + 1),
                };
                match cut {
                    Some(cut) => {
                        let end_byte = start_byte + cut;
                        (start + count_char_starts(&bytes[start_byte..end_byte]) as u64, end_byte)
                    }
                    None => (start + max_chars, limit_byte),
                }
            };
            chunks.push(Chunk {
                start,
                end,
                text: self.sub_known(start_byte..end_byte, start..end),
            });
            too_many("chunk", chunks.len() as u64, limits)?;
            (start, start_byte) = (end, end_byte);
        }
        Ok(chunks)
    }

    /// Chunks of at most `max_tokens` tokens of `encoding`, consecutive chunks sharing about
    /// `overlap_tokens` tokens. Cuts fall on token boundaries moved back to a code-point boundary.
    /// Tokens are counted in place, so re-encoding one chunk alone can differ by a token at its
    /// edges.
    pub fn chunk_tokens(
        &self,
        max_tokens: usize,
        overlap_tokens: usize,
        encoding: Encoding,
        limits: &ContextLimits,
    ) -> Result<Vec<Chunk>> {
        if max_tokens == 0 {
            return Err(ContextError::InvalidArgument("max_tokens must be > 0".into()));
        }
        if overlap_tokens >= max_tokens {
            return Err(ContextError::InvalidArgument(format!(
                "overlap_tokens ({overlap_tokens}) must be smaller than max_tokens ({max_tokens})"
            )));
        }
        // A lower bound on the count: no token covers more than ~64 characters in practice.
        too_many(
            "chunk",
            self.len_chars().div_ceil((max_tokens as u64).saturating_mul(64)),
            limits,
        )?;
        let text = self.as_str();
        let mut chunks = Vec::new();
        let mut start_byte = 0usize;
        // Tokens near a window's end may be split differently than in the full text, so only
        // windows holding a margin of extra tokens are trusted.
        const MARGIN: usize = 16;
        while start_byte < text.len() {
            let rest = &text[start_byte..];
            let mut window_chars =
                (max_tokens as u64).saturating_add(MARGIN as u64).saturating_mul(8);
            let (end_byte, next_start_byte) = loop {
                let window_end =
                    self.char_to_byte(self.byte_to_char(start_byte).saturating_add(window_chars));
                let window = &text[start_byte..window_end];
                let reaches_end = window_end == text.len();
                let tokens = encoding.encode(window)?;
                if tokens.len() <= max_tokens && reaches_end {
                    break (text.len(), text.len());
                }
                if tokens.len() > max_tokens.saturating_add(MARGIN)
                    || (reaches_end && tokens.len() > max_tokens)
                {
                    let end = floor_char_boundary(
                        rest,
                        encoding.decode_bytes(&tokens[..max_tokens])?.len(),
                    );
                    let end = if end == 0 { ceil_char_boundary(rest, 1) } else { end };
                    let keep = max_tokens - overlap_tokens;
                    let next =
                        floor_char_boundary(rest, encoding.decode_bytes(&tokens[..keep])?.len());
                    let next = if next == 0 || next > end { end } else { next };
                    break (start_byte + end, start_byte + next);
                }
                window_chars = window_chars.saturating_mul(2);
            };
            let (start, end) = (self.byte_to_char(start_byte), self.byte_to_char(end_byte));
            chunks.push(Chunk {
                start,
                end,
                text: self.sub_known(start_byte..end_byte, start..end),
            });
            too_many("chunk", chunks.len() as u64, limits)?;
            if end_byte >= text.len() {
                break;
            }
            start_byte = next_start_byte;
        }
        Ok(chunks)
    }
}

/// Offset just past the last blank line (`\n\n` or `\n\r\n`) in `window`.
fn last_blank_line_end(window: &[u8]) -> Option<usize> {
    let plain = memmem::rfind(window, b"\n\n").map(|i| i + 2);
    let crlf = memmem::rfind(window, b"\n\r\n").map(|i| i + 3);
    plain.max(crlf)
}

impl Context {
    /// `ctx.chunk(size, overlap)`: fixed windows of code points over the whole text.
    pub fn chunk(&self, size: u64, overlap: u64) -> Result<Vec<Chunk>> {
        self.text().chunk(size, overlap, self.limits())
    }

    /// Chunks of at most `max_chars` code points cut after newlines.
    pub fn chunk_lines(&self, max_chars: u64) -> Result<Vec<Chunk>> {
        self.text().chunk_at_boundaries(max_chars, Boundary::Line, self.limits())
    }

    /// Chunks of at most `max_chars` code points cut after blank lines (then newlines).
    pub fn chunk_paragraphs(&self, max_chars: u64) -> Result<Vec<Chunk>> {
        self.text().chunk_at_boundaries(max_chars, Boundary::Paragraph, self.limits())
    }

    /// Chunks of at most `max_tokens` tokens.
    pub fn chunk_tokens(
        &self,
        max_tokens: usize,
        overlap_tokens: usize,
        encoding: Encoding,
    ) -> Result<Vec<Chunk>> {
        self.text().chunk_tokens(max_tokens, overlap_tokens, encoding, self.limits())
    }

    /// `ctx.chunk_documents(n)`: groups of `docs_per_chunk` consecutive whole documents.
    pub fn chunk_documents(&self, docs_per_chunk: usize) -> Result<Vec<DocumentChunk>> {
        if docs_per_chunk == 0 {
            return Err(ContextError::InvalidArgument("docs_per_chunk must be > 0".into()));
        }
        let documents = self.documents();
        too_many("document chunk", documents.len().div_ceil(docs_per_chunk) as u64, self.limits())?;
        let mut chunks = Vec::with_capacity(documents.len().div_ceil(docs_per_chunk));
        for (group_index, group) in documents.chunks(docs_per_chunk).enumerate() {
            let start_document = group_index * docs_per_chunk;
            let (first, last) = match (group.first(), group.last()) {
                (Some(first), Some(last)) => (first, last),
                _ => continue,
            };
            let views = group
                .iter()
                .map(|info| self.text().sub_known(info.bytes.clone(), info.chars.clone()))
                .collect();
            let span = self
                .text()
                .sub_known(first.bytes.start..last.bytes.end, first.chars.start..last.chars.end);
            chunks.push(DocumentChunk {
                start_document,
                end_document: start_document + group.len(),
                documents: views,
                text: span,
            });
        }
        Ok(chunks)
    }
}
