//! The embedded backend end to end: BM25 over documents and chunks, filters,
//! `get`, vector and hybrid search (with a word-hashing test embedder), and
//! persistence: built once, reused, rebuilt when stale or corrupt.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::future::BoxFuture;
use rlm_context::{Context, Document};
use rlm_retrieval::{
    Chunking, EmbeddedRetriever, Embedder, Filters, Granularity, IndexOptions, RetrievalError,
    Retriever,
};
use serde_json::json;

/// Test stand-in for an embedding model: each word adds 1 to a hashed slot.
/// Texts sharing words are similar; it also counts the texts it embedded.
struct WordHashEmbedder {
    embedded: AtomicUsize,
}

impl Embedder for WordHashEmbedder {
    fn id(&self) -> String {
        "test:word-hash".into()
    }
    fn embed<'a>(
        &'a self,
        texts: &'a [String],
    ) -> BoxFuture<'a, rlm_retrieval::Result<Vec<Vec<f32>>>> {
        self.embedded.fetch_add(texts.len(), Ordering::SeqCst);
        Box::pin(async move {
            Ok(texts
                .iter()
                .map(|t| {
                    let mut v = vec![0.0f32; 64];
                    for w in t
                        .to_lowercase()
                        .split(|c: char| !c.is_alphanumeric())
                        .filter(|w| !w.is_empty())
                    {
                        v[(blake3::hash(w.as_bytes()).as_bytes()[0] % 64) as usize] += 1.0;
                    }
                    v
                })
                .collect())
        })
    }
}

fn essays() -> Context {
    Context::from_documents([
        Document::named("owls.txt", "Owls hunt at night. The barn owl has a heart-shaped face."),
        Document::named("bees.txt", "Bees make honey in hives. A queen bee lays the eggs."),
        Document::named(
            "rust.txt",
            "Rust is a systems programming language with ownership and borrowing.",
        ),
        Document::named("honey.txt", "Honey never spoils; jars of honey were found in tombs."),
    ])
}

fn ids(hits: &[rlm_retrieval::Hit]) -> Vec<&str> {
    hits.iter().map(|h| h.doc_id.as_str()).collect()
}

#[tokio::test]
async fn bm25_over_documents_with_filters_and_get() {
    let r = EmbeddedRetriever::open_or_build(&essays(), &IndexOptions::default()).unwrap();
    assert_eq!(r.corpus().granularity(), Granularity::Documents);
    let hits = r.search("honey", 10, &Filters::none()).await.unwrap();
    assert_eq!(ids(&hits), ["honey.txt", "bees.txt"]);
    assert!(hits[0].score > hits[1].score);
    assert_eq!(hits[0].metadata["document"], 3);
    assert!(hits[0].preview.contains("Honey never spoils"));

    let only_bees = Filters::from_json(json!({"name": "bees.txt"})).unwrap();
    let hits = r.search("honey", 10, &only_bees).await.unwrap();
    assert_eq!(ids(&hits), ["bees.txt"]);
    assert!(r.search("zebra", 10, &Filters::none()).await.unwrap().is_empty());

    let doc = r.get("rust.txt").await.unwrap();
    assert!(doc.content.starts_with("Rust is a systems"));
    assert!(matches!(r.get("nope").await, Err(RetrievalError::NotFound(_))));
    assert!(matches!(
        r.search("", 10, &Filters::none()).await,
        Err(RetrievalError::InvalidArgument(_))
    ));
    assert!(matches!(
        r.search("x", 0, &Filters::none()).await,
        Err(RetrievalError::InvalidArgument(_))
    ));
    // No embedder: vector and hybrid search say so.
    assert!(matches!(
        r.vector_search("owl", 3, &Filters::none()).await,
        Err(RetrievalError::Unsupported(_))
    ));
    assert!(matches!(
        r.hybrid_search("owl", 3, &Filters::none()).await,
        Err(RetrievalError::Unsupported(_))
    ));
}

#[tokio::test]
async fn a_needle_in_one_large_document_is_found_in_its_chunk() {
    let filler = "The quick brown fox jumps over the lazy dog. ".repeat(2000);
    let text = format!("{filler}The secret passphrase is violet-harbor-42. {filler}");
    let ctx = Context::from_text(text.clone());
    let r = EmbeddedRetriever::open_or_build(&ctx, &IndexOptions::default()).unwrap();
    assert_eq!(r.corpus().granularity(), Granularity::Chunks);
    let hits = r.search("What is the secret passphrase?", 3, &Filters::none()).await.unwrap();
    assert!(
        hits[0].preview.contains("The secret passphrase is violet-harbor-42."),
        "{:?}",
        hits[0]
    );
    // The metadata locates the chunk in the context.
    let start = hits[0].metadata["start"].as_u64().unwrap() as usize;
    let end = hits[0].metadata["end"].as_u64().unwrap() as usize;
    assert!(text[start..end].contains("violet-harbor-42"));
}

#[tokio::test]
async fn vector_and_hybrid_search() {
    let mut r = EmbeddedRetriever::open_or_build(&essays(), &IndexOptions::default()).unwrap();
    let embedder = Arc::new(WordHashEmbedder { embedded: AtomicUsize::new(0) });
    r.attach_embedder(embedder.clone(), 3).await.unwrap();
    assert_eq!(embedder.embedded.load(Ordering::SeqCst), 4);
    assert!(r.has_vectors());
    let hits = r.vector_search("barn owl face", 2, &Filters::none()).await.unwrap();
    assert_eq!(hits[0].doc_id, "owls.txt");
    let hits = r.hybrid_search("honey bee queen", 4, &Filters::none()).await.unwrap();
    assert_eq!(hits[0].doc_id, "bees.txt");
    assert!(hits.len() <= 4);
    let rust_only = Filters::from_json(json!({"document": 2})).unwrap();
    let hits = r.hybrid_search("honey", 4, &rust_only).await.unwrap();
    assert_eq!(ids(&hits), ["rust.txt"]);
}

#[tokio::test]
async fn persisted_indexes_are_built_once_and_rebuilt_when_stale_or_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let options = IndexOptions { dir: Some(dir.path().join("idx")), ..IndexOptions::default() };
    let first = EmbeddedRetriever::open_or_build(&essays(), &options).unwrap();
    assert!(!first.report().bm25_reused);
    assert_eq!(first.report().rebuilt_because.as_deref(), Some("no index yet"));
    drop(first);

    let mut again = EmbeddedRetriever::open_or_build(&essays(), &options).unwrap();
    assert!(again.report().bm25_reused, "{:?}", again.report());
    assert_eq!(ids(&again.search("honey", 1, &Filters::none()).await.unwrap()), ["honey.txt"]);
    let embedder = Arc::new(WordHashEmbedder { embedded: AtomicUsize::new(0) });
    again.attach_embedder(embedder.clone(), 8).await.unwrap();
    assert!(!again.report().vectors_reused);
    drop(again);

    // Vectors are reused too: only the query gets embedded.
    let mut third = EmbeddedRetriever::open_or_build(&essays(), &options).unwrap();
    let embedder2 = Arc::new(WordHashEmbedder { embedded: AtomicUsize::new(0) });
    third.attach_embedder(embedder2.clone(), 8).await.unwrap();
    assert!(third.report().vectors_reused);
    assert_eq!(embedder2.embedded.load(Ordering::SeqCst), 0);
    assert_eq!(
        third.vector_search("owl", 1, &Filters::none()).await.unwrap()[0].doc_id,
        "owls.txt"
    );
    drop(third);

    // A changed context is rebuilt.
    let changed = Context::from_documents([Document::named("x.txt", "zebras only")]);
    let r = EmbeddedRetriever::open_or_build(&changed, &options).unwrap();
    assert_eq!(r.report().rebuilt_because.as_deref(), Some("the context or the chunking changed"));
    assert_eq!(ids(&r.search("zebras", 5, &Filters::none()).await.unwrap()), ["x.txt"]);
    drop(r);

    // Other chunking is a different index.
    let chunked = IndexOptions {
        chunking: Chunking { granularity: Granularity::Chunks, chunk_chars: 20, overlap_chars: 5 },
        ..options.clone()
    };
    let r = EmbeddedRetriever::open_or_build(&changed, &chunked).unwrap();
    assert!(!r.report().bm25_reused);
    drop(r);

    // Corrupt files: rebuilt, never a panic.
    let idx = dir.path().join("idx");
    std::fs::write(idx.join("manifest.json"), b"{not json").unwrap();
    let r = EmbeddedRetriever::open_or_build(&changed, &chunked).unwrap();
    assert!(r.report().rebuilt_because.as_deref().unwrap().starts_with("corrupt manifest"));
    drop(r);
    for entry in std::fs::read_dir(idx.join("bm25")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            std::fs::write(&path, b"garbage").unwrap();
        }
    }
    let r = EmbeddedRetriever::open_or_build(&changed, &chunked).unwrap();
    assert!(
        r.report().rebuilt_because.as_deref().unwrap().starts_with("corrupt BM25 index"),
        "{:?}",
        r.report()
    );
    assert_eq!(r.search("zebras", 5, &Filters::none()).await.unwrap().len(), 1);
}
