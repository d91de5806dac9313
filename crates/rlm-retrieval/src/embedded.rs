//! The embedded backend: BM25 and (optionally) vectors over the context's
//! entries, persisted in a directory beside the context and rebuilt only when
//! the context or the chunking changed (or a file is corrupt).
//!
//! Layout of an index directory: `manifest.json` (format, corpus fingerprint,
//! chunking, entry count, embedding model), `bm25/` (tantivy), `vectors.safetensors`.
//! The manifest is written last, so a build interrupted half-way is rebuilt.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use futures::future::BoxFuture;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rlm_context::Context;
use serde::{Deserialize, Serialize};

use crate::bm25::{Bm25Builder, Bm25Index};
use crate::context_index::{ContextIndex, IndexOptions};
use crate::corpus::{Chunking, Corpus};
use crate::embed::Embedder;
use crate::error::{Result, RetrievalError};
use crate::fusion::{RRF_K, reciprocal_rank_fusion};
use crate::preview::{PREVIEW_CHARS, preview, query_words};
use crate::retriever::Retriever;
use crate::types::{Fetched, Filters, Hit, MAX_K, check_query};
use crate::vectors::VectorIndex;

const FORMAT: u32 = 1;
const MANIFEST: &str = "manifest.json";
const BM25_DIR: &str = "bm25";
const VECTORS: &str = "vectors.safetensors";
/// Progress bars appear from this many entries on (and only on a terminal).
const PROGRESS_FROM: usize = 5_000;

/// What opening an index did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BuildReport {
    pub entries: usize,
    /// The BM25 index was read from disk, not built.
    pub bm25_reused: bool,
    /// Why a persisted index was not reused (absent, stale, corrupt).
    pub rebuilt_because: Option<String>,
    pub bm25_seconds: f64,
    /// Vectors were read from disk, not computed.
    pub vectors_reused: bool,
    pub vectors_seconds: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Manifest {
    format: u32,
    fingerprint: String,
    chunking: Chunking,
    entries: usize,
    vectors: Option<VectorsInfo>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct VectorsInfo {
    model: String,
    dims: usize,
}

/// Search over a context with no server: BM25 always, vectors once an
/// embedder is attached, hybrid by reciprocal-rank fusion.
pub struct EmbeddedRetriever {
    corpus: Corpus,
    bm25: Bm25Index,
    vectors: Option<(Arc<dyn Embedder>, VectorIndex)>,
    dir: Option<PathBuf>,
    manifest: Manifest,
    report: BuildReport,
    progress: bool,
}

impl std::fmt::Debug for EmbeddedRetriever {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedRetriever")
            .field("entries", &self.corpus.len())
            .field("dir", &self.dir)
            .field("vectors", &self.vectors.as_ref().map(|(e, _)| e.id()))
            .finish()
    }
}

impl EmbeddedRetriever {
    /// Opens the BM25 index persisted in `options.dir` when it matches `context`,
    /// else builds it (and persists it there). A corrupt or stale index is rebuilt;
    /// the report says why.
    pub fn open_or_build(context: &Context, options: &IndexOptions) -> Result<Self> {
        let corpus = Corpus::new(context, &options.chunking)?;
        let fingerprint = corpus.fingerprint(&options.chunking);
        let fresh = Manifest {
            format: FORMAT,
            fingerprint,
            chunking: options.chunking,
            entries: corpus.len(),
            vectors: None,
        };
        let mut report = BuildReport { entries: corpus.len(), ..BuildReport::default() };
        if let Some(dir) = &options.dir {
            match reuse(dir, &fresh) {
                Ok((manifest, bm25)) => {
                    report.bm25_reused = true;
                    return Ok(EmbeddedRetriever {
                        corpus,
                        bm25,
                        vectors: None,
                        dir: Some(dir.clone()),
                        manifest,
                        report,
                        progress: options.progress,
                    });
                }
                Err(why) => report.rebuilt_because = Some(why),
            }
            // Start clean: stale files of an older build must not survive.
            for stale in [dir.join(MANIFEST), dir.join(VECTORS)] {
                if stale.exists() {
                    std::fs::remove_file(&stale).map_err(|e| RetrievalError::io(&stale, e))?;
                }
            }
            let bm25_dir = dir.join(BM25_DIR);
            if bm25_dir.exists() {
                std::fs::remove_dir_all(&bm25_dir).map_err(|e| RetrievalError::io(&bm25_dir, e))?;
            }
        }
        let started = Instant::now();
        let bar = progress_bar(options.progress, corpus.len(), "indexing (BM25)");
        let mut builder =
            Bm25Builder::create(options.dir.as_ref().map(|d| d.join(BM25_DIR)).as_deref())?;
        corpus.for_each_text(|i, text| {
            bar.inc(1);
            builder.add(i as u64, text)
        })?;
        let bm25 = builder.finish()?;
        bar.finish_and_clear();
        report.bm25_seconds = started.elapsed().as_secs_f64();
        if let Some(dir) = &options.dir {
            write_manifest(dir, &fresh)?;
        }
        Ok(EmbeddedRetriever {
            corpus,
            bm25,
            vectors: None,
            dir: options.dir.clone(),
            manifest: fresh,
            report,
            progress: options.progress,
        })
    }

    /// Enables vector and hybrid search: loads the persisted vectors when they
    /// were made by the same model, else embeds every entry (`batch` texts per
    /// call) and persists them.
    pub async fn attach_embedder(
        &mut self,
        embedder: Arc<dyn Embedder>,
        batch: usize,
    ) -> Result<()> {
        let model = embedder.id();
        if let (Some(dir), Some(info)) = (&self.dir, &self.manifest.vectors) {
            if info.model == model {
                match VectorIndex::load(&dir.join(VECTORS), self.corpus.len(), info.dims) {
                    Ok(index) => {
                        self.report.vectors_reused = true;
                        self.vectors = Some((embedder, index));
                        return Ok(());
                    }
                    Err(e) => self.report.rebuilt_because = Some(format!("vectors: {e}")),
                }
            }
        }
        let started = Instant::now();
        let bar = progress_bar(self.progress, self.corpus.len(), "embedding");
        let batch = batch.max(1);
        let mut index: Option<VectorIndex> = None;
        let mut texts = Vec::with_capacity(batch);
        let entries = self.corpus.entries().to_vec();
        for (n, entry) in entries.iter().enumerate() {
            texts.push(self.corpus.text(entry)?);
            if texts.len() == batch || n + 1 == entries.len() {
                let vectors = embedder.embed(&texts).await?;
                if vectors.len() != texts.len() {
                    return Err(RetrievalError::Model(format!(
                        "{} embeddings for {} texts",
                        vectors.len(),
                        texts.len()
                    )));
                }
                let dims = vectors.first().map_or(0, Vec::len);
                index.get_or_insert_with(|| VectorIndex::new(dims)).push(vectors)?;
                bar.inc(texts.len() as u64);
                texts.clear();
            }
        }
        bar.finish_and_clear();
        let index = index.unwrap_or_else(|| VectorIndex::new(0));
        if let Some(dir) = &self.dir {
            index.save(&dir.join(VECTORS))?;
            self.manifest.vectors = Some(VectorsInfo { model, dims: index.dims() });
            write_manifest(dir, &self.manifest)?;
        }
        self.report.vectors_reused = false;
        self.report.vectors_seconds = Some(started.elapsed().as_secs_f64());
        self.vectors = Some((embedder, index));
        Ok(())
    }

    pub fn report(&self) -> &BuildReport {
        &self.report
    }

    pub fn corpus(&self) -> &Corpus {
        &self.corpus
    }

    /// Whether vector and hybrid search are available.
    pub fn has_vectors(&self) -> bool {
        self.vectors.is_some()
    }

    /// BM25 search, synchronously (the embedded index needs no I/O wait).
    pub fn search_sync(&self, query: &str, k: usize, filters: &Filters) -> Result<Vec<Hit>> {
        check_query(query, k)?;
        let allowed = self.allowed(filters);
        let scored = self.bm25.search(query, k, allowed.as_deref())?;
        self.hits(scored, query)
    }

    async fn vector_search_impl(
        &self,
        query: &str,
        k: usize,
        filters: &Filters,
    ) -> Result<Vec<Hit>> {
        check_query(query, k)?;
        let Some((embedder, index)) = &self.vectors else {
            return Err(RetrievalError::Unsupported(
                "vector search needs an embedding model; none is configured for this index".into(),
            ));
        };
        let query_vec = embedder
            .embed(&[query.to_string()])
            .await?
            .pop()
            .ok_or_else(|| RetrievalError::Model("no embedding for the query".into()))?;
        let allowed = self.allowed(filters);
        let scored = index.search(&query_vec, k, allowed.as_deref())?;
        self.hits(scored, query)
    }

    async fn hybrid_impl(&self, query: &str, k: usize, filters: &Filters) -> Result<Vec<Hit>> {
        check_query(query, k)?;
        let depth = (k * 3).clamp(50, MAX_K);
        let lexical = self.search_sync(query, depth, filters)?;
        let semantic = self.vector_search_impl(query, depth, filters).await?;
        Ok(reciprocal_rank_fusion(&[lexical, semantic], k, RRF_K))
    }

    fn allowed(&self, filters: &Filters) -> Option<Vec<u64>> {
        if filters.is_empty() {
            return None;
        }
        Some(
            self.corpus
                .entries()
                .iter()
                .enumerate()
                .filter(|(_, e)| filters.matches(&e.metadata))
                .map(|(i, _)| i as u64)
                .collect(),
        )
    }

    fn hits(&self, scored: Vec<(u64, f32)>, query: &str) -> Result<Vec<Hit>> {
        let words = query_words(query);
        scored
            .into_iter()
            .map(|(ordinal, score)| {
                let entry = self.corpus.entry(ordinal as usize).ok_or_else(|| {
                    RetrievalError::corrupt(
                        self.dir.clone().unwrap_or_default(),
                        format!("entry {ordinal} is not in the corpus"),
                    )
                })?;
                let text = self.corpus.text(entry)?;
                Ok(Hit {
                    doc_id: entry.doc_id.clone(),
                    preview: preview(&text, &words, PREVIEW_CHARS),
                    score: f64::from(score),
                    metadata: entry.metadata.clone(),
                })
            })
            .collect()
    }

    /// The whole entry, synchronously.
    pub fn get_sync(&self, doc_id: &str) -> Result<Fetched> {
        let entry = self
            .corpus
            .ordinal(doc_id)
            .and_then(|i| self.corpus.entry(i))
            .ok_or_else(|| RetrievalError::NotFound(doc_id.to_string()))?;
        Ok(Fetched {
            doc_id: entry.doc_id.clone(),
            content: self.corpus.text(entry)?,
            metadata: entry.metadata.clone(),
        })
    }
}

impl Retriever for EmbeddedRetriever {
    fn name(&self) -> &str {
        "embedded"
    }

    fn search<'a>(
        &'a self,
        query: &'a str,
        k: usize,
        filters: &'a Filters,
    ) -> BoxFuture<'a, Result<Vec<Hit>>> {
        Box::pin(async move { self.search_sync(query, k, filters) })
    }

    fn vector_search<'a>(
        &'a self,
        query: &'a str,
        k: usize,
        filters: &'a Filters,
    ) -> BoxFuture<'a, Result<Vec<Hit>>> {
        Box::pin(self.vector_search_impl(query, k, filters))
    }

    fn hybrid_search<'a>(
        &'a self,
        query: &'a str,
        k: usize,
        filters: &'a Filters,
    ) -> BoxFuture<'a, Result<Vec<Hit>>> {
        Box::pin(self.hybrid_impl(query, k, filters))
    }

    fn get<'a>(&'a self, doc_id: &'a str) -> BoxFuture<'a, Result<Fetched>> {
        Box::pin(async move { self.get_sync(doc_id) })
    }
}

/// The persisted index when its manifest matches `want` and its BM25 index opens
/// with the right number of entries; otherwise why not.
fn reuse(dir: &Path, want: &Manifest) -> Result<(Manifest, Bm25Index), String> {
    let path = dir.join(MANIFEST);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err("no index yet".into()),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let manifest: Manifest = serde_json::from_slice(&bytes)
        .map_err(|e| format!("corrupt manifest {}: {e}", path.display()))?;
    if manifest.format != FORMAT {
        return Err(format!("index format {} (this build reads {FORMAT})", manifest.format));
    }
    if manifest.fingerprint != want.fingerprint || manifest.chunking != want.chunking {
        return Err("the context or the chunking changed".into());
    }
    if manifest.entries != want.entries {
        return Err("entry count differs".into());
    }
    let bm25 =
        Bm25Index::open(&dir.join(BM25_DIR)).map_err(|e| format!("corrupt BM25 index: {e}"))?;
    if bm25.num_docs() != want.entries as u64 {
        return Err(format!(
            "BM25 index holds {} entries, expected {}",
            bm25.num_docs(),
            want.entries
        ));
    }
    Ok((manifest, bm25))
}

fn write_manifest(dir: &Path, manifest: &Manifest) -> Result<()> {
    let path = dir.join(MANIFEST);
    let tmp = dir.join("manifest.json.tmp");
    let bytes = serde_json::to_vec_pretty(manifest)
        .map_err(|e| RetrievalError::corrupt(&path, e.to_string()))?;
    std::fs::write(&tmp, bytes).map_err(|e| RetrievalError::io(&tmp, e))?;
    std::fs::rename(&tmp, &path).map_err(|e| RetrievalError::io(&path, e))
}

fn progress_bar(enabled: bool, total: usize, label: &'static str) -> ProgressBar {
    if !enabled || total < PROGRESS_FROM {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{msg} {bar:40} {pos}/{len} entries ({eta})") {
        bar.set_style(style);
    }
    bar.set_message(label);
    bar
}

impl ContextIndex for EmbeddedRetriever {
    fn search_sync(&self, query: &str, k: usize, filters: &Filters) -> Result<Vec<Hit>> {
        EmbeddedRetriever::search_sync(self, query, k, filters)
    }

    fn has_vectors(&self) -> bool {
        EmbeddedRetriever::has_vectors(self)
    }

    fn as_retriever(&self) -> &dyn Retriever {
        self
    }
}
