//! Runs a cell to its end as a host that answers every `llm_query` at once
//! (shared by the tests of `await`, `gather` and the event loop's clock).

use rlm_interp::{Interpreter, Limits, Outcome, Value};

/// Runs `src`, answering every call with `reply:<first argument>`; returns
/// the sizes of the batches the host saw and what the program printed.
pub fn run(src: &str) -> (Vec<usize>, String) {
    let mut s = Interpreter::new(Limits::default());
    let mut o = s.run_cell(src);
    let mut batches = Vec::new();
    while let Outcome::Suspended(calls) = &o {
        batches.push(calls.len());
        for c in calls {
            assert_eq!(c.name, "llm_query");
            let prompt = c.args.first().and_then(|v| v.as_str().map(|s| s.as_str().to_string()));
            s.answer(c.id, Ok(Value::str(format!("reply:{}", prompt.unwrap_or_default()))))
                .expect("a pending call");
        }
        o = s.resume();
    }
    assert!(matches!(o, Outcome::Done), "ended with {o:?}");
    (batches, s.take_output())
}
