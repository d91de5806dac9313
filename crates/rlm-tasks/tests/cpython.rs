//! The scripted root programs are valid Python with the same meaning: run under
//! CPython (tests/cpython_harness.py, stand-ins for `context`, `ctx`,
//! `llm_batch`, `FINAL`), with this test answering every sub-call through the
//! same `RuleModel`, they reach the exact answer and make the same sub-calls as
//! under our interpreter. Ignored with a `SKIPPED` reason when `python3` is missing.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use rlm_adapters::ModelAdapter;
use rlm_tasks::{Program, RuleModel, Task, TaskQuestion, needle, oolong, root_program};
use rlm_types::CompletionRequest;
use serde_json::{Value, json};

const HARNESS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cpython_harness.py");

/// The real interpreter behind `python3` (resolved once: version-manager shims cost
/// hundreds of milliseconds per start).
fn python() -> String {
    let out = Command::new("python3").args(["-c", "import sys; print(sys.executable)"]).output();
    match out {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).trim().to_string(),
        _ => panic!("python3 did not start (the test environment probed it)"),
    }
}

/// What the program did under CPython.
struct PyRun {
    answer: Option<String>,
    output: String,
    prompts: Vec<String>,
}

fn run_in_cpython(python: &str, task: &Task, program: &Program, model: &RuleModel) -> PyRun {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("context.txt");
    std::fs::write(&path, &task.context).unwrap();
    let mut child = Command::new(python)
        .arg(HARNESS)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let setup = json!({ "context_path": path, "cells": program.cells });
    writeln!(stdin, "{setup}").unwrap();
    let mut prompts = Vec::new();
    let mut line = String::new();
    let result = loop {
        line.clear();
        if stdout.read_line(&mut line).unwrap() == 0 {
            panic!("{}: the harness exited without a final message", task.name);
        }
        let msg: Value = serde_json::from_str(&line).unwrap();
        if let Some(ps) = msg.get("prompts").and_then(Value::as_array) {
            let mut replies = Vec::new();
            for p in ps {
                let p = p.as_str().unwrap().to_string();
                let req = CompletionRequest::user(p.clone());
                match futures::executor::block_on(model.complete(&req)) {
                    Ok(c) => replies.push(c.text),
                    Err(e) => panic!("{}: sub-call failed: {e}", task.name),
                }
                prompts.push(p);
            }
            writeln!(stdin, "{}", json!({ "replies": replies })).unwrap();
            continue;
        }
        let output = msg["output"].as_str().unwrap_or_default().to_string();
        if let Some(e) = msg.get("exception") {
            panic!(
                "{}: exception under CPython:\n{}\noutput:\n{output}",
                task.name,
                e.as_str().unwrap()
            );
        }
        break PyRun { answer: msg["final"].as_str().map(str::to_string), output, prompts };
    };
    drop(stdin);
    assert!(child.wait().unwrap().success());
    result
}

fn check(python: &str, task: &Task) {
    let program = root_program(task);
    let py = run_in_cpython(python, task, &program, &RuleModel::new());
    let answer = py.answer.unwrap_or_else(|| panic!("{}: no FINAL\n{}", task.name, py.output));
    assert!(
        task.is_correct(&answer),
        "{}: CPython got {answer:?}, want {:?}",
        task.name,
        task.answer
    );

    // Same program, our interpreter: same answer, same printed output, same number of sub-calls.
    let ours = common::run_in_interpreter(task, &program, &RuleModel::new());
    assert_eq!(ours.error, None);
    assert_eq!(ours.answer.as_deref(), Some(answer.as_str()), "{}", task.name);
    assert_eq!(ours.output, py.output, "{}: printed output differs", task.name);
    assert_eq!(ours.subcalls as usize, py.prompts.len(), "{}", task.name);
}

/// 10 KB and 1 MB always; 10 MB and 100 MB with `RLM_TASKS_BIG=1` (the interpreter
/// tests cover 10 MB in every run).
fn sizes() -> Vec<usize> {
    let mut s = vec![10_000, 1_000_000];
    if std::env::var_os("RLM_TASKS_BIG").is_some() {
        s.extend([10_000_000, 100_000_000]);
    }
    s
}

rlm_testenv::needs_python3! {
    #[test]
    fn programs_give_the_exact_answer_under_cpython_too() {
        let python = python();
        let mut forms = (false, false);
        for (i, size) in sizes().into_iter().enumerate() {
            check(&python, &needle(size, 300 + i as u64));
            for seed in [400 + 2 * i as u64, 401 + 2 * i as u64] {
                let task = oolong(size, seed);
                match task.asks {
                    TaskQuestion::OolongMostCommon => forms.0 = true,
                    _ => forms.1 = true,
                }
                check(&python, &task);
            }
        }
        assert!(forms.0 && forms.1, "both OOLONG question forms ran: {forms:?}");
    }
}
