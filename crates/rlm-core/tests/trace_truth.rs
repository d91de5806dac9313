//! The trace says what happened to each subcall: served from the cache or
//! deduplicated (marked, $0, no tokens), its own latency, its own retries,
//! closed as it ends (from the scheduler's events), under its program's span;
//! and each program's live memory, read from the interpreter.
//! Each test here failed on the trace as it was before these were mapped.

use crate::support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rlm_adapters::{Fault, FaultInjector, FaultRule, ModelAdapter, RetryPolicy};
use rlm_context::Context;
use rlm_core::Rlm;
use rlm_trace::{CallFinished, EventKind, ProgramFinished, TraceEvent, TraceSummary};
use rlm_types::{Completion, CompletionCache, CompletionRequest, ModelId};
use support::{repl, root, scripted};

/// Every subcall's finish, in the order they were recorded, with its seq.
fn subcalls(events: &[TraceEvent]) -> Vec<(u64, CallFinished)> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::SubcallFinished(c) => Some((e.seq, c.clone())),
            _ => None,
        })
        .collect()
}

/// The prompt preview of every subcall span, by span id.
fn prompts(events: &[TraceEvent]) -> HashMap<u64, String> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::SubcallStarted(s) => Some((e.span_id.0, s.prompt_preview.clone())),
            _ => None,
        })
        .collect()
}

/// A completion cache in memory.
#[derive(Default)]
struct MemoryCache(Mutex<HashMap<String, Completion>>);

impl CompletionCache for MemoryCache {
    fn get(&self, model: &ModelId, request: &CompletionRequest) -> Option<Completion> {
        let key = format!("{model}{}", serde_json::to_string(request).ok()?);
        self.0.lock().unwrap().get(&key).cloned()
    }
    fn put(&self, model: &ModelId, request: &CompletionRequest, completion: &Completion) {
        if let Ok(body) = serde_json::to_string(request) {
            self.0.lock().unwrap().insert(format!("{model}{body}"), completion.clone());
        }
    }
}

/// A price for the scripted sub-model, so that a real call costs something.
fn prices() -> rlm_adapters::PriceTable {
    let mut t = rlm_adapters::PriceTable::empty();
    t.insert("fake:sub", rlm_types::Price::new(1.0, 0.5, 2.0));
    t
}

#[test]
fn cache_hits_are_marked_and_cost_nothing() {
    let cache = Arc::new(MemoryCache::default());
    let run = || {
        let root = root(&[&repl("print(llm_batch(['alpha', 'beta', 'gamma']))"), "FINAL('x')"]);
        let sub = scripted("sub", &[(".", "an answer")], &[], None);
        let rlm = Rlm::builder()
            .root(root)
            .sub_model(sub)
            .cache(cache.clone())
            .prices(prices())
            .build()
            .unwrap();
        rlm.run_blocking("q", Context::from_text("some text")).unwrap()
    };
    let first = run();
    let paid = subcalls(&first.events);
    assert_eq!(paid.len(), 3);
    assert!(paid.iter().all(|(_, c)| !c.cached && c.cost_usd > 0.0), "{paid:?}");
    let second = run();
    let hits = subcalls(&second.events);
    assert_eq!(hits.len(), 3);
    for (_, c) in &hits {
        assert!(c.cached, "{c:?}");
        assert_eq!((c.cost_usd, c.usage.total()), (0.0, 0));
        assert_eq!(c.response_preview, "an answer");
    }
    assert_eq!(second.usage.subcalls, 0, "nothing was charged to the budget");
    let summary = TraceSummary::from_events(&second.events);
    assert_eq!((summary.cache.hits, summary.cache.hit_rate), (3, Some(1.0)));
    assert_eq!(summary.models.get("fake:sub").map(|m| m.cost_usd), Some(0.0));
}

#[test]
fn duplicate_prompts_of_a_batch_are_marked_deduplicated() {
    let root = root(&[&repl("print(llm_batch(['same', 'same', 'other']))"), "FINAL('x')"]);
    let sub = scripted("sub", &[("same", "A"), ("other", "B")], &[], None);
    let rlm = Rlm::builder().root(root).sub_model(sub.clone()).build().unwrap();
    let r = rlm.run_blocking("q", Context::from_text("some text")).unwrap();
    let calls = subcalls(&r.events);
    assert_eq!(calls.len(), 3);
    let deduped: Vec<&CallFinished> = calls.iter().map(|(_, c)| c).filter(|c| c.deduped).collect();
    assert_eq!(deduped.len(), 1);
    assert_eq!((deduped[0].cost_usd, deduped[0].usage.total()), (0.0, 0));
    assert_eq!(deduped[0].response_preview, "A");
    assert_eq!(sub.calls(), 2, "the duplicate was sent once");
    assert_eq!(TraceSummary::from_events(&r.events).cache.deduped, 1);
}

#[test]
fn each_subcall_has_its_own_latency_and_closes_when_it_ends() {
    // The slow prompt comes first in the batch; the fast one ends long before it.
    let script = rlm_adapters::FakeScript {
        model: Some("sub".into()),
        rules: vec![rule("slow", "late", 300), rule("fast", "early", 0)],
        ..Default::default()
    };
    let slow: Arc<dyn ModelAdapter> =
        Arc::new(rlm_adapters::FakeAdapter::scripted(script).unwrap());
    let root = root(&[&repl("print(llm_batch(['slow one', 'fast one']))"), "FINAL('x')"]);
    let rlm = Rlm::builder().root(root).sub_model(slow).build().unwrap();
    let r = rlm.run_blocking("q", Context::from_text("some text")).unwrap();
    let calls = subcalls(&r.events);
    let by_text = |t: &str| calls.iter().find(|(_, c)| c.response_preview == t).cloned().unwrap();
    let (late_seq, late) = by_text("late");
    let (early_seq, early) = by_text("early");
    assert!(late.latency_ms >= 300, "the slow call's own latency: {}", late.latency_ms);
    assert!(early.latency_ms < late.latency_ms, "{} vs {}", early.latency_ms, late.latency_ms);
    assert!(early_seq < late_seq, "the fast call's span closed first, as it ended");
    // Subcall spans hang from the program that made them.
    let program = r
        .events
        .iter()
        .find(|e| matches!(e.kind, EventKind::ProgramStarted(_)))
        .map(|e| e.span_id)
        .unwrap();
    assert!(
        r.events
            .iter()
            .filter(|e| matches!(e.kind, EventKind::SubcallStarted(_)))
            .all(|e| e.parent_span_id == Some(program))
    );
    assert_eq!(prompts(&r.events).len(), 2);
}

fn rule(pattern: &str, reply: &str, delay_ms: u64) -> rlm_adapters::FakeRule {
    rlm_adapters::FakeRule {
        pattern: pattern.to_string(),
        target: rlm_adapters::MatchTarget::LastUser,
        reply: rlm_adapters::FakeReply::Full(rlm_adapters::FakeReplySpec {
            text: reply.to_string(),
            delay_ms: Some(delay_ms),
            ..Default::default()
        }),
        times: None,
    }
}

#[test]
fn each_subcalls_retries_are_recorded_on_its_span() {
    // The sub-model answers 429 twice (asking to wait 1 ms), then succeeds.
    let inner: Arc<dyn ModelAdapter> = scripted("sub", &[(".", "finally")], &[], None);
    let flaky: Arc<dyn ModelAdapter> = Arc::new(FaultInjector::new(
        inner,
        vec![FaultRule::in_bursts(Fault::RateLimit { retry_after_ms: Some(1) }, 1000, 2)],
        7,
        RetryPolicy::default(),
    ));
    let root = root(&[&repl("print(llm_query('question'))"), "FINAL('x')"]);
    let rlm = Rlm::builder().root(root).sub_model(flaky).build().unwrap();
    let r = rlm.run_blocking("q", Context::from_text("some text")).unwrap();
    let span = r
        .events
        .iter()
        .find(|e| matches!(e.kind, EventKind::SubcallStarted(_)))
        .map(|e| e.span_id)
        .unwrap();
    let retries: Vec<(u32, String)> = r
        .events
        .iter()
        .filter(|e| e.span_id == span)
        .filter_map(|e| match &e.kind {
            EventKind::Retry(x) => Some((x.attempt, x.reason.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(retries.len(), 2, "{retries:?}");
    assert_eq!(retries.iter().map(|r| r.0).collect::<Vec<_>>(), vec![1, 2]);
    assert!(retries.iter().all(|r| r.1 == "rate_limited"), "{retries:?}");
    assert_eq!(subcalls(&r.events)[0].1.response_preview, "finally");
    let summary = TraceSummary::from_events(&r.events);
    assert_eq!(summary.retries_by_reason.get("rate_limited"), Some(&2));
}

#[test]
fn each_program_reports_the_memory_its_values_hold() {
    let root = root(&[
        &repl("big = 'y' * 200000\nprint(len(big))"),
        &repl("big = None\nprint('freed')"),
        &repl("x = 'z' * 10000000"),
        "FINAL('x')",
    ]);
    let rlm = Rlm::builder()
        .root(root)
        .interpreter_limits(rlm_interp::Limits { memory_bytes: 4 << 20, ..Default::default() })
        .build()
        .unwrap();
    let r = rlm.run_blocking("q", Context::from_text("a context of a few bytes")).unwrap();
    let programs: Vec<ProgramFinished> = r
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ProgramFinished(p) => Some(p.clone()),
            _ => None,
        })
        .collect();
    // The three cells, then the FINAL check.
    assert_eq!(programs.len(), 4, "{programs:?}");
    let (held, freed, over) = (&programs[0], &programs[1], &programs[2]);
    // It was always 0: now the interpreter's count of what the globals hold.
    assert!(held.memory_bytes >= 200_000, "{held:?}");
    assert!(freed.memory_bytes < held.memory_bytes - 190_000, "{freed:?}");
    // The count is the session's own (rlm-interp's per-session account). The
    // globals the run binds from outside (answer, memory...) join it (#12:
    // host-made values are charged to the session that holds them), so once
    // `big` is gone what is left is what a fresh session holds, plus `big`'s
    // name and None. The FINAL check runs in the session restarted after
    // the memory error: that fresh session's count is the baseline.
    let baseline = programs[3].memory_bytes;
    assert!(baseline > 0, "{:?}", programs[3]);
    assert!(freed.memory_bytes <= baseline + 10_000, "{freed:?} against {baseline}");
    // A memory limit error: what was live when it stopped (the refused string
    // was never made), read before the REPL restarts.
    assert!(over.error.as_deref().is_some_and(|e| e.contains("memory limit")), "{over:?}");
    assert!(over.memory_bytes < 4 << 20, "{over:?}");
    assert!(over.fuel_used > 0, "the dead session's fuel, not the fresh one's: {over:?}");
}
