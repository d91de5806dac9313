//! The stream is the source of truth: events → tree → events is the identity,
//! and the JSON-lines and tree-JSON forms round-trip exactly, for the
//! representative trace and for random well-formed streams (proptest).

mod common;

use proptest::prelude::*;
use rlm_trace::*;
use rlm_types::ManualClock;
use std::sync::Arc;

fn representative() -> Vec<TraceEvent> {
    let rec = TraceRecorder::new();
    common::record_representative(&rec);
    rec.events()
}

fn assert_round_trips(events: &[TraceEvent]) {
    // JSON lines
    let mut buf = Vec::new();
    write_jsonl(events, &mut buf).unwrap();
    let text = String::from_utf8(buf.clone()).unwrap();
    assert_eq!(text.lines().count(), events.len());
    assert_eq!(read_jsonl(&buf[..]).unwrap(), events);
    // each line is one event on its own (for streaming)
    for (line, event) in text.lines().zip(events) {
        assert_eq!(&from_json_line(line, 1).unwrap(), event);
    }
    // tree and back
    let trace = Trace::from_events(events.to_vec()).unwrap();
    assert_eq!(trace.to_events(), events);
    // tree JSON and back
    let json = trace.to_json();
    let back = Trace::from_json(&json).unwrap();
    assert_eq!(back, trace);
    // summaries agree whichever form they are computed from
    assert_eq!(TraceSummary::from_events(&back.to_events()), TraceSummary::from_events(events));
}

#[test]
fn representative_trace_round_trips() {
    let events = representative();
    assert_eq!(events.len(), 35);
    assert!(events.windows(2).all(|w| w[0].seq + 1 == w[1].seq));
    assert_round_trips(&events);
}

#[test]
fn sse_frames_carry_one_event_each() {
    for event in representative() {
        let frame = to_sse_frame(&event);
        let lines: Vec<&str> = frame.strip_suffix("\n\n").unwrap().split('\n').collect();
        assert_eq!(lines.len(), 3, "{frame}");
        assert_eq!(lines[0], format!("id: {}", event.seq));
        assert_eq!(lines[1], "event: trace");
        let data = lines[2].strip_prefix("data: ").unwrap();
        assert_eq!(from_json_line(data, 1).unwrap(), event);
    }
}

#[test]
fn tree_shape_of_representative_trace() {
    let trace = Trace::from_events(representative()).unwrap();
    assert_eq!(trace.roots.len(), 1);
    let root = &trace.roots[0];
    assert_eq!(root.kind(), Some(SpanKind::Run));
    assert_eq!(root.outcome(), Some(SpanOutcome::Ok));
    let kinds: Vec<_> = root.children.iter().map(|c| c.kind().unwrap()).collect();
    use SpanKind::*;
    assert_eq!(kinds, [ModelCall, Program, ModelCall, Program, ModelCall, Program]);
    assert_eq!(root.children[1].children.len(), 4, "four subcalls under the first program");
    let sub_run = &root.children[3].children[0];
    assert_eq!(sub_run.kind(), Some(Run));
    assert_eq!(sub_run.start.parent_span_id, Some(root.children[3].span_id()));
    assert!(
        matches!(&sub_run.events[0].kind, EventKind::FinalAnswer(a) if a.answer == "Hwang Young-cho")
    );
    // point events of the root: budget, error, final answer
    let names: Vec<_> = root.events.iter().map(|e| e.kind.name()).collect();
    assert_eq!(names, ["budget", "error", "final_answer"]);
    assert_eq!(trace.spans().len(), 14);
    assert!(trace.spans().iter().all(|s| s.elapsed_us().is_some()));
}

#[test]
fn open_spans_survive_in_the_tree() {
    // A run cut short (crash, cancellation) still gives a tree, with open nodes.
    let rec = TraceRecorder::new();
    let run = rec.start_run(None, RunStarted::default());
    let prog = rec.start_program(run, ProgramStarted::default());
    rec.start_subcall(prog, SubcallStarted::default());
    let trace = rec.trace().unwrap();
    let spans = trace.spans();
    assert_eq!(spans.len(), 3);
    assert!(spans.iter().all(|s| s.end.is_none() && s.outcome().is_none()));
    assert!(trace.render_text().contains("[open]"));
    let summary = rec.summary();
    assert_eq!(summary.spans["subcall"]["open"], 1);
    assert_round_trips(&rec.events());
}

#[derive(Debug, Clone)]
enum Op {
    Open { kind: u8, parent_pick: Option<usize> },
    Close { pick: usize, outcome: u8 },
    Point { pick: usize, kind: u8, text: String },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u8..5, proptest::option::of(any::<usize>()))
            .prop_map(|(kind, parent_pick)| Op::Open { kind, parent_pick }),
        (any::<usize>(), 0u8..5).prop_map(|(pick, outcome)| Op::Close { pick, outcome }),
        (any::<usize>(), 0u8..4, "\\PC{0,12}").prop_map(|(pick, kind, text)| Op::Point {
            pick,
            kind,
            text
        }),
    ]
}

fn outcome(n: u8) -> SpanOutcome {
    [
        SpanOutcome::Ok,
        SpanOutcome::Error,
        SpanOutcome::Cancelled,
        SpanOutcome::Timeout,
        SpanOutcome::BudgetExceeded,
    ][n as usize % 5]
}

/// Drive a recorder with random operations; returns the events.
fn record_ops(ops: &[Op]) -> Vec<TraceEvent> {
    let rec = TraceRecorder::with_options(RecorderOptions {
        clock: Arc::new(ManualClock::new(1_700_000_000_000_000)),
        ..RecorderOptions::default()
    });
    // (span, kind, depth, open)
    let mut spans: Vec<(SpanId, SpanKind, usize, bool)> = Vec::new();
    for op in ops {
        match op {
            Op::Open { kind, parent_pick } => {
                let parent =
                    parent_pick.filter(|_| !spans.is_empty()).map(|p| spans[p % spans.len()]);
                if parent.is_some_and(|p| p.2 >= 12) {
                    continue;
                }
                let depth = parent.map_or(1, |p| p.2 + 1);
                let parent_id = parent.map(|p| p.0);
                let (id, k) = match kind {
                    0 => (
                        rec.start_run(
                            parent_id,
                            RunStarted { depth: depth as u32, ..Default::default() },
                        ),
                        SpanKind::Run,
                    ),
                    // non-run spans always have a parent in practice; at the root, use a run
                    _ if parent_id.is_none() => {
                        (rec.start_run(None, RunStarted::default()), SpanKind::Run)
                    }
                    1 => (
                        rec.start_model_call(
                            parent_id.unwrap(),
                            ModelCallStarted { model: "p:a".into(), ..Default::default() },
                        ),
                        SpanKind::ModelCall,
                    ),
                    2 => (
                        rec.start_program(parent_id.unwrap(), ProgramStarted::default()),
                        SpanKind::Program,
                    ),
                    3 => (
                        rec.start_subcall(
                            parent_id.unwrap(),
                            SubcallStarted { model: "p:b".into(), ..Default::default() },
                        ),
                        SpanKind::Subcall,
                    ),
                    _ => (
                        rec.start_tool_call(
                            parent_id.unwrap(),
                            ToolCallStarted {
                                tool: "lookup".into(),
                                server: Some("weather".into()),
                                ..Default::default()
                            },
                        ),
                        SpanKind::ToolCall,
                    ),
                };
                spans.push((id, k, depth, true));
            }
            Op::Close { pick, outcome: o } => {
                let open: Vec<usize> = (0..spans.len()).filter(|i| spans[*i].3).collect();
                if open.is_empty() {
                    continue;
                }
                let i = open[pick % open.len()];
                let (id, kind, _, _) = spans[i];
                spans[i].3 = false;
                let call = common::ok_call("r", common::usage(3, 4), 0.001, (*pick % 997) as u64);
                let call = CallFinished { outcome: outcome(*o), cached: pick % 5 == 0, ..call };
                match kind {
                    SpanKind::Run => rec.finish_run(
                        id,
                        RunFinished {
                            outcome: outcome(*o),
                            iterations: 1,
                            usage: common::usage(1, 1),
                            cost_usd: 0.5,
                            duration_ms: 3,
                        },
                    ),
                    SpanKind::ModelCall => rec.finish_model_call(id, call),
                    SpanKind::Program => rec.finish_program(
                        id,
                        ProgramFinished {
                            outcome: outcome(*o),
                            stdout: "out".into(),
                            error: None,
                            fuel_used: 1,
                            memory_bytes: 2,
                            duration_ms: 3,
                        },
                    ),
                    SpanKind::Subcall => rec.finish_subcall(id, call),
                    SpanKind::ToolCall => rec.finish_tool_call(
                        id,
                        ToolCallFinished {
                            outcome: outcome(*o),
                            result_preview: "sunny".into(),
                            latency_ms: 3,
                            error: None,
                        },
                    ),
                }
            }
            Op::Point { pick, kind, text } => {
                if spans.is_empty() {
                    continue;
                }
                let id = spans[pick % spans.len()].0;
                match kind {
                    0 => rec.retry(id, Retry { attempt: 1, reason: text.clone(), delay_ms: 9 }),
                    1 => rec.budget(
                        id,
                        BudgetEvent {
                            level: BudgetLevel::HardStop,
                            budget: text.clone(),
                            used: 1.5,
                            limit: 1.0,
                            message: String::new(),
                        },
                    ),
                    2 => rec.error(id, ErrorEvent { message: text.clone(), fatal: true }),
                    _ => rec.final_answer(id, FinalAnswer { answer: text.clone() }),
                }
            }
        }
    }
    rec.events()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn random_streams_round_trip(ops in proptest::collection::vec(op(), 0..60)) {
        let events = record_ops(&ops);
        assert_round_trips(&events);
        let trace = Trace::from_events(events.clone()).unwrap();
        // every event is in the tree exactly once, and parents agree with the tree
        for root in &trace.roots {
            prop_assert!(root.start.parent_span_id.is_none());
            for node in root.walk() {
                for child in &node.children {
                    prop_assert_eq!(child.start.parent_span_id, Some(node.span_id()));
                }
                for e in node.events.iter().chain(node.end.iter()) {
                    prop_assert_eq!(e.span_id, node.span_id());
                    prop_assert_eq!(e.parent_span_id, node.start.parent_span_id);
                }
            }
        }
        // rendering never panics and has one line per span and point event
        let text = trace.render_text();
        let points = events.iter().filter(|e| e.kind.role() == EventRole::Point).count();
        prop_assert_eq!(text.lines().count(), trace.spans().len() + points);
    }
}
