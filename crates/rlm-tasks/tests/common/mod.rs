//! Runs a task's scripted root program under our interpreter: one `Interpreter`
//! with the task's context bound by `rlm_core::bind_context`, every
//! `llm_query`/`llm_batch` host call answered by a `RuleModel` through the
//! `ModelAdapter` trait (window check and usage included), until `FINAL`.
//! Shared by the integration tests and the `run_tasks` example.

#![allow(dead_code)]

use rlm_adapters::ModelAdapter;
use rlm_context::Context;
use rlm_interp::{HostError, Interpreter, Limits, Outcome, Value};
use rlm_tasks::{Program, RuleModel, Task};
use rlm_types::CompletionRequest;

/// What a run produced.
#[derive(Debug)]
pub struct InterpRun {
    /// The value passed to `FINAL`, as `str()` prints it (None if the program never called it).
    pub answer: Option<String>,
    /// Everything the cells printed.
    pub output: String,
    /// Sub-model calls made by the program.
    pub subcalls: u64,
    /// The error that ended the run, rendered as the model would see it.
    pub error: Option<String>,
}

/// Runs `program` over `task.context` with `model` answering every host call.
pub fn run_in_interpreter(task: &Task, program: &Program, model: &RuleModel) -> InterpRun {
    run_with_context(&Context::from_text(task.context.clone()), program, model)
}

/// As [`run_in_interpreter`], over an already built context (benchmarks reuse it).
pub fn run_with_context(context: &Context, program: &Program, model: &RuleModel) -> InterpRun {
    let mut session = Interpreter::new(Limits::default());
    rlm_core::bind_context(&mut session, context);
    let mut run = InterpRun { answer: None, output: String::new(), subcalls: 0, error: None };
    for (i, cell) in program.cells.iter().enumerate() {
        session.set_cell_name(&format!("<cell {}>", i + 1));
        let mut outcome = session.run_cell(cell);
        loop {
            run.output.push_str(&session.take_output());
            match outcome {
                Outcome::Done => break,
                Outcome::Final(v) => {
                    run.answer = Some(session.display(&v));
                    return run;
                }
                Outcome::Error(e) => {
                    run.error = Some(e.render(cell, &format!("<cell {}>", i + 1)));
                    return run;
                }
                Outcome::Suspended(calls) => {
                    for call in calls {
                        run.subcalls += 1;
                        let reply = match call.args.first().and_then(Value::as_str) {
                            Some(prompt) => {
                                let request = CompletionRequest::user(prompt.as_str());
                                futures::executor::block_on(model.complete(&request))
                                    .map(|c| Value::str(c.text))
                                    .map_err(|e| HostError::new(e.to_string()))
                            }
                            None => Err(HostError::new(format!(
                                "{} expects a prompt string as its first argument",
                                call.name
                            ))),
                        };
                        if let Err(e) = session.answer(call.id, reply) {
                            run.error = Some(e.to_string());
                            return run;
                        }
                    }
                    outcome = session.resume();
                }
            }
        }
    }
    run
}
