//! Host calls inside generator expressions. A generator expression is lazy
//! (its items are made as its consumer asks), but one whose body may reach a
//! host call (it names a host function or value, or a program function whose
//! code does) runs at once, as a list comprehension, so that the call can
//! suspend the program as before; a host call the check cannot see raises a
//! `RuntimeError` that says what to write instead.

use rlm_interp::{Interpreter, Limits, Outcome, Value};

/// Runs `src`, answering every call with `reply:<first argument>`; returns
/// the number of calls the host saw, the outcome and what the program printed.
fn run(src: &str) -> (usize, Outcome, String) {
    let mut s = Interpreter::new(Limits::default());
    let mut o = s.run_cell(src);
    let mut calls_seen = 0;
    while let Outcome::Suspended(calls) = &o {
        calls_seen += calls.len();
        for c in calls {
            let prompt = c.args.first().and_then(|v| v.as_str().map(|s| s.as_str().to_string()));
            s.answer(c.id, Ok(Value::str(format!("reply:{}", prompt.unwrap_or_default()))))
                .expect("a pending call");
        }
        o = s.resume();
    }
    let out = s.take_output();
    (calls_seen, o, out)
}

#[test]
fn a_join_over_host_calls_suspends_for_each() {
    let (calls, o, out) = run("ps = ['a', 'b', 'c']\nprint(','.join(llm_query(p) for p in ps))\n");
    assert!(matches!(o, Outcome::Done), "ended with {o:?}");
    assert_eq!(calls, 3);
    assert_eq!(out, "reply:a,reply:b,reply:c\n");
}

#[test]
fn a_program_function_that_asks_the_host_is_seen_through() {
    let (calls, o, out) = run("def ask(p):\n    return llm_query(p + '?')\n\
         print(sum(len(ask(p)) for p in 'xy'))\n");
    assert!(matches!(o, Outcome::Done), "ended with {o:?}");
    assert_eq!(calls, 2);
    assert_eq!(out, "16\n");
}

#[test]
fn a_generator_without_host_calls_stays_lazy() {
    let (calls, o, out) = run("import itertools\nseen = []\n\
         def note(x):\n    seen.append(x)\n    return x\n\
         print(any(note(x) > 2 for x in itertools.count()), seen)\n");
    assert!(matches!(o, Outcome::Done), "ended with {o:?}");
    assert_eq!(calls, 0);
    assert_eq!(out, "True [0, 1, 2, 3]\n");
}

#[test]
fn any_over_host_calls_stops_at_the_answer_that_decides() {
    // Run at once on the program's frame stack, read up to the item that
    // decides: the calls after it are never made (they cost money).
    let (calls, o, out) = run("ps = ['a', 'b', 'c', 'd']\n\
         print(any(llm_query(p) == 'reply:b' for p in ps))\n\
         print(all(llm_query(p) != 'reply:a' for p in ps))\n");
    assert!(matches!(o, Outcome::Done), "ended with {o:?}");
    assert_eq!(calls, 3);
    assert_eq!(out, "True\nFalse\n");
}

#[test]
fn any_over_a_host_call_the_check_cannot_see_suspends_too() {
    // `any`'s generator runs on the frame stack whatever its body names.
    let (calls, o, out) =
        run("fs = [llm_query]\nprint(any(f(p) == 'reply:a' for f in fs for p in 'ab'))\n");
    assert!(matches!(o, Outcome::Done), "ended with {o:?}");
    assert_eq!(calls, 1);
    assert_eq!(out, "True\n");
}

#[test]
fn a_host_call_the_check_cannot_see_raises_with_advice() {
    let (calls, o, _) = run("fs = [llm_query]\nprint(list(f(p) for f in fs for p in 'ab'))\n");
    assert_eq!(calls, 0);
    let Outcome::Error(e) = o else { panic!("ended with {o:?}") };
    assert_eq!(e.type_name, "RuntimeError");
    assert!(e.message.contains("list comprehension"), "{}", e.message);
}
