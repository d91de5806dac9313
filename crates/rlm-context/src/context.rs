//! `Context`: the whole text an RLM explores, its documents, and the queries the program may run.

use std::ops::Range;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use serde::Serialize;

use crate::buffer::Buffer;
use crate::error::{ContextError, Result};
use crate::metadata::{ContextMetadata, MetadataOptions};
use crate::view::TextView;

/// The separator placed between documents when none is given (the peers' default).
pub const DEFAULT_SEPARATOR: &str = "\n\n---\n\n";

/// One document handed to [`Context::from_documents`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Document {
    /// A display name (file name, title, id).
    pub name: Option<String>,
    /// Where it came from, when it is a file.
    pub path: Option<PathBuf>,
    /// The text.
    pub text: String,
}

impl Document {
    /// A document with text only.
    pub fn new(text: impl Into<String>) -> Self {
        Self { name: None, path: None, text: text.into() }
    }

    /// A document with a name.
    pub fn named(name: impl Into<String>, text: impl Into<String>) -> Self {
        Self { name: Some(name.into()), path: None, text: text.into() }
    }
}

impl From<String> for Document {
    fn from(text: String) -> Self {
        Self::new(text)
    }
}

impl From<&str> for Document {
    fn from(text: &str) -> Self {
        Self::new(text)
    }
}

/// Where a document lies in the context's text, and what it is called.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentInfo {
    /// Display name, if any.
    pub name: Option<String>,
    /// Source file, if any.
    pub path: Option<PathBuf>,
    /// Code-point range within the context's text.
    pub chars: Range<u64>,
    /// Byte range within the context's text.
    #[serde(skip)]
    pub bytes: Range<usize>,
}

impl DocumentInfo {
    /// Length in code points.
    pub fn len_chars(&self) -> u64 {
        self.chars.end - self.chars.start
    }
}

/// How the context was built; shown in metadata so the model knows what it is looking at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ContextKind {
    /// One string.
    String,
    /// A list of documents joined by a separator.
    DocumentList,
    /// One file.
    File,
    /// Files found under a directory, joined by a separator.
    Directory,
    /// Text read from a stream (stdin).
    Stream,
}

impl ContextKind {
    /// The snake_case name used in metadata.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::DocumentList => "document_list",
            Self::File => "file",
            Self::Directory => "directory",
            Self::Stream => "stream",
        }
    }
}

/// Caps on how much a single query may return. A program cannot make a search or a chunking call
/// allocate without bound; over-asking gives a clear error (chunks) or a truncated result (search).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContextLimits {
    /// Matches returned by `find` when the caller does not say.
    pub default_max_matches: usize,
    /// Upper bound on `max_matches` a caller may ask for (larger requests are clamped).
    pub max_matches: usize,
    /// Upper bound on snippet radius in code points (larger requests are clamped).
    pub max_snippet_chars: u64,
    /// Upper bound on the number of chunks one chunking call may produce.
    pub max_chunks: u64,
    /// Upper bound on the length of a search pattern, in bytes.
    pub max_pattern_bytes: usize,
}

impl Default for ContextLimits {
    fn default() -> Self {
        Self {
            default_max_matches: 20,
            max_matches: 100_000,
            max_snippet_chars: 10_000,
            max_chunks: 1_000_000,
            max_pattern_bytes: 10_000,
        }
    }
}

/// The context: one text (the program's `context`/`P`), made of documents separated by a
/// separator, held in one shared buffer (owned or memory-mapped). Cloning is cheap (reference
/// counts only); every view, document and chunk handed out borrows the same buffer.
///
/// All positions taken and returned are code-point indices, as Python's `str` counts them.
#[derive(Clone)]
pub struct Context {
    text: TextView,
    documents: Arc<[DocumentInfo]>,
    separator: Arc<str>,
    kind: ContextKind,
    source: Option<Arc<str>>,
    limits: ContextLimits,
    cache: Arc<OnceLock<ContextMetadata>>,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("kind", &self.kind)
            .field("chars", &self.len_chars())
            .field("documents", &self.documents.len())
            .field("mapped", &self.text.buffer().is_mapped())
            .finish()
    }
}

impl Context {
    /// Assembles a context over a buffer whose document layout is already known.
    pub(crate) fn assemble(
        buffer: Arc<Buffer>,
        documents: Vec<DocumentInfo>,
        separator: &str,
        kind: ContextKind,
        source: Option<String>,
    ) -> Self {
        Self {
            text: TextView::whole(buffer),
            documents: documents.into(),
            separator: separator.into(),
            kind,
            source: source.map(Into::into),
            limits: ContextLimits::default(),
            cache: Arc::new(OnceLock::new()),
        }
    }

    /// A context of one string (one document).
    pub fn from_text(text: impl Into<String>) -> Self {
        let text = text.into();
        let buffer = Buffer::owned(text);
        let document = DocumentInfo {
            name: None,
            path: None,
            chars: 0..buffer.index().total_chars(),
            bytes: 0..buffer.bytes().len(),
        };
        Self::assemble(buffer, vec![document], DEFAULT_SEPARATOR, ContextKind::String, None)
    }

    /// A context of documents joined by [`DEFAULT_SEPARATOR`].
    pub fn from_documents<D: Into<Document>>(documents: impl IntoIterator<Item = D>) -> Self {
        Self::from_documents_with_separator(documents, DEFAULT_SEPARATOR)
    }

    /// A context of documents joined by `separator`. The joined text is built once; documents are
    /// views into it (nothing is held twice).
    pub fn from_documents_with_separator<D: Into<Document>>(
        documents: impl IntoIterator<Item = D>,
        separator: &str,
    ) -> Self {
        Self::join_documents(documents, separator, ContextKind::DocumentList, None)
    }

    pub(crate) fn join_documents<D: Into<Document>>(
        documents: impl IntoIterator<Item = D>,
        separator: &str,
        kind: ContextKind,
        source: Option<String>,
    ) -> Self {
        let documents: Vec<Document> = documents.into_iter().map(Into::into).collect();
        let total: usize = documents.iter().map(|d| d.text.len()).sum::<usize>()
            + separator.len() * documents.len().saturating_sub(1);
        let mut text = String::with_capacity(total);
        let separator_chars = separator.chars().count() as u64;
        let mut infos = Vec::with_capacity(documents.len());
        let mut chars = 0u64;
        for (i, document) in documents.into_iter().enumerate() {
            if i > 0 {
                text.push_str(separator);
                chars += separator_chars;
            }
            let start_byte = text.len();
            text.push_str(&document.text);
            let doc_chars = crate::index::count_char_starts(document.text.as_bytes()) as u64;
            infos.push(DocumentInfo {
                name: document.name,
                path: document.path,
                chars: chars..chars + doc_chars,
                bytes: start_byte..text.len(),
            });
            chars += doc_chars;
        }
        Self::assemble(Buffer::owned(text), infos, separator, kind, source)
    }

    /// A context of one document over an existing view (for example a slice handed to a sub-RLM).
    /// Shares the buffer: nothing is copied.
    pub fn from_view(view: &TextView) -> Self {
        let document = DocumentInfo {
            name: None,
            path: None,
            chars: 0..view.len_chars(),
            bytes: 0..view.len_bytes(),
        };
        Self {
            text: view.clone(),
            documents: vec![document].into(),
            separator: DEFAULT_SEPARATOR.into(),
            kind: ContextKind::String,
            source: None,
            limits: ContextLimits::default(),
            cache: Arc::new(OnceLock::new()),
        }
    }

    /// The same context with other limits.
    #[must_use]
    pub fn with_limits(mut self, limits: ContextLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The limits in effect.
    pub fn limits(&self) -> &ContextLimits {
        &self.limits
    }

    /// The whole text (`context`/`P`), as a zero-copy view.
    pub fn text(&self) -> &TextView {
        &self.text
    }

    /// The whole text as `&str`, borrowed.
    pub fn as_str(&self) -> &str {
        self.text.as_str()
    }

    /// How the context was built.
    pub fn kind(&self) -> ContextKind {
        self.kind
    }

    /// Where it was loaded from (a path, `<stdin>`), if known.
    pub fn source(&self) -> Option<&str> {
        self.source.as_deref()
    }

    /// The separator between documents.
    pub fn separator(&self) -> &str {
        &self.separator
    }

    /// True when the text is a memory map of a file.
    pub fn is_memory_mapped(&self) -> bool {
        self.text.buffer().is_mapped()
    }

    /// Heap bytes used by the code-point index.
    pub fn index_heap_bytes(&self) -> usize {
        self.text.buffer().index().heap_bytes()
    }

    /// Length in code points (`len(P)`).
    pub fn len_chars(&self) -> u64 {
        self.text.len_chars()
    }

    /// Same as [`Context::len_chars`]; the peers' `lenP()`.
    pub fn len_p(&self) -> u64 {
        self.len_chars()
    }

    /// Length in UTF-8 bytes.
    pub fn len_bytes(&self) -> usize {
        self.text.len_bytes()
    }

    /// True when the text is empty.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Number of documents (1 for a plain string, 0 for an empty document list).
    pub fn num_documents(&self) -> usize {
        self.documents.len()
    }

    /// The documents' names, paths and positions.
    pub fn documents(&self) -> &[DocumentInfo] {
        &self.documents
    }

    /// Document `index` (negative counts from the end) as a zero-copy view.
    pub fn get_document(&self, index: i64) -> Result<TextView> {
        let info = self.document_info(index)?;
        Ok(self.text.sub_known(info.bytes.clone(), info.chars.clone()))
    }

    /// Name, path and position of document `index` (negative counts from the end).
    pub fn document_info(&self, index: i64) -> Result<&DocumentInfo> {
        let count = self.documents.len();
        let count_i = i64::try_from(count).unwrap_or(i64::MAX);
        let absolute = if index < 0 { index.saturating_add(count_i) } else { index };
        if absolute < 0 || absolute >= count_i {
            return Err(ContextError::OutOfRange {
                what: "document index",
                index,
                valid: if count == 0 {
                    "none: the context has no documents".to_string()
                } else {
                    format!("0..{count} (or -{count}..-1 from the end)")
                },
            });
        }
        Ok(&self.documents[absolute as usize])
    }

    /// Length of each document in code points.
    pub fn document_lengths(&self) -> Vec<u64> {
        self.documents.iter().map(DocumentInfo::len_chars).collect()
    }

    /// The document containing code-point position `char_pos` (None inside a separator or past
    /// the end).
    pub fn document_at(&self, char_pos: u64) -> Option<usize> {
        let after = self.documents.partition_point(|d| d.chars.start <= char_pos);
        let candidate = after.checked_sub(1)?;
        let info = &self.documents[candidate];
        (char_pos < info.chars.end || (info.chars.is_empty() && char_pos == info.chars.start))
            .then_some(candidate)
    }

    /// `P[start:end]` with Python's semantics (negative from the end, clamped, never fails).
    pub fn slice(&self, start: Option<i64>, end: Option<i64>) -> TextView {
        self.text.slice(start, end)
    }

    /// `P[start:end]` for `start <= end <= len_chars()`; other bounds are an error.
    pub fn slice_checked(&self, start: u64, end: u64) -> Result<TextView> {
        self.text.slice_checked(start, end)
    }

    /// The first `n` code points.
    pub fn peek(&self, n: u64) -> TextView {
        self.text.peek(n)
    }

    /// The last `n` code points.
    pub fn tail(&self, n: u64) -> TextView {
        self.text.tail(n)
    }

    /// The metadata shown to the root model (computed once, then cached).
    pub fn metadata(&self) -> &ContextMetadata {
        self.cache.get_or_init(|| ContextMetadata::compute(self, &MetadataOptions::default()))
    }

    /// Metadata computed with explicit options (not cached).
    pub fn metadata_with(&self, options: &MetadataOptions) -> ContextMetadata {
        ContextMetadata::compute(self, options)
    }
}
