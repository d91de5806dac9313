//! `rlm index PATH`: build (or reuse) the retrieval index of a context, beside it
//! (`FILE.rlm-index/`, `DIR/.rlm-index/`), with a progress bar on big corpora;
//! optionally vectors (`--vectors local` for all-MiniLM-L6-v2, or a provider's
//! embeddings) and a trial `--search`.

use std::path::{Path, PathBuf};

use rlm_core::adapters::EnvVars;
use rlm_core::embedder;
use rlm_retrieval::{
    Chunking, EmbeddedRetriever, Filters, Granularity, IndexOptions, RetrievalError,
    index_dir_beside,
};

use crate::exit::{CliError, Exit};

/// The flags of `rlm index`.
#[derive(Debug, clap::Args)]
pub struct IndexArgs {
    /// The context: a file or a folder (one document per file).
    pub path: PathBuf,
    /// Decode files that are not UTF-8 anyway, invalid bytes becoming U+FFFD.
    #[arg(long)]
    pub lossy: bool,
    /// Where to keep the index (default: beside the context).
    #[arg(long)]
    pub index_dir: Option<PathBuf>,
    /// Entries: whole documents, chunks, or auto (chunks when a document is
    /// longer than twice the chunk size).
    #[arg(long, default_value = "auto", value_parser = ["auto", "documents", "chunks"])]
    pub granularity: String,
    /// Chunk length in characters.
    #[arg(long, default_value_t = 1000)]
    pub chunk_chars: u64,
    /// Characters shared by consecutive chunks.
    #[arg(long, default_value_t = 100)]
    pub overlap: u64,
    /// Also embed every entry: `local` (all-MiniLM-L6-v2, fetched by
    /// crates/rlm-retrieval/scripts/fetch-embedding-model.sh), `openai:MODEL`
    /// (OPENAI_BASE_URL, OPENAI_API_KEY) or `ollama:MODEL` (OLLAMA_HOST).
    #[arg(long)]
    pub vectors: Option<String>,
    /// After indexing, print the best hits for this query.
    #[arg(long)]
    pub search: Option<String>,
    /// Number of hits for --search.
    #[arg(short, long, default_value_t = 5)]
    pub k: usize,
    /// Print the build report (and hits) as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn index(args: IndexArgs) -> Result<Exit, CliError> {
    let context =
        crate::context_args::load_sources(&[args.path.display().to_string()], args.lossy)?;
    let granularity = match args.granularity.as_str() {
        "documents" => Granularity::Documents,
        "chunks" => Granularity::Chunks,
        _ => Granularity::Auto,
    };
    let options = IndexOptions {
        dir: Some(args.index_dir.clone().unwrap_or_else(|| index_dir_beside(&args.path))),
        chunking: Chunking {
            granularity,
            chunk_chars: args.chunk_chars,
            overlap_chars: args.overlap,
        },
        progress: true,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Internal(format!("cannot start the async runtime: {e}")))?;
    let path = args.path.display().to_string();
    let mut retriever = EmbeddedRetriever::open_or_build(&context, &options)
        .map_err(|e| retrieval_error(&path, e))?;
    if let Some(spec) = &args.vectors {
        let embedder = embedder(spec, &EnvVars::from_process()).map_err(CliError::from)?;
        runtime
            .block_on(retriever.attach_embedder(embedder, 32))
            .map_err(|e| retrieval_error(&path, e))?;
    }
    let hits = match &args.search {
        Some(query) => {
            let filters = Filters::none();
            let found = if retriever.has_vectors() {
                runtime.block_on(rlm_retrieval::Retriever::hybrid_search(
                    &retriever, query, args.k, &filters,
                ))
            } else {
                retriever.search_sync(query, args.k, &filters)
            };
            Some(found.map_err(|e| retrieval_error(&path, e))?)
        }
        None => None,
    };
    let report = retriever.report();
    let dir = options.dir.as_deref().unwrap_or(Path::new(""));
    if args.json {
        let doc = serde_json::json!({ "index_dir": dir, "report": report, "hits": hits });
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        return Ok(Exit::Ok);
    }
    let unit = match retriever.corpus().granularity() {
        Granularity::Chunks => format!("chunks of {} chars", args.chunk_chars),
        _ => "documents".to_string(),
    };
    let how = if report.bm25_reused {
        "reused".to_string()
    } else {
        format!("built in {:.2} s", report.bm25_seconds)
    };
    eprintln!(
        "{}: {} entries ({unit}), BM25 index {how} at {}",
        path,
        report.entries,
        dir.display()
    );
    if let Some(why) = report.rebuilt_because.as_deref().filter(|_| !report.bm25_reused) {
        eprintln!("  (built: {why})");
    }
    if args.vectors.is_some() {
        match report.vectors_seconds {
            Some(s) if !report.vectors_reused => eprintln!("  vectors computed in {s:.1} s"),
            _ => eprintln!("  vectors reused"),
        }
    }
    for hit in hits.unwrap_or_default() {
        println!(
            "{}  (score {:.3})\n    {}",
            hit.doc_id,
            hit.score,
            hit.preview.replace('\n', " ")
        );
    }
    Ok(Exit::Ok)
}

/// Maps a retrieval failure to the CLI's error kinds (and so its exit code).
fn retrieval_error(path: &str, error: RetrievalError) -> CliError {
    match error {
        RetrievalError::InvalidArgument(m) => CliError::Config(m),
        RetrievalError::Backend { .. } | RetrievalError::ModelCall(_) => {
            CliError::Provider(error.to_string())
        }
        RetrievalError::Model(m) => CliError::Config(m),
        RetrievalError::Io { .. }
        | RetrievalError::CorruptIndex { .. }
        | RetrievalError::Tantivy(_) => CliError::Write {
            what: format!("the index of {path}"),
            source: std::io::Error::other(error.to_string()),
        },
        other => CliError::Context { path: path.to_string(), reason: other.to_string() },
    }
}
