//! Shared helpers of the differential tests: run cells in our interpreter
//! and in CPython (one `python3` process per test, through `driver.py`),
//! and compare the results.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::Write;
use std::process::{Command, Stdio};

use rlm_interp::{ErrorKind, Interpreter, Limits, Outcome, Value};

pub const REPLY: &str = "ok";

#[derive(Debug, Clone, PartialEq)]
pub struct CellResult {
    pub stdout: String,
    pub error: Option<(String, String)>,
    pub final_answer: Option<String>,
    /// The fuel the cell was charged (ours; 0 for CPython's).
    pub fuel: u64,
}

pub struct Job {
    pub id: String,
    pub cells: Vec<String>,
    pub context: Option<String>,
}

/// Run a job's cells in one session of our interpreter.
pub fn run_ours(job: &Job, limits: Limits) -> Vec<CellResult> {
    let mut s = Interpreter::new(limits);
    if let Some(c) = &job.context {
        let v = Value::Str(rlm_interp::Str::from_buffer(std::sync::Arc::new(c.clone())));
        s.set_global("context", v.clone());
        s.set_global("P", v);
    }
    let mut out = Vec::new();
    let mut limited = false;
    for src in &job.cells {
        let mut res =
            CellResult { stdout: String::new(), error: None, final_answer: None, fuel: 0 };
        let mut o = s.run_cell(src);
        loop {
            res.stdout.push_str(&s.take_output());
            match o {
                Outcome::Suspended(calls) => {
                    for c in calls {
                        let _ = s.answer(c.id, Ok(Value::str(REPLY)));
                    }
                    o = s.resume();
                }
                Outcome::Done => break,
                Outcome::Final(v) => {
                    res.final_answer = Some(s.display(&v));
                    break;
                }
                Outcome::Error(e) => {
                    // A limit ends the job: CPython would have gone on with
                    // the cell's changes, which the limit rolled back.
                    limited = matches!(e.kind, ErrorKind::Limit(_));
                    let ty = e.type_name.rsplit('.').next().unwrap_or("").to_string();
                    let msg = if matches!(e.kind, ErrorKind::Syntax) {
                        String::new()
                    } else {
                        e.message.clone()
                    };
                    res.error = Some((ty, msg));
                    break;
                }
            }
        }
        res.fuel = s.fuel_used();
        let stop = res.final_answer.is_some();
        out.push(res);
        if stop || limited {
            break;
        }
    }
    out
}

/// Run all jobs in one CPython process. `None` when python3 is missing.
pub fn run_python(jobs: &[Job]) -> Option<HashMap<String, Vec<CellResult>>> {
    let driver = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/driver.py");
    let req = serde_json::json!({
        "reply": REPLY,
        "jobs": jobs.iter().map(|j| serde_json::json!({"id": j.id, "cells": j.cells, "context": j.context})).collect::<Vec<_>>(),
    });
    let mut child = Command::new("python3")
        .arg(driver)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .ok()?;
    let body = req.to_string();
    let mut stdin = child.stdin.take()?;
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(body.as_bytes());
    });
    let output = child.wait_with_output().ok()?;
    let _ = writer.join();
    let v: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("driver output is JSON");
    let mut out = HashMap::new();
    for (id, cells) in v.as_object()? {
        let cells = cells
            .as_array()?
            .iter()
            .map(|c| CellResult {
                stdout: c["stdout"].as_str().unwrap_or("").to_string(),
                error: c["error"].as_array().map(|e| {
                    let ty = e[0].as_str().unwrap_or("").to_string();
                    let msg = if ty == "SyntaxError" {
                        String::new()
                    } else {
                        e[1].as_str().unwrap_or("").to_string()
                    };
                    (ty, msg)
                }),
                final_answer: c["final"].as_str().map(str::to_string),
                fuel: 0,
            })
            .collect();
        out.insert(id.clone(), cells);
    }
    Some(out)
}

/// Why two runs differ, or `None` when they are identical.
pub fn difference(ours: &[CellResult], theirs: &[CellResult]) -> Option<String> {
    for (i, (a, b)) in ours.iter().zip(theirs.iter()).enumerate() {
        if a.stdout != b.stdout {
            let pos = a
                .stdout
                .bytes()
                .zip(b.stdout.bytes())
                .position(|(x, y)| x != y)
                .unwrap_or(a.stdout.len().min(b.stdout.len()));
            let ctx = |s: &str| {
                let fl = |mut i: usize| {
                    while i > 0 && !s.is_char_boundary(i) {
                        i -= 1;
                    }
                    i
                };
                s[fl(pos.saturating_sub(40))..fl((pos + 60).min(s.len()))].to_string()
            };
            return Some(format!(
                "cell {i}: stdout differs at byte {pos}:\n      ours:    {:?}\n      cpython: {:?}\n      our error: {:?}",
                ctx(&a.stdout),
                ctx(&b.stdout),
                a.error
            ));
        }
        if a.error != b.error {
            return Some(format!(
                "cell {i}: error differs: ours {:?}, cpython {:?}",
                a.error, b.error
            ));
        }
        if a.final_answer != b.final_answer {
            return Some(format!(
                "cell {i}: FINAL differs: ours {:?}, cpython {:?}",
                a.final_answer, b.final_answer
            ));
        }
    }
    if ours.len() != theirs.len() {
        return Some(format!("ran {} cells, cpython ran {}", ours.len(), theirs.len()));
    }
    None
}
