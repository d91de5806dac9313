//! Snapshots of a representative trace: the JSON-lines stream (timestamps
//! redacted), the text outline, the summary and its Prometheus exposition.

mod common;

use rlm_trace::*;

fn recorded() -> TraceRecorder {
    let rec = TraceRecorder::new(); // system clock: timestamps vary, hence redacted
    common::record_representative(&rec);
    rec
}

#[test]
fn event_stream_snapshot() {
    let events = recorded().events();
    insta::assert_json_snapshot!("events", events, { "[].ts" => "[ts]" });
}

#[test]
fn tree_snapshot() {
    let trace = recorded().trace().unwrap();
    insta::assert_json_snapshot!("tree", trace, {
        ".**.ts" => "[ts]",
    });
}

#[test]
fn outline_snapshot() {
    insta::assert_snapshot!("outline", recorded().trace().unwrap().render_text());
}

#[test]
fn summary_snapshot() {
    insta::assert_json_snapshot!("summary", recorded().summary());
}

#[test]
fn prometheus_snapshot() {
    insta::assert_snapshot!("prometheus", recorded().summary().to_prometheus("rlm"));
}
