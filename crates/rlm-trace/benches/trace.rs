//! Trace speed: recording a subcall (start + finish), with and without a
//! redactor; summarising, serialising and rendering (terminal tree, HTML) a
//! 10,000-event trace.
//! Run: `cargo bench -p rlm-trace --bench trace`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rlm_trace::*;
use rlm_types::Usage;

fn finished(i: u64) -> CallFinished {
    CallFinished {
        outcome: SpanOutcome::Ok,
        response_preview: "The chunk mentions Barcelona as the host city of the 1992 games.".into(),
        usage: Usage { prompt_tokens: 1100, completion_tokens: 40, cached_tokens: 0 },
        cost_usd: 0.0003,
        latency_ms: 600 + i % 400,
        cached: i % 4 == 0,
        deduped: false,
        error: None,
    }
}

fn started() -> SubcallStarted {
    SubcallStarted {
        model: "openai:gpt-5-mini".into(),
        prompt_preview: "Which city hosted the games? Context: ".repeat(10),
        batch_index: Some(3),
        schema: None,
    }
}

fn record_subcalls(rec: &TraceRecorder, n: u64) {
    let run = rec.start_run(None, RunStarted::default());
    let prog = rec.start_program(run, ProgramStarted::default());
    for i in 0..n {
        let s = rec.start_subcall(prog, started());
        rec.finish_subcall(s, finished(i));
    }
}

fn benches(c: &mut Criterion) {
    let rec = TraceRecorder::new();
    let run = rec.start_run(None, RunStarted::default());
    let prog = rec.start_program(run, ProgramStarted::default());
    let mut i = 0;
    c.bench_function("record_subcall", |b| {
        b.iter(|| {
            i += 1;
            let s = rec.start_subcall(prog, started());
            rec.finish_subcall(s, finished(i));
        })
    });
    let redacting = TraceRecorder::with_options(RecorderOptions {
        redactor: Redactor::new()
            .secret("sk-proj-aaaaaaaaaaaaaaaaaaaaaaaa")
            .secret("sk-ant-bbbbbbbbbbbbbbbbbbbbbbbb")
            .secret("AIzaSyCCCCCCCCCCCCCCCCCCCCCCCCC"),
        ..RecorderOptions::default()
    });
    let run = redacting.start_run(None, RunStarted::default());
    let prog = redacting.start_program(run, ProgramStarted::default());
    c.bench_function("record_subcall_redact_3_secrets", |b| {
        b.iter(|| {
            i += 1;
            let s = redacting.start_subcall(prog, started());
            redacting.finish_subcall(s, finished(i));
        })
    });

    let big = TraceRecorder::new();
    record_subcalls(&big, 5_000);
    let events = big.events();
    c.bench_function("summary_10k_events", |b| {
        b.iter(|| black_box(TraceSummary::from_events(&events)))
    });
    c.bench_function("tree_10k_events", |b| {
        b.iter(|| black_box(Trace::from_events(events.clone()).unwrap()))
    });
    let mut jsonl = Vec::new();
    write_jsonl(&events, &mut jsonl).unwrap();
    println!("{} events, {} bytes of JSON lines", events.len(), jsonl.len());
    c.bench_function("write_jsonl_10k_events", |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(jsonl.len());
            write_jsonl(&events, &mut out).unwrap();
            black_box(out)
        })
    });
    c.bench_function("read_jsonl_10k_events", |b| {
        b.iter(|| black_box(read_jsonl(&jsonl[..]).unwrap()))
    });
    let tree = Trace::from_events(events.clone()).unwrap();
    let text = tree.render_tree_text(&TextRenderOptions::default());
    let html = tree.render_html();
    println!("10k events: {} bytes of tree text, {} bytes of HTML", text.len(), html.len());
    c.bench_function("render_tree_text_10k_events", |b| {
        b.iter(|| black_box(tree.render_tree_text(&TextRenderOptions::default())))
    });
    c.bench_function("render_html_10k_events", |b| b.iter(|| black_box(tree.render_html())));
}

criterion_group!(trace_benches, benches);
criterion_main!(trace_benches);
