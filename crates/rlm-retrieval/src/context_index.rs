//! The index of a run's context behind one trait ([`ContextIndex`]), and where
//! it is opened ([`open_context_index`]): the embedded backend (tantivy BM25,
//! candle vectors) when this crate is built with the `embedded` feature, else
//! an `Unsupported` error. Consumers that only serve searches (rlm-core) name
//! the trait, so they build without tantivy and candle; the binaries turn the
//! feature on.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rlm_context::Context;

use crate::corpus::Chunking;
use crate::embed::Embedder;
use crate::error::Result;
use crate::retriever::Retriever;
use crate::types::{Filters, Hit};

/// Where the index of a context loaded from `source` lives: `FILE.rlm-index/`
/// beside a file, `DIR/.rlm-index/` inside a directory.
pub fn index_dir_beside(source: &Path) -> PathBuf {
    if source.is_dir() {
        source.join(".rlm-index")
    } else {
        let mut name = source.file_name().map(|n| n.to_os_string()).unwrap_or_default();
        name.push(".rlm-index");
        source.with_file_name(name)
    }
}

/// Where the index of a context loaded from `source` lives when indexes are
/// kept apart from the user's folders (`rlm mcp`): a folder under `home`
/// named by the blake3 hash of `source`'s canonical path (the path as given
/// when it cannot be resolved), so the same folder always finds its index.
pub fn index_dir_keyed(home: &Path, source: &Path) -> PathBuf {
    let canonical = source.canonicalize().unwrap_or_else(|_| source.to_path_buf());
    let hash = blake3::hash(canonical.as_os_str().as_encoded_bytes());
    home.join(&hash.to_hex()[..32])
}

/// How to build or open an embedded index.
#[derive(Debug, Clone, Default)]
pub struct IndexOptions {
    /// Persist here (`None`: in memory, rebuilt every time).
    pub dir: Option<PathBuf>,
    pub chunking: Chunking,
    /// Draw progress bars on stderr for big corpora (when stderr is a terminal).
    pub progress: bool,
}

/// A context's own index: a [`Retriever`] whose BM25 search needs no waiting.
pub trait ContextIndex: Retriever {
    /// BM25 search, synchronously (for the first message, before any program).
    fn search_sync(&self, query: &str, k: usize, filters: &Filters) -> Result<Vec<Hit>>;

    /// Whether vector and hybrid search are available.
    fn has_vectors(&self) -> bool;

    /// This index as the backend-agnostic searcher.
    fn as_retriever(&self) -> &dyn Retriever;
}

/// The BM25 index of `context`: opened from `options.dir` when it matches,
/// else built (and persisted there).
pub fn open_context_index(
    context: &Context,
    options: &IndexOptions,
) -> Result<Arc<dyn ContextIndex>> {
    #[cfg(feature = "embedded")]
    {
        Ok(Arc::new(crate::embedded::EmbeddedRetriever::open_or_build(context, options)?))
    }
    #[cfg(not(feature = "embedded"))]
    {
        let _ = (context, options);
        Err(not_built())
    }
}

/// The index of `context` with vectors from `embedder` (`batch` texts per
/// call), loaded when persisted by the same model, else computed.
pub async fn open_context_index_with_vectors(
    context: &Context,
    options: &IndexOptions,
    embedder: Arc<dyn Embedder>,
    batch: usize,
) -> Result<Arc<dyn ContextIndex>> {
    #[cfg(feature = "embedded")]
    {
        let mut index = crate::embedded::EmbeddedRetriever::open_or_build(context, options)?;
        index.attach_embedder(embedder, batch).await?;
        Ok(Arc::new(index))
    }
    #[cfg(not(feature = "embedded"))]
    {
        let _ = (context, options, embedder, batch);
        Err(not_built())
    }
}

#[cfg(not(feature = "embedded"))]
fn not_built() -> crate::error::RetrievalError {
    crate::error::RetrievalError::Unsupported(
        "this build has no embedded context index (rlm-retrieval's `embedded` feature)".into(),
    )
}
