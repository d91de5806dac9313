//! The paper's S-NIAH-style needle task and an OOLONG-style aggregation task,
//! end to end through the loop: a scripted root model sends the programs a
//! root model would write (`rlm-tasks`), a rule-based sub-model answers the
//! chunks, and the answer is checked against the generator's. 10 KB and 1 MB
//! run in the default suite; `RLM_TASKS_BIG=1` adds 10 MB and 100 MB (run them
//! in release: `RLM_TASKS_BIG=1 cargo test --release -p rlm-core --test suite tasks_e2e::`).

use std::sync::Arc;

use rlm_adapters::FakeAdapter;
use rlm_context::Context;
use rlm_core::{Finish, Rlm};
use rlm_tasks::{RuleModel, Task, TaskKind, root_replies};

fn sizes() -> Vec<usize> {
    let mut s = vec![10_000, 1_000_000];
    if std::env::var("RLM_TASKS_BIG").is_ok_and(|v| v == "1") {
        s.extend([10_000_000, 100_000_000]);
    }
    s
}

fn run(task: &Task) -> (rlm_core::RunResult, Arc<RuleModel>) {
    let root = Arc::new(FakeAdapter::replies(root_replies(task)).with_model_name("root"));
    let sub = Arc::new(RuleModel::new());
    let rlm = Rlm::builder().root(root).sub_model(sub.clone()).build().expect("valid");
    let result =
        rlm.run_blocking(&task.question, Context::from_text(task.context.clone())).expect("run");
    (result, sub)
}

fn check(kind: TaskKind) {
    for size in sizes() {
        for seed in [1u64, 2] {
            let task = kind.generate(size, seed);
            let started = std::time::Instant::now();
            let (r, sub) = run(&task);
            let answer = r.answer.clone().unwrap_or_default();
            eprintln!(
                "{} {size} B seed {seed}: {:?} (expected {:?}), {} subcalls, {:.2} s",
                kind.as_str(),
                answer,
                task.answer,
                sub.calls(),
                started.elapsed().as_secs_f64()
            );
            assert!(task.is_correct(&answer), "{}: {answer:?} != {:?}", task.name, task.answer);
            assert_eq!(r.finish, Finish::Final);
            assert_eq!(r.steps, 2, "explore, then chunk + batch + FINAL");
            assert_eq!(r.usage.subcalls, sub.calls());
            assert_eq!(sub.refused(), 0, "every chunk fits the sub-model");
            let subcall_spans =
                r.events.iter().filter(|e| e.kind.name() == "subcall_started").count();
            assert_eq!(subcall_spans as u64, sub.calls());
        }
    }
}

#[test]
fn needle_is_found_at_every_size() {
    check(TaskKind::Needle);
}

#[test]
fn oolong_aggregation_is_exact_at_every_size() {
    check(TaskKind::Oolong);
}
