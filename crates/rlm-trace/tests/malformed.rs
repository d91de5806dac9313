//! Hostile or damaged input: streams that do not form a trace, bad JSON lines,
//! newer schema versions. Each is a clear error, never a panic.

use rlm_trace::*;

fn ev(seq: u64, span: u64, parent: Option<u64>, kind: EventKind) -> TraceEvent {
    TraceEvent {
        schema_version: SCHEMA_VERSION,
        seq,
        ts: 0,
        span_id: SpanId(span),
        parent_span_id: parent.map(SpanId),
        kind,
    }
}

fn run() -> EventKind {
    EventKind::RunStarted(RunStarted::default())
}

fn program() -> EventKind {
    EventKind::ProgramStarted(ProgramStarted::default())
}

fn run_end() -> EventKind {
    EventKind::RunFinished(RunFinished {
        outcome: SpanOutcome::Ok,
        iterations: 0,
        usage: Default::default(),
        cost_usd: 0.0,
        duration_ms: 0,
    })
}

#[test]
fn structural_errors_are_reported() {
    use TraceError::*;
    let cases: Vec<(Vec<TraceEvent>, &str)> = vec![
        (vec![ev(0, 1, None, run()), ev(0, 2, Some(1), program())], "SeqNotIncreasing"),
        (vec![ev(0, 1, None, run()), ev(1, 1, None, run())], "DuplicateSpan"),
        (vec![ev(0, 2, Some(9), program())], "UnknownParent"),
        (vec![ev(0, 5, None, run_end())], "UnknownSpan"),
        (vec![ev(0, 5, None, EventKind::FinalAnswer(FinalAnswer::default()))], "UnknownSpan"),
        (
            vec![ev(0, 1, None, run()), ev(1, 2, Some(1), program()), ev(2, 2, Some(1), run_end())],
            "KindMismatch",
        ),
        (
            vec![ev(0, 1, None, run()), ev(1, 1, None, run_end()), ev(2, 1, None, run_end())],
            "AlreadyClosed",
        ),
        (
            vec![TraceEvent { schema_version: SCHEMA_VERSION + 1, ..ev(0, 1, None, run()) }],
            "UnsupportedSchema",
        ),
    ];
    for (events, expected) in cases {
        let err = Trace::from_events(events).unwrap_err();
        let name = match &err {
            SeqNotIncreasing { .. } => "SeqNotIncreasing",
            DuplicateSpan { .. } => "DuplicateSpan",
            UnknownParent { .. } => "UnknownParent",
            UnknownSpan { .. } => "UnknownSpan",
            KindMismatch { .. } => "KindMismatch",
            AlreadyClosed { .. } => "AlreadyClosed",
            UnsupportedSchema { .. } => "UnsupportedSchema",
            _ => "other",
        };
        assert_eq!(name, expected, "{err}");
        assert!(err.to_string().contains("seq"), "{err}");
    }
}

#[test]
fn deep_nesting_is_refused_not_a_stack_overflow() {
    let mut events = vec![ev(0, 1, None, run())];
    for i in 1..100_000u64 {
        events.push(ev(i, i + 1, Some(i), run()));
    }
    let err = Trace::from_events(events).unwrap_err();
    assert!(matches!(err, TraceError::TooDeep { max: MAX_SPAN_DEPTH, .. }), "{err}");
    // the deepest accepted nesting round-trips through the nested JSON
    let events: Vec<_> = (0..MAX_SPAN_DEPTH as u64)
        .map(|i| ev(i, i + 1, if i == 0 { None } else { Some(i) }, run()))
        .collect();
    let trace = Trace::from_events(events.clone()).unwrap();
    assert_eq!(Trace::from_json(&trace.to_json()).unwrap().to_events(), events);
}

#[test]
fn bad_json_lines_name_the_line() {
    let good = to_json_line(&ev(0, 1, None, run()));
    let input = format!("{good}\n\n{{\"seq\": 1, \"truncated\n");
    let err = read_jsonl(input.as_bytes()).unwrap_err();
    assert!(matches!(err, TraceError::BadLine { line: 3, .. }), "{err}");
    assert!(err.to_string().starts_with("line 3:"));
    let unknown_kind = good.replace("run_started", "teleported");
    assert!(matches!(
        read_jsonl(unknown_kind.as_bytes()),
        Err(TraceError::BadLine { line: 1, .. })
    ));
    let newer = good.replace(
        &format!("\"schema_version\":{SCHEMA_VERSION}"),
        &format!("\"schema_version\":{}", SCHEMA_VERSION + 1),
    );
    assert!(matches!(
        read_jsonl(newer.as_bytes()),
        Err(TraceError::UnsupportedSchema { found, .. }) if found == SCHEMA_VERSION + 1
    ));
}

#[test]
fn bad_tree_json_is_an_error() {
    assert!(matches!(Trace::from_json("[1,2"), Err(TraceError::BadJson(_))));
    assert!(matches!(
        Trace::from_json(r#"{"schema_version": 7, "roots": []}"#),
        Err(TraceError::UnsupportedSchema { found: 7, .. })
    ));
    // structurally wrong content inside valid JSON: a child whose parent is not its node
    let rec = TraceRecorder::new();
    let r = rec.start_run(None, RunStarted::default());
    rec.start_program(r, ProgramStarted::default());
    let json =
        rec.trace().unwrap().to_json().replace("\"parent_span_id\": 1", "\"parent_span_id\": 42");
    assert!(matches!(Trace::from_json(&json), Err(TraceError::UnknownParent { .. })));
    // deeply nested garbage hits serde_json's recursion limit: an error, not a crash
    let deep = "[".repeat(100_000);
    assert!(Trace::from_json(&deep).is_err());
}
