//! Text embeddings for vector search: the [`Embedder`] trait, a local
//! all-MiniLM-L6-v2 run with candle ([`MiniLmEmbedder`]), and providers'
//! embedding endpoints ([`HttpEmbedder`]: OpenAI-compatible `/v1/embeddings`, Ollama).

mod http;
#[cfg(feature = "embedded")]
mod minilm;

use futures::future::BoxFuture;

use crate::error::Result;

pub use http::{EmbeddingApi, HttpEmbedder};
#[cfg(feature = "embedded")]
pub use minilm::{MiniLmEmbedder, default_model_dir};

/// Turns texts into vectors. Implementations return one vector per input, in
/// order, all of the same length; [`crate::VectorIndex`] normalises them.
pub trait Embedder: Send + Sync {
    /// Identifies the model: an index built with one embedder is never
    /// searched with another (`"local:all-MiniLM-L6-v2"`, `"openai:text-embedding-3-small"`).
    fn id(&self) -> String;

    /// Embeds a batch of texts.
    fn embed<'a>(&'a self, texts: &'a [String]) -> BoxFuture<'a, Result<Vec<Vec<f32>>>>;
}
