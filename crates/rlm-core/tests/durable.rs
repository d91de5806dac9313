//! Durable runs (issue #36): a checkpoint after each completed root step,
//! and a run resumed from one continues at the next step with the same
//! variables and history, to the answer an uninterrupted run gives. Subcalls
//! a resumed run makes again are answered by the completion cache (counted
//! on a scripted sub-model); variables without a saved form are named and
//! their programs re-run; corrupt checkpoints are typed errors.

use crate::support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rlm_adapters::FakeAdapter;
use rlm_context::Context;
use rlm_core::{
    Checkpoint, CheckpointError, CheckpointSink, Finish, MemoryCheckpoints, Rlm, RlmError,
};
use rlm_types::{Completion, CompletionCache, CompletionRequest, ModelId};
use support::{repl, scripted};

const QUERY: &str = "What do the notes say?";

/// A completion cache in memory (the server shares one in Redis).
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

/// The counting sub-model: one answer per question.
fn sub() -> Arc<FakeAdapter> {
    scripted("sub", &[("alpha", "alpha-answer"), ("beta", "beta-answer")], &[], None)
}

/// A root model that sends `steps` in order, then fails (the run dies).
fn root(steps: &[String]) -> Arc<FakeAdapter> {
    let steps: Vec<&str> = steps.iter().map(String::as_str).collect();
    scripted("root", &[], &steps, None)
}

fn rlm(root: Arc<FakeAdapter>, sub: Arc<FakeAdapter>, cache: Option<Arc<MemoryCache>>) -> Rlm {
    let mut b = Rlm::builder().root(root).sub_model(sub);
    if let Some(c) = cache {
        b = b.cache(c);
    }
    b.build().unwrap()
}

fn context() -> Context {
    Context::from_text("alpha and beta are the two notes")
}

fn sink() -> (MemoryCheckpoints, Arc<dyn CheckpointSink>) {
    let s = MemoryCheckpoints::default();
    (s.clone(), Arc::new(s))
}

/// Three steps over shared and cyclic values.
fn saved_steps() -> Vec<String> {
    vec![
        repl(
            "parts = [1, 2]\nparts.append(parts)\nnotes = {'a': llm_query('alpha question')}\n\
             alias = notes\nprint(notes['a'])",
        ),
        repl("notes['b'] = llm_query('beta question')\nprint(len(notes), len(parts))"),
        repl(
            "FINAL(notes['a'] + '|' + alias['b'] + '|' + str(len(parts)) + '|' \
             + str(parts[2] is parts) + '|' + str(alias is notes))",
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_interrupted_after_step_k_resumes_at_k_plus_1_with_the_same_variables() {
    let steps = saved_steps();
    let whole = rlm(root(&steps), sub(), None).run(QUERY, context()).await.unwrap();
    assert_eq!(whole.answer.as_deref(), Some("alpha-answer|beta-answer|3|True|True"));
    assert_eq!(whole.steps, 3);

    // The root model dies after the first step.
    let (saved, to) = sink();
    let first =
        rlm(root(&steps[..1]), sub(), None).run_durable(QUERY, context(), to).await.unwrap();
    assert!(matches!(first.finish, Finish::ModelError { .. }), "{:?}", first.finish);
    let all = saved.all();
    assert_eq!(all.len(), 1);
    let cp = &all[0];
    assert_eq!((cp.step, cp.globals_step), (1, 1));
    assert!(cp.lost.is_empty() && cp.replay.is_empty() && cp.note.is_none());
    let names: Vec<&str> = cp.globals.globals.iter().map(|(n, _)| n.as_str()).collect();
    for name in ["parts", "notes", "alias", "answer"] {
        assert!(names.contains(&name), "{name} in {names:?}");
    }
    assert!(!names.contains(&"context") && !names.contains(&"query"), "{names:?}");
    assert!(cp.messages.iter().any(|m| m.content.contains("alpha-answer")), "step 1's output");
    assert!(!cp.trace.is_empty());

    // Through its bytes, as a store keeps it; the rest of the steps.
    let cp = Checkpoint::from_bytes(&cp.to_bytes().unwrap()).unwrap();
    let rest = root(&steps[1..]);
    let subs = sub();
    let (saved2, to2) = sink();
    let resumed =
        rlm(Arc::clone(&rest), Arc::clone(&subs), None).resume(cp, context(), to2).await.unwrap();
    assert_eq!(resumed.answer, whole.answer);
    assert_eq!(resumed.steps, 3);
    assert_eq!(rest.calls(), 2, "the resumed run asks for steps 2 and 3 only");
    assert_eq!(subs.calls(), 1, "only step 2's subcall is new");
    // Step 2 was sent the history of step 1.
    let sent = &rest.requests()[0].messages;
    assert!(sent.iter().any(|m| m.content.contains("alpha-answer")));
    assert!(sent.iter().any(|m| m.content.contains("parts.append(parts)")));
    assert_eq!(saved2.all().iter().map(|c| c.step).collect::<Vec<_>>(), [2]);
}

/// Steps whose variables include a function.
fn function_steps() -> Vec<String> {
    vec![
        repl(
            "def shout(x):\n    return x.upper()\nfirst = shout(llm_query('alpha question'))\nprint(first)",
        ),
        repl("second = shout(llm_query('beta question'))\nprint(second)"),
        repl("FINAL(first + '/' + second)"),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unserialisable_variable_is_named_and_its_steps_rerun_from_the_cache() {
    let steps = function_steps();
    let cache = Arc::new(MemoryCache::default());
    let subs = sub();
    let (saved, to) = sink();
    let first = rlm(root(&steps[..2]), Arc::clone(&subs), Some(Arc::clone(&cache)))
        .run_durable(QUERY, context(), to)
        .await
        .unwrap();
    assert!(matches!(first.finish, Finish::ModelError { .. }));
    assert_eq!(subs.calls(), 2);
    let all = saved.all();
    assert_eq!(all.len(), 2);
    let cp = all[1].clone();
    assert_eq!(cp.step, 2);
    assert_eq!(cp.lost.len(), 1);
    assert_eq!(cp.lost[0].name, "shout");
    assert!(cp.lost[0].reason.contains("'function'"), "{:?}", cp.lost);
    let note = cp.note.clone().unwrap();
    assert!(note.contains("`shout`") && note.contains("step 2") && note.contains("since step 1"));
    // Nothing complete since the start: both programs run again on resume.
    assert_eq!(cp.globals_step, 0);
    assert_eq!(cp.replay.iter().map(|p| p.step).collect::<Vec<_>>(), [1, 2]);
    // Each checkpoint holds its own step's trace, the note among it.
    assert!(all[1].trace.first().unwrap().seq > all[0].trace.last().unwrap().seq);
    assert!(all[1].trace.iter().any(|e| format!("{:?}", e.kind).contains("`shout`")));

    let rest = root(&steps[2..]);
    let resumed = rlm(Arc::clone(&rest), Arc::clone(&subs), Some(Arc::clone(&cache)))
        .resume(cp.clone(), context(), sink().1)
        .await
        .unwrap();
    assert_eq!(resumed.answer.as_deref(), Some("ALPHA-ANSWER/BETA-ANSWER"));
    assert_eq!(resumed.steps, 3);
    assert_eq!(subs.calls(), 2, "the re-run steps' subcalls came from the cache");
    assert_eq!(rest.calls(), 1);

    // Without a cache the re-run steps pay their subcalls again.
    let uncached = sub();
    let again = rlm(root(&steps[2..]), Arc::clone(&uncached), None)
        .resume(cp, context(), sink().1)
        .await
        .unwrap();
    assert_eq!(again.answer.as_deref(), Some("ALPHA-ANSWER/BETA-ANSWER"));
    assert_eq!(uncached.calls(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrupt_checkpoints_are_typed_errors() {
    assert!(matches!(Checkpoint::from_bytes(b"garbage"), Err(CheckpointError::Corrupt(_))));
    assert!(matches!(Checkpoint::from_bytes(b""), Err(CheckpointError::Corrupt(_))));
    let steps = saved_steps();
    let (saved, to) = sink();
    rlm(root(&steps[..2]), sub(), None).run_durable(QUERY, context(), to).await.unwrap();
    let cp = saved.last().unwrap();
    let bytes = cp.to_bytes().unwrap();
    assert!(matches!(
        Checkpoint::from_bytes(&bytes[..bytes.len() / 2]),
        Err(CheckpointError::Corrupt(_))
    ));
    let newer = Checkpoint { version: 99, ..cp.clone() };
    assert_eq!(
        Checkpoint::from_bytes(&newer.to_bytes().unwrap()).unwrap_err(),
        CheckpointError::Version { found: 99, supported: rlm_core::CHECKPOINT_VERSION }
    );
    let backwards = Checkpoint { globals_step: cp.step + 1, ..cp.clone() };
    assert!(matches!(
        Checkpoint::from_bytes(&backwards.to_bytes().unwrap()),
        Err(CheckpointError::Corrupt(_))
    ));
    // Variables that point nowhere: refused before anything runs.
    let mut broken = cp.clone();
    broken.globals.globals.push(("ghost".into(), 1_000_000));
    let root_model = root(&steps[2..]);
    let err = rlm(Arc::clone(&root_model), sub(), None)
        .resume(broken, context(), sink().1)
        .await
        .unwrap_err();
    assert!(matches!(err, RlmError::Checkpoint(CheckpointError::Snapshot(_))), "{err:?}");
    assert_eq!(root_model.calls(), 0);
    // Bytes changed at random: an error or a checkpoint, never a panic.
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..500 {
        let mut b = bytes.clone();
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let i = (seed as usize) % b.len();
        b[i] = b"0123456789[]{},:\"x"[(seed >> 40) as usize % 18];
        let _ = Checkpoint::from_bytes(&b);
    }
}
