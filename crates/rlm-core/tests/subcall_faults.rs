//! Issue #53: subcalls under rate limits and faults, through the whole path:
//! a real HTTP mock provider on 127.0.0.1 (rlm-testenv's) → the real
//! OpenAI-compatible adapter and its retries → the scheduler's gate, deadline
//! and pacing → rlm-core's host-call serving → the interpreter's `llm_batch`.
//!
//! A batch never loses the answers it has: a prompt that fails for good gets
//! an `LLMError` in its slot (falsy, printing its reason), the others keep
//! theirs (and the cache keeps them); `on_error="raise"` and a lone
//! `llm_query` raise. 429s and 503s wait out their hints until the subcall
//! deadline or the run's time budget; errors that waiting cannot fix are not
//! retried; usage and the trace count every request.

use crate::support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rlm_adapters::{EnvVars, ModelAdapter, adapter_from_model_string};
use rlm_context::Context;
use rlm_core::{InMemoryStore, MemoryStore, Rlm, RunResult};
use rlm_policy::BudgetLimits;
use rlm_sched::SchedulerConfig;
use rlm_testenv::mock_openai::{FailRule, MockConfig, MockOpenAi, Refusals, RetryAfter};
use rlm_trace::EventKind;
use rlm_types::{Completion, CompletionCache, CompletionRequest, ModelId};
use support::{repl, root};

/// The mock provider, served by a runtime of its own (kept alive by the
/// caller: a run drives its own runtime, not this one).
fn serve(config: MockConfig) -> (tokio::runtime::Runtime, MockOpenAi) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let mock = rt.block_on(MockOpenAi::start(config)).expect("the mock provider");
    (rt, mock)
}

/// The OpenAI adapter pointed at `mock`, as model `openai:{name}` (a name per
/// test: the providers' pushback is shared by model, process-wide).
fn sub_model(mock: &MockOpenAi, name: &str) -> Arc<dyn ModelAdapter> {
    let env = EnvVars::from_pairs([
        ("OPENAI_BASE_URL", format!("{}/v1", mock.uri())),
        ("OPENAI_API_KEY", "sk-test-0000000000000000".to_string()),
    ]);
    adapter_from_model_string(&format!("openai:{name}"), &env).expect("the openai adapter")
}

/// A run whose root model sends `program` (which ends with its own FINAL);
/// its batch cap admits the batch of 1,000 (past the default cap).
fn engine(sub: Arc<dyn ModelAdapter>, program: &str, scheduler: SchedulerConfig) -> Rlm {
    Rlm::builder()
        .root(root(&[&repl(program), "FINAL('the program did not finish')"]))
        .sub_model(sub)
        .scheduler(scheduler)
        .map_options(|o| o.max_batch = 1000)
        .build()
        .expect("an rlm")
}

fn run(rlm: &Rlm) -> RunResult {
    rlm.run_blocking("q", Context::from_text("a small context")).expect("a run")
}

fn retry_events(r: &RunResult) -> Vec<(String, u64)> {
    r.events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Retry(retry) => Some((retry.reason.clone(), retry.delay_ms)),
            _ => None,
        })
        .collect()
}

/// 1,000 distinct prompts; the answer says how many came back, how many are
/// the mock's echo of their own prompt, and what the others were.
const THOUSAND: &str = "\
rs = llm_batch([f'prompt {i}' for i in range(1000)])
good = sum(1 for i, r in enumerate(rs) if r == f're: prompt {i}')
FINAL(f'{len(rs)} {good} {[str(r) for r in rs if not r][:3]}')";

#[test]
fn a_thousand_prompts_under_20_percent_429s_answer_in_ten_of_ten_runs() {
    // Ten runs at once, each its own provider refusing a seeded 20% of its
    // requests with `Retry-After: 1` (the scenario: 3 runs in 5 lost
    // their batch). Concurrent, so the whole test waits about one run's time.
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let outcomes = rt.block_on(async {
        let mut runs = Vec::new();
        for seed in 0..10u64 {
            let mock = MockOpenAi::start(MockConfig {
                latency: Duration::from_millis(5),
                echo: true,
                refusals: Refusals {
                    rate: 0.2,
                    seed,
                    status: 429,
                    retry_after: Some(RetryAfter::Seconds(1)),
                },
                ..MockConfig::default()
            })
            .await
            .unwrap();
            let rlm = engine(
                sub_model(&mock, &format!("mock-thousand-{seed}")),
                THOUSAND,
                SchedulerConfig { max_concurrency: 32, ..SchedulerConfig::default() },
            );
            runs.push(async move {
                let r = rlm.run("q", Context::from_text("a small context")).await.unwrap();
                (r, mock)
            });
        }
        futures::future::join_all(runs).await
    });
    let mut answered = 0;
    for (seed, (r, mock)) in outcomes.iter().enumerate() {
        assert_eq!(r.answer.as_deref(), Some("1000 1000 []"), "run {seed}: {:?}", r.finish);
        answered += 1;
        // The fault path ran: about 250 refusals, each waited out once.
        let refused = mock.refused();
        assert!((150..=400).contains(&refused), "run {seed}: {refused} refusals");
        let retries = retry_events(r);
        assert_eq!(retries.len() as u64, refused, "run {seed}: one retry event per 429");
        assert!(retries.iter().all(|(reason, ms)| reason == "rate_limited" && *ms == 1000));
        // Usage counts every request sent (the root's two and the provider's),
        // and settles the 1,000 subcalls that answered.
        assert_eq!(r.usage.requests, mock.calls() + r.usage.root_calls, "run {seed}");
        assert_eq!(r.usage.subcalls, 1000, "run {seed}");
    }
    assert_eq!(answered, 10);
}

#[test]
fn a_retry_after_given_as_an_http_date_is_waited_out() {
    let (_rt, mock) = serve(MockConfig {
        echo: true,
        refusals: Refusals {
            rate: 0.5,
            seed: 3,
            status: 429,
            retry_after: Some(RetryAfter::Date(Duration::from_secs(1))),
        },
        ..MockConfig::default()
    });
    let program =
        "rs = llm_batch([f'p{i}' for i in range(8)])\nFINAL(str(sum(1 for r in rs if r)))";
    let rlm = engine(sub_model(&mock, "mock-date"), program, SchedulerConfig::default());
    let r = run(&rlm);
    assert_eq!(r.answer.as_deref(), Some("8"), "{:?}", r.finish);
    let retries = retry_events(&r);
    assert!(!retries.is_empty() && retries.len() as u64 == mock.refused());
    // An HTTP-date has whole seconds: the wait is the date less now, in (1, 2] s.
    assert!(retries.iter().all(|(_, ms)| (900..=2000).contains(ms)), "{retries:?}");
}

/// A completion cache in memory (the scheduler's seam; rlm-cache's is on disk).
#[derive(Default)]
struct MemoryCache(Mutex<HashMap<String, Completion>>);

impl MemoryCache {
    fn key(model: &ModelId, request: &CompletionRequest) -> String {
        format!("{model}\n{}", serde_json::to_string(request).unwrap())
    }
}

impl CompletionCache for MemoryCache {
    fn get(&self, model: &ModelId, request: &CompletionRequest) -> Option<Completion> {
        self.0.lock().unwrap().get(&Self::key(model, request)).cloned()
    }
    fn put(&self, model: &ModelId, request: &CompletionRequest, completion: &Completion) {
        self.0.lock().unwrap().insert(Self::key(model, request), completion.clone());
    }
}

#[test]
fn a_prompt_failing_for_good_leaves_an_llm_error_and_the_others_are_kept_and_cached() {
    let (_rt, mock) = serve(MockConfig {
        echo: true,
        failures: vec![FailRule {
            marker: "BROKEN".into(),
            status: 503,
            retry_after: Some(RetryAfter::Millis(100)),
            message: "the shard is down".into(),
        }],
        ..MockConfig::default()
    });
    let program = "\
rs = llm_batch([('BROKEN ' if i == 7 else '') + f'p{i}' for i in range(20)])
e = rs[7]
ok = [r for r in rs if r]
print(len(ok), bool(e), e.kind, e.attempts > 3, e.seconds < 3)
print(e)
FINAL(f'{len(rs)} {len(ok)} {e.kind}')";
    let cache = Arc::new(MemoryCache::default());
    // A one-second subcall deadline: the 503s are waited out until then.
    let scheduler = SchedulerConfig {
        subcall_deadline: Some(Duration::from_secs(1)),
        ..SchedulerConfig::default()
    };
    let build = || {
        Rlm::builder()
            .root(root(&[&repl(program), "FINAL('no')"]))
            .sub_model(sub_model(&mock, "mock-broken"))
            .scheduler(scheduler.clone())
            .cache(Arc::clone(&cache) as Arc<dyn CompletionCache>)
            .build()
            .unwrap()
    };
    let started = Instant::now();
    let first = run(&build());
    assert_eq!(first.answer.as_deref(), Some("20 19 server"), "{:?}", first.finish);
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    let output = program_output(&first);
    assert!(
        output.starts_with("19 False server True True\nLLMError: server error HTTP 503 after ")
    );
    assert!(output.contains("the shard is down (gave up after "), "{output}");
    let broken_attempts = mock.failed();
    assert!(broken_attempts > 3, "{broken_attempts}");
    // The 19 answers were paid once and stored; the failure was not.
    assert_eq!(first.usage.subcalls, 19);
    assert_eq!(first.usage.requests, 19 + broken_attempts + first.usage.root_calls);

    // Again: the 19 come from the cache, only the broken prompt is sent.
    let calls_before = mock.calls();
    let second = run(&build());
    assert_eq!(second.answer.as_deref(), Some("20 19 server"));
    assert_eq!(mock.calls() - calls_before, mock.failed() - broken_attempts);
    assert_eq!(second.usage.subcalls, 0, "cache hits and failures are not charged");
}

fn program_output(r: &RunResult) -> String {
    r.events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::ProgramFinished(p) => Some(p.stdout.clone()),
            _ => None,
        })
        .unwrap_or_default()
}

#[test]
fn a_provider_slower_than_the_deadline_is_abandoned_at_it() {
    let (_rt, mock) =
        serve(MockConfig { latency: Duration::from_secs(20), ..MockConfig::default() });
    let program = "rs = llm_batch(['slow'])\nFINAL(f'{rs[0].kind} {rs[0].attempts}: {rs[0]}')";
    let scheduler = SchedulerConfig {
        subcall_deadline: Some(Duration::from_millis(500)),
        ..SchedulerConfig::default()
    };
    let started = Instant::now();
    let r = run(&engine(sub_model(&mock, "mock-slow"), program, scheduler));
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    let answer = r.answer.unwrap_or_default();
    assert!(
        answer.starts_with(
            "deadline 1: LLMError: no answer within the subcall deadline (0 s): abandoned after 1 attempt(s)"
        ),
        "{answer}"
    );
}

#[test]
fn the_runs_time_budget_ends_the_waits() {
    // Every request refused with `Retry-After: 1`: the default deadline (ten
    // minutes) would wait on; the run's 1.5 s budget ends the retries at the
    // second refusal (another wait would end past it), and the program goes
    // on with the prompt's LLMError.
    let (_rt, mock) = serve(MockConfig {
        refusals: Refusals {
            rate: 1.0,
            seed: 0,
            status: 429,
            retry_after: Some(RetryAfter::Seconds(1)),
        },
        ..MockConfig::default()
    });
    let program = "rs = llm_batch(['never'])\nprint(rs[0].kind, rs[0].attempts)";
    let rlm = Rlm::builder()
        .root(root(&[&repl(program), "FINAL('again')"]))
        .sub_model(sub_model(&mock, "mock-budget"))
        .budget(BudgetLimits {
            max_wall_time: Some(Duration::from_millis(1500)),
            ..BudgetLimits::default()
        })
        .build()
        .unwrap();
    let started = Instant::now();
    let r = run(&rlm);
    assert!(started.elapsed() < Duration::from_secs(4), "{:?}", started.elapsed());
    assert_eq!(program_output(&r), "rate_limited 2\n");
    assert_eq!(mock.calls(), 2);
}

#[test]
fn errors_waiting_cannot_fix_are_not_retried_and_raise_where_asked() {
    let rule = |marker: &str, status, message: &str| FailRule {
        marker: marker.into(),
        status,
        retry_after: Some(RetryAfter::Seconds(1)),
        message: message.into(),
    };
    let (_rt, mock) = serve(MockConfig {
        echo: true,
        failures: vec![
            rule("BADKEY", 401, "Incorrect API key provided"),
            rule(
                "NOQUOTA",
                429,
                "You exceeded your current quota, please check your plan and billing details",
            ),
        ],
        ..MockConfig::default()
    });
    let program = "\
import asyncio
rs = llm_batch(['ok', 'BADKEY', 'NOQUOTA'])
print([r.kind if not r else r for r in rs], [r.attempts for r in rs[1:]])
try:
    llm_batch(['ok', 'BADKEY'], on_error='raise')
except RuntimeError as e:
    print('raised:', e)
try:
    llm_query('BADKEY alone')
except RuntimeError as e:
    print('raised:', e)
got = await asyncio.gather(llm_query_async('ok'), llm_query_async('BADKEY g'), return_exceptions=True)
print(got[0], type(got[1]).__name__)
later = await llm_batch_async(['ok', 'BADKEY later'])
print(later[0], later[1].kind)
try:
    llm_batch(['x'], on_error='ignore')
except ValueError as e:
    print(e)
memory['failure'] = rs[1]
FINAL('done')";
    let memory = Arc::new(InMemoryStore::default());
    let rlm = Rlm::builder()
        .root(root(&[&repl(program), "FINAL('no')"]))
        .sub_model(sub_model(&mock, "mock-fatal"))
        .memory(Arc::clone(&memory) as Arc<dyn MemoryStore>)
        .build()
        .unwrap();
    let r = run(&rlm);
    assert_eq!(r.answer.as_deref(), Some("done"), "{:?}", r.finish);
    // An LLMError has no JSON form: `memory` does not keep it, and says so.
    assert!(memory.load().get("failure").is_none());
    assert!(r.events.iter().any(|e| matches!(&e.kind, EventKind::Error(x)
        if x.message == "memory entries without a JSON form were not kept: failure")));
    let output = program_output(&r);
    let lines: Vec<&str> = output.lines().collect();
    assert_eq!(lines[0], "['re: ok', 'auth', 'quota_exceeded'] [1, 1]", "{output}");
    assert!(
        lines[1].starts_with("raised: sub-model call failed: authentication failed (HTTP 401)")
    );
    assert!(lines[2].starts_with("raised: sub-model call failed: authentication failed"));
    assert_eq!(lines[3], "re: ok RuntimeError");
    assert_eq!(lines[4], "re: ok auth");
    assert_eq!(
        lines[5],
        "llm_batch() argument 'on_error' must be \"value\" or \"raise\", not 'ignore'"
    );
    // Each failing request was sent once: five of them, none retried.
    assert_eq!(mock.failed(), 6);
    assert!(retry_events(&r).is_empty());
}
