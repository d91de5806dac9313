//! `rlm_search`: BM25 over a file or folder, with an index kept in the
//! server's index folder (never in the user's folders), named by the hash of
//! the folder's canonical path (`index_dir_keyed`): built on the first
//! search, reused while its manifest matches the files (rlm-retrieval rebuilds
//! it otherwise). Runs on a blocking-pool thread (tantivy reads files).

use std::path::{Path, PathBuf};

use rlm_context::Context;
use rlm_retrieval::{EmbeddedRetriever, Filters, IndexOptions, index_dir_keyed};
use serde_json::{Value, json};

/// Hits one search returns at most.
pub const MAX_K: usize = 50;

/// The best `k` hits for `query` in `context` (loaded from `folder`, given
/// as `path`), its index under `index_home`.
pub async fn search(
    context: Context,
    (path, folder): (String, PathBuf),
    index_home: &Path,
    query: String,
    k: usize,
) -> Result<Value, String> {
    let dir = index_dir_keyed(index_home, &folder);
    let task = tokio::task::spawn_blocking(move || {
        let options = IndexOptions { dir: Some(dir), progress: false, ..IndexOptions::default() };
        let retriever =
            EmbeddedRetriever::open_or_build(&context, &options).map_err(|e| e.to_string())?;
        let hits = retriever.search_sync(&query, k, &Filters::none()).map_err(|e| e.to_string())?;
        let report = retriever.report();
        Ok(json!({
            "path": path,
            "index_dir": options.dir,
            "entries": report.entries,
            "index_reused": report.bm25_reused,
            "hits": hits,
        }))
    });
    task.await.map_err(|e| format!("the search's thread failed: {e}"))?
}
