//! The scripted root programs run end to end under our interpreter, with the
//! rule-based sub-model answering every sub-call, and give the exact answer at
//! every size; the baseline (whole context in one call) fails once the context
//! passes the sub-model's window. 10 KB and 1 MB always run; 10 MB runs too
//! (a few seconds in debug); `RLM_TASKS_BIG=1` adds 100 MB (use --release).

mod common;

use common::run_in_interpreter;
use rlm_adapters::ModelAdapter;
use rlm_tasks::{
    RuleModel, Task, TaskKind, TaskQuestion, baseline_prompt, needle, oolong, root_program,
    root_program_with,
};
use rlm_types::CompletionRequest;

fn sizes() -> Vec<usize> {
    let mut s = vec![10_000, 1_000_000, 10_000_000];
    if std::env::var_os("RLM_TASKS_BIG").is_some() {
        s.push(100_000_000);
    }
    s
}

fn assert_solved(task: &Task, model: &RuleModel) {
    let run = run_in_interpreter(task, &root_program(task), model);
    assert!(run.error.is_none(), "{}: {}\noutput:\n{}", task.name, run.error.unwrap(), run.output);
    let answer = run.answer.unwrap_or_else(|| panic!("{}: no FINAL\n{}", task.name, run.output));
    assert!(task.is_correct(&answer), "{}: got {answer:?}, want {:?}", task.name, task.answer);
    assert!(run.output.contains("chunks"), "{}", run.output);
    assert_eq!(model.refused(), 0, "every chunk prompt fits the window");
    // One sub-call per chunk of at most 100 000 characters.
    assert!(run.subcalls as usize >= task.context.len() / 100_000, "{}", run.subcalls);
}

#[test]
fn needle_is_found_at_every_size() {
    for (i, size) in sizes().into_iter().enumerate() {
        assert_solved(&needle(size, 100 + i as u64), &RuleModel::new());
    }
}

#[test]
fn oolong_counts_are_exact_at_every_size() {
    let mut forms = (false, false);
    for (i, size) in sizes().into_iter().enumerate() {
        // Two seeds per size so that both question forms are exercised.
        for seed in [200 + 2 * i as u64, 201 + 2 * i as u64] {
            let task = oolong(size, seed);
            match task.asks {
                TaskQuestion::OolongMostCommon => forms.0 = true,
                _ => forms.1 = true,
            }
            assert_solved(&task, &RuleModel::new());
        }
    }
    assert!(forms.0 && forms.1, "both question forms ran: {forms:?}");
}

#[test]
fn needle_found_even_when_cut_by_every_chunk_boundary_nearby() {
    // Small chunks put the needle sentence across many different boundaries.
    for seed in 0..12 {
        let task = needle(20_000, seed);
        for chunk in [400, 999, 1_777] {
            let run =
                run_in_interpreter(&task, &root_program_with(&task, chunk), &RuleModel::new());
            assert_eq!(run.error, None);
            assert!(
                task.is_correct(run.answer.as_deref().unwrap_or("")),
                "{} chunk {chunk}",
                task.name
            );
        }
    }
}

#[test]
fn baseline_answers_when_it_fits_and_hits_the_context_limit_when_not() {
    let model = RuleModel::new();
    for kind in TaskKind::ALL {
        let small = kind.generate(10_000, 5);
        let reply = futures::executor::block_on(
            model.complete(&CompletionRequest::user(baseline_prompt(&small))),
        )
        .unwrap();
        assert!(
            small.is_correct(&reply.text),
            "{}: {:?} vs {:?}",
            small.name,
            reply.text,
            small.answer
        );

        let big = kind.generate(1_000_000, 5);
        let err = futures::executor::block_on(
            model.complete(&CompletionRequest::user(baseline_prompt(&big))),
        )
        .unwrap_err();
        assert!(err.is_context_length_exceeded(), "{err}");
    }
    assert_eq!(model.refused(), 2);
}

#[test]
fn a_sub_model_too_small_for_the_chunks_makes_the_program_fail_clearly() {
    let task = needle(50_000, 9);
    let run = run_in_interpreter(
        &task,
        &root_program(&task),
        &RuleModel::new().with_context_window(1000),
    );
    let err = run.error.expect("a context-length error reaches the program");
    assert!(err.contains("context length exceeded"), "{err}");
}
