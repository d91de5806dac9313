//! Retrieval for RLM programs and embedders.
//!
//! - [`Retriever`]: the backend-agnostic interface (`search` = BM25, `vector_search`,
//!   `hybrid_search`, `get`), with metadata [`Filters`]; [`SearchMode`] names
//!   the three searches; results are [`Hit`]s
//!   (`doc_id`, `preview`, `score`, `metadata`), the dicts the DSL's `search` and
//!   `es_*` functions return.
//! - [`ContextIndex`]: the index of a run's context, opened by [`open_context_index`]:
//!   the embedded one when the crate is built with the `embedded` feature (the
//!   default), else an `Unsupported` error (so a crate that only needs the trait,
//!   like rlm-core, builds without tantivy and candle).
//! - `EmbeddedRetriever` (feature `embedded`): no server. tantivy BM25 over the context's documents
//!   (or chunks of large ones, see [`Chunking`]), vectors from an [`Embedder`]
//!   ([`MiniLmEmbedder`]: all-MiniLM-L6-v2 run locally with candle;
//!   [`HttpEmbedder`]: OpenAI-compatible or Ollama endpoints), hybrid by
//!   reciprocal-rank fusion; persisted beside the context ([`index_dir_beside`]).
//! - [`ElasticRetriever`]: Elasticsearch 8 (`match`, `knn`, RRF). Its wire format is
//!   tested against responses written from Elasticsearch's documentation; it has
//!   not been run against a live cluster (`tests/elastic_live.rs`, gated by `RLM_ES_URL`).
//! - [`ListwiseReranker`], [`TournamentReranker`], [`QueryRewriter`]: model-driven
//!   stages that call models through an `rlm-sched` [`rlm_sched::Scheduler`], so they
//!   get its cache, deduplication, rate limits and budget; [`union_pool`].
//! - [`ndcg_at_k`], [`recall_at_k`]: trec_eval's definitions.
//! - [`first_step_evidence`]: the best hits for a question, rendered for a root
//!   model's first message (the retrieval-aware first step).

#[cfg(feature = "embedded")]
mod bm25;
mod context_index;
mod corpus;
mod elastic;
mod embed;
#[cfg(feature = "embedded")]
mod embedded;
mod error;
mod evidence;
mod fusion;
mod metrics;
mod mode;
mod preview;
mod prompts;
mod rerank;
mod retriever;
mod rewrite;
mod types;
#[cfg(feature = "embedded")]
mod vectors;

#[cfg(feature = "embedded")]
pub use bm25::{Bm25Builder, Bm25Index};
pub use context_index::{
    ContextIndex, IndexOptions, index_dir_beside, index_dir_keyed, open_context_index,
    open_context_index_with_vectors,
};
pub use corpus::{Chunking, Corpus, Entry, Granularity};
pub use elastic::{ElasticConfig, ElasticRetriever, HybridMode};
pub use embed::{Embedder, EmbeddingApi, HttpEmbedder};
#[cfg(feature = "embedded")]
pub use embed::{MiniLmEmbedder, default_model_dir};
#[cfg(feature = "embedded")]
pub use embedded::{BuildReport, EmbeddedRetriever};
pub use error::{Result, RetrievalError};
pub use evidence::{first_step_evidence, question_evidence, render_evidence};
pub use fusion::{RRF_K, reciprocal_rank_fusion, union_pool};
pub use metrics::{Qrels, ndcg_at_k, recall_at_k};
pub use mode::SearchMode;
pub use preview::{PREVIEW_CHARS, preview, query_words};
pub use prompts::RetrievalPrompts;
pub use rerank::{ListwiseReranker, ModelCaller, RankItem, RerankOutcome, TournamentReranker};
pub use retriever::Retriever;
pub use rewrite::QueryRewriter;
pub use types::{Fetched, Filters, Hit, MAX_K, Metadata};
#[cfg(feature = "embedded")]
pub use vectors::VectorIndex;
