//! What the embedded backend indexes: the context cut into [`Entry`]s (whole
//! documents, or chunks when documents are large), with ids, metadata and the
//! fingerprint that tells a persisted index whether it still matches.

use std::collections::HashMap;

use rlm_context::{Context, ContextLimits};
use serde::{Deserialize, Serialize};

use crate::error::{Result, RetrievalError};
use crate::types::Metadata;

/// How the context is cut into entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Granularity {
    /// Chunks when some document is longer than twice the chunk size, else documents.
    Auto,
    /// One entry per document.
    Documents,
    /// Fixed-size overlapping chunks of each document.
    Chunks,
}

/// Entry layout options. Part of the persisted index's identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chunking {
    pub granularity: Granularity,
    /// Chunk length in code points.
    pub chunk_chars: u64,
    /// Code points shared by consecutive chunks.
    pub overlap_chars: u64,
}

impl Default for Chunking {
    fn default() -> Self {
        Chunking { granularity: Granularity::Auto, chunk_chars: 1000, overlap_chars: 100 }
    }
}

/// One searchable unit: a document or a chunk of one.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub doc_id: String,
    /// Index of the document it belongs to.
    pub document: usize,
    /// Code-point range within the whole context (`context[start:end]`).
    pub start: u64,
    pub end: u64,
    pub metadata: Metadata,
}

/// The context and its entries, looked up by ordinal (the BM25/vector row) or id.
#[derive(Debug, Clone)]
pub struct Corpus {
    context: Context,
    entries: Vec<Entry>,
    by_id: HashMap<String, usize>,
    granularity: Granularity,
}

impl Corpus {
    /// Cuts `context` into entries. Deterministic: the same context and options
    /// give the same entries, ids and order.
    pub fn new(context: &Context, chunking: &Chunking) -> Result<Self> {
        if chunking.chunk_chars == 0 || chunking.overlap_chars >= chunking.chunk_chars {
            return Err(RetrievalError::invalid(
                "chunk size must be positive and larger than the overlap",
            ));
        }
        let docs = context.documents();
        let granularity = match chunking.granularity {
            Granularity::Auto => {
                let longest = docs.iter().map(|d| d.len_chars()).max().unwrap_or(0);
                if longest > 2 * chunking.chunk_chars {
                    Granularity::Chunks
                } else {
                    Granularity::Documents
                }
            }
            other => other,
        };
        // Names make readable ids when every document has a distinct one.
        let mut names_seen = std::collections::HashSet::new();
        let use_names = docs
            .iter()
            .all(|d| d.name.as_deref().is_some_and(|n| !n.is_empty() && names_seen.insert(n)));
        let label = |i: usize| match (&docs[i].name, use_names) {
            (Some(name), true) => name.clone(),
            _ => format!("d{i}"),
        };
        let limits = ContextLimits { max_chunks: u64::MAX, ..*context.limits() };
        let mut entries = Vec::new();
        for (i, info) in docs.iter().enumerate() {
            let mut base = Metadata::new();
            base.insert("document".into(), i.into());
            if let Some(name) = &info.name {
                base.insert("name".into(), name.clone().into());
            }
            let mut push = |doc_id: String, start: u64, end: u64, chunk: Option<usize>| {
                let mut metadata = base.clone();
                if let Some(c) = chunk {
                    metadata.insert("chunk".into(), c.into());
                }
                metadata.insert("start".into(), start.into());
                metadata.insert("end".into(), end.into());
                entries.push(Entry { doc_id, document: i, start, end, metadata });
            };
            match granularity {
                Granularity::Chunks => {
                    let text = context.get_document(i as i64)?;
                    let chunks =
                        text.chunk(chunking.chunk_chars, chunking.overlap_chars, &limits)?;
                    for (n, c) in chunks.iter().enumerate() {
                        let start = info.chars.start + c.start;
                        push(format!("{}:{n}", label(i)), start, info.chars.start + c.end, Some(n));
                    }
                }
                _ => push(label(i), info.chars.start, info.chars.end, None),
            }
        }
        let by_id = entries.iter().enumerate().map(|(i, e)| (e.doc_id.clone(), i)).collect();
        Ok(Corpus { context: context.clone(), entries, by_id, granularity })
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The granularity actually used (`Auto` resolved).
    pub fn granularity(&self) -> Granularity {
        self.granularity
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn entry(&self, ordinal: usize) -> Option<&Entry> {
        self.entries.get(ordinal)
    }

    pub fn ordinal(&self, doc_id: &str) -> Option<usize> {
        self.by_id.get(doc_id).copied()
    }

    /// The text of an entry (a slice of the context's buffer).
    pub fn text(&self, entry: &Entry) -> Result<String> {
        Ok(self.context.text().slice_checked(entry.start, entry.end)?.as_str().to_string())
    }

    /// Calls `f` with each entry's text, in order, without copying it.
    pub fn for_each_text(&self, mut f: impl FnMut(usize, &str) -> Result<()>) -> Result<()> {
        for (i, e) in self.entries.iter().enumerate() {
            let view = self.context.text().slice_checked(e.start, e.end)?;
            f(i, view.as_str())?;
        }
        Ok(())
    }

    /// A digest of everything the entries depend on: the documents' names and texts
    /// and the chunking. A persisted index is reused only when it matches.
    pub fn fingerprint(&self, chunking: &Chunking) -> String {
        let mut h = blake3::Hasher::new();
        h.update(b"rlm-retrieval corpus v1\0");
        h.update(&serde_json::to_vec(chunking).unwrap_or_default());
        for (i, info) in self.context.documents().iter().enumerate() {
            let name = info.name.as_deref().unwrap_or("");
            h.update(&(name.len() as u64).to_le_bytes());
            h.update(name.as_bytes());
            let text = self.context.text().slice_checked(info.chars.start, info.chars.end);
            let bytes = text.as_ref().map(|t| t.as_bytes()).unwrap_or(&[]);
            h.update(&(i as u64).to_le_bytes());
            h.update(&(bytes.len() as u64).to_le_bytes());
            h.update(bytes);
        }
        h.finalize().to_hex().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rlm_context::Document;

    #[test]
    fn small_documents_are_entries_named_by_their_names() {
        let ctx = Context::from_documents([
            Document::named("a.txt", "alpha"),
            Document::named("b.txt", "beta"),
        ]);
        let c = Corpus::new(&ctx, &Chunking::default()).unwrap();
        assert_eq!(c.granularity(), Granularity::Documents);
        let ids: Vec<_> = c.entries().iter().map(|e| e.doc_id.as_str()).collect();
        assert_eq!(ids, ["a.txt", "b.txt"]);
        assert_eq!(c.text(&c.entries()[1]).unwrap(), "beta");
        assert_eq!(c.entries()[1].metadata["name"], "b.txt");
        // The positions are the context's: slicing it gives the entry.
        let e = &c.entries()[1];
        assert_eq!(ctx.text().slice_checked(e.start, e.end).unwrap().as_str(), "beta");
    }

    #[test]
    fn one_large_document_is_chunked_with_overlap() {
        let text: String = (0..500).map(|i| format!("w{i} ")).collect();
        let ctx = Context::from_text(text.clone());
        let chunking = Chunking { chunk_chars: 300, overlap_chars: 50, ..Chunking::default() };
        let c = Corpus::new(&ctx, &chunking).unwrap();
        assert_eq!(c.granularity(), Granularity::Chunks);
        assert_eq!(c.entries()[0].doc_id, "d0:0");
        assert_eq!(c.entries()[1].start, 250);
        assert_eq!(c.entries().last().unwrap().end as usize, text.chars().count());
        assert_eq!(c.ordinal("d0:1"), Some(1));
        assert_ne!(c.fingerprint(&chunking), c.fingerprint(&Chunking::default()));
        assert_eq!(
            c.fingerprint(&chunking),
            Corpus::new(&ctx, &chunking).unwrap().fingerprint(&chunking)
        );
    }

    #[test]
    fn unusable_chunking_is_an_error() {
        let ctx = Context::from_text("x");
        let bad = Chunking { chunk_chars: 10, overlap_chars: 10, ..Chunking::default() };
        assert!(matches!(Corpus::new(&ctx, &bad), Err(RetrievalError::InvalidArgument(_))));
    }
}
