//! BM25 build time and query latency of the embedded index on N chunks, for the
//! side-by-side with PyPI `rank-bm25` (`bench/bm25_vs_rank_bm25.sh` runs both on
//! the same chunk file and queries).
//!
//! ```sh
//! cargo run --release -p rlm-retrieval --example bm25_bench -- \
//!     --essays /tmp/pg.txt --chunks 10000 --chunk-chars 200 --out /tmp/bm25-10k
//! ```
//! Writes `OUT/chunks.txt` (one chunk per line: windows of the essays, cycled with a
//! shifting offset until N are made) and prints build, reopen and per-query figures.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use rlm_context::{Context, Document};
use rlm_retrieval::{Chunking, EmbeddedRetriever, Filters, Granularity, IndexOptions};

fn main() {
    let mut essays = PathBuf::new();
    let mut out = PathBuf::new();
    let (mut chunks, mut chunk_chars, mut repeats) = (10_000usize, 200usize, 3usize);
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--essays" => essays = PathBuf::from(value),
            "--out" => out = PathBuf::from(value),
            "--chunks" => chunks = value.parse().expect("a number"),
            "--chunk-chars" => chunk_chars = value.parse().expect("a number"),
            "--repeats" => repeats = value.parse().expect("a number"),
            other => panic!("unknown flag {other}"),
        }
    }
    let text: Vec<char> = std::fs::read_to_string(&essays)
        .expect("--essays FILE")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .collect();
    let queries: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../examples/data/ir/pg_queries.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let questions: Vec<String> = queries["queries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["question"].as_str().unwrap().to_string())
        .collect();

    // Windows of the essays; each pass over the text starts 37 characters later.
    let windows_per_pass = text.len() / chunk_chars - 1;
    let docs: Vec<String> = (0..chunks)
        .map(|i| {
            let pass = i / windows_per_pass;
            let start = (i % windows_per_pass) * chunk_chars + (pass * 37) % chunk_chars;
            text[start..start + chunk_chars].iter().collect()
        })
        .collect();
    std::fs::create_dir_all(&out).unwrap();
    let mut file = std::io::BufWriter::new(std::fs::File::create(out.join("chunks.txt")).unwrap());
    for d in &docs {
        writeln!(file, "{d}").unwrap();
    }
    file.flush().unwrap();
    std::fs::write(out.join("queries.txt"), questions.join("\n")).unwrap();

    let context = Context::from_documents(docs.into_iter().map(Document::new));
    let options = IndexOptions {
        dir: Some(out.join("index")),
        chunking: Chunking { granularity: Granularity::Documents, ..Chunking::default() },
        progress: false,
    };
    let _ = std::fs::remove_dir_all(out.join("index"));
    let t = Instant::now();
    let retriever = EmbeddedRetriever::open_or_build(&context, &options).unwrap();
    let build = t.elapsed().as_secs_f64();
    drop(retriever);
    let t = Instant::now();
    let retriever = EmbeddedRetriever::open_or_build(&context, &options).unwrap();
    let reopen = t.elapsed().as_secs_f64();
    assert!(retriever.report().bm25_reused);

    let mut latencies = Vec::new();
    let none = Filters::none();
    for _ in 0..repeats {
        for q in &questions {
            let t = Instant::now();
            let hits = retriever.search_sync(q, 10, &none).unwrap();
            latencies.push(t.elapsed().as_secs_f64());
            assert!(hits.len() <= 10);
        }
    }
    latencies.sort_by(f64::total_cmp);
    let pct = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p).round() as usize] * 1000.0;
    println!(
        "rlm-retrieval (tantivy) chunks={chunks} chunk_chars={chunk_chars}: build {build:.2} s, reopen {reopen:.3} s, \
         query p50 {:.2} ms p99 {:.2} ms ({} queries)",
        pct(0.5),
        pct(0.99),
        latencies.len()
    );
}
