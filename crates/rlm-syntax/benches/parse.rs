//! Parse benchmarks: a 10-line cell (what a model writes per step), a large
//! realistic program (all `ok` fixtures plus the cell, repeated to ~1 MB), and
//! the lexer alone. `cargo bench -p rlm-syntax --bench parse`; CPython's
//! `ast.parse` on the same inputs: `python3 crates/rlm-syntax/benches/cpython_parse.py`.
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const TEN_LINES: &str = include_str!("ten_lines.py");

fn large_program() -> String {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/ok");
    let mut one = String::new();
    let mut names: Vec<_> =
        std::fs::read_dir(dir).expect("fixtures").flatten().map(|e| e.path()).collect();
    names.sort();
    for p in names {
        if let Ok(s) = std::fs::read_to_string(&p) {
            one.push_str(&s);
            if !s.ends_with('\n') {
                one.push('\n');
            }
        }
    }
    one.push_str(TEN_LINES);
    let mut big = String::new();
    while big.len() < 1 << 20 {
        big.push_str(&one);
    }
    big
}

fn bench(c: &mut Criterion) {
    assert!(rlm_syntax::parse(TEN_LINES).is_ok());
    c.bench_function("parse/10_lines", |b| b.iter(|| rlm_syntax::parse(black_box(TEN_LINES))));
    c.bench_function("parse/print_1", |b| b.iter(|| rlm_syntax::parse(black_box("print(1)\n"))));
    c.bench_function("parse/empty", |b| b.iter(|| rlm_syntax::parse(black_box(""))));

    let big = large_program();
    let opts = rlm_syntax::ParseOptions { max_source_bytes: 8 << 20, ..Default::default() };
    assert!(rlm_syntax::parse_with(&big, &opts).is_ok(), "the large program parses");
    let mut g = c.benchmark_group("large");
    g.throughput(Throughput::Bytes(big.len() as u64));
    g.sample_size(10);
    g.bench_function("parse_1MB", |b| b.iter(|| rlm_syntax::parse_with(black_box(&big), &opts)));
    g.bench_function("lex_1MB", |b| b.iter(|| rlm_syntax::tokenize(black_box(&big), &opts)));
    g.finish();

    // Hostile inputs: each must end in a clear error (or a tree), fast.
    let mut h = c.benchmark_group("hostile");
    h.sample_size(10);
    let parens = format!("x = {}1{}\n", "(".repeat(100_000), ")".repeat(100_000));
    h.bench_function("100k_nested_parens", |b| {
        b.iter(|| rlm_syntax::parse(black_box(&parens)).is_err())
    });
    let mut blocks = String::new();
    for depth in 0..300 {
        blocks.push_str(&" ".repeat(depth));
        blocks.push_str("if x:\n");
    }
    blocks.push_str(&" ".repeat(300));
    blocks.push_str("pass\n");
    h.bench_function("300_nested_blocks", |b| {
        b.iter(|| rlm_syntax::parse(black_box(&blocks)).is_err())
    });
    let string = format!("s = \"{}\"\n", "a".repeat(20 << 20));
    h.bench_function("20MB_string_default_cap", |b| {
        b.iter(|| rlm_syntax::parse(black_box(&string)).is_err())
    });
    let raised = rlm_syntax::ParseOptions { max_source_bytes: 32 << 20, ..Default::default() };
    h.bench_function("20MB_string_raised_cap", |b| {
        b.iter(|| rlm_syntax::parse_with(black_box(&string), &raised).is_ok())
    });
    let chain = format!("x = 1{}\n", " + 1".repeat(100_000));
    h.bench_function("100k_term_sum", |b| b.iter(|| rlm_syntax::parse(black_box(&chain)).is_err()));
    h.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
