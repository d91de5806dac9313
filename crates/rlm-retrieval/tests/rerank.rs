//! Rerankers and the query rewriter through a real `rlm-sched` scheduler:
//! the model is a rule-based judge (ranks passages by how many query words
//! they contain), so the expected orders are known exactly; budgets refuse
//! calls, the cache answers repeats.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use rlm_policy::{Budget, BudgetLimits};
use rlm_retrieval::{Hit, ListwiseReranker, ModelCaller, QueryRewriter, TournamentReranker};
use rlm_sched::{FnExecutor, Scheduler, SchedulerConfig, SubcallExecutor};
use rlm_types::{Completion, CompletionCache, CompletionRequest, ModelId, Usage};

#[derive(Debug, thiserror::Error)]
#[error("never")]
struct Never;

/// Ranks the prompt's `[n] text` passages by query-word overlap (ties: lower number first);
/// answers "Pick the K" prompts with the best K only.
fn judge(prompt: &str) -> String {
    let query = prompt.lines().find_map(|l| l.strip_prefix("Query: ")).unwrap_or("").to_lowercase();
    let words: Vec<&str> = query.split_whitespace().collect();
    let mut passages: Vec<(usize, usize)> = prompt
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix('[')?;
            let (n, text) = rest.split_once("] ")?;
            let n: usize = n.parse().ok()?;
            let text = text.to_lowercase();
            Some((n, words.iter().filter(|w| text.split_whitespace().any(|t| t == **w)).count()))
        })
        .collect();
    passages.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let keep = prompt
        .split("Pick the ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(passages.len());
    passages.iter().take(keep).map(|(n, _)| format!("[{n}]")).collect::<Vec<_>>().join(" > ")
}

fn completion(text: String, model: &ModelId) -> Completion {
    Completion {
        text,
        usage: Usage { prompt_tokens: 10, completion_tokens: 5, cached_tokens: 0 },
        finish_reason: None,
        model: model.to_string(),
        latency: Default::default(),
    }
}

fn judge_scheduler(calls: Arc<AtomicUsize>) -> Scheduler<impl SubcallExecutor> {
    let exec = FnExecutor(move |model: ModelId, request: CompletionRequest| {
        calls.fetch_add(1, Ordering::SeqCst);
        let reply = judge(&request.messages.last().unwrap().content);
        async move { Ok::<_, Never>(completion(reply, &model)) }
    });
    Scheduler::builder(exec).config(SchedulerConfig::default()).build().unwrap()
}

fn model() -> ModelId {
    "test:judge".parse().unwrap()
}

fn pool(n: usize, relevant_at: &[usize]) -> Vec<Hit> {
    (0..n)
        .map(|i| Hit {
            doc_id: format!("d{i}"),
            preview: if relevant_at.contains(&i) {
                format!("passage {i} about owls hunting at night")
            } else {
                format!("passage {i} about something else")
            },
            score: (n - i) as f64,
            metadata: Default::default(),
        })
        .collect()
}

#[tokio::test]
async fn listwise_bubbles_relevant_passages_up_from_the_bottom() {
    let calls = Arc::new(AtomicUsize::new(0));
    let caller = ModelCaller::new(judge_scheduler(calls.clone()), model());
    let reranker = ListwiseReranker::new(caller).with_window(10, 5).unwrap();
    let items = pool(25, &[24, 13]);
    let out = reranker.rerank("owls night", &items, 5).await.unwrap();
    let ids: Vec<_> = out.items.iter().map(|h| h.doc_id.as_str()).collect();
    assert_eq!(ids, ["d13", "d24", "d0", "d1", "d2"]);
    // Windows [15,25) [10,20) [5,15) [0,10): four calls.
    assert_eq!(out.calls, 4);
    assert_eq!(calls.load(Ordering::SeqCst), 4);
    assert_eq!((out.unparsed, out.failures.len()), (0, 0));
    assert!(reranker.rerank("  ", &items, 5).await.is_err());
    assert!(
        ListwiseReranker::new(ModelCaller::new(judge_scheduler(calls), model()))
            .with_window(5, 6)
            .is_err()
    );
}

#[tokio::test]
async fn unreadable_replies_and_refused_calls_keep_the_order() {
    let exec = FnExecutor(|model: ModelId, _r: CompletionRequest| async move {
        Ok::<_, Never>(completion("I cannot rank these.".into(), &model))
    });
    let sched = Scheduler::builder(exec).build().unwrap();
    let out = ListwiseReranker::new(ModelCaller::new(sched, model()))
        .rerank("owls", &pool(3, &[2]), 3)
        .await
        .unwrap();
    assert_eq!(out.unparsed, 1);
    assert_eq!(out.items.iter().map(|h| h.doc_id.as_str()).collect::<Vec<_>>(), ["d0", "d1", "d2"]);

    // A budget of one subcall: the second window is refused, nothing is lost.
    let budget =
        Budget::new(BudgetLimits { max_subcalls: Some(1), ..BudgetLimits::default() }).unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let caller =
        ModelCaller::new(judge_scheduler(calls.clone()), model()).with_budget(budget.clone());
    let out = ListwiseReranker::new(caller)
        .with_window(10, 5)
        .unwrap()
        .rerank("owls", &pool(20, &[3]), 20)
        .await
        .unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(out.failures.len(), 2, "{:?}", out.failures);
    assert!(out.failures[0].contains("budget"), "{}", out.failures[0]);
    assert_eq!(out.items.len(), 20);
    assert_eq!(budget.snapshot().subcalls, 1);
}

/// An in-memory completion cache (the real one is rlm-cache's sled store).
#[derive(Default)]
struct MemCache(Mutex<HashMap<String, Completion>>);
impl CompletionCache for MemCache {
    fn get(&self, model: &ModelId, request: &CompletionRequest) -> Option<Completion> {
        self.0
            .lock()
            .unwrap()
            .get(&format!("{model}{}", serde_json::to_string(request).unwrap()))
            .cloned()
    }
    fn put(&self, model: &ModelId, request: &CompletionRequest, completion: &Completion) {
        let key = format!("{model}{}", serde_json::to_string(request).unwrap());
        self.0.lock().unwrap().insert(key, completion.clone());
    }
}

#[tokio::test]
async fn repeated_reranks_are_answered_by_the_scheduler_cache() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let exec = FnExecutor(move |model: ModelId, request: CompletionRequest| {
        counter.fetch_add(1, Ordering::SeqCst);
        let reply = judge(&request.messages.last().unwrap().content);
        async move { Ok::<_, Never>(completion(reply, &model)) }
    });
    let sched = Scheduler::builder(exec).cache(Arc::new(MemCache::default())).build().unwrap();
    let reranker =
        ListwiseReranker::new(ModelCaller::new(sched.clone(), model())).with_window(10, 5).unwrap();
    let items = pool(25, &[20]);
    let first = reranker.rerank("owls", &items, 3).await.unwrap();
    let second = reranker.rerank("owls", &items, 3).await.unwrap();
    assert_eq!(first.items, second.items);
    assert_eq!(first.items[0].doc_id, "d20");
    assert_eq!(calls.load(Ordering::SeqCst), 4);
    assert_eq!(sched.stats().cache_hits, 4);
}

#[tokio::test]
async fn tournament_finds_the_relevant_passages_in_a_large_pool() {
    let calls = Arc::new(AtomicUsize::new(0));
    let caller = ModelCaller::new(judge_scheduler(calls.clone()), model());
    // Three survivors per batch: the three relevant passages can never knock each other out.
    let reranker = TournamentReranker::new(caller).with_batches(10, 3).unwrap().with_seed(7);
    let items = pool(50, &[3, 41, 47]);
    let out = reranker.rerank("owls hunting", &items, 3).await.unwrap();
    let mut top: Vec<_> = out.items.iter().map(|h| h.doc_id.clone()).collect();
    top.sort();
    assert_eq!(top, ["d3", "d41", "d47"]);
    // Round 1: 5 batches of 10 -> 15 survivors; round 2: batches of 10 and 5 -> 6; one final ordering.
    assert_eq!(out.calls, 8);
    assert_eq!(calls.load(Ordering::SeqCst), 8);
    // Same seed, same result; the full ordering keeps every item.
    let all = reranker.rerank("owls hunting", &items, 100).await.unwrap();
    assert_eq!(all.items.len(), 50);
    assert_eq!(all.items[..3], out.items[..]);
    assert!(
        TournamentReranker::new(ModelCaller::new(judge_scheduler(calls), model()))
            .with_batches(4, 4)
            .is_err()
    );
}

#[tokio::test]
async fn rewriter_asks_once_and_reads_json() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let exec = FnExecutor(move |model: ModelId, request: CompletionRequest| {
        log.lock().unwrap().push(request.clone());
        let reply = "```json\n{\"rewrites\": [\"nocturnal raptor behaviour\", \"owls night\", \"barn owl prey\", \"x\"]}\n```";
        async move { Ok::<_, Never>(completion(reply.to_string(), &model)) }
    });
    let sched = Scheduler::builder(exec).build().unwrap();
    let rewriter = QueryRewriter::new(ModelCaller::new(sched, model()), 2).unwrap();
    assert!(rewriter.system_prompt().contains("write 2 different reformulations"));
    let rewrites = rewriter.rewrite("owls night").await.unwrap();
    // The query itself is dropped; at most n.
    assert_eq!(rewrites, ["nocturnal raptor behaviour", "barn owl prey"]);
    let requests = seen.lock().unwrap();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].messages[1].content, "Query: owls night");
    assert!(
        QueryRewriter::new(
            ModelCaller::new(judge_scheduler(Arc::new(AtomicUsize::new(0))), model()),
            0
        )
        .is_err()
    );
}
