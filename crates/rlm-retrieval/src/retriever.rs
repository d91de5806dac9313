//! The [`Retriever`] trait: the one interface every backend (embedded, Elasticsearch)
//! implements and every consumer (the DSL host, the CLI, rerankers) uses.

use futures::future::BoxFuture;

use crate::error::Result;
use crate::types::{Fetched, Filters, Hit};

/// A searchable collection. Object-safe and `Send + Sync`, so it is shared as
/// `Arc<dyn Retriever>`; every method is async because some backends are remote.
///
/// Contract for every search: `query` is non-empty, `1 <= k <= MAX_K`
/// (otherwise [`crate::RetrievalError::InvalidArgument`]); at most `k` hits come
/// back, best first, each satisfying `filters`; `doc_id`s are unique within one
/// result list and can be passed to [`Retriever::get`].
pub trait Retriever: Send + Sync {
    /// A short name for prompts and errors ("embedded", "elasticsearch").
    fn name(&self) -> &str;

    /// Lexical (BM25) search.
    fn search<'a>(
        &'a self,
        query: &'a str,
        k: usize,
        filters: &'a Filters,
    ) -> BoxFuture<'a, Result<Vec<Hit>>>;

    /// Semantic search over embeddings of the entries.
    fn vector_search<'a>(
        &'a self,
        query: &'a str,
        k: usize,
        filters: &'a Filters,
    ) -> BoxFuture<'a, Result<Vec<Hit>>>;

    /// Lexical and semantic results fused (reciprocal-rank fusion unless the
    /// backend says otherwise).
    fn hybrid_search<'a>(
        &'a self,
        query: &'a str,
        k: usize,
        filters: &'a Filters,
    ) -> BoxFuture<'a, Result<Vec<Hit>>>;

    /// The whole entry with this id.
    fn get<'a>(&'a self, doc_id: &'a str) -> BoxFuture<'a, Result<Fetched>>;
}
