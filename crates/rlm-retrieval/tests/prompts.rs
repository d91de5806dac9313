//! The rerank and rewrite prompts as a model receives them, captured from real
//! calls through the scheduler and snapshot-tested: a change to `prompts/`
//! shows up here for review.

use std::sync::{Arc, Mutex};

use rlm_retrieval::{Hit, ListwiseReranker, ModelCaller, QueryRewriter, TournamentReranker};
use rlm_sched::{FnExecutor, Scheduler};
use rlm_types::{Completion, CompletionRequest, ModelId, Usage};

#[derive(Debug, thiserror::Error)]
#[error("never")]
struct Never;

fn recording() -> (Scheduler<impl rlm_sched::SubcallExecutor>, Arc<Mutex<Vec<CompletionRequest>>>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let seen = log.clone();
    let exec = FnExecutor(move |model: ModelId, request: CompletionRequest| {
        seen.lock().unwrap().push(request);
        async move {
            Ok::<_, Never>(Completion {
                text: "[1]".into(),
                usage: Usage::default(),
                finish_reason: None,
                model: model.to_string(),
                latency: Default::default(),
            })
        }
    });
    (Scheduler::builder(exec).build().unwrap(), log)
}

fn hits(texts: &[&str]) -> Vec<Hit> {
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| Hit {
            doc_id: format!("d{i}"),
            preview: t.to_string(),
            score: 0.0,
            metadata: Default::default(),
        })
        .collect()
}

fn model() -> ModelId {
    "test:m".parse().unwrap()
}

#[tokio::test]
async fn listwise_prompt() {
    let (sched, log) = recording();
    let items = hits(&[
        "Owls hunt at night.",
        "Bees make\nhoney.",
        "A very long passage. ".repeat(30).as_str(),
    ]);
    ListwiseReranker::new(ModelCaller::new(sched, model()))
        .rerank("which birds hunt at night?", &items, 3)
        .await
        .unwrap();
    let requests = log.lock().unwrap();
    assert_eq!(requests.len(), 1);
    insta::assert_snapshot!("rerank_listwise", requests[0].messages[0].content);
}

#[tokio::test]
async fn tournament_select_prompt() {
    let (sched, log) = recording();
    let items = hits(&["one", "two", "three", "four", "five"]);
    TournamentReranker::new(ModelCaller::new(sched, model()))
        .with_batches(3, 1)
        .unwrap()
        .with_seed(1)
        .rerank("numbers", &items, 2)
        .await
        .unwrap();
    let requests = log.lock().unwrap();
    insta::assert_snapshot!("rerank_select", requests[0].messages[0].content);
}

#[tokio::test]
async fn rewrite_prompt() {
    let (sched, log) = recording();
    QueryRewriter::new(ModelCaller::new(sched, model()), 5)
        .unwrap()
        .rewrite("owl diet")
        .await
        .unwrap();
    let requests = log.lock().unwrap();
    let messages: Vec<String> =
        requests[0].messages.iter().map(|m| format!("[{:?}]\n{}", m.role, m.content)).collect();
    insta::assert_snapshot!("query_rewrite", messages.join("\n\n"));
}

#[tokio::test]
async fn first_step_evidence_block() {
    use rlm_context::Context;
    use rlm_retrieval::{EmbeddedRetriever, IndexOptions, RetrievalPrompts, first_step_evidence};
    let filler = "Essays about startups, painting and programming languages. ".repeat(60);
    let ctx =
        Context::from_text(format!("{filler}The secret passphrase is violet-harbor-42. {filler}"));
    let retriever = EmbeddedRetriever::open_or_build(&ctx, &IndexOptions::default()).unwrap();
    let prompts = RetrievalPrompts::default();
    let block = first_step_evidence(&retriever, "What is the secret passphrase?", 2, &prompts)
        .await
        .unwrap()
        .unwrap();
    assert!(block.contains("The secret passphrase is violet-harbor-42."));
    insta::assert_snapshot!("retrieval_evidence", block);
    // Nothing to look for, or nothing found: no block.
    assert!(first_step_evidence(&retriever, "what is it?", 2, &prompts).await.unwrap().is_none());
    assert!(first_step_evidence(&retriever, "zebra quagga", 2, &prompts).await.unwrap().is_none());
}
