//! `Rlm::with_models`: a runtime built once, run with new adapters per run
//! (what `rlm serve` does per execution) sends what a runtime built from
//! scratch with those adapters sends, the system prompt included, and keeps
//! no state of the runtime it came from.

use crate::support;

use std::sync::Arc;

use rlm_adapters::{FakeAdapter, FakeScript, ModelAdapter};
use rlm_context::Context;
use rlm_core::Rlm;
use support::{repl, root};

fn context() -> Context {
    Context::from_text("the launch is on Tuesday")
}

/// A sub-model with a 32k-token window (the system prompt names it).
fn windowed_sub() -> Arc<FakeAdapter> {
    let script = FakeScript {
        model: Some("sub".into()),
        context_window: Some(32_000),
        ..FakeScript::default()
    };
    Arc::new(FakeAdapter::scripted(script).expect("a valid script"))
}

#[test]
fn new_models_get_what_a_fresh_build_sends() {
    let replies = [repl("print(len(context))"), "FINAL('24 chars')".to_string()];
    let replies: Vec<&str> = replies.iter().map(String::as_str).collect();
    let template = Rlm::builder().root(root(&replies)).build().unwrap();
    // The template's own model played its script: the copy starts afresh.
    assert_eq!(
        template.run_blocking("how long?", context()).unwrap().answer.as_deref(),
        Some("24 chars")
    );
    for _ in 0..2 {
        let (ours, fresh) = (root(&replies), root(&replies));
        let derived = template.with_models(ours.clone(), ours.clone()).unwrap();
        let built = Rlm::builder().root(fresh.clone()).build().unwrap();
        let a = derived.run_blocking("how long?", context()).unwrap();
        let b = built.run_blocking("how long?", context()).unwrap();
        assert_eq!((a.answer.as_deref(), a.steps), (Some("24 chars"), 2));
        assert_eq!((a.answer, a.steps, a.finish), (b.answer, b.steps, b.finish));
        let sent = |m: &FakeAdapter| -> Vec<Vec<(String, String)>> {
            m.requests()
                .iter()
                .map(|r| {
                    r.messages
                        .iter()
                        .map(|c| (format!("{:?}", c.role), c.content.clone()))
                        .collect()
                })
                .collect()
        };
        assert_eq!(sent(&ours), sent(&fresh), "the same messages, system prompt first");
        assert_eq!(derived.root_model(), "fake:root");
    }
}

#[test]
fn a_sub_model_with_another_window_gets_its_own_system_prompt() {
    let template = Rlm::builder().root(root(&["FINAL('x')"])).build().unwrap();
    let system = |rlm: &Rlm, model: &FakeAdapter| {
        rlm.run_blocking("q", context()).unwrap();
        model.requests()[0].messages[0].content.clone()
    };
    let plain = root(&["FINAL('x')"]);
    let same = system(&template.with_models(plain.clone(), plain.clone()).unwrap(), &plain);
    let ours = root(&["FINAL('x')"]);
    let sub: Arc<dyn ModelAdapter> = windowed_sub();
    let derived = template.with_models(ours.clone(), Arc::clone(&sub)).unwrap();
    assert_eq!(derived.sub_model(), "fake:sub");
    let windowed = system(&derived, &ours);
    let fresh = root(&["FINAL('x')"]);
    let built = Rlm::builder().root(fresh.clone()).sub_model(sub).build().unwrap();
    assert_eq!(windowed, system(&built, &fresh), "as a build renders it");
    assert_ne!(windowed, same);
    assert!(windowed.contains("126,000 characters"), "{windowed}");
    assert!(!same.contains("126,000"), "{same}");
}
