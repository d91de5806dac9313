//! [`SearchMode`]: which of a [`Retriever`]'s searches to run (BM25, vectors,
//! or both fused), as the DSL's `search(mode=...)`, `rlm run --retriever` and
//! `rlm.toml` name them.

use std::str::FromStr;

use crate::error::{Result, RetrievalError};
use crate::retriever::Retriever;
use crate::types::{Filters, Hit};

/// A kind of search.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SearchMode {
    /// Lexical: BM25.
    #[default]
    Bm25,
    /// Semantic: embeddings.
    Vector,
    /// Both, fused by reciprocal rank.
    Hybrid,
}

impl SearchMode {
    /// Every mode, in the order messages list them.
    pub const ALL: [SearchMode; 3] = [SearchMode::Bm25, SearchMode::Vector, SearchMode::Hybrid];

    /// The name programs and flags use.
    pub fn as_str(self) -> &'static str {
        match self {
            SearchMode::Bm25 => "bm25",
            SearchMode::Vector => "vector",
            SearchMode::Hybrid => "hybrid",
        }
    }

    /// Whether this mode needs embeddings.
    pub fn needs_vectors(self) -> bool {
        self != SearchMode::Bm25
    }

    /// Runs this kind of search on `retriever`.
    pub async fn search(
        self,
        retriever: &dyn Retriever,
        query: &str,
        k: usize,
        filters: &Filters,
    ) -> Result<Vec<Hit>> {
        match self {
            SearchMode::Bm25 => retriever.search(query, k, filters).await,
            SearchMode::Vector => retriever.vector_search(query, k, filters).await,
            SearchMode::Hybrid => retriever.hybrid_search(query, k, filters).await,
        }
    }
}

impl std::fmt::Display for SearchMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SearchMode {
    type Err = RetrievalError;

    /// `bm25` (or `lexical`), `vector` (or `semantic`), `hybrid`; case-insensitive.
    fn from_str(s: &str) -> Result<SearchMode> {
        match s.trim().to_ascii_lowercase().as_str() {
            "bm25" | "lexical" => Ok(SearchMode::Bm25),
            "vector" | "semantic" => Ok(SearchMode::Vector),
            "hybrid" => Ok(SearchMode::Hybrid),
            other => Err(RetrievalError::invalid(format!(
                "mode must be 'bm25', 'vector' or 'hybrid', not {other:?}"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_parse_by_name_and_synonym_and_refuse_others() {
        for m in SearchMode::ALL {
            assert_eq!(m.as_str().parse::<SearchMode>().unwrap(), m);
        }
        assert_eq!("Semantic".parse::<SearchMode>().unwrap(), SearchMode::Vector);
        assert_eq!("lexical".parse::<SearchMode>().unwrap(), SearchMode::Bm25);
        let e = "fuzzy".parse::<SearchMode>().unwrap_err();
        assert!(matches!(e, RetrievalError::InvalidArgument(_)), "{e}");
        assert!(SearchMode::Hybrid.needs_vectors() && !SearchMode::Bm25.needs_vectors());
    }
}
