//! The recorder under concurrency, its listeners, redaction of secrets in
//! every field, truncation of long text, the JSON-lines sink, and a recorder
//! continuing a trace another process recorded (a resumed durable run).

mod common;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use rlm_trace::*;
use rlm_types::{Clock, ManualClock};

#[test]
fn concurrent_subcalls_record_a_consistent_stream() {
    let rec = TraceRecorder::new();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    rec.add_listener(Arc::new(move |e: &TraceEvent| seen2.lock().unwrap().push(e.seq)));
    let run = rec.start_run(None, RunStarted::default());
    let prog = rec.start_program(run, ProgramStarted::default());
    const THREADS: u64 = 8;
    const CALLS: u64 = 250;
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let rec = rec.clone();
            s.spawn(move || {
                for i in 0..CALLS {
                    let span = rec.start_subcall(
                        prog,
                        SubcallStarted { model: format!("p:m{t}"), ..Default::default() },
                    );
                    if i % 10 == 0 {
                        rec.retry(
                            span,
                            Retry { attempt: 1, reason: "timeout".into(), delay_ms: 1 },
                        );
                    }
                    rec.finish_subcall(span, common::ok_call("x", common::usage(2, 1), 0.001, i));
                }
            });
        }
    });
    let events = rec.events();
    let n = 2 + THREADS * CALLS * 2 + THREADS * CALLS / 10;
    assert_eq!(events.len() as u64, n);
    assert!(events.iter().enumerate().all(|(i, e)| e.seq == i as u64));
    assert!(events.windows(2).all(|w| w[0].ts <= w[1].ts), "ts never decreases along seq");
    assert_eq!(*seen.lock().unwrap(), (0..n).collect::<Vec<_>>(), "listener saw seq order");
    let ids: HashSet<_> =
        events.iter().filter(|e| e.kind.name() == "subcall_started").map(|e| e.span_id).collect();
    assert_eq!(ids.len() as u64, THREADS * CALLS, "span ids are unique");
    let trace = rec.trace().unwrap();
    assert_eq!(trace.roots[0].children[0].children.len() as u64, THREADS * CALLS);
    let summary = rec.summary();
    assert_eq!(summary.models.len() as u64, THREADS);
    assert_eq!(summary.models["p:m3"].calls, CALLS);
    assert_eq!(summary.retries_by_reason["timeout"], THREADS * CALLS / 10);
    assert_eq!(summary.cost_usd, 2.0);
    assert_eq!(summary.subcall_latency.p50_ms, 124);
    assert_eq!(summary.subcall_latency.p99_ms, 247);
}

/// One event of every kind, with `s` in every string field.
fn every_kind(rec: &TraceRecorder, s: &str) {
    let run =
        rec.start_run(None, RunStarted { query: s.into(), model: s.into(), ..Default::default() });
    let mc = rec.start_model_call(
        run,
        ModelCallStarted { model: s.into(), prompt_preview: s.into(), ..Default::default() },
    );
    let failed = CallFinished {
        outcome: SpanOutcome::Error,
        response_preview: s.into(),
        error: Some(s.into()),
        ..common::ok_call("", Default::default(), 0.0, 0)
    };
    rec.finish_model_call(mc, failed.clone());
    let prog = rec.start_program(run, ProgramStarted { iteration: 1, code: s.into() });
    let sub = rec.start_subcall(
        prog,
        SubcallStarted {
            model: s.into(),
            prompt_preview: s.into(),
            batch_index: None,
            schema: None,
        },
    );
    rec.retry(sub, Retry { attempt: 1, reason: s.into(), delay_ms: 0 });
    rec.finish_subcall(sub, failed);
    rec.finish_program(
        prog,
        ProgramFinished {
            outcome: SpanOutcome::Error,
            stdout: s.into(),
            error: Some(s.into()),
            fuel_used: 0,
            memory_bytes: 0,
            duration_ms: 0,
        },
    );
    rec.budget(
        run,
        BudgetEvent {
            level: BudgetLevel::HardStop,
            budget: s.into(),
            used: 0.0,
            limit: 0.0,
            message: s.into(),
        },
    );
    rec.error(run, ErrorEvent { message: s.into(), fatal: false });
    rec.final_answer(run, FinalAnswer { answer: s.into() });
    rec.finish_run(
        run,
        RunFinished {
            outcome: SpanOutcome::Ok,
            iterations: 1,
            usage: Default::default(),
            cost_usd: 0.0,
            duration_ms: 0,
        },
    );
}

#[test]
fn secrets_never_reach_events_listeners_or_files() {
    const KEY: &str = "sk-proj-4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c";
    const TOKEN: &str = "hunter2-database-password";
    let redactor = Redactor::new().secret(KEY).secret(TOKEN);
    let rec =
        TraceRecorder::with_options(RecorderOptions { redactor, ..RecorderOptions::default() });
    let sink = Arc::new(JsonLinesSink::new(Vec::new()));
    rec.add_listener(sink.clone());
    let text = format!("Authorization: Bearer {KEY}\nuse {TOKEN} then {KEY}");
    every_kind(&rec, &text);

    let events = rec.events();
    assert_eq!(events.len(), 12);
    // every kind of event was exercised
    let kinds: HashSet<_> = events.iter().map(|e| e.kind.name()).collect();
    assert_eq!(kinds.len(), 12);
    let mut jsonl = Vec::new();
    write_jsonl(&events, &mut jsonl).unwrap();
    let outputs = [
        String::from_utf8(jsonl).unwrap(),
        rec.trace().unwrap().to_json(),
        rec.trace().unwrap().render_text(),
        rec.summary().to_prometheus("rlm"),
        serde_json::to_string(&rec.summary()).unwrap(),
    ];
    drop(rec);
    let sink = Arc::try_unwrap(sink).ok().unwrap();
    let streamed = String::from_utf8(sink.into_inner()).unwrap();
    for out in outputs.iter().chain([&streamed]) {
        assert!(!out.contains(KEY) && !out.contains(TOKEN), "secret leaked into:\n{out}");
        assert!(!out.contains("4f9a8b7c") && !out.contains("hunter2"), "part of a secret leaked");
    }
    // every string field was redacted, not just some
    let redacted_fields = streamed.matches("[REDACTED]").count();
    assert_eq!(redacted_fields, 3 * 18, "18 string fields, each with three secrets");
}

#[test]
fn a_secret_longer_than_the_truncation_limit_is_still_redacted() {
    let secret = "SECRET-".repeat(10);
    let rec = TraceRecorder::with_options(RecorderOptions {
        redactor: Redactor::new().secret(secret.clone()),
        max_text_chars: 20,
        ..RecorderOptions::default()
    });
    every_kind(&rec, &format!("0123456789ab{secret}"));
    let json = serde_json::to_string(&rec.events()).unwrap();
    assert!(!json.contains("SECRET-"), "{json}");
}

#[test]
fn long_text_is_truncated_with_a_marker() {
    let rec = TraceRecorder::with_options(RecorderOptions {
        max_text_chars: 10,
        ..RecorderOptions::default()
    });
    let run = rec.start_run(None, RunStarted::default());
    rec.start_program(run, ProgramStarted { iteration: 1, code: "é".repeat(1000) });
    let events = rec.events();
    let EventKind::ProgramStarted(p) = &events[1].kind else { panic!() };
    assert_eq!(p.code, format!("{}…[990 more chars]", "é".repeat(10)));
}

#[test]
fn without_keep_events_only_listeners_see_the_stream() {
    let rec = TraceRecorder::with_options(RecorderOptions {
        keep_events: false,
        ..RecorderOptions::default()
    });
    let sink = Arc::new(JsonLinesSink::new(Vec::new()));
    rec.add_listener(sink.clone());
    common::record_representative(&rec);
    assert!(rec.events().is_empty());
    assert_eq!(rec.len(), 35);
    drop(rec);
    let bytes = Arc::try_unwrap(sink).ok().unwrap().into_inner();
    let events = read_jsonl(&bytes[..]).unwrap();
    assert_eq!(events.len(), 35);
    Trace::from_events(events).unwrap();
}

#[test]
fn sink_counts_write_errors_instead_of_failing() {
    struct Full;
    impl std::io::Write for Full {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk full"))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let rec = TraceRecorder::new();
    let sink = Arc::new(JsonLinesSink::new(Full));
    rec.add_listener(sink.clone());
    let run = rec.start_run(None, RunStarted::default());
    rec.final_answer(run, FinalAnswer::default());
    assert_eq!(sink.write_errors(), 2);
    assert_eq!(rec.len(), 2);
}

#[test]
fn manual_clock_gives_exact_timestamps() {
    let clock = Arc::new(ManualClock::new(1_000));
    let rec = TraceRecorder::with_options(RecorderOptions {
        clock: clock.clone(),
        ..RecorderOptions::default()
    });
    let run = rec.start_run(None, RunStarted::default());
    clock.advance_us(2_500);
    rec.final_answer(run, FinalAnswer::default());
    clock.advance_us(500);
    rec.finish_run(
        run,
        RunFinished {
            outcome: SpanOutcome::Cancelled,
            iterations: 0,
            usage: Default::default(),
            cost_usd: 0.0,
            duration_ms: 3,
        },
    );
    let ts: Vec<u64> = rec.events().iter().map(|e| e.ts).collect();
    assert_eq!(ts, [1_000, 3_500, 4_000]);
    assert_eq!(rec.trace().unwrap().roots[0].elapsed_us(), Some(3_000));
    // a wall clock stepping back (NTP) does not make ts decrease
    struct SteppingBack(std::sync::atomic::AtomicU64);
    impl Clock for SteppingBack {
        fn now_us(&self) -> u64 {
            self.0.fetch_sub(100, std::sync::atomic::Ordering::SeqCst)
        }
    }
    let rec = TraceRecorder::with_options(RecorderOptions {
        clock: Arc::new(SteppingBack(std::sync::atomic::AtomicU64::new(10_000))),
        ..RecorderOptions::default()
    });
    let run = rec.start_run(None, RunStarted::default());
    rec.final_answer(run, FinalAnswer::default());
    let ts: Vec<u64> = rec.events().iter().map(|e| e.ts).collect();
    assert_eq!(ts, [10_000, 10_000]);
}

#[test]
fn a_late_listener_replays_then_follows_without_gap_or_duplicate() {
    let rec = TraceRecorder::new();
    let run = rec.start_run(None, RunStarted::default());
    let prog = rec.start_program(run, ProgramStarted::default());
    let late_seqs = Arc::new(Mutex::new(Vec::new()));
    std::thread::scope(|s| {
        for _ in 0..4 {
            let rec = rec.clone();
            s.spawn(move || {
                for i in 0..200 {
                    let span = rec.start_subcall(prog, SubcallStarted::default());
                    rec.finish_subcall(span, common::ok_call("x", common::usage(1, 1), 0.0, i));
                }
            });
        }
        // join in the middle of the recording (or, on a slow machine, before
        // it reaches seq 5, which must not change what the listener sees),
        // resuming from seq 5
        std::thread::sleep(std::time::Duration::from_millis(2));
        let seen = late_seqs.clone();
        rec.add_listener_replaying(
            Arc::new(move |e: &TraceEvent| seen.lock().unwrap().push(e.seq)),
            5,
        );
    });
    let total = rec.len();
    assert_eq!(total, 2 + 4 * 200 * 2);
    assert_eq!(*late_seqs.lock().unwrap(), (5..total).collect::<Vec<_>>());
    assert_eq!(rec.events_since(total - 3).len(), 3);
    assert!(rec.events_since(total).is_empty());
}

#[test]
fn a_listener_resuming_past_the_last_event_gets_nothing_before_its_seq() {
    let rec = TraceRecorder::new();
    let run = rec.start_run(None, RunStarted::default());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    rec.add_listener_replaying(Arc::new(move |e: &TraceEvent| sink.lock().unwrap().push(e.seq)), 5);
    let prog = rec.start_program(run, ProgramStarted::default());
    for i in 0..4 {
        let span = rec.start_subcall(prog, SubcallStarted::default());
        rec.finish_subcall(span, common::ok_call("x", common::usage(1, 1), 0.0, i));
    }
    assert_eq!(rec.len(), 10);
    assert_eq!(*seen.lock().unwrap(), (5..10).collect::<Vec<_>>());
}

/// Collects events and deltas in the order a listener sees them.
#[derive(Default)]
struct Watcher(Mutex<Vec<String>>);

impl TraceListener for Watcher {
    fn on_event(&self, e: &TraceEvent) {
        self.0.lock().unwrap().push(format!("event {} {}", e.seq, e.kind.name()));
    }
    fn on_delta(&self, d: &ModelDelta) {
        self.0.lock().unwrap().push(format!("delta {} {:?}", d.after_seq, d.text));
    }
}

#[test]
fn streamed_text_reaches_listeners_live_is_not_stored_and_is_replayed_to_late_ones() {
    let mut redactor = Redactor::new();
    redactor.add_secret("sk-secret-1234");
    let rec = TraceRecorder::with_options(RecorderOptions { redactor, ..Default::default() });
    let early = Arc::new(Watcher::default());
    rec.add_listener(early.clone());
    let run = rec.start_run(None, RunStarted::default());
    let call = rec.start_model_call(run, ModelCallStarted::default());
    rec.model_delta(call, "Hello");
    rec.model_delta(call, " sk-secret-1234 world");
    // A listener arriving mid-stream gets the events, then the text so far at once.
    let late = Arc::new(Watcher::default());
    rec.add_listener_replaying(late.clone(), 0);
    rec.model_delta(call, "!");
    rec.finish_model_call(
        call,
        common::ok_call("Hello [REDACTED] world!", common::usage(1, 1), 0.0, 5),
    );
    let after = Arc::new(Watcher::default());
    rec.add_listener_replaying(after.clone(), 0);

    let early = early.0.lock().unwrap().clone();
    assert_eq!(
        early,
        vec![
            "event 0 run_started",
            "event 1 model_call_started",
            "delta 2 \"Hello\"",
            format!("delta 2 \" {REDACTED} world\"").as_str(),
            "delta 2 \"!\"",
            "event 2 model_call_finished",
        ]
    );
    let late = late.0.lock().unwrap().clone();
    assert_eq!(late[2], format!("delta 2 \"Hello {REDACTED} world\""));
    assert_eq!(late[3], "delta 2 \"!\"");
    // Once the call has finished, nothing is left to replay: the stored reply has it.
    assert!(after.0.lock().unwrap().iter().all(|l| l.starts_with("event")));
    assert_eq!(rec.events().len(), 3, "deltas are never stored");
}

#[test]
fn compaction_is_its_own_event_kind_not_an_error() {
    let rec = TraceRecorder::new();
    let run = rec.start_run(None, RunStarted::default());
    rec.compaction(
        run,
        CompactionEvent { messages_summarised: 6, tokens_before: 9000, tokens_after: 1200 },
    );
    let events = rec.events();
    assert_eq!(events[1].kind.name(), "compaction");
    // Stamped with the version that introduced it; older kinds keep version 1.
    assert_eq!((events[0].schema_version, events[1].schema_version), (1, 2));
    let summary = rec.summary();
    assert_eq!((summary.errors, summary.compactions), (0, 1));
    assert!(summary.to_prometheus("rlm").contains("rlm_compactions_total 1\n"));
    assert!(summary.to_prometheus("rlm").contains("rlm_errors_total 0\n"));
    let back =
        read_jsonl(events.iter().map(|e| to_json_line(e) + "\n").collect::<String>().as_bytes())
            .unwrap();
    assert_eq!(back, events);
}

#[test]
fn a_tool_call_is_a_span_under_its_program_naming_its_server() {
    let rec = TraceRecorder::new();
    let run = rec.start_run(None, RunStarted::default());
    let prog = rec.start_program(run, ProgramStarted::default());
    let call = rec.start_tool_call(
        prog,
        ToolCallStarted {
            tool: "lookup".into(),
            server: Some("weather".into()),
            arguments_preview: "[\"Paris\"]".into(),
        },
    );
    let finished = ToolCallFinished {
        outcome: SpanOutcome::Ok,
        result_preview: "sunny".into(),
        latency_ms: 3,
        error: None,
    };
    rec.finish_tool_call(call, finished);
    rec.finish_program(prog, done());
    let events = rec.events();
    assert_eq!(events[2].kind.name(), "tool_call_started");
    assert_eq!(events[2].parent_span_id, Some(prog));
    // Stamped with the version that introduced the kind.
    assert_eq!((events[2].schema_version, events[3].schema_version), (3, 3));
    let line = to_json_line(&events[2]);
    assert!(line.contains("\"tool\":\"lookup\",\"server\":\"weather\""), "{line}");
    let tree = Trace::from_events(events.clone()).unwrap();
    let program = &tree.roots[0].children[0];
    assert_eq!(program.children[0].kind(), Some(SpanKind::ToolCall));
    assert_eq!(program.children[0].outcome(), Some(SpanOutcome::Ok));
    assert!(
        tree.render_text().contains("tool_call #3 lookup mcp=weather"),
        "{}",
        tree.render_text()
    );
    let back =
        read_jsonl(events.iter().map(|e| to_json_line(e) + "\n").collect::<String>().as_bytes())
            .unwrap();
    assert_eq!(back, events);
}

fn done() -> ProgramFinished {
    ProgramFinished {
        outcome: SpanOutcome::Ok,
        stdout: String::new(),
        error: None,
        fuel_used: 0,
        memory_bytes: 0,
        duration_ms: 0,
    }
}

#[test]
fn a_recorder_continues_a_trace_recorded_elsewhere() {
    // The first process: a run with one program, then it dies.
    let first = TraceRecorder::new();
    let run = first.start_run(None, RunStarted::default());
    let prog = first.start_program(run, ProgramStarted { iteration: 1, code: "x = 1".into() });
    first.finish_program(prog, done());
    let before = first.events();

    // The next process takes those events and goes on: seq and spans continue.
    let next = TraceRecorder::new();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    next.add_listener(Arc::new(move |e: &TraceEvent| seen2.lock().unwrap().push(e.seq)));
    assert!(next.continue_from(before.clone()));
    assert_eq!(next.root_run_span(), Some(run));
    let prog2 = next.start_program(run, ProgramStarted { iteration: 2, code: "y = 2".into() });
    assert_ne!(prog2, prog, "a new span id");
    next.finish_program(prog2, done());
    next.finish_run(
        run,
        RunFinished {
            outcome: SpanOutcome::Ok,
            iterations: 2,
            usage: common::usage(1, 1),
            cost_usd: 0.0,
            duration_ms: 0,
        },
    );
    assert_eq!(*seen.lock().unwrap(), [3, 4, 5], "listeners see only the new events");
    let all = next.events();
    assert_eq!(all.iter().map(|e| e.seq).collect::<Vec<_>>(), (0..6).collect::<Vec<u64>>());
    assert_eq!(all[3].parent_span_id, Some(run));
    next.trace().expect("one well-formed trace");

    // Only an empty recorder, and only a gap-free stream from 0.
    assert!(!next.continue_from(before.clone()));
    let fresh = TraceRecorder::new();
    assert!(!fresh.continue_from(before[1..].to_vec()));
    assert!(fresh.is_empty());
}
